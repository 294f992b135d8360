import { z } from 'zod';
import { JOB_ID } from './ids';
import { JOB_KINDS, RESTART_MODES } from './job-spec';
import { taskViewSchema } from './task-view';

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
});

/** A job as GET /jobs/{id} shows it: its spec as stored, its id and times. */
export const jobViewSchema = z.object({
  id: z.string().regex(JOB_ID),
  name: z.string().min(1),
  image: z.string().min(1),
  command: z.array(z.string()).readonly(),
  env: z.record(z.string(), z.string()),
  cpu: z.number().int().min(0),
  memoryMiB: z.number().int().min(0),
  count: z.number().int().min(0),
  kind: z.enum(JOB_KINDS),
  restart: restartPolicyViewSchema,
  constraints: constraintsViewSchema,
  doNotDisrupt: z.boolean(),
  createdAt: z.number(),
  /** Present once a user stopped the job. */
  stopRequestedAt: z.number().optional(),
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
