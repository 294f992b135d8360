import { canonicalJson } from '../../core/canonical-json';
import type { Job, Task } from '../../core/model';
import type { JobUpdate } from '../../core/pass/plan-types';

/**
 * How a job record is written, in one place for every store: the API's updates and the
 * scheduler's JobUpdates both commit only from the revision they read, so a write made
 * from stale state (a deployment's progress computed before a user's change, or a
 * user's change computed before a stop) is refused rather than lost in the other.
 */

/** A job's revision; a job stored before revisions existed is at 0. */
export function revisionOf(job: Pick<Job, 'revision'>): number {
  return job.revision ?? 0;
}

/** Why the store refuses a plan's JobUpdate, or null when it commits. */
export function jobUpdateRefusal(stored: Job | undefined, u: JobUpdate): string | null {
  if (!stored) return 'job not found';
  if (revisionOf(stored) !== u.revision) return `job is at revision ${revisionOf(stored)}, plan saw ${u.revision}`;
  return null;
}

/**
 * DynamoDB takes at most 100 items per transaction. An update writes the job, its
 * version and its new copies in one: the first transaction holds the job, the version
 * and this many copies, so a change of up to that many copies is all or nothing.
 */
export const TASKS_IN_FIRST_TRANSACTION = 98;
/** Each further transaction: a check of the job and this many copies. */
export const TASKS_PER_LATER_TRANSACTION = 99;

/**
 * The copies of an update, cut as the transactions carry them: the first chunk goes
 * with the job itself; later chunks (a scale-up of more than 98 copies) only while the
 * job still wants them (same count, not stopped). Every store cuts them alike.
 */
export function taskChunks(tasks: readonly Task[]): Task[][] {
  const chunks: Task[][] = [tasks.slice(0, TASKS_IN_FIRST_TRANSACTION)];
  for (let i = TASKS_IN_FIRST_TRANSACTION; i < tasks.length; i += TASKS_PER_LATER_TRANSACTION) chunks.push(tasks.slice(i, i + TASKS_PER_LATER_TRANSACTION));
  return chunks;
}

/**
 * Same submission: the job as stored equals the job offered, but for the moments it
 * was stamped with (a retry after a crash is stamped later than the attempt that wrote
 * the job: its creation, its version's and its first deployment's times).
 */
export function sameJob(a: Job, b: Job): boolean {
  return canonicalJson(unstamped(a)) === canonicalJson(unstamped(b));
}

function unstamped(j: Job): Job {
  return { ...j, createdAt: 0, versionedAt: undefined, deployment: j.deployment && { ...j.deployment, startedAt: 0 } };
}
