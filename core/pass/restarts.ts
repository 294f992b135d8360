import type { PlanBuilder } from './plan-builder';
import { decideRestart } from './restart-policy';
import type { SnapshotIndex } from './snapshot';
import { slotCarriedOn } from './task-fate';

/**
 * Copies that ended (FAILED or COMPLETED) go back to PENDING after their back-off when
 * the job's restart policy says so. A copy whose migration copy still runs is stopped
 * instead: the slot already has its replacement.
 */
export function applyRestartPolicy(index: SnapshotIndex, builder: PlanBuilder): void {
  for (const t of index.snapshot.tasks) {
    if ((t.status !== 'FAILED' && t.status !== 'COMPLETED') || builder.isTouched(t.id)) continue;
    const job = index.jobs.get(t.jobId);
    if (!job || job.stopRequestedAt !== undefined) continue;
    const decision = decideRestart(t, job);
    if (!decision.restart) continue;
    if (slotCarriedOn(t, job, index)) {
      builder.updateTask({ taskId: t.id, from: t.status, generation: t.generation, to: 'STOPPED', reason: `${decision.reason.split(';')[0]}; its replacement continues` });
      continue;
    }
    builder.updateTask({ taskId: t.id, from: t.status, generation: t.generation, to: 'PENDING', notBefore: decision.notBefore, restarts: decision.restarts, reason: decision.reason });
  }
}
