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
  /** How the instance was bought; absent from APIs that predate Spot (read: on-demand). */
  capacityType: z.enum(['on-demand', 'spot']).optional(),
  /**
   * The cloud's notice that it will take the node back (a Spot interruption warning,
   * with the time it goes, or a rebalance recommendation); absent when none came.
   */
  reclaim: z
    .object({
      notice: z.enum(['interruption', 'rebalance']),
      noticedAt: z.number(),
      deadline: z.number().optional(),
    })
    .optional(),
});
export type NodeView = z.infer<typeof nodeViewSchema>;

/** GET /nodes: by id. */
export const nodeListResponseSchema = z.object({
  nodes: z.array(nodeViewSchema).readonly(),
});
export type NodeListResponse = z.infer<typeof nodeListResponseSchema>;
