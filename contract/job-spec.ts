import { z } from 'zod';
import { JOB_ID } from './ids';
import { argText } from './argv-text';
import { imageReferenceSchema } from './image-reference';
import { labelsSchema, limitedRecord } from './node-labels';
import { secretsSchema } from './secret-refs';
import { updateSpecSchema } from './deployment-spec';
import { capabilitiesSchema, DEFAULT_STOP_GRACE_SECONDS, exposeSchema, healthCheckSchema, MAX_STOP_GRACE_SECONDS, portsSchema, SPREADS } from './service-spec';

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
/** How a job's nodes may be bought (core/capacity.ts CAPACITY_CHOICES). */
export const CAPACITY_CHOICES = ['on-demand', 'spot', 'spot-or-on-demand'] as const;
export const RESTART_MODES = ['always', 'on-failure', 'never'] as const;

/** 1..63 characters of [a-z0-9-], starting and ending alphanumeric (a DNS label). */
export const JOB_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INSTANCE_TYPE = /^[a-z0-9][a-z0-9.-]{0,63}$/;
const ZONE = /^[a-z0-9][a-z0-9-]{0,63}$/;

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
  /** The CPU architecture the image is built for: only nodes of it take the job. */
  arch: z.enum(['arm64', 'x86_64'], { message: 'arch must be "arm64" or "x86_64" (EC2\'s names; linux/amd64 images are x86_64)' }).optional(),
});

/** POST /jobs: the body. */
export const jobSpecSchema = z
  .strictObject({
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
    /** Absent: the kind's default (batch `spot-or-on-demand`, service `on-demand`), applied by the scheduler (core/capacity.ts). */
    capacity: z.enum(CAPACITY_CHOICES, { message: 'capacity must be "on-demand", "spot" or "spot-or-on-demand"' }).optional(),
    ports: portsSchema.optional(),
    expose: exposeSchema.optional(),
    healthCheck: healthCheckSchema.optional(),
    stopGraceSeconds: z.number().int().min(0).max(MAX_STOP_GRACE_SECONDS).default(DEFAULT_STOP_GRACE_SECONDS),
    /** Absent: `node` for a service of 2 or more replicas, else `none` (filled in by the API, as it depends on kind and count). */
    spread: z.enum(SPREADS).optional(),
    /** A hard CPU cap in millicores; absent, `cpu` is a share of the node's CPU, not a cap. */
    cpuLimit: z.number().int().min(1).max(256_000).optional(),
    capabilities: capabilitiesSchema.optional(),
    /** How a change of the job rolls out; absent: every default of updateSpecSchema. Not part of a version. */
    update: updateSpecSchema.optional(),
    /** Env names → ARNs of SSM parameters or Secrets Manager secrets; the agent reads the values at start (secret-refs.ts). */
    secrets: secretsSchema.optional(),
  })
  .superRefine((job, ctx) => {
    // Rules between fields, each reported at the field that breaks it.
    const names = new Set((job.ports ?? []).map((p) => p.name));
    const known = (name: string, path: (string | number)[]) => {
      if (!names.has(name)) {
        ctx.addIssue({ code: 'custom', path, message: names.size === 0 ? `names port "${name}", but the job lists no ports; add it to ports` : `names port "${name}", which is not one of ports (${[...names].join(', ')})` });
      }
    };
    if (job.expose) known(job.expose.port, ['expose', 'port']);
    if (job.healthCheck?.http) known(job.healthCheck.http.port, ['healthCheck', 'http', 'port']);
    if (job.healthCheck?.tcp) known(job.healthCheck.tcp.port, ['healthCheck', 'tcp', 'port']);
    if (job.update && allowsNoProgress(job.update, job.count)) {
      ctx.addIssue({ code: 'custom', path: ['update'], message: `maxSurge ${JSON.stringify(job.update.maxSurge)} and maxUnavailable ${JSON.stringify(job.update.maxUnavailable)} allow no copy above or below ${job.count}: a deployment could never replace one; allow a surge (e.g. "25%") or an unavailable copy` });
    }
    for (const name of Object.keys(job.secrets ?? {})) {
      if (Object.hasOwn(job.env, name)) ctx.addIssue({ code: 'custom', path: ['secrets', name], message: `is also in env; a variable comes from env or from secrets, not both: remove one` });
    }
    if (job.cpuLimit !== undefined && job.cpuLimit < job.cpu) {
      ctx.addIssue({ code: 'custom', path: ['cpuLimit'], message: `must be at least cpu (${job.cpu}): a cap below the request would throttle what the scheduler reserved` });
    }
  });

/**
 * True when a deployment could neither add a copy (surge 0) nor take one away
 * (unavailable 0 at this count: a percentage of the count rounds down, as the scheduler
 * rounds it; a surge percentage rounds up, so only 0 or "0%" allows none).
 */
function allowsNoProgress(u: { maxSurge: number | string; maxUnavailable: number | string }, count: number): boolean {
  const none = (b: number | string, rounded: (x: number) => number) => (typeof b === 'number' ? b === 0 : rounded((Number(b.slice(0, -1)) * count) / 100) === 0);
  return none(u.maxSurge, Math.ceil) && none(u.maxUnavailable, Math.floor);
}

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
