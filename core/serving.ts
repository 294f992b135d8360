import { jobAsOfVersion, versionOfTask } from './deployment';
import { GONE, type Job, type Node, type Task } from './model';
import type { Endpoint } from './service';

/**
 * Which copies a load balancer may send requests to. One rule for the scheduler (make-
 * before-break drains wait for it, stops deregister what meets it) and for the step
 * that registers targets, so the two never disagree on what "serving" is.
 */

/** Where a copy is reached behind the load balancer: its node's address and the host port of the exposed port. */
export interface ServingPlace {
  readonly address: string;
  readonly endpoint: Endpoint;
}

/**
 * Where the load balancer would reach this copy, health aside: a RUNNING copy of an
 * exposed job, not marked for stop, on a node that is neither lost nor terminating and
 * reported its address, whose agent reported the host port of the exposed port.
 * Undefined otherwise.
 */
export function reachablePlace(task: Task, job: Job | undefined, node: Node | undefined): ServingPlace | undefined {
  if (!job?.expose || task.status !== 'RUNNING' || task.stopAt !== undefined) return undefined;
  if (!node || node.id !== task.nodeId || GONE.has(node.state) || !node.address) return undefined;
  // The copy's own version names the port (a deployment may rename it); the rule is the job's.
  const port = jobAsOfVersion(job, versionOfTask(task)).expose?.port ?? job.expose.port;
  const endpoint = task.endpoints?.find((e) => e.port === port);
  return endpoint ? { address: node.address, endpoint } : undefined;
}

/**
 * Healthy enough to take requests: `healthy`, or — when the job declares no check —
 * `none` or not reported. A job with a check waits for its first pass (`starting` is
 * not serving), and an image's own HEALTHCHECK counts the same way through the health
 * the agent reports.
 */
export function healthAllowsServing(task: Task, job: Job): boolean {
  if (task.health === 'healthy') return true;
  // The copy's own version says whether it is checked: a check added by a deployment does not apply to older copies.
  return jobAsOfVersion(job, versionOfTask(task)).healthCheck === undefined && (task.health === undefined || task.health === 'none');
}

/** The copy's place when it is serving (reachable and healthy), else undefined. */
export function servingPlace(task: Task, job: Job | undefined, node: Node | undefined): ServingPlace | undefined {
  const place = reachablePlace(task, job, node);
  return place && healthAllowsServing(task, job!) ? place : undefined;
}

export function isServing(task: Task, job: Job | undefined, node: Node | undefined): boolean {
  return servingPlace(task, job, node) !== undefined;
}
