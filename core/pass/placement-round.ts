import { capacityChoiceOf } from '../capacity';
import { byId } from '../compare';
import { GONE, PLACEABLE, type Node, type Task } from '../model';
import { binFrom, type Bin, type PlacementTask } from '../placement/bin';
import { GroupTally } from '../placement/group-tally';
import { scarcityWeights, type ResourceWeights } from '../placement/scorers';
import type { SpreadTally } from '../placement/spread';
import { STRATEGIES, type Strategy } from '../placement/strategies';
import type { SchedulerPolicy } from '../policy';
import { add, ZERO, type Resources } from '../resources';
import type { LostCopy } from './liveness';
import type { PlanBuilder } from './plan-builder';
import type { SnapshotIndex } from './snapshot';
import { spreadTally } from './spread-rules';

/**
 * What the placing stages of one pass share, computed once after everything that frees
 * or orphans work has run: the copies waiting for a node, the fleet as bins (with what
 * this pass already changed), and how the strategy scores.
 */
export interface PlacementRound {
  /** New, lost and unschedulable copies whose back-off is over, in arrival order. */
  readonly tasks: readonly PlacementTask[];
  /** Nodes that stay in service after this pass, oldest first. */
  readonly liveNodes: readonly Node[];
  /** One bin per live node, mutated by the packer as copies are placed. */
  readonly bins: Bin[];
  readonly scoring: { readonly strategy: Strategy; readonly weights: ResourceWeights; readonly groups?: GroupTally };
  /** Copies whose node died this pass, by task id. */
  readonly lost: ReadonlyMap<string, LostCopy>;
  /** Spread jobs' rules, with the copies each node or zone holds; grows as stages place copies. */
  readonly spread: SpreadTally;
}

export function placementRound(index: SnapshotIndex, builder: PlanBuilder, lost: ReadonlyMap<string, LostCopy>, now: number, policy: SchedulerPolicy): PlacementRound {
  const candidates: Task[] = [...lost.values()].map((l) => l.task);
  for (const t of [...index.snapshot.tasks, ...index.created]) {
    if (builder.isTouched(t.id) || lost.has(t.id) || !PLACEABLE.has(t.status)) continue;
    if (t.notBefore !== undefined && t.notBefore > now) continue;
    const job = index.jobs.get(t.jobId);
    if (job && job.stopRequestedAt === undefined) candidates.push(t);
  }
  const liveNodes = index.snapshot.nodes.filter((n) => !GONE.has(builder.stateOf(n)));
  const bins = placementBins(liveNodes, index, builder);
  const spread = spreadTally(index, builder, bins, policy);
  const tasks = toPlacementTasks(candidates, index, spread);
  const weights = scarcityWeights(totalDemand(index, tasks), totalCapacity(liveNodes));
  const strategy = STRATEGIES[policy.strategy];
  // Only the peers' strategies score by copies of a group; the others skip the count.
  const groups = strategy.peer ? groupTally(index, bins) : undefined;
  return { tasks, liveNodes, bins, scoring: { strategy, weights, groups }, lost, spread };
}

function toPlacementTasks(tasks: Task[], index: SnapshotIndex, spread: SpreadTally): PlacementTask[] {
  // Arrival: job submission time, then replica slot; a rank, not a timestamp, so it stays exact.
  const sorted = [...tasks].sort((a, b) => {
    const ja = index.jobs.get(a.jobId)!;
    const jb = index.jobs.get(b.jobId)!;
    return ja.createdAt - jb.createdAt || byId(ja, jb) || a.slot - b.slot || byId(a, b);
  });
  return sorted.map((t, i) => {
    const rule = spread.ruleFor(t.jobId);
    const job = index.jobs.get(t.jobId)!;
    const pt: PlacementTask = { id: t.id, jobId: t.jobId, resources: t.resources, constraints: job.constraints, arrival: i, group: job.name, groupSize: job.count, capacity: capacityChoiceOf(job) };
    return rule ? { ...pt, spread: rule } : pt;
  });
}

/** Copies of each job name per live node, as the peers' selectors count them. */
function groupTally(index: SnapshotIndex, bins: readonly Bin[]): GroupTally {
  const tally = new GroupTally();
  for (const bin of bins) {
    for (const t of index.holding.get(bin.id) ?? []) {
      const job = index.jobs.get(t.jobId);
      if (job) tally.record(bin, job.name);
    }
  }
  return tally;
}

function placementBins(nodes: readonly Node[], index: SnapshotIndex, builder: PlanBuilder): Bin[] {
  const ordered = [...nodes].sort((a, b) => a.launchedAt - b.launchedAt || byId(a, b));
  return ordered.map((n, rank) => binFrom({ ...n, state: builder.stateOf(n) }, index.used(n.id), rank));
}

function totalDemand(index: SnapshotIndex, pending: readonly PlacementTask[]): Resources {
  let sum = ZERO;
  for (const list of index.holding.values()) for (const t of list) sum = add(sum, t.resources);
  for (const t of pending) sum = add(sum, t.resources);
  return sum;
}

function totalCapacity(nodes: readonly Node[]): Resources {
  return nodes.reduce((s, n) => add(s, n.capacity), ZERO);
}
