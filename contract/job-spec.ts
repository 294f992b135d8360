import { z } from 'zod';
import { JOB_ID } from './ids';
import { imageReferenceSchema } from './image-reference';
import { labelsSchema, limitedRecord } from './node-labels';

/**
 * A submitted job (the body of POST /jobs) and the answer to it. Strict at every level:
 * an unknown field is refused by name rather than ignored, so nobody believes a
 * `privileged`, `volumes` or `network` setting took effect — there are none. The command
 * is an argv array and the env plain data: both are stored verbatim and handed to Docker
 * as such, never through a shell, so shell metacharacters there are just characters.
 * The image is the one string that names something, and only a well-formed reference
 * is accepted.
 */

export const JOB_KINDS = ['service', 'batch'] as const;
export const RESTART_MODES = ['always', 'on-failure', 'never'] as const;

/** 1..63 characters of [a-z0-9-], starting and ending alphanumeric (a DNS label). */
export const JOB_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INSTANCE_TYPE = /^[a-z0-9][a-z0-9.-]{0,63}$/;
const ZONE = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** NUL cannot travel in an argv or environment entry: refuse it rather than let Docker truncate. */
const noNul = (s: string) => !s.includes('\0');

/**
 * A lone UTF-16 surrogate has no UTF-8 form: DynamoDB, the agent's JSON and Docker would
 * each turn it into U+FFFD, so the container would get a different string than the one
 * accepted. Refused rather than silently changed.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const wellFormed = (s: string) => !LONE_SURROGATE.test(s);

/** Argv entries and env values: any text but NUL, in well-formed Unicode. */
const argText = z
  .string()
  .max(4096)
  .refine(noNul, 'must not contain NUL characters')
  .refine(wellFormed, 'must be well-formed Unicode (a lone surrogate such as \\ud800 has no UTF-8 form)');

/** The fields of a restart policy a job may set; the rest come from its kind's default. */
export const restartSchema = z
  .strictObject({
    mode: z.enum(RESTART_MODES),
    maxRestarts: z.number().int().min(0).max(10_000).optional(),
    initialDelayMs: z.number().int().min(100).max(3_600_000).optional(),
    maxDelayMs: z.number().int().min(100).max(86_400_000).optional(),
  })
  .refine((r) => r.initialDelayMs === undefined || r.maxDelayMs === undefined || r.initialDelayMs <= r.maxDelayMs, {
    message: 'initialDelayMs must not exceed maxDelayMs',
    path: ['initialDelayMs'],
  });

export const constraintsSchema = z.strictObject({
  instanceTypes: z.array(z.string().regex(INSTANCE_TYPE, 'instance types look like m5.large')).max(64).optional(),
  zones: z.array(z.string().regex(ZONE, 'zones look like us-east-1a')).max(32).optional(),
  nodeLabels: labelsSchema.optional(),
});

/** POST /jobs: the body. */
export const jobSpecSchema = z.strictObject({
  name: z.string().min(1).max(63).regex(JOB_NAME, 'must be lowercase letters, digits and "-", starting and ending with a letter or digit'),
  image: imageReferenceSchema,
  command: z.array(argText).min(1).max(64),
  env: limitedRecord(z.string().max(128).regex(ENV_KEY, 'env names must match ^[A-Za-z_][A-Za-z0-9_]*$'), argText, 64).default({}),
  cpu: z.number().int().min(1).max(256_000),
  memoryMiB: z.number().int().min(1).max(1_048_576),
  count: z.number().int().min(1).max(1000),
  kind: z.enum(JOB_KINDS).default('service'),
  restart: restartSchema.optional(),
  constraints: constraintsSchema.default({}),
  doNotDisrupt: z.boolean().default(false),
});

/** What a client sends: defaulted fields may be left out. */
export type JobSpecBody = z.input<typeof jobSpecSchema>;
/** What the API reads from it: every default filled in but the restart policy's, which depends on the kind. */
export type ParsedJobSpec = z.output<typeof jobSpecSchema>;

/** POST /jobs (202): the new job's id and its tasks' ids, one per replica. */
export const submitResponseSchema = z.object({
  jobId: z.string().regex(JOB_ID),
  taskIds: z.array(z.string().min(1)).readonly(),
});
export type SubmitResponse = z.infer<typeof submitResponseSchema>;
