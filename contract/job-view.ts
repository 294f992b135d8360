import { z } from 'zod';
import { JOB_ID } from './ids';
import { deploymentViewSchema, updateViewSchema } from './deployment-spec';
import { CAPACITY_CHOICES, JOB_KINDS, RESTART_MODES } from './job-spec';
import { SPREADS } from './service-spec';
import { taskViewSchema } from './task-view';

export const portViewSchema = z.object({ name: z.string(), containerPort: z.number().int(), protocol: z.literal('tcp') });
export const exposeViewSchema = z.object({ port: z.string(), path: z.string().optional(), host: z.string().optional() });

/** A health check as stored: exactly one probe (a union of the three), with its timing filled in. */
const healthTiming = { intervalSeconds: z.number(), timeoutSeconds: z.number(), retries: z.number().int(), startPeriodSeconds: z.number() };
export const healthCheckViewSchema = z.union([
  z.object({ http: z.object({ port: z.string(), path: z.string() }), ...healthTiming }),
  z.object({ tcp: z.object({ port: z.string() }), ...healthTiming }),
  z.object({ command: z.array(z.string()).readonly(), ...healthTiming }),
]);

/** A job's restart policy as stored: the submitted fields with the kind's defaults filled in. */
export const restartPolicyViewSchema = z.object({
  mode: z.enum(RESTART_MODES),
  /** Absent means no limit. */
  maxRestarts: z.number().int().min(0).optional(),
  initialDelayMs: z.number().min(0),
  maxDelayMs: z.number().min(0),
  resetAfterMs: z.number().min(0),
});

export const constraintsViewSchema = z.object({
  instanceTypes: z.array(z.string()).readonly().optional(),
  zones: z.array(z.string()).readonly().optional(),
  nodeLabels: z.record(z.string(), z.string()).optional(),
  arch: z.enum(['arm64', 'x86_64']).optional(),
});

/** A job as GET /jobs/{id} shows it: its spec as stored, its id and times. */
export const jobViewSchema = z.object({
  id: z.string().regex(JOB_ID),
  name: z.string().min(1),
  /** The IAM principal that created the job; absent on jobs stored before owners were recorded. */
  owner: z.string().optional(),
  image: z.string().min(1),
  command: z.array(z.string()).readonly(),
  env: z.record(z.string(), z.string()),
  /** Env names → ARNs (never values); absent: none. */
  secrets: z.record(z.string(), z.string()).optional(),
  cpu: z.number().int().min(0),
  memoryMiB: z.number().int().min(0),
  count: z.number().int().min(0),
  kind: z.enum(JOB_KINDS),
  restart: restartPolicyViewSchema,
  constraints: constraintsViewSchema,
  doNotDisrupt: z.boolean(),
  /** How its nodes may be bought: the job's choice, or its kind's default when it made none. */
  capacity: z.enum(CAPACITY_CHOICES),
  /** Absent: the job publishes no ports. */
  ports: z.array(portViewSchema).readonly().optional(),
  /** Absent: not behind the load balancer. */
  expose: exposeViewSchema.optional(),
  /** Where an exposed job answers behind the deployment's load balancer; absent when the deployment has none. */
  url: z.string().optional(),
  /** Absent: only an image's own HEALTHCHECK, if any, counts. */
  healthCheck: healthCheckViewSchema.optional(),
  /** Absent on jobs stored before stop grace existed: the default applies. */
  stopGraceSeconds: z.number().int().min(0).optional(),
  spread: z.enum(SPREADS).optional(),
  cpuLimit: z.number().int().min(0).optional(),
  capabilities: z.array(z.string()).readonly().optional(),
  createdAt: z.number(),
  /** Present once a user stopped the job. */
  stopRequestedAt: z.number().optional(),
  /** The version the copies converge on, and the highest given so far (a rollback targets an older one). */
  version: z.number().int().min(1),
  latestVersion: z.number().int().min(1),
  /** The last version that ran on every copy; absent until one did. */
  stableVersion: z.number().int().min(1).optional(),
  update: updateViewSchema,
  /** The latest deployment; absent for a job created before deployments were recorded. */
  deployment: deploymentViewSchema.optional(),
});
export type JobView = z.infer<typeof jobViewSchema>;

/** GET /jobs/{id}: the job and every copy of every slot, by slot then generation. */
export const jobResponseSchema = z.object({
  job: jobViewSchema,
  tasks: z.array(taskViewSchema).readonly(),
});
export type JobResponse = z.infer<typeof jobResponseSchema>;

/** DELETE /jobs/{id} (202): the stop is recorded; the next scheduling pass stops the copies. */
export const stopResponseSchema = z.object({
  jobId: z.string().regex(JOB_ID),
  stopRequested: z.literal(true),
});
export type StopResponse = z.infer<typeof stopResponseSchema>;
