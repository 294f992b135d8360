import { HOLDS_RESOURCES, type Node, type Task } from '../model';
import type { SchedulerPolicy } from '../policy';
import type { PlanBuilder } from './plan-builder';
import type { SnapshotIndex } from './snapshot';
import { completedTwin, isFinished } from './task-fate';

/**
 * Why a node is dead at `now`, or null while it is alive. A node that reported is
 * judged by its last heartbeat; one still LAUNCHING by how long it has been starting,
 * so an instance that never boots does not hold its tasks forever.
 */
export function deathReason(node: Node, now: number, policy: SchedulerPolicy): string | null {
  if (node.state === 'LOST' || node.state === 'TERMINATING') return null;
  // EC2 takes a Spot instance at the time its interruption warning named: from then on it is gone, whatever its last heartbeat says.
  if (node.reclaim?.deadline !== undefined && now >= node.reclaim.deadline) return `reclaimed by the cloud at ${new Date(node.reclaim.deadline).toISOString()} (Spot interruption)`;
  if (node.lastHeartbeatAt === undefined) {
    const waited = now - node.launchedAt;
    return waited > policy.launchTimeoutMs ? `no heartbeat ${Math.round(waited / 1000)} s after launch (launch timeout ${policy.launchTimeoutMs / 1000} s)` : null;
  }
  const silent = now - node.lastHeartbeatAt;
  return silent > policy.heartbeatTimeoutMs ? `silent for ${Math.round(silent / 1000)} s (heartbeat timeout ${policy.heartbeatTimeoutMs / 1000} s)` : null;
}

/** A node that never sent a heartbeat and is past its launch timeout: a launch that failed to boot (launch-hold.ts counts them). */
export function isLaunchTimeout(node: Node, now: number, policy: SchedulerPolicy): boolean {
  // A node reclaimed before it reported was taken, not a launch that failed to boot.
  return node.lastHeartbeatAt === undefined && node.reclaim === undefined && deathReason(node, now, policy) !== null;
}

/** A copy whose node died, to be placed again in this same pass. */
export interface LostCopy {
  readonly task: Task;
  readonly nodeId: string;
  readonly reason: string;
}

/** Nodes past their heartbeat (or launch) timeout become LOST; what ran there is placed again. */
export function markDeadNodes(index: SnapshotIndex, builder: PlanBuilder, now: number, policy: SchedulerPolicy): Map<string, LostCopy> {
  const lost = new Map<string, LostCopy>();
  const dead = new Map<string, string>();
  for (const node of index.snapshot.nodes) {
    const reason = deathReason(node, now, policy);
    if (reason) {
      builder.updateNode({ nodeId: node.id, from: node.state, to: 'LOST', reason, heartbeatSeen: node.lastHeartbeatAt ?? null });
      builder.terminate({ nodeId: node.id, reason: `lost: ${reason}` });
      dead.set(node.id, `node ${node.id} lost: ${reason}`);
    } else if (node.state === 'LOST' || node.state === 'TERMINATING') {
      // Still in the snapshot, so the last termination did not go through: ask again
      // (TerminateInstances is idempotent; the applier removes the node once it succeeds).
      builder.terminate({ nodeId: node.id, reason: `${node.state.toLowerCase()} node still present; terminating again` });
      // Whatever still holds resources there dies with the instance (a copy a racing
      // pass placed as the node was emptied): place it again.
      dead.set(node.id, `node ${node.id} is ${node.state.toLowerCase()}`);
    }
  }
  for (const t of index.snapshot.tasks) {
    if (!t.nodeId || !HOLDS_RESOURCES.has(t.status) || builder.isTouched(t.id) || !index.jobs.has(t.jobId)) continue;
    const why = dead.get(t.nodeId) ?? (index.nodes.has(t.nodeId) ? undefined : `node ${t.nodeId} no longer exists`);
    if (!why) continue;
    const job = index.jobs.get(t.jobId);
    // A batch copy's replacement that already completed carries the slot too: its work is done.
    const liveCopy = (index.copiesOf.get(t.id) ?? []).find((c) => !isFinished(c, job)) ?? (job ? completedTwin(t, job, index) : undefined);
    if (liveCopy) {
      // Its migration copy already carries the slot: placing this one too would run it twice.
      builder.updateTask({ taskId: t.id, from: t.status, generation: t.generation, to: 'STOPPED', reason: `${why}; ${liveCopy.id} continues`, releaseFrom: t.nodeId });
    } else {
      lost.set(t.id, { task: t, nodeId: t.nodeId, reason: why });
    }
  }
  return lost;
}
