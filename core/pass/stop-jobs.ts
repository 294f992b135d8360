import type { SchedulerPolicy } from '../policy';
import { stopGracefully } from './graceful-stop';
import type { PlanBuilder } from './plan-builder';
import type { SnapshotIndex } from './snapshot';

/**
 * Every live copy of a job whose stop was requested is stopped, releasing what it holds
 * — a serving copy of an exposed job after it leaves the load balancer
 * (graceful-stop.ts). Early in the pass, so no later stage places, restarts or migrates
 * a copy of a stopped job.
 */
export function stopStoppedJobs(index: SnapshotIndex, builder: PlanBuilder, now: number, policy: SchedulerPolicy): void {
  for (const t of index.snapshot.tasks) {
    const job = index.jobs.get(t.jobId);
    // No job yet: a submit is writing its tasks before the job (so a crash leaves no
    // half-visible job). Such tasks are not the scheduler's until the job appears.
    if (!job || job.stopRequestedAt === undefined || builder.isTouched(t.id)) continue;
    if (t.status === 'STOPPED' || t.status === 'COMPLETED' || t.status === 'FAILED') continue;
    stopGracefully(t, index, builder, now, policy, { reason: 'job stopped' });
  }
}
