import { targetVersion, versionOfTask } from '../deployment';
import type { Job, Task } from '../model';
import type { SnapshotIndex } from './snapshot';
import { decideRestart } from './restart-policy';

/**
 * True when a copy will never run again: stopped, completed for good, failed with no
 * restart left, or belonging to a stopped job. Derived from the task and its job each
 * pass, so "FAILED and given up" needs no extra state.
 */
export function isFinished(task: Task, job: Job | undefined): boolean {
  if (task.status === 'STOPPED') return true;
  if (!job || job.stopRequestedAt !== undefined) return true;
  if (task.status === 'COMPLETED' || task.status === 'FAILED') return !decideRestart(task, job).restart;
  return false;
}

/**
 * The live copies that carry on the slot of `task` when it goes: its migration copies
 * (a drain's), and — for a copy of an older version — the live copies of the job's
 * target version in the same slot (a deployment's).
 */
export function successors(task: Task, job: Job, index: SnapshotIndex): Task[] {
  const out = (index.copiesOf.get(task.id) ?? []).filter((c) => !isFinished(c, job));
  const target = targetVersion(job);
  if (versionOfTask(task) === target) return out;
  for (const c of index.tasksOf.get(job.id) ?? []) {
    if (c.id !== task.id && c.slot === task.slot && versionOfTask(c) === target && !isFinished(c, job) && !out.includes(c)) out.push(c);
  }
  return out;
}

/**
 * For a batch copy restarted elsewhere ahead of a Spot interruption (drains.ts), the
 * other copy of the pair — the original or its replacement — if it COMPLETED: the
 * slot's work is done, and the copy still running must end rather than run it twice.
 */
export function completedTwin(task: Task, job: Job, index: SnapshotIndex): Task | undefined {
  if (job.kind !== 'batch') return undefined;
  const pair = [...(index.copiesOf.get(task.id) ?? []), ...(task.replaces !== undefined ? [index.tasks.get(task.replaces)].filter((t) => t !== undefined) : [])];
  // Only a migration copy runs the same work: a deployment's copy of another version
  // also `replaces` the old one, and must run its own version whatever the old one did.
  return pair.find((t) => t.status === 'COMPLETED' && isFinished(t, job) && versionOfTask(t) === versionOfTask(task));
}

/** True when another copy carries on the slot of `task` (see successors): once it ends, it is not restarted. */
export function slotCarriedOn(task: Task, job: Job, index: SnapshotIndex): boolean {
  return successors(task, job, index).length > 0;
}
