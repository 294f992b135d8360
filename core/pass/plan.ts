import { consolidate } from './consolidation';
import { byId } from '../compare';
import { finishDrains, progressDrains } from './drains';
import { deathReason } from './liveness';
import { GONE, HOLDS_RESOURCES, PLACEABLE, type Node, type Task } from '../model';
import { PlanBuilder } from './plan-builder';
import type { Plan } from './plan-types';
import { validatePolicy, type SchedulerPolicy } from '../policy';
import { binFrom, placementKey, type Bin, type PlacementTask } from '../placement/bin';
import { packTasks } from '../placement/packer';
import { scarcityWeights } from '../placement/scorers';
import { orderTasks, STRATEGIES } from '../placement/strategies';
import { add, ZERO, type Resources } from '../resources';
import { decideRestart } from './restarts';
import { planLaunches, unschedulableReason } from './scale-up';
import { SnapshotIndex, type Snapshot } from './snapshot';
import { isFinished } from './task-fate';

export type { Plan } from './plan-types';

/**
 * One scheduling pass: a pure function of the snapshot, the time and the policy.
 *
 *   stop stopped jobs → mark dead nodes LOST → apply restart policy → move drains on
 *   → place (filters → scorers) → size scale-up for the rest → consolidate
 *
 * The order matters: everything that frees or orphans work runs before placement, so
 * one pass re-places a lost node's tasks; scale-up sees only what placement could not
 * do; consolidation runs last, on the fleet as placement left it, so it never drains
 * a node this pass just filled.
 */
export function plan(snapshot: Snapshot, now: number, policy: SchedulerPolicy): Plan {
  validatePolicy(policy);
  const sorted: Snapshot = {
    jobs: [...snapshot.jobs].sort(byId),
    tasks: [...snapshot.tasks].sort(byId),
    nodes: [...snapshot.nodes].sort(byId),
  };
  const index = new SnapshotIndex(sorted);
  const builder = new PlanBuilder(now);

  stopStoppedJobs(index, builder);
  const lost = markDeadNodes(index, builder, now, policy);
  applyRestartPolicy(index, builder);
  const drains = progressDrains(index, builder, now);

  // What may be placed this pass: new, lost and unschedulable copies whose back-off is over.
  const candidates: Task[] = [...lost.values()].map((l) => l.task);
  for (const t of sorted.tasks) {
    if (builder.isTouched(t.id) || lost.has(t.id) || !PLACEABLE.has(t.status)) continue;
    if (t.notBefore !== undefined && t.notBefore > now) continue;
    const job = index.jobs.get(t.jobId);
    if (job && job.stopRequestedAt === undefined) candidates.push(t);
  }
  const toPlace = toPlacementTasks(candidates, index);
  const liveNodes = sorted.nodes.filter((n) => !GONE.has(builder.stateOf(n)));
  const bins = placementBins(liveNodes, index, builder);
  const weights = scarcityWeights(totalDemand(index, toPlace), totalCapacity(liveNodes));
  const strategy = STRATEGIES[policy.strategy];

  // Moves first: a draining node is paid for until its copies run elsewhere.
  finishDrains(drains, bins, index, builder, { strategy, weights });

  // A node that stays after this pass could make a task schedulable; a draining one cannot.
  const stayingNodes = liveNodes.filter((n) => builder.stateOf(n) !== 'DRAINING');
  const placeable: PlacementTask[] = [];
  // Interchangeable tasks share the answer; without the cache a large pass asks it per copy.
  const verdicts = new Map<string, string | null>();
  for (const pt of toPlace) {
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
      builder.updateTask({ taskId: t.id, from: t.status, generation: t.generation, to: 'UNSCHEDULABLE', reason, releaseFrom: lost.get(t.id)?.nodeId });
    }
    builder.leaveUnplaced({ taskId: t.id, reason });
  }

  const ordered = orderTasks(placeable, strategy.order, largestCapacity(liveNodes, policy));
  const result = packTasks(ordered, bins, { strategy, weights });
  for (const p of result.placements) {
    const task = index.tasks.get(p.taskId)!;
    builder.assign({
      taskId: task.id,
      jobId: task.jobId,
      nodeId: p.binId,
      from: task.status,
      generation: index.nextGeneration(task.jobId, task.slot),
      resources: task.resources,
      releaseFrom: lost.get(task.id)?.nodeId,
    });
  }

  const waiting = ordered.filter((t) => result.unplaced.has(t.id));
  const scaleUp = planLaunches(waiting, policy, liveNodes, weights);
  for (const l of scaleUp.launches) builder.launch(l);
  for (const t of waiting) {
    const reason = `${result.unplaced.get(t.id)}; ${scaleUp.reasons.get(t.id)}`;
    builder.leaveUnplaced({ taskId: t.id, reason });
    const task = index.tasks.get(t.id)!;
    const lostFrom = lost.get(t.id);
    const to = lostFrom ? 'LOST' : 'PENDING';
    if (task.status !== to || task.reason !== reason || lostFrom) {
      builder.updateTask({ taskId: task.id, from: task.status, generation: task.generation, to, reason: lostFrom ? `${lostFrom.reason}; ${reason}` : reason, releaseFrom: lostFrom?.nodeId });
    }
  }

  consolidate({ index, bins: new Map(bins.map((b) => [b.id, b])), policy, now, builder, unplacedCount: waiting.length, weights });
  return builder.build();
}

function stopStoppedJobs(index: SnapshotIndex, builder: PlanBuilder): void {
  for (const t of index.snapshot.tasks) {
    const job = index.jobs.get(t.jobId);
    // No job yet: a submit is writing its tasks before the job (so a crash leaves no
    // half-visible job). Such tasks are not the scheduler's until the job appears.
    if (!job || job.stopRequestedAt === undefined) continue;
    if (t.status === 'STOPPED' || t.status === 'COMPLETED' || t.status === 'FAILED') continue;
    const holds = t.nodeId !== undefined && HOLDS_RESOURCES.has(t.status);
    builder.updateTask({ taskId: t.id, from: t.status, generation: t.generation, to: 'STOPPED', reason: 'job stopped', releaseFrom: holds ? t.nodeId : undefined });
  }
}

interface LostCopy {
  readonly task: Task;
  readonly nodeId: string;
  readonly reason: string;
}

/** Nodes past their heartbeat (or launch) timeout become LOST; what ran there is placed again. */
function markDeadNodes(index: SnapshotIndex, builder: PlanBuilder, now: number, policy: SchedulerPolicy): Map<string, LostCopy> {
  const lost = new Map<string, LostCopy>();
  const dead = new Map<string, string>();
  for (const node of index.snapshot.nodes) {
    const reason = deathReason(node, now, policy);
    if (reason) {
      builder.updateNode({ nodeId: node.id, from: node.state, to: 'LOST', reason });
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
    const liveCopy = (index.copiesOf.get(t.id) ?? []).find((c) => !isFinished(c, job));
    if (liveCopy) {
      // Its migration copy already carries the slot: placing this one too would run it twice.
      builder.updateTask({ taskId: t.id, from: t.status, generation: t.generation, to: 'STOPPED', reason: `${why}; ${liveCopy.id} continues`, releaseFrom: t.nodeId });
    } else {
      lost.set(t.id, { task: t, nodeId: t.nodeId, reason: why });
    }
  }
  return lost;
}

function applyRestartPolicy(index: SnapshotIndex, builder: PlanBuilder): void {
  for (const t of index.snapshot.tasks) {
    if ((t.status !== 'FAILED' && t.status !== 'COMPLETED') || builder.isTouched(t.id)) continue;
    const job = index.jobs.get(t.jobId);
    if (!job || job.stopRequestedAt !== undefined) continue;
    const decision = decideRestart(t, job);
    if (!decision.restart) continue;
    if ((index.copiesOf.get(t.id) ?? []).some((c) => !isFinished(c, job))) {
      builder.updateTask({ taskId: t.id, from: t.status, generation: t.generation, to: 'STOPPED', reason: `${decision.reason.split(';')[0]}; its migration copy continues` });
      continue;
    }
    builder.updateTask({ taskId: t.id, from: t.status, generation: t.generation, to: 'PENDING', notBefore: decision.notBefore, restarts: decision.restarts, reason: decision.reason });
  }
}

function toPlacementTasks(tasks: Task[], index: SnapshotIndex): PlacementTask[] {
  // Arrival: job submission time, then replica slot; a rank, not a timestamp, so it stays exact.
  const sorted = [...tasks].sort((a, b) => {
    const ja = index.jobs.get(a.jobId)!;
    const jb = index.jobs.get(b.jobId)!;
    return ja.createdAt - jb.createdAt || byId(ja, jb) || a.slot - b.slot || byId(a, b);
  });
  return sorted.map((t, i) => ({ id: t.id, jobId: t.jobId, resources: t.resources, constraints: index.jobs.get(t.jobId)!.constraints, arrival: i }));
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

/** Normalises "largest first": the largest node in the fleet, or the largest type scale-up may buy. */
function largestCapacity(nodes: readonly Node[], policy: SchedulerPolicy): Resources {
  let cpu = 1;
  let mem = 1;
  for (const n of nodes) {
    cpu = Math.max(cpu, n.capacity.cpu);
    mem = Math.max(mem, n.capacity.memoryMiB);
  }
  for (const t of policy.scaleUp.instanceTypes) {
    cpu = Math.max(cpu, t.capacity.cpu);
    mem = Math.max(mem, t.capacity.memoryMiB);
  }
  return { cpu, memoryMiB: mem };
}

