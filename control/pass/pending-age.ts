import type { Snapshot } from '../../core/pass/snapshot';

/**
 * How long the longest-waiting copy has waited to be placed, in ms (0 when none waits):
 * what a "tasks waiting longer than N minutes" alarm watches. A copy waits from when it
 * became placeable: created, or finished (a restart), or its back-off ended, or its node
 * was lost (scale-up stamps `notBefore` then, so a copy of a week-old service counts from
 * that moment, as LOST and then as PENDING). A copy still in back-off, or of a stopped
 * job, is not waiting for capacity.
 */
export function oldestPendingMs(snapshot: Snapshot, now: number): number {
  const stopped = new Set(snapshot.jobs.filter((j) => j.stopRequestedAt !== undefined).map((j) => j.id));
  let oldest = 0;
  for (const t of snapshot.tasks) {
    if ((t.status !== 'PENDING' && t.status !== 'LOST') || stopped.has(t.jobId)) continue;
    if (t.notBefore !== undefined && t.notBefore > now) continue;
    const since = Math.max(t.createdAt, t.finishedAt ?? 0, t.notBefore ?? 0);
    oldest = Math.max(oldest, now - since);
  }
  return oldest;
}
