import type { Job, Node, Task } from '../../core/model';
import type { Snapshot } from '../../core/pass/snapshot';
import { isServing, servingPlace } from '../../core/serving';
import { LoadBalancerError } from '../load-balancer-errors';
import { type LoadBalancedService, type LoadBalancer, type LoadBalancerTarget } from '../load-balancer';
import type { PassLogger } from './run-pass';

/** What one convergence did, for the pass report. */
export interface LoadBalancingOutcome {
  /** Jobs whose service and targets now match the state. */
  readonly converged: readonly string[];
  readonly registered: number;
  readonly deregistered: number;
  /** Services taken down: their jobs stopped or are no longer exposed, and nothing of theirs serves or deregisters. */
  readonly removed: readonly string[];
  /** Jobs whose calls failed; the next pass tries again. */
  readonly failed: readonly string[];
}

/**
 * Makes the load balancer route to exactly the serving copies (core/serving.ts) of every
 * live exposed job, from the state as this pass left it — so a copy marked for a
 * graceful stop in this pass leaves the load balancer in this pass, a deregistration
 * delay before the pass that stops it. A service whose job stopped or is no longer
 * exposed loses its targets at once and is removed once none of its copies serves or
 * deregisters, so the target group's own draining is not cut short.
 *
 * Declarative (the port's calls state what should be), so a pass that failed half-way
 * is mended by the next. A failure is logged and only its job is left to the next pass.
 */
export async function convergeLoadBalancer(lb: LoadBalancer, state: Snapshot, logger: PassLogger): Promise<LoadBalancingOutcome> {
  const nodes = new Map(state.nodes.map((n) => [n.id, n]));
  const jobs = new Map(state.jobs.map((j) => [j.id, j]));
  const tasksOf = new Map<string, Task[]>();
  for (const t of state.tasks) tasksOf.set(t.jobId, [...(tasksOf.get(t.jobId) ?? []), t]);
  const converged: string[] = [];
  const removed: string[] = [];
  const failed: string[] = [];
  let registered = 0;
  let deregistered = 0;

  const live = state.jobs.filter((j) => j.expose !== undefined && j.stopRequestedAt === undefined).sort((a, b) => a.id.localeCompare(b.id));
  for (const job of live) {
    const targets: LoadBalancerTarget[] = [];
    for (const t of tasksOf.get(job.id) ?? []) {
      const place = servingPlace(t, job, t.nodeId !== undefined ? nodes.get(t.nodeId) : undefined);
      if (place) targets.push({ taskId: t.id, nodeId: t.nodeId!, address: place.address, port: place.endpoint.hostPort });
    }
    const ok = await attempt(logger, job.id, 'converge', async () => {
      await lb.ensureService(serviceOf(job));
      const change = await lb.setTargets(job.id, targets);
      registered += change.registered.length;
      deregistered += change.deregistered.length;
      if (change.registered.length + change.deregistered.length > 0) {
        logger.info('load balancer targets changed', { jobId: job.id, registered: change.registered.map((r) => r.taskId), deregistered: change.deregistered.map((d) => d.taskId ?? `${d.nodeId}:${d.port}`) });
      }
    });
    (ok ? converged : failed).push(job.id);
  }

  const liveIds = new Set(live.map((j) => j.id));
  let services: readonly LoadBalancedService[] = [];
  if (!(await attempt(logger, undefined, 'list services', async () => { services = await lb.services(); }))) return { converged, registered, deregistered, removed, failed };
  for (const s of [...services].sort((a, b) => a.jobId.localeCompare(b.jobId))) {
    if (liveIds.has(s.jobId)) continue;
    const job = jobs.get(s.jobId);
    const lingering = (tasksOf.get(s.jobId) ?? []).some((t) => stillReceiving(t, job, nodes));
    const ok = await attempt(logger, s.jobId, 'retire', async () => {
      const change = await lb.setTargets(s.jobId, []);
      deregistered += change.deregistered.length;
      if (lingering) return;
      await lb.removeService(s.jobId);
      removed.push(s.jobId);
    });
    if (!ok) failed.push(s.jobId);
  }
  return { converged, registered, deregistered, removed, failed };
}

/** The service the port is asked for: the job's rule, checked over HTTP at its health check's path when that check probes the exposed port. */
export function serviceOf(job: Job): LoadBalancedService {
  const check = job.healthCheck;
  const healthPath = check && 'http' in check && check.http.port === job.expose!.port ? check.http.path : undefined;
  return { jobId: job.id, jobName: job.name, rule: job.expose!, ...(healthPath !== undefined ? { healthPath } : {}) };
}

/** A copy requests may still be reaching: serving, or marked and waiting out its deregistration delay. */
function stillReceiving(t: Task, job: Job | undefined, nodes: ReadonlyMap<string, Node>): boolean {
  if (t.status === 'RUNNING' && t.stopAt !== undefined) return true;
  return job !== undefined && isServing(t, job, t.nodeId !== undefined ? nodes.get(t.nodeId) : undefined);
}

async function attempt(logger: PassLogger, jobId: string | undefined, what: string, work: () => Promise<void>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (err) {
    if (err instanceof LoadBalancerError) {
      logger.warn(`load balancer ${what} failed; the next pass tries again`, { jobId, operation: err.operation, retriable: err.retriable, error: err.message });
    } else {
      logger.error(`load balancer ${what} failed unexpectedly; the next pass tries again`, { jobId, error: String(err) });
    }
    return false;
  }
}
