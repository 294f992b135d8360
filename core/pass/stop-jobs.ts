import { HOLDS_RESOURCES } from '../model';
import type { PlanBuilder } from './plan-builder';
import type { SnapshotIndex } from './snapshot';

/**
 * Every live copy of a job whose stop was requested becomes STOPPED, releasing what it
 * holds. First in the pass, so no later stage places, restarts or migrates a copy of a
 * stopped job.
 */
export function stopStoppedJobs(index: SnapshotIndex, builder: PlanBuilder): void {
  for (const t of index.snapshot.tasks) {
    const job = index.jobs.get(t.jobId);
    // No job yet: a submit is writing its tasks before the job (so a crash leaves no
    // half-visible job). Such tasks are not the scheduler's until the job appears.
    if (!job || job.stopRequestedAt === undefined) continue;
    if (t.status === 'STOPPED' || t.status === 'COMPLETED' || t.status === 'FAILED') continue;
    const holds = t.nodeId !== undefined && HOLDS_RESOURCES.has(t.status);
    builder.updateTask({ taskId: t.id, from: t.status, generation: t.generation, to: 'STOPPED', reason: 'job stopped', releaseFrom: holds ? t.nodeId : undefined });
  }
}
