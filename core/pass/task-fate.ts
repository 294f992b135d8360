import type { Job, Task } from '../model';
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
