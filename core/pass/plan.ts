import { byId } from '../compare';
import { validatePolicy, type SchedulerPolicy } from '../policy';
import { consolidate } from './consolidation';
import { finishDeregistrations } from './deregistrations';
import { finishDrains, progressDrains } from './drains';
import { followUpOf } from './follow-up';
import { markDeadNodes } from './liveness';
import { placeTasks } from './place';
import { placementRound } from './placement-round';
import { PlanBuilder } from './plan-builder';
import type { Plan } from './plan-types';
import { applyRestartPolicy } from './restarts';
import { progressDeployments } from './rollout';
import { scaleIn } from './scale-in';
import { scaleUp } from './scale-up';
import { SnapshotIndex, type Snapshot } from './snapshot';
import { stopStoppedJobs } from './stop-jobs';
import { failUnhealthy } from './unhealthy';
import { refuseUnschedulable } from './unschedulable';

export type { Plan } from './plan-types';

/**
 * One scheduling pass: a pure function of the snapshot, the time and the policy. This
 * file only orders the stages; each lives in its own file.
 *
 *   finish deregistrations → stop stopped jobs → mark dead nodes LOST → fail the
 *   unhealthy → scale in → roll deployments → apply restart policy → move drains on →
 *   finish drains → refuse the unschedulable → place → scale up → consolidate
 *   → when to look again (follow-up.ts)
 *
 * The order matters: everything that frees or orphans work runs before placement, so
 * one pass re-places a lost node's tasks; drains finish before new work is placed,
 * because a draining node is paid for until its copies run elsewhere; scale-up sees
 * only what placement could not do; scale-in and deployments run before the restart
 * policy, so a crashed copy of an unwanted slot or an old version is ended or replaced
 * rather than restarted, and the new copies a deployment creates are placed this pass; consolidation runs last, on the fleet as placement
 * left it, so it never drains a node this pass just filled.
 */
export function plan(snapshot: Snapshot, now: number, policy: SchedulerPolicy): Plan {
  validatePolicy(policy);
  // Sorted by id so the plan does not depend on the order the store returned items in.
  const index = new SnapshotIndex({
    ...snapshot,
    jobs: [...snapshot.jobs].sort(byId),
    tasks: [...snapshot.tasks].sort(byId),
    nodes: [...snapshot.nodes].sort(byId),
  });
  const builder = new PlanBuilder(now);

  finishDeregistrations(index, builder, now, policy);
  stopStoppedJobs(index, builder, now, policy);
  const lost = markDeadNodes(index, builder, now, policy);
  failUnhealthy(index, builder, now, policy);
  scaleIn(index, builder, now, policy);
  progressDeployments(index, builder, now, policy);
  applyRestartPolicy(index, builder);
  const drains = progressDrains(index, builder, now, policy);

  const round = placementRound(index, builder, lost, now, policy);
  finishDrains(drains, round.bins, index, builder, round.scoring, round.spread, now, policy);
  const placeable = refuseUnschedulable(round, index, builder, policy);
  const waiting = placeTasks(placeable, round, index, builder, policy);
  scaleUp(waiting, round, index, builder, policy);

  consolidate({ index, bins: new Map(round.bins.map((b) => [b.id, b])), policy, now, builder, unplacedCount: waiting.length, weights: round.scoring.weights, spread: round.spread });
  const built = builder.build();
  const followUp = followUpOf(index, built, now, policy);
  return followUp ? { ...built, followUp } : built;
}
