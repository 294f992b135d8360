import { templateOf, versionOfTask } from '../core/deployment';
import type { Job, Task } from '../core/model';

/**
 * Job records a heartbeat function keeps between reports (the Lambda container's memory,
 * the local API's process). A copy's spec is its version's template (core/deployment.ts),
 * and a version's template never changes once written: a kept record answers for every
 * copy whose version it holds, however old it is. What a kept record can miss — a newer
 * version, a stop request, the job's removal — is bounded two ways: a copy of a version
 * the record lacks makes the caller read the job again, and no record is used after
 * `maxAgeMs`. The agent acts on its copies' statuses, not on the job's stop request
 * (agent/api-client.ts), so an older `stopRequested` in the answer changes nothing it does.
 *
 * At 70 nodes each running copies of a handful of jobs, every report read each of its
 * jobs (0.5 read units apiece); kept for a minute, a job is read about once a minute per
 * warm function instance whatever the fleet size.
 */
export class JobRecordCache {
  private readonly kept = new Map<string, { readonly job: Job; readonly readAt: number }>();

  constructor(
    private readonly maxAgeMs = 60_000,
    private readonly maxEntries = 10_000,
  ) {
    if (!(maxAgeMs >= 0)) throw new RangeError(`JobRecordCache maxAgeMs must be ≥ 0, got ${maxAgeMs}`);
    if (!(Number.isInteger(maxEntries) && maxEntries > 0)) throw new RangeError(`JobRecordCache maxEntries must be a whole number > 0, got ${maxEntries}`);
  }

  /** The kept record of `task`'s job if it is young enough and holds the task's version. */
  get(task: Pick<Task, 'jobId' | 'version'>, now: number): Job | undefined {
    const e = this.kept.get(task.jobId);
    if (!e) return undefined;
    if (now - e.readAt >= this.maxAgeMs) {
      this.kept.delete(task.jobId);
      return undefined;
    }
    return templateOf(e.job, versionOfTask(task)) ? e.job : undefined;
  }

  put(job: Job, now: number): void {
    // Oldest first out: a Map iterates in insertion order, and a re-read re-inserts.
    this.kept.delete(job.id);
    if (this.kept.size >= this.maxEntries) this.kept.delete(this.kept.keys().next().value as string);
    this.kept.set(job.id, { job, readAt: now });
  }

  get size(): number {
    return this.kept.size;
  }
}
