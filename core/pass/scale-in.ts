import { targetVersion, versionOfTask } from '../deployment';
import type { Job, Task } from '../model';
import type { SchedulerPolicy } from '../policy';
import { isServing } from '../serving';
import { stopGracefully } from './graceful-stop';
import type { PlanBuilder } from './plan-builder';
import type { SnapshotIndex } from './snapshot';
import { isFinished } from './task-fate';

/** How the reason of a copy stopped by scale-in starts: such a copy ends STOPPED, never restarted. */
export const SCALED_IN = 'scaled in: ';

/**
 * Scale-in: a job with more live replica slots than its count loses the least useful
 * ones — first slots that serve nothing (waiting, starting), then slots still on an
 * older version, then those on the emptiest nodes, so the node is more likely to empty
 * and consolidation hands it back. Each copy of a chosen slot leaves the load balancer
 * before it stops (graceful-stop.ts) and ends STOPPED. The copies that stay are not
 * touched: scaling is not a new version.
 */
export function scaleIn(index: SnapshotIndex, builder: PlanBuilder, now: number, policy: SchedulerPolicy): void {
  for (const job of index.jobs.values()) {
    if (job.stopRequestedAt !== undefined) continue;
    const slots = new Map<number, Task[]>();
    for (const t of index.tasksOf.get(job.id) ?? []) {
      const status = builder.statusAfter(t);
      if (status === 'STOPPED' || isFinished({ ...t, status }, job) || builder.stopsOrMarks(t) || t.stopAt !== undefined) continue;
      slots.set(t.slot, [...(slots.get(t.slot) ?? []), t]);
    }
    const excess = slots.size - job.count;
    if (excess <= 0) continue;
    const ranked = [...slots.entries()].map(([slot, copies]) => ({ slot, copies, rank: usefulness(copies, job, index) }));
    ranked.sort((a, b) => a.rank.serving - b.rank.serving || a.rank.current - b.rank.current || a.rank.nodeFill - b.rank.nodeFill || b.slot - a.slot);
    for (const { copies } of ranked.slice(0, excess)) {
      for (const t of copies) {
        if (builder.isTouched(t.id)) continue;
        stopGracefully(t, index, builder, now, policy, { reason: `${SCALED_IN}the job now wants ${job.count} replica${job.count === 1 ? '' : 's'}` });
      }
    }
  }
}

/** Lower is less useful: a slot that serves nothing, runs an older version, or sits on an emptier node. */
function usefulness(copies: readonly Task[], job: Job, index: SnapshotIndex): { serving: number; current: number; nodeFill: number } {
  const node = (t: Task) => (t.nodeId !== undefined ? index.nodes.get(t.nodeId) : undefined);
  const serves = copies.some((t) => t.status === 'RUNNING' && (job.expose ? isServing(t, job, node(t)) : true));
  const current = copies.some((t) => versionOfTask(t) === targetVersion(job));
  let nodeFill = 0;
  for (const t of copies) {
    const n = node(t);
    if (!n) continue;
    const used = index.used(n.id);
    nodeFill = Math.max(nodeFill, Math.max(used.cpu / n.capacity.cpu, used.memoryMiB / n.capacity.memoryMiB));
  }
  return { serving: Number(serves), current: Number(current), nodeFill };
}
