import { z } from 'zod';

/**
 * One copy of one replica of a job, as GET /jobs/{id} shows it. Response shapes are
 * plain (not strict) objects: a client ignores a field a newer API adds instead of
 * refusing the whole answer.
 */

export const TASK_STATUSES = ['PENDING', 'ASSIGNED', 'STARTING', 'RUNNING', 'COMPLETED', 'FAILED', 'STOPPED', 'LOST', 'UNSCHEDULABLE'] as const;
export const taskStatusSchema = z.enum(TASK_STATUSES);
export type TaskStatusView = z.infer<typeof taskStatusSchema>;

export const CONTAINER_HEALTH = ['starting', 'healthy', 'unhealthy', 'none'] as const;
export const containerHealthSchema = z.enum(CONTAINER_HEALTH);

/** Where one named port of a running copy is reachable: its node's address and this host port. */
export const endpointSchema = z.object({
  port: z.string().min(1).max(15),
  containerPort: z.number().int().min(1).max(65535),
  hostPort: z.number().int().min(1).max(65535),
});

export const taskViewSchema = z.object({
  id: z.string().min(1),
  slot: z.number().int().min(0),
  generation: z.number().int().min(0),
  /** The job version this copy runs. */
  version: z.number().int().min(1),
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
  /** A running copy's published ports, as its agent last reported them. */
  endpoints: z.array(endpointSchema).readonly().optional(),
  /** A running copy's health: `none` when nothing checks it. */
  health: containerHealthSchema.optional(),
});
export type TaskView = z.infer<typeof taskViewSchema>;
