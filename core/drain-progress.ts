import type { Task } from './model';
import type { PlanBuilder } from './plan-builder';
import type { SnapshotIndex } from './snapshot';
import { isFinished } from './task-fate';

/**
 * Moves draining nodes along, make-before-break: a copy on a DRAINING node stops only
 * once its replacement is RUNNING; a copy with no live replacement gets one (placed by
 * the pass like any pending task); a node with nothing left on it is terminated.
 */
export interface DrainWork {
  /** Replacement copies to place this pass (created in the store only once placed), by id. */
  readonly records: Map<string, Task>;
}

export function progressDrains(index: SnapshotIndex, builder: PlanBuilder, now: number): DrainWork {
  const records = new Map<string, Task>();
  for (const node of index.snapshot.nodes) {
    if (node.state !== 'DRAINING' || builder.nodeTarget(node.id)?.to) continue;
    let remaining = 0;
    for (const task of index.holding.get(node.id) ?? []) {
      if (builder.isTouched(task.id)) continue; // stopped with its job, or otherwise handled
      remaining++;
      const job = index.jobs.get(task.jobId);
      const live = (index.copiesOf.get(task.id) ?? []).filter((c) => !isFinished(c, job));
      // A copy on a node lost this pass is about to be placed again: it does not count as running.
      const running = live.find((c) => c.status === 'RUNNING' && c.nodeId !== undefined && nodeAlive(c.nodeId, index, builder));
      if (running) {
        builder.updateTask({ taskId: task.id, from: task.status, to: 'STOPPED', reason: `replaced by ${running.id} on ${running.nodeId}`, releaseFrom: node.id });
        remaining--;
      } else if (live.length === 0 && job) {
        const record = migrationCopy(task, index, now);
        records.set(record.id, record);
      }
    }
    if (remaining === 0) {
      builder.updateNode({ nodeId: node.id, from: node.state, to: 'TERMINATING', reason: 'drained' });
      builder.terminate({ nodeId: node.id, reason: 'drained: every task runs elsewhere' });
    }
  }
  return { records };
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
    replaces: task.id,
    createdAt: now,
  };
}

function nodeAlive(nodeId: string, index: SnapshotIndex, builder: PlanBuilder): boolean {
  const node = index.nodes.get(nodeId);
  const state = builder.nodeTarget(nodeId)?.to ?? node?.state;
  return node !== undefined && state !== 'LOST' && state !== 'TERMINATING';
}
