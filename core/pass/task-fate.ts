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
 * True when another copy carries on the slot of `task`: a live migration copy of it (a
 * drain), or — for a copy of an older version — a live copy of the job's target version
 * in the same slot (a deployment). Such a copy, once it ends, is not restarted.
 */
export function slotCarriedOn(task: Task, job: Job, index: SnapshotIndex): boolean {
  if ((index.copiesOf.get(task.id) ?? []).some((c) => !isFinished(c, job))) return true;
  const target = targetVersion(job);
  if (versionOfTask(task) === target) return false;
  return (index.tasksOf.get(job.id) ?? []).some((c) => c.id !== task.id && c.slot === task.slot && versionOfTask(c) === target && !isFinished(c, job));
}
