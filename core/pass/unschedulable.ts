import { placementKey, type PlacementTask } from '../placement/bin';
import type { SchedulerPolicy } from '../policy';
import type { PlacementRound } from './placement-round';
import type { PlanBuilder } from './plan-builder';
import { unschedulableReason } from './scale-up';
import type { SnapshotIndex } from './snapshot';

/**
 * Copies no node that stays and no type scale-up may buy could ever hold become
 * UNSCHEDULABLE with the reason; the rest are returned to be placed. Runs after drains
 * have finished, because a node a drain takes out of service cannot make a copy
 * schedulable, and an abandoned drain may have just stopped a candidate.
 */
export function refuseUnschedulable(round: PlacementRound, index: SnapshotIndex, builder: PlanBuilder, policy: SchedulerPolicy): PlacementTask[] {
  const stayingNodes = round.liveNodes.filter((n) => builder.stateOf(n) !== 'DRAINING');
  const placeable: PlacementTask[] = [];
  // Interchangeable tasks share the answer; without the cache a large pass asks it per copy.
  const verdicts = new Map<string, string | null>();
  for (const pt of round.tasks) {
    if (builder.isTouched(pt.id)) continue; // a copy an abandoned drain just stopped
    const key = placementKey(pt);
    let reason = verdicts.get(key);
    if (reason === undefined) {
      reason = unschedulableReason(pt, policy, stayingNodes);
      verdicts.set(key, reason);
    }
    if (!reason) {
      placeable.push(pt);
      continue;
    }
    const t = index.tasks.get(pt.id)!;
    if (t.status !== 'UNSCHEDULABLE' || t.reason !== reason) {
      builder.updateTask({ taskId: t.id, from: t.status, generation: t.generation, to: 'UNSCHEDULABLE', reason, releaseFrom: round.lost.get(t.id)?.nodeId });
    }
    builder.leaveUnplaced({ taskId: t.id, reason });
  }
  return placeable;
}
