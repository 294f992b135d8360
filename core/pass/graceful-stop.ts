import { GONE, HOLDS_RESOURCES, type Node, type Task } from '../model';
import { deregistrationDelayMs, type SchedulerPolicy } from '../policy';
import { healthAllowsServing, reachablePlace } from '../serving';
import { deathReason } from './liveness';
import type { PlanBuilder } from './plan-builder';
import type { SnapshotIndex } from './snapshot';

export interface StopRequest {
  readonly reason: string;
  /** FAILED when the copy is ended by the scheduler and its restart policy should bring it back. */
  readonly to?: 'STOPPED' | 'FAILED';
  /**
   * Deregister the copy first even though it is not serving because of its health: an
   * unhealthy copy may still be registered, and requests in flight there deserve their end.
   */
  readonly evenIfUnhealthy?: boolean;
}

/** How a marked copy's reason starts; the rest is why it stops. */
export const DEREGISTERING = 'deregistering from the load balancer, then stopping: ';

export type StopOutcome = 'stopped' | 'deregistering';

/**
 * Stops a live copy, deregistering it from the load balancer first when requests may be
 * reaching it: a serving copy of an exposed job on a node that is not dying is marked
 * (`stopAt` = now + the policy's deregistration delay, status unchanged) and stopped by
 * the first pass at or after that time (deregistrations.ts), as an ALB's deregistration
 * delay lets in-flight requests finish before the target is cut off. Everything else —
 * a copy of a job that is not exposed, one not serving, one whose node is lost or
 * dying — stops in this plan, releasing its node.
 */
export function stopGracefully(task: Task, index: SnapshotIndex, builder: PlanBuilder, now: number, policy: SchedulerPolicy, req: StopRequest): StopOutcome {
  const job = index.jobs.get(task.jobId);
  const node = task.nodeId !== undefined ? index.nodes.get(task.nodeId) : undefined;
  if (!nodeDying(node, builder, now, policy)) {
    if (task.stopAt !== undefined) {
      // Already leaving the load balancer: deregistrations.ts ends it at its time.
      if (now < task.stopAt) {
        builder.keep(task.id);
        return 'deregistering';
      }
    } else if (reachablePlace(task, job, node) && (req.evenIfUnhealthy || healthAllowsServing(task, job!))) {
      builder.updateTask({ taskId: task.id, from: task.status, generation: task.generation, to: task.status, stopAt: now + deregistrationDelayMs(policy), reason: `${DEREGISTERING}${req.reason}` });
      return 'deregistering';
    }
  }
  stopNow(task, builder, req);
  return 'stopped';
}

/** The stop itself: the copy ends and releases the node it held. */
export function stopNow(task: Task, builder: PlanBuilder, req: Pick<StopRequest, 'reason' | 'to'>): void {
  const holds = task.nodeId !== undefined && HOLDS_RESOURCES.has(task.status);
  builder.updateTask({ taskId: task.id, from: task.status, generation: task.generation, to: req.to ?? 'STOPPED', reason: req.reason, releaseFrom: holds ? task.nodeId : undefined });
}

/**
 * Gone, going, or past its heartbeat timeout in this pass: nothing routes to its copies
 * any more (a load balancer's own checks fail on a dead instance), so waiting would
 * only delay placing them again.
 */
export function nodeDying(node: Node | undefined, builder: PlanBuilder, now: number, policy: SchedulerPolicy): boolean {
  return !node || GONE.has(builder.stateOf(node)) || deathReason(node, now, policy) !== null;
}
