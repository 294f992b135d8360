import type { SchedulerPolicy } from '../policy';
import { DEREGISTERING, nodeDying, stopNow } from './graceful-stop';
import type { PlanBuilder } from './plan-builder';
import type { SnapshotIndex } from './snapshot';
import { SCALED_IN } from './scale-in';
import { slotCarriedOn } from './task-fate';

/**
 * Copies marked for a graceful stop (graceful-stop.ts) whose deregistration delay is
 * over are stopped; those still inside it are kept as they are, so no later stage moves
 * or re-marks them. First in the pass, so every stage after it sees such a copy as
 * decided. A marked copy on a dying node is left to the stages that handle the node's
 * copies (stop-jobs stops it, liveness places it again), as any copy there.
 *
 * What it ends as follows from why it was marked, read from the state rather than
 * stored: a copy of a stopped job, one whose slot has a live replacement (a drain, a
 * deployment) or one scale-in removed is STOPPED; otherwise the scheduler took it out (its health check failed) and it is
 * FAILED, so the job's restart policy brings the slot back, with its back-off.
 */
export function finishDeregistrations(index: SnapshotIndex, builder: PlanBuilder, now: number, policy: SchedulerPolicy): void {
  for (const t of index.snapshot.tasks) {
    if (t.stopAt === undefined || t.status !== 'RUNNING' || builder.isTouched(t.id)) continue;
    if (nodeDying(t.nodeId !== undefined ? index.nodes.get(t.nodeId) : undefined, builder, now, policy)) continue;
    if (now < t.stopAt) {
      builder.keep(t.id);
      continue;
    }
    const job = index.jobs.get(t.jobId);
    const why = t.reason?.startsWith(DEREGISTERING) ? t.reason.slice(DEREGISTERING.length) : (t.reason ?? 'stopped');
    if (!job || job.stopRequestedAt !== undefined) {
      stopNow(t, builder, { reason: 'job stopped' });
      continue;
    }
    stopNow(t, builder, slotCarriedOn(t, job, index) || why.startsWith(SCALED_IN) ? { reason: why } : { reason: why, to: 'FAILED' });
  }
}
