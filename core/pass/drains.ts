import { capacityChoiceOf } from '../capacity';
import { ACCEPTS_WORK, GONE, HOLDS_RESOURCES, type Job, type Reclaim, type Task } from '../model';
import type { SchedulerPolicy } from '../policy';
import { isServing } from '../serving';
import { stopGracefully } from './graceful-stop';
import type { PlanBuilder } from './plan-builder';
import type { Bin, PlacementTask } from '../placement/bin';
import { packTasks } from '../placement/packer';
import type { ResourceWeights } from '../placement/scorers';
import type { SpreadTally } from '../placement/spread';
import { orderTasks, type Strategy } from '../placement/strategies';
import type { SnapshotIndex } from './snapshot';
import { completedTwin, isFinished, successors } from './task-fate';

/** Replacement copies each DRAINING node still needs, by node id (created in the store only once placed). */
export type DrainWork = Map<string, Task[]>;

/**
 * Moves draining nodes along, make-before-break: a copy on a DRAINING node stops only
 * once its replacement is RUNNING — for an exposed job, once it is serving, and the old
 * copy then leaves the load balancer before it stops (graceful-stop.ts); a copy with no
 * live replacement gets one (placed by `finishDrains`); a node with nothing left on it
 * is terminated. Batch and do-not-disrupt copies that landed on a draining node (a
 * racing pass placed them as it flipped) are not moved: the drain waits for them to end.
 *
 * A node the cloud is taking back (`reclaim`: a Spot interruption warning or rebalance
 * recommendation, core/model.ts Reclaim) drains the same way, with three differences.
 * Its drain is never abandoned: the node goes whatever the fleet can hold, so each
 * replacement is created at once as a PENDING copy (builder.createTask) that placement
 * puts wherever it fits and scale-up launches capacity for, rather than placed all or
 * nothing by finishDrains. With a deadline (an interruption), batch and do-not-disrupt
 * copies are restarted elsewhere too: they die at the deadline anyway, and a copy
 * started before it loses less than one lost at it. And a notice that finds the node
 * still accepting work moves it to DRAINING. This is how Karpenter handles an
 * interruption: it cordons and drains the node and launches replacements as soon as the
 * warning arrives (https://karpenter.sh/docs/concepts/disruption/#interruption).
 */
export function progressDrains(index: SnapshotIndex, builder: PlanBuilder, now: number, policy: SchedulerPolicy): DrainWork {
  const work: DrainWork = new Map();
  endCompletedTwins(index, builder, now, policy);
  for (const node of index.snapshot.nodes) {
    const reclaim = node.reclaim;
    if (reclaim && ACCEPTS_WORK.has(node.state) && !builder.nodeTarget(node.id)?.to) {
      builder.updateNode({ nodeId: node.id, from: node.state, to: 'DRAINING', reason: reclaimReason(reclaim) });
    } else if (node.state !== 'DRAINING' || builder.nodeTarget(node.id)?.to) continue;
    const deadline = reclaim?.deadline;
    let remaining = 0;
    const needed: Task[] = [];
    for (const task of index.holding.get(node.id) ?? []) {
      // Stopped with its job or otherwise handled; one still deregistering keeps the node.
      if (builder.isTouched(task.id)) {
        if (builder.holdsAfter(task)) remaining++;
        continue;
      }
      remaining++;
      const job = index.jobs.get(task.jobId);
      if (!job || ((job.kind === 'batch' || job.doNotDisrupt) && deadline === undefined)) continue;
      const done = completedTwin(task, job, index);
      if (done) {
        if (stopGracefully(task, index, builder, now, policy, { reason: `${done.id} completed the slot's work` }) === 'stopped') remaining--;
        continue;
      }
      // Its migration copy, or a deployment's copy of the target version in its slot: either carries the slot on.
      const live = successors(task, job, index);
      // A copy on a node lost this pass is about to be placed again: it does not count as running.
      const ready = live.find((c) => replacementReady(c, job, index, builder));
      if (ready) {
        const outcome = stopGracefully(task, index, builder, now, policy, { reason: `replaced by ${ready.id} on ${ready.nodeId}` });
        if (outcome === 'stopped') remaining--;
      } else if (live.length === 0) {
        const copy = migrationCopy(task, index, now);
        if (reclaim) {
          const moved = { ...copy, reason: `replaces ${task.id}: ${reclaimReason(reclaim)}` };
          builder.createTask(moved);
          index.addCreated(moved);
        } else {
          needed.push(copy);
        }
      }
    }
    // A node that was ACTIVE a moment ago is DRAINING from this plan on: its termination waits for the next pass.
    if (remaining === 0 && node.state === 'DRAINING') {
      builder.updateNode({ nodeId: node.id, from: node.state, to: 'TERMINATING', reason: 'drained' });
      builder.terminate({ nodeId: node.id, reason: 'drained: every task runs elsewhere' });
    } else if (needed.length > 0) {
      work.set(node.id, needed);
    }
  }
  return work;
}

/**
 * A batch copy restarted ahead of an interruption runs the same work as its original:
 * whichever completes first ends the other, wherever it is (a copy still PENDING is
 * stopped outright), so no batch slot's work is done twice.
 */
function endCompletedTwins(index: SnapshotIndex, builder: PlanBuilder, now: number, policy: SchedulerPolicy): void {
  for (const task of index.snapshot.tasks) {
    if (task.replaces === undefined || builder.isTouched(task.id)) continue;
    const job = index.jobs.get(task.jobId);
    if (!job || isFinished(task, job) || task.status === 'COMPLETED' || task.status === 'FAILED') continue;
    const original = index.tasks.get(task.replaces);
    if (!original || original.status !== 'COMPLETED' || completedTwin(task, job, index) !== original) continue;
    const reason = `${original.id} completed the slot's work before the interruption`;
    if (HOLDS_RESOURCES.has(task.status)) stopGracefully(task, index, builder, now, policy, { reason });
    else builder.updateTask({ taskId: task.id, from: task.status, generation: task.generation, to: 'STOPPED', reason });
  }
}

function reclaimReason(r: Reclaim): string {
  const what = r.notice === 'interruption' ? 'Spot interruption warning' : 'rebalance recommendation';
  return r.deadline !== undefined ? `${what}: the cloud takes the node at ${new Date(r.deadline).toISOString()}` : `${what}: the node is likely to be interrupted`;
}

/** A replacement takes over once it runs on a live node — and, for an exposed job, serves. */
function replacementReady(copy: Task, job: Job, index: SnapshotIndex, builder: PlanBuilder): boolean {
  if (copy.status !== 'RUNNING' || copy.nodeId === undefined || !nodeAlive(copy.nodeId, index, builder)) return false;
  return job.expose === undefined || isServing(copy, job, index.nodes.get(copy.nodeId));
}

/**
 * Places the replacement copies draining nodes need, before any pending work, node by
 * node and all or nothing: if a node's copies do not all fit the fleet as it stands
 * (a racing pass took the room, the replacement node never came), the drain is
 * abandoned — the node goes back to ACTIVE and the copies it already has are stopped —
 * rather than launching capacity to finish a move that was meant to save capacity.
 * Replacements keep their job's spread; one that only fits by breaking it also
 * abandons the drain.
 */
export function finishDrains(
  work: DrainWork,
  bins: Bin[],
  index: SnapshotIndex,
  builder: PlanBuilder,
  placement: { strategy: Strategy; weights: ResourceWeights },
  spread: SpreadTally,
  now: number,
  policy: SchedulerPolicy,
): void {
  for (const nodeId of [...work.keys()].sort()) {
    const copies = work.get(nodeId)!;
    const trial = spread.fork();
    const tasks: PlacementTask[] = copies.map((c, i) => {
      const rule = trial.ruleFor(c.jobId);
      const job = index.jobs.get(c.jobId)!;
      const pt: PlacementTask = { id: c.id, jobId: c.jobId, resources: c.resources, constraints: job.constraints, arrival: i, capacity: capacityChoiceOf(job) };
      return rule ? { ...pt, spread: rule } : pt;
    });
    const reference = index.nodes.get(nodeId)!.capacity;
    const sandbox = bins.map((b) => ({ ...b }));
    const result = packTasks(orderTasks(tasks, 'decreasing', reference), sandbox, placement);
    if (result.unplaced.size > 0) {
      abandonDrain(nodeId, [...result.unplaced.values()][0], index, builder, now, policy);
      continue;
    }
    spread.adopt(trial);
    sandbox.forEach((s, i) => {
      bins[i].freeCpu = s.freeCpu;
      bins[i].freeMemoryMiB = s.freeMemoryMiB;
    });
    const byId = new Map(copies.map((c) => [c.id, c]));
    for (const p of result.placements) {
      const copy = byId.get(p.taskId)!;
      builder.assign({ taskId: copy.id, jobId: copy.jobId, nodeId: p.binId, generation: copy.generation, resources: copy.resources, create: { ...copy, status: 'ASSIGNED', nodeId: p.binId } });
    }
  }
}

function abandonDrain(nodeId: string, why: string, index: SnapshotIndex, builder: PlanBuilder, now: number, policy: SchedulerPolicy): void {
  builder.updateNode({ nodeId, from: 'DRAINING', to: 'ACTIVE', reason: `drain abandoned: a replacement copy does not fit (${why})` });
  for (const task of index.holding.get(nodeId) ?? []) {
    // An original stopped (or leaving the load balancer) this pass has handed over to its copy: that copy stays.
    if (builder.isTouched(task.id)) continue;
    const job = index.jobs.get(task.jobId);
    for (const copy of index.copiesOf.get(task.id) ?? []) {
      if (builder.isTouched(copy.id) || isFinished(copy, job)) continue;
      stopGracefully(copy, index, builder, now, policy, { reason: `drain of ${nodeId} abandoned; ${task.id} stays` });
    }
  }
}

/** A new copy of `task`'s slot that replaces it; the id carries the generation so it is unique. */
export function migrationCopy(task: Task, index: SnapshotIndex, now: number): Task {
  const generation = index.nextGeneration(task.jobId, task.slot);
  return {
    id: `${task.jobId}.${task.slot}.g${generation}`,
    jobId: task.jobId,
    slot: task.slot,
    generation,
    status: 'PENDING',
    resources: task.resources,
    restarts: 0,
    // The move keeps what the copy runs: a deployment, not a drain, changes versions.
    ...(task.version !== undefined ? { version: task.version } : {}),
    replaces: task.id,
    createdAt: now,
  };
}

function nodeAlive(nodeId: string, index: SnapshotIndex, builder: PlanBuilder): boolean {
  const node = index.nodes.get(nodeId);
  return node !== undefined && !GONE.has(builder.stateOf(node));
}
