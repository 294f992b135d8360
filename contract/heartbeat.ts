import { z } from 'zod';
import { NODE_ID } from './ids';
import { labelsSchema } from './node-labels';
import { resourcesSchema } from './resources';
import { taskStatusSchema } from './task-view';

/**
 * PUT /nodes/{id}/heartbeat: what an agent reports (the body) and what it is told to run
 * (the answer). The node id is in the path, not the body: the route checks it against
 * the caller's identity before reading anything else.
 */

const int = (max: number) => z.number().int().min(0).max(max);
const capacity = z.strictObject({ cpu: int(10_000_000), memoryMiB: int(100_000_000) });
/** Usage is measured, so fractions are fine; the store keeps integers like every other Resources. */
const usage = z.strictObject({ cpu: z.number().min(0).max(10_000_000), memoryMiB: z.number().min(0).max(100_000_000) });

/** What an agent reports about one container of a task it runs. */
export const containerReportSchema = z.strictObject({
  taskId: z.string().min(1).max(128).regex(/^[A-Za-z0-9._-]+$/, 'task ids are [A-Za-z0-9._-]'),
  generation: int(1_000_000_000),
  state: z.enum(['starting', 'running', 'exited']),
  exitCode: z.number().int().min(-2_147_483_648).max(2_147_483_647).optional(),
  oomKilled: z.boolean().optional(),
  startedAt: int(Number.MAX_SAFE_INTEGER).optional(),
  finishedAt: int(Number.MAX_SAFE_INTEGER).optional(),
  endpoints: z
    .array(z.strictObject({ port: z.string().min(1).max(15), containerPort: z.number().int().min(1).max(65_535), hostPort: z.number().int().min(1).max(65_535) }))
    .max(8)
    .readonly()
    .optional(),
  health: z.enum(['starting', 'healthy', 'unhealthy', 'none']).optional(),
});
export type ContainerReportBody = z.output<typeof containerReportSchema>;

export const heartbeatBodySchema = z.strictObject({
  instanceType: z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'instance types look like m5.large'),
  zone: z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'zones look like us-east-1a'),
  labels: labelsSchema.default({}),
  capacity,
  usage,
  pricePerHour: z.number().min(0).max(1000),
  /** Where load balancers reach this node's host ports: an IPv4 or IPv6 address. */
  address: z.union([z.ipv4(), z.ipv6()]).optional(),
  containers: z.array(containerReportSchema).max(1000).default([]),
});
/**
 * The body in full, as the agent sends it and the API reads it once parsed; a sender
 * may leave out labels and containers, which then default to none.
 */
export type HeartbeatBody = z.output<typeof heartbeatBodySchema>;

/** One copy the node should run, with what Docker needs to run it. */
export const desiredTaskSchema = z.object({
  id: z.string().min(1),
  jobId: z.string().min(1),
  slot: z.number().int().min(0),
  generation: z.number().int().min(0),
  status: taskStatusSchema,
  resources: resourcesSchema,
  image: z.string().min(1),
  command: z.array(z.string()).readonly(),
  env: z.record(z.string(), z.string()),
  ports: z.array(z.object({ name: z.string().min(1), containerPort: z.number().int().min(1).max(65_535), protocol: z.literal('tcp') })).readonly().optional(),
  healthCheck: z
    .union([
      z.object({ http: z.object({ port: z.string().min(1), path: z.string().min(1) }) }),
      z.object({ tcp: z.object({ port: z.string().min(1) }) }),
      z.object({ command: z.array(z.string()).min(1).readonly() }),
    ])
    .and(z.object({ intervalSeconds: z.number().int().min(1), timeoutSeconds: z.number().int().min(1), retries: z.number().int().min(1), startPeriodSeconds: z.number().int().min(0) }))
    .optional(),
  stopGraceSeconds: z.number().int().min(0).optional(),
  cpuLimit: z.number().int().min(1).optional(),
  capabilities: z.array(z.string().min(1)).readonly().optional(),
  /** Present (true) once a user stopped the job: the copy is on its way out. */
  stopRequested: z.boolean().optional(),
});
export type DesiredTaskView = z.infer<typeof desiredTaskSchema>;

/**
 * The answer: every copy assigned to the node at its current generation. A container
 * the node holds that is not listed here is no longer its to run.
 */
export const heartbeatAnswerSchema = z.object({
  nodeId: z.string().regex(NODE_ID),
  tasks: z.array(desiredTaskSchema).readonly(),
});
export type HeartbeatAnswer = z.infer<typeof heartbeatAnswerSchema>;
