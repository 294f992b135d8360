import type { SchedulerPolicy } from '../policy';
import { lastFleetChange } from './consolidation';
import type { Snapshot } from './snapshot';

/** A time at which plan() may decide differently with nothing else changed, and what waits on it. */
export interface ClockTimer {
  readonly at: number;
  readonly reason: string;
}

/**
 * Every clock plan() reads in the state itself: back-off ends, deregistration delays
 * (stopAt), and consolidation's windows — the quiet period after the last launch or
 * copy, an empty node's grace, an underutilized node's window, a node's minimum age.
 * Past times included: the caller keeps those after `now`. One list for the replay,
 * which skips ahead to the first (sim/next-pass-time.ts), and for the follow-up a
 * deployed pass asks for (follow-up.ts): a clock missing here would be a decision the
 * replay skips over and production makes a minute late.
 */
export function clockTimers(snapshot: Snapshot, policy: SchedulerPolicy): ClockTimer[] {
  const c = policy.consolidation;
  const timers: ClockTimer[] = [];
  for (const t of snapshot.tasks) {
    if (t.notBefore !== undefined) timers.push({ at: t.notBefore, reason: `back-off of ${t.id}` });
    if (t.stopAt !== undefined && t.status === 'RUNNING') timers.push({ at: t.stopAt, reason: `graceful stop of ${t.id}` });
  }
  const drainsNodes = c.mode === 'stowage' || c.mode === 'underutilized' || c.mode === 'karpenter';
  if (drainsNodes && snapshot.nodes.length > 0) timers.push({ at: lastFleetChange(snapshot) + c.stableForMs, reason: 'the fleet has been quiet long enough to consolidate' });
  for (const n of snapshot.nodes) {
    if (n.emptySince !== undefined) timers.push({ at: n.emptySince + (c.mode === 'underutilized' ? c.underutilizedForMs : c.emptyGraceMs), reason: `empty grace of ${n.id}` });
    if (n.underutilizedSince !== undefined) timers.push({ at: n.underutilizedSince + c.underutilizedForMs, reason: `underutilized window of ${n.id}` });
    if (drainsNodes) timers.push({ at: n.launchedAt + c.nodeMinAgeMs, reason: `${n.id} old enough to consolidate` });
  }
  return timers;
}
