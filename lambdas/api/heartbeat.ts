import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { acceptHeartbeat } from '../../control/heartbeat';
import type { Heartbeat } from '../../control/state/node-report';
import type { ApiDeps } from './deps';
import { ForbiddenError } from './errors';
import { labelsSchema } from './job-schema';
import { parseWith, pathParam, readJsonBody } from './request';
import { route, type ApiEvent, type ApiHandler } from './respond';

/**
 * Node ids: EC2 instance ids (`i-` + hex) in AWS; the local fleet names its own. Kept to
 * characters that are safe in a path, a DynamoDB key and an STS session name.
 */
export const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Who is calling, as a node id, or undefined when the caller is not a node. Injectable:
 * the Lambda reads the IAM principal API Gateway verified; the local API plugs its own.
 */
export type Identify = (event: ApiEvent) => string | undefined;

// An EC2 instance profile's credentials are an STS session of the node role whose
// session name is the instance id: arn:aws:sts::<account>:assumed-role/<role>/<instance-id>.
const ASSUMED_ROLE_ARN = /^arn:aws[a-z-]*:sts::\d{12}:assumed-role\/[^/]+\/([^/]+)$/;

/**
 * The node an IAM caller speaks for: the session name of an assumed-role ARN. Only
 * the instance itself holds credentials whose session name is its id (EC2 sets it), so
 * the name is the caller's identity. With `roleName`, only sessions of that role count,
 * so a person allowed to assume some other role cannot pose as a node by naming a session.
 */
export function iamInstanceIdentity(options: { roleName?: string } = {}): Identify {
  return (event) => {
    const arn = event.requestContext?.authorizer?.iam?.userArn;
    if (typeof arn !== 'string') return undefined;
    const m = ASSUMED_ROLE_ARN.exec(arn);
    if (!m) return undefined;
    if (options.roleName !== undefined && arn.split('/')[1] !== options.roleName) return undefined;
    return m[1];
  };
}

const int = (max: number) => z.number().int().min(0).max(max);
const resources = z.strictObject({ cpu: int(10_000_000), memoryMiB: int(100_000_000) });
/** Usage is measured, so fractions are fine; the store keeps integers like every other Resources. */
const usage = z.strictObject({ cpu: z.number().min(0).max(10_000_000), memoryMiB: z.number().min(0).max(100_000_000) });

export const heartbeatSchema = z.strictObject({
  instanceType: z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'instance types look like m5.large'),
  zone: z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'zones look like us-east-1a'),
  labels: labelsSchema.default({}),
  capacity: resources,
  usage,
  pricePerHour: z.number().min(0).max(1000),
  containers: z
    .array(
      z.strictObject({
        taskId: z.string().min(1).max(128).regex(/^[A-Za-z0-9._-]+$/, 'task ids are [A-Za-z0-9._-]'),
        generation: int(1_000_000_000),
        state: z.enum(['starting', 'running', 'exited']),
        exitCode: z.number().int().min(-2_147_483_648).max(2_147_483_647).optional(),
        oomKilled: z.boolean().optional(),
        startedAt: int(Number.MAX_SAFE_INTEGER).optional(),
        finishedAt: int(Number.MAX_SAFE_INTEGER).optional(),
      }),
    )
    .max(1000)
    .default([]),
});

export interface HeartbeatDeps extends ApiDeps {
  readonly identify: Identify;
}

/**
 * PUT /nodes/{id}/heartbeat: the agent reports what it runs and gets back what it
 * should run. Checks run cheapest and most telling first — path, then identity, then
 * body — and nothing is written until all pass, so a refused report changes nothing.
 */
export function createHandler(deps: HeartbeatDeps): ApiHandler {
  return route(deps, async (event) => {
    const nodeId = pathParam(event, 'id', NODE_ID, 'a node id (an EC2 instance id such as i-0123456789abcdef0)');
    const caller = deps.identify(event);
    if (caller !== nodeId) {
      deps.metrics.addMetric('HeartbeatsRefused', MetricUnit.Count, 1);
      throw new ForbiddenError(
        caller === undefined
          ? `only node ${nodeId} may report its heartbeat, and the caller is not a node (expected the node role's instance credentials)`
          : `node ${caller} may not report a heartbeat for node ${nodeId}; a node reports only for itself`,
      );
    }
    const body = parseWith(heartbeatSchema, readJsonBody(event), 'heartbeat');
    const now = deps.clock.now();
    const hb: Heartbeat = {
      nodeId,
      instanceType: body.instanceType,
      zone: body.zone,
      labels: body.labels,
      capacity: body.capacity,
      usage: { cpu: Math.round(body.usage.cpu), memoryMiB: Math.round(body.usage.memoryMiB) },
      pricePerHour: body.pricePerHour,
      containers: body.containers,
    };
    const { desired: copies, orphaned } = await acceptHeartbeat(deps.store, hb, now);
    deps.metrics.addMetric('Heartbeats', MetricUnit.Count, 1);
    for (const t of orphaned) deps.log.warn('task without its job; not sent to the agent', { taskId: t.id, jobId: t.jobId, nodeId });
    const desired = copies.map(({ task: t, job }) => ({
      id: t.id,
      jobId: t.jobId,
      slot: t.slot,
      generation: t.generation,
      status: t.status,
      resources: t.resources,
      image: job.image,
      command: job.command,
      env: job.env,
      ...(job.stopRequestedAt !== undefined ? { stopRequested: true } : {}),
    }));
    return { status: 200, body: { nodeId, tasks: desired } };
  });
}
