import type { JobResponse } from '../../contract/job-view';
import type { TaskView } from '../../contract/task-view';
import type { JobKind, TaskStatus } from '../../core/model';
import type { Progress } from '../progress';
import type { ApiClient } from './client';

/**
 * `--wait`: poll GET /jobs/{id} until the job reaches what the user waits for, or fails,
 * or time runs out. The decision (`assess`) is a pure function of one response, so it is
 * tested without a server or a clock.
 */

/** running: every replica RUNNING (a service); finished: every replica COMPLETED (a batch job); stopped: none left running (after stop). */
export type WaitGoal = 'running' | 'finished' | 'stopped';

export function goalOf(kind: JobKind): WaitGoal {
  return kind === 'batch' ? 'finished' : 'running';
}

const ENDED: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['STOPPED', 'COMPLETED', 'FAILED']);
/** Statuses that end a wait for running/finished: the user must look, not wait longer. */
const FATAL: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['UNSCHEDULABLE', 'FAILED']);

export interface Assessment {
  readonly done: boolean;
  /** Why the wait cannot succeed, one line per replica; empty while it still may. */
  readonly failures: readonly string[];
  /** e.g. "3/6 running (2 pending, 1 assigned)". */
  readonly progress: string;
  /** Replicas not yet where the goal wants them, with their status and reason. */
  readonly waitingOn: readonly string[];
}

/**
 * The copy each replica slot is judged by: its newest generation. Older generations are
 * history (a restart elsewhere, a migration's source) and would make a running service
 * look failed.
 */
export function currentCopies(tasks: readonly TaskView[]): TaskView[] {
  const bySlot = new Map<number, TaskView>();
  for (const t of tasks) {
    const seen = bySlot.get(t.slot);
    if (!seen || t.generation > seen.generation) bySlot.set(t.slot, t);
  }
  return [...bySlot.values()].sort((a, b) => a.slot - b.slot);
}

export function assess(res: JobResponse, goal: WaitGoal): Assessment {
  // Waiting for a live job, a STOPPED copy is one the scheduler retired on purpose (a
  // slot scaled in, a copy of an older version replaced): it is not a replica to wait on.
  const copies = currentCopies(res.tasks).filter((t) => goal === 'stopped' || t.status !== 'STOPPED');
  const reached = (t: TaskView) => (goal === 'running' ? t.status === 'RUNNING' : goal === 'finished' ? t.status === 'COMPLETED' : ENDED.has(t.status));
  const good = copies.filter(reached).length;
  const others = new Map<string, number>();
  for (const t of copies) if (!reached(t)) others.set(t.status.toLowerCase(), (others.get(t.status.toLowerCase()) ?? 0) + 1);
  const rest = [...others].map(([status, n]) => `${n} ${status}`).join(', ');
  const word = goal === 'running' ? 'running' : goal === 'finished' ? 'finished' : 'stopped';
  // A job may have fewer copies than replicas for a moment while it is being written.
  const total = Math.max(res.job.count, copies.length);
  const progress = `${good}/${total} ${word}${rest ? ` (${rest})` : ''}`;
  const failures: string[] = [];
  if (goal !== 'stopped') {
    if (res.job.stopRequestedAt !== undefined) failures.push(`job ${res.job.id} was stopped (stop requested at ${new Date(res.job.stopRequestedAt).toISOString()})`);
    for (const t of copies) if (FATAL.has(t.status)) failures.push(describe(t));
  }
  const waitingOn = copies.filter((t) => !reached(t)).map(describe);
  return { done: failures.length === 0 && copies.length >= res.job.count && good === copies.length, failures, progress, waitingOn };
}

function describe(t: TaskView): string {
  const why = t.reason ?? (t.exitCode !== undefined ? `exited ${t.exitCode}` : undefined);
  return `slot ${t.slot} (${t.id}) ${t.status}${t.nodeId ? ` on ${t.nodeId}` : ''}${why ? `: ${why}` : ''}${t.oomKilled ? ' (OOM killed)' : ''}`;
}

/** A wait ended without reaching its goal: a replica failed or could not be placed, or time ran out. */
export class JobWaitError extends Error {
  override readonly name = 'JobWaitError';
  constructor(
    readonly jobId: string,
    readonly outcome: 'failed' | 'timeout',
    readonly details: readonly string[],
    message: string,
  ) {
    super(message);
  }
}

export interface WaitOptions {
  readonly timeoutMs: number;
  /** Default 500 ms. */
  readonly intervalMs?: number;
  readonly progress?: Progress;
}

const MAX_DETAIL_LINES = 10;

/** Polls until `goal`; returns the last response. Throws JobWaitError, or the client's errors. */
export async function waitForJob(client: ApiClient, jobId: string, goal: WaitGoal, options: WaitOptions): Promise<JobResponse> {
  const interval = options.intervalMs ?? 500;
  const deadline = Date.now() + options.timeoutMs;
  try {
    for (;;) {
      const res = await client.call('getJob', { params: { id: jobId } });
      const a = assess(res, goal);
      options.progress?.update(`${jobId}: ${a.progress}`);
      if (a.failures.length > 0) {
        options.progress?.stop(`${jobId}: ${a.progress}`);
        throw new JobWaitError(jobId, 'failed', a.failures, `job ${jobId} will not be ${goal === 'finished' ? 'finished' : 'running'}:\n${lines(a.failures)}`);
      }
      if (a.done) {
        options.progress?.stop(`${jobId}: ${a.progress}`);
        return res;
      }
      if (Date.now() + interval > deadline) {
        options.progress?.stop(`${jobId}: ${a.progress}`);
        throw new JobWaitError(
          jobId,
          'timeout',
          a.waitingOn,
          `job ${jobId} is not all ${goal} after ${Math.round(options.timeoutMs / 1000)} s (--timeout): ${a.progress}; still waiting on:\n${lines(a.waitingOn)}\nit carries on; follow it with \`stowage status ${jobId}\``,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  } finally {
    options.progress?.stop();
  }
}

function lines(items: readonly string[]): string {
  const shown = items.slice(0, MAX_DETAIL_LINES).map((l) => `  ${l}`);
  if (items.length > MAX_DETAIL_LINES) shown.push(`  ... and ${items.length - MAX_DETAIL_LINES} more`);
  return shown.join('\n');
}
