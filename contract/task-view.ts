import { z } from 'zod';

/**
 * One copy of one replica of a job, as GET /jobs/{id} shows it. Response shapes are
 * plain (not strict) objects: a client ignores a field a newer API adds instead of
 * refusing the whole answer.
 */

export const TASK_STATUSES = ['PENDING', 'ASSIGNED', 'STARTING', 'RUNNING', 'COMPLETED', 'FAILED', 'STOPPED', 'LOST', 'UNSCHEDULABLE'] as const;
export const taskStatusSchema = z.enum(TASK_STATUSES);
export type TaskStatusView = z.infer<typeof taskStatusSchema>;

export const taskViewSchema = z.object({
  id: z.string().min(1),
  slot: z.number().int().min(0),
  generation: z.number().int().min(0),
  status: taskStatusSchema,
  /** Null until the copy is placed. */
  nodeId: z.string().nullable(),
  restarts: z.number().int().min(0),
  /** Why it is not running: present for PENDING, UNSCHEDULABLE, FAILED, LOST and STOPPED copies that have one. */
  reason: z.string().optional(),
  /** Back-off: not placed before this time (ms since the epoch). */
  notBefore: z.number().optional(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  exitCode: z.number().int().optional(),
  /** Present (true) only when the kernel killed the container for memory. */
  oomKilled: z.boolean().optional(),
});
export type TaskView = z.infer<typeof taskViewSchema>;
