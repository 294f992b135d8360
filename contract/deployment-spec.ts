import { z } from 'zod';
import { JOB_ID } from './ids';

/**
 * Deployments on the wire: a job's `update` strategy as submitted, the deployment record
 * GET /jobs/{id} shows, the version history, and the bodies of scale and rollback.
 * The model is core/deployment.ts; lambdas/api checks at compile time that the two agree.
 */

/** A number of copies, or a whole percentage of the job's count: 2, "25%". */
export const COPY_BUDGET = /^(?:100|[1-9]?[0-9])%$/;
export const copyBudgetSchema = z.union([
  z.number().int().min(0).max(1000),
  z.string().regex(COPY_BUDGET, 'must be a number of copies or a whole percentage from "0%" to "100%"') as z.ZodType<`${number}%`>,
]);

export const DEFAULT_UPDATE_WIRE = {
  maxSurge: '25%',
  maxUnavailable: 0,
  minHealthySeconds: 10,
  progressDeadlineSeconds: 600,
  autoRollback: true,
} as const;

/** `update` in a job spec: every field optional, defaults as DEFAULT_UPDATE_WIRE. */
export const updateSpecSchema = z.strictObject({
  maxSurge: copyBudgetSchema.default(DEFAULT_UPDATE_WIRE.maxSurge),
  maxUnavailable: copyBudgetSchema.default(DEFAULT_UPDATE_WIRE.maxUnavailable),
  minHealthySeconds: z.number().int().min(0).max(3600).default(DEFAULT_UPDATE_WIRE.minHealthySeconds),
  progressDeadlineSeconds: z.number().int().min(30).max(86_400).default(DEFAULT_UPDATE_WIRE.progressDeadlineSeconds),
  autoRollback: z.boolean().default(DEFAULT_UPDATE_WIRE.autoRollback),
});

export const DEPLOYMENT_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'ROLLED_BACK'] as const;

/** The job's latest deployment, with how many copies each version has and how many of them serve. */
export const deploymentViewSchema = z.object({
  id: z.number().int().min(1),
  fromVersion: z.number().int().min(1).optional(),
  toVersion: z.number().int().min(1),
  status: z.enum(DEPLOYMENT_STATUSES),
  startedAt: z.number(),
  finishedAt: z.number().optional(),
  reason: z.string().optional(),
  rollbackOf: z.object({ version: z.number().int().min(1), reason: z.string() }).optional(),
  /** Live copies per version number ("2": …), and how many of them serve. */
  copies: z.record(z.string(), z.object({ total: z.number().int().min(0), serving: z.number().int().min(0) })),
});
export type DeploymentView = z.infer<typeof deploymentViewSchema>;

export const updateViewSchema = z.object({
  maxSurge: copyBudgetSchema,
  maxUnavailable: copyBudgetSchema,
  minHealthySeconds: z.number().int(),
  progressDeadlineSeconds: z.number().int(),
  autoRollback: z.boolean(),
});

/** One version of a job: who made it, when, what changed from the version before, and its spec. */
export const versionViewSchema = z.object({
  version: z.number().int().min(1),
  changedAt: z.number(),
  /** The caller's identity (an IAM ARN in AWS, the local user locally). */
  changedBy: z.string(),
  /** One line per changed field, e.g. `env.GREETING: "hi" → "hello"`, `image: web:1 → web:2`. */
  changes: z.array(z.string()).readonly(),
  /** The version's spec as submitted (count and update excluded: they are not part of a version). */
  spec: z.record(z.string(), z.unknown()),
});
export type VersionView = z.infer<typeof versionViewSchema>;

/** GET /jobs/{id}/versions: newest first, the last 20 kept. */
export const versionListResponseSchema = z.object({
  jobId: z.string().regex(JOB_ID),
  name: z.string(),
  /** The version the job's copies converge on now. */
  current: z.number().int().min(1),
  versions: z.array(versionViewSchema).readonly(),
});
export type VersionListResponse = z.infer<typeof versionListResponseSchema>;

/** POST /jobs/{id}/scale: the new replica count. */
export const scaleBodySchema = z.strictObject({ count: z.number().int().min(0).max(1000) });
export const scaleResponseSchema = z.object({
  jobId: z.string().regex(JOB_ID),
  name: z.string(),
  count: z.number().int().min(0),
  previousCount: z.number().int().min(0),
});
export type ScaleResponse = z.infer<typeof scaleResponseSchema>;

/** POST /jobs/{id}/rollback: the version to go back to; absent, the one before the current. */
export const rollbackBodySchema = z.strictObject({ version: z.number().int().min(1).optional() });
export const rollbackResponseSchema = z.object({
  jobId: z.string().regex(JOB_ID),
  name: z.string(),
  /** The version now targeted. */
  version: z.number().int().min(1),
  fromVersion: z.number().int().min(1),
  deploymentId: z.number().int().min(1),
});
export type RollbackResponse = z.infer<typeof rollbackResponseSchema>;

/** PUT /jobs/{id} (202): the job created or updated, and what the update did. */
export const putJobResponseSchema = z.object({
  jobId: z.string().regex(JOB_ID),
  name: z.string(),
  /** `created`: a new job; `updated`: a new version is rolling out; `scaled`: only count or update changed; `unchanged`: the same spec again. */
  outcome: z.enum(['created', 'updated', 'scaled', 'unchanged']),
  version: z.number().int().min(1),
  /** The deployment that carries the change; absent when nothing rolls out (scaled, unchanged). */
  deploymentId: z.number().int().min(1).optional(),
  /** Ids of copies this request created (new replicas); empty when it created none. */
  taskIds: z.array(z.string().min(1)).readonly(),
});
export type PutJobResponse = z.infer<typeof putJobResponseSchema>;
