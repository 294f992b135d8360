import { z } from 'zod';
import { NODE_ID } from './ids';
import { resourcesSchema } from './resources';

export const NODE_STATES = ['LAUNCHING', 'ACTIVE', 'DRAINING', 'TERMINATING', 'LOST'] as const;
export const nodeStateSchema = z.enum(NODE_STATES);

/** One node as GET /nodes shows it. */
export const nodeViewSchema = z.object({
  id: z.string().regex(NODE_ID),
  /** The instance type. */
  type: z.string().min(1),
  zone: z.string().min(1),
  state: nodeStateSchema,
  labels: z.record(z.string(), z.string()),
  capacity: resourcesSchema,
  /** Σ requests of the copies holding resources on it. */
  allocated: resourcesSchema,
  /** As the agent last measured it; null before its first heartbeat. */
  usage: resourcesSchema.nullable(),
  launchedAt: z.number(),
  lastHeartbeatAt: z.number().nullable(),
  pricePerHour: z.number().min(0),
});
export type NodeView = z.infer<typeof nodeViewSchema>;

/** GET /nodes: by id. */
export const nodeListResponseSchema = z.object({
  nodes: z.array(nodeViewSchema).readonly(),
});
export type NodeListResponse = z.infer<typeof nodeListResponseSchema>;
