import type { Snapshot } from '../../core/pass/snapshot';

/**
 * How long the longest-waiting copy has waited to be placed, in ms (0 when none waits):
 * what a "tasks waiting longer than N minutes" alarm watches. A copy waits from when it
 * became placeable: created, or finished (a restart), or its back-off ended, or — for a
 * copy LOST with its node — when that node last reported (it was declared lost a
 * heartbeat timeout later, so this overstates the wait by at most the timeout, never
 * counts the days a service ran before). A copy still in back-off, or of a stopped job,
 * is not waiting for capacity.
 */
export function oldestPendingMs(snapshot: Snapshot, now: number): number {
  const stopped = new Set(snapshot.jobs.filter((j) => j.stopRequestedAt !== undefined).map((j) => j.id));
  const lastSeen = new Map(snapshot.nodes.map((n) => [n.id, n.lastHeartbeatAt ?? n.launchedAt]));
  let oldest = 0;
  for (const t of snapshot.tasks) {
    if ((t.status !== 'PENDING' && t.status !== 'LOST') || stopped.has(t.jobId)) continue;
    if (t.notBefore !== undefined && t.notBefore > now) continue;
    // A lost copy whose node the snapshot no longer holds counts from when it last started.
    const lost = t.status === 'LOST' ? ((t.nodeId !== undefined ? lastSeen.get(t.nodeId) : undefined) ?? t.startedAt ?? 0) : 0;
    const since = Math.max(t.createdAt, t.finishedAt ?? 0, t.notBefore ?? 0, lost);
    oldest = Math.max(oldest, now - since);
  }
  return oldest;
}
