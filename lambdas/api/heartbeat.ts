import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { heartbeatBodySchema, type ContainerReportBody, type DesiredTaskView, type HeartbeatBody } from '../../contract/heartbeat';
import { NODE_ID, NODE_ID_EXPECTED } from '../../contract/ids';
import { ROUTES } from '../../contract/routes';
import { acceptHeartbeat, type DesiredCopy } from '../../control/heartbeat';
import { JobRecordCache } from '../../control/job-record-cache';
import type { ContainerReport, Heartbeat } from '../../control/state/node-report';
import type { NodeReportStore } from '../../control/state/state-store';
import type { Job } from '../../core/model';
import type { ContainerHealth, Endpoint, HealthCheck, PortSpec } from '../../core/service';
import type { ApiDeps } from './deps';
import { ForbiddenError } from './errors';
import { parseWith, pathParam, readJsonBody } from './request';
import { answer, route, type ApiEvent, type ApiHandler } from './respond';
import { jobAsOfVersion, versionOfTask } from '../../core/deployment';
import type { Assert, Assignable, Same } from './type-checks';

/** Compile-time: every container report the wire accepts is one the store can record. */
export type ContainerReportFitsDomain = Assert<Assignable<ContainerReportBody, ContainerReport>>;
/** Compile-time: the node's address and a container's endpoints and health mean the same on both sides. */
export type AddressInStep = Assert<Same<HeartbeatBody['address'], Heartbeat['address']>>;
export type EndpointsInStep = Assert<Same<NonNullable<ContainerReportBody['endpoints']>[number], Endpoint>>;
export type HealthInStep = Assert<Same<NonNullable<ContainerReportBody['health']>, ContainerHealth>>;
/** Compile-time: what the agent is told to run carries the job's service fields unchanged. */
export type DesiredPortsInStep = Assert<Same<NonNullable<DesiredTaskView['ports']>[number], PortSpec>>;
export type DesiredHealthCheckInStep = Assert<Same<NonNullable<DesiredTaskView['healthCheck']>, HealthCheck>>;
export type DesiredTimingInStep = Assert<Same<Pick<DesiredTaskView, 'stopGraceSeconds' | 'cpuLimit'>, Pick<Job, 'stopGraceSeconds' | 'cpuLimit'>>>;

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

export interface HeartbeatDeps extends ApiDeps<NodeReportStore> {
  readonly identify: Identify;
  /** Job records kept between reports (control/job-record-cache.ts); default: a fresh one per handler. */
  readonly jobRecords?: JobRecordCache;
}

/**
 * PUT /nodes/{id}/heartbeat: the agent reports what it runs and gets back what it
 * should run. Checks run cheapest and most telling first — path, then identity, then
 * body — and nothing is written until all pass, so a refused report changes nothing.
 */
export function createHandler(deps: HeartbeatDeps): ApiHandler {
  // Lives as long as the function instance: warm invocations share what earlier ones read.
  const jobRecords = deps.jobRecords ?? new JobRecordCache();
  return route(deps, async (event) => {
    const nodeId = pathParam(event, 'id', NODE_ID, NODE_ID_EXPECTED);
    const caller = deps.identify(event);
    if (caller !== nodeId) {
      deps.metrics.addMetric('HeartbeatsRefused', MetricUnit.Count, 1);
      throw new ForbiddenError(
        caller === undefined
          ? `only node ${nodeId} may report its heartbeat, and the caller is not a node (expected the node role's instance credentials)`
          : `node ${caller} may not report a heartbeat for node ${nodeId}; a node reports only for itself`,
      );
    }
    const body = parseWith(heartbeatBodySchema, readJsonBody(event), 'heartbeat');
    const { desired, orphaned } = await acceptHeartbeat(deps.store, toHeartbeat(nodeId, body), deps.clock.now(), jobRecords);
    deps.metrics.addMetric('Heartbeats', MetricUnit.Count, 1);
    for (const t of orphaned) deps.log.warn('task without its job; not sent to the agent', { taskId: t.id, jobId: t.jobId, nodeId });
    return answer(ROUTES.heartbeat.key, { nodeId, tasks: desired.map(desiredTaskView) });
  });
}

/** The report as the store records it: the node id from the path, usage rounded to the integers every Resources holds. */
function toHeartbeat(nodeId: string, body: HeartbeatBody): Heartbeat {
  return {
    nodeId,
    instanceType: body.instanceType,
    zone: body.zone,
    labels: body.labels,
    capacity: body.capacity,
    usage: { cpu: Math.round(body.usage.cpu), memoryMiB: Math.round(body.usage.memoryMiB) },
    pricePerHour: body.pricePerHour,
    ...(body.address !== undefined ? { address: body.address } : {}),
    ...(body.capacityType !== undefined ? { capacityType: body.capacityType } : {}),
    containers: body.containers,
  };
}

function desiredTaskView({ task: t, job: current }: DesiredCopy): DesiredTaskView {
  // A copy runs its own version's template: during a deployment, old copies keep theirs.
  const job = jobAsOfVersion(current, versionOfTask(t));
  return {
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
    ...(job.ports !== undefined && job.ports.length > 0 ? { ports: job.ports } : {}),
    ...(job.healthCheck !== undefined ? { healthCheck: job.healthCheck } : {}),
    ...(job.stopGraceSeconds !== undefined ? { stopGraceSeconds: job.stopGraceSeconds } : {}),
    ...(job.cpuLimit !== undefined ? { cpuLimit: job.cpuLimit } : {}),
    ...(job.capabilities !== undefined && job.capabilities.length > 0 ? { capabilities: job.capabilities } : {}),
    ...(job.secrets !== undefined && Object.keys(job.secrets).length > 0 ? { secrets: job.secrets } : {}),
  };
}
