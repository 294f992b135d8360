import type { Job, Task } from '../model';

export type RestartDecision =
  | { readonly restart: true; readonly notBefore: number; readonly restarts: number; readonly reason: string }
  | { readonly restart: false; readonly reason: string };

/**
 * What happens to a copy that ended (COMPLETED or FAILED) under its job's restart
 * policy. Back-off doubles per restart: delay = min(max, initial × 2^restarts), counted
 * from when the copy ended. A copy that ran at least `resetAfterMs` starts the count
 * again, so a service that crashes once a day is not held back by last week's crashes.
 */
export function decideRestart(task: Task, job: Job): RestartDecision {
  const policy = job.restart;
  const failed = task.status === 'FAILED';
  const how = failed ? describeFailure(task) : 'exited 0';
  if (policy.mode === 'never') return { restart: false, reason: `${how}; restart policy never` };
  if (policy.mode === 'on-failure' && !failed) return { restart: false, reason: 'completed' };
  const ranFor = task.startedAt !== undefined && task.finishedAt !== undefined ? task.finishedAt - task.startedAt : 0;
  const previous = ranFor >= policy.resetAfterMs ? 0 : task.restarts;
  if (policy.maxRestarts !== undefined && previous >= policy.maxRestarts) {
    return { restart: false, reason: `${how}; gave up after ${previous} restarts (maxRestarts ${policy.maxRestarts})` };
  }
  const delay = backoffDelay(previous, policy.initialDelayMs, policy.maxDelayMs);
  const ended = task.finishedAt ?? task.createdAt;
  return { restart: true, notBefore: ended + delay, restarts: previous + 1, reason: `${how}; restart ${previous + 1} after ${delay} ms back-off` };
}

export function backoffDelay(restarts: number, initialMs: number, maxMs: number): number {
  // 2^restarts overflows to Infinity past 1023; min() then yields maxMs, as wanted.
  return Math.min(maxMs, initialMs * Math.pow(2, restarts));
}

function describeFailure(task: Task): string {
  if (task.oomKilled) return 'killed for exceeding its memory limit (OOM)';
  if (task.exitCode !== undefined) return `exited ${task.exitCode}`;
  return task.reason ?? 'failed';
}
