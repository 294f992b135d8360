import { z } from 'zod';
import type { Constraints, JobKind, RestartPolicy } from '../../core/model';
import { DEFAULT_BATCH_RESTART, DEFAULT_SERVICE_RESTART } from '../../core/policy';

/**
 * A submitted job, as the API accepts it. Strict at every level: an unknown field is
 * refused by name rather than ignored, so nobody believes a `privileged`, `volumes` or
 * `network` setting took effect — there are none. The command is an argv array and the
 * env plain data: both are stored verbatim and handed to Docker as such, never through
 * a shell, so shell metacharacters there are just characters. The image is the one
 * string that names something, and only a well-formed reference is accepted.
 */

/** 1..63 characters of [a-z0-9-], starting and ending alphanumeric (a DNS label). */
export const JOB_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

// The image reference grammar of the distribution spec, written out piece by piece:
// [registry[:port]/]path[/path...][:tag][@sha256:hex64], lowercase paths.
const HOST_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const REGISTRY = `${HOST_PART}(?:\\.${HOST_PART})*(?::[0-9]{1,5})?`;
const PATH_PART = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = 'sha256:[a-f0-9]{64}';
export const IMAGE_REFERENCE = new RegExp(`^(?:${REGISTRY}/)?${PATH_PART}(?:/${PATH_PART})*(?::${TAG})?(?:@${DIGEST})?$`);

export const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_KEY = /^[A-Za-z0-9](?:[A-Za-z0-9._/-]{0,62})$/;
const LABEL_VALUE = /^[A-Za-z0-9._-]{0,63}$/;
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

const limitedRecord = <V extends z.ZodType>(key: z.ZodString, value: V, max: number) =>
  z.record(key, value).refine((r) => Object.keys(r).length <= max, { message: `must have at most ${max} entries` });

/** Node labels, as constraints name them and heartbeats report them. */
export const labelsSchema = limitedRecord(
  z.string().regex(LABEL_KEY, 'label keys are 1..63 characters of [A-Za-z0-9._/-], starting alphanumeric'),
  z.string().regex(LABEL_VALUE, 'label values are 0..63 characters of [A-Za-z0-9._-]'),
  32,
);

export const restartSchema = z
  .strictObject({
    mode: z.enum(['always', 'on-failure', 'never']),
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

export const jobSchema = z.strictObject({
  name: z.string().min(1).max(63).regex(JOB_NAME, 'must be lowercase letters, digits and "-", starting and ending with a letter or digit'),
  image: z
    .string()
    .min(1)
    .max(255)
    .regex(IMAGE_REFERENCE, 'must be an image reference like registry.example.com/team/app:1.2@sha256:<64 hex>, without whitespace or shell characters'),
  command: z.array(argText).min(1).max(64),
  env: limitedRecord(
    z.string().max(128).regex(ENV_KEY, 'env names must match ^[A-Za-z_][A-Za-z0-9_]*$'),
    argText,
    64,
  ).default({}),
  cpu: z.number().int().min(1).max(256_000),
  memoryMiB: z.number().int().min(1).max(1_048_576),
  count: z.number().int().min(1).max(1000),
  kind: z.enum(['service', 'batch']).default('service'),
  restart: restartSchema.optional(),
  constraints: constraintsSchema.default({}),
  doNotDisrupt: z.boolean().default(false),
});

export type JobInput = z.input<typeof jobSchema>;

/** The job as submitted after parsing, with every default filled in: what the Job stores. */
export interface JobSpec {
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly count: number;
  readonly kind: JobKind;
  readonly restart: RestartPolicy;
  readonly constraints: Constraints;
  readonly doNotDisrupt: boolean;
}

/** Fields of `restart` left out come from the kind's default policy. */
export function toJobSpec(parsed: z.output<typeof jobSchema>): JobSpec {
  const base = parsed.kind === 'batch' ? DEFAULT_BATCH_RESTART : DEFAULT_SERVICE_RESTART;
  const r = parsed.restart;
  const restart: RestartPolicy = r
    ? {
        mode: r.mode,
        maxRestarts: r.maxRestarts ?? base.maxRestarts,
        initialDelayMs: r.initialDelayMs ?? Math.min(base.initialDelayMs, r.maxDelayMs ?? Infinity),
        maxDelayMs: r.maxDelayMs ?? Math.max(base.maxDelayMs, r.initialDelayMs ?? 0),
        resetAfterMs: base.resetAfterMs,
      }
    : base;
  // Drop an absent maxRestarts rather than store `undefined` (canonical JSON compares keys).
  const restartClean = restart.maxRestarts === undefined ? { mode: restart.mode, initialDelayMs: restart.initialDelayMs, maxDelayMs: restart.maxDelayMs, resetAfterMs: restart.resetAfterMs } : restart;
  return {
    name: parsed.name,
    image: parsed.image,
    command: parsed.command,
    env: parsed.env,
    cpu: parsed.cpu,
    memoryMiB: parsed.memoryMiB,
    count: parsed.count,
    kind: parsed.kind,
    restart: restartClean,
    constraints: parsed.constraints,
    doNotDisrupt: parsed.doNotDisrupt,
  };
}
