import { LAUNCH_HOLD_PROBE_MS, launchHoldOf } from '../launch-hold';
import { followUpMs, type SchedulerPolicy } from '../policy';
import { clockTimers } from './clock-timers';
import type { Plan, FollowUp } from './plan-types';
import type { SnapshotIndex } from './snapshot';

/**
 * When the next pass must run even if nothing is written that wakes one. The scheduler
 * is woken by changes (a node item that changed, a submit), not by every heartbeat, so
 * the work that waits on the clock alone would otherwise wait for the one-minute
 * schedule: a node going silent (judged at its heartbeat or launch deadline), the
 * clocks plan() reads (clock-timers.ts: back-off ends, stop times, consolidation's
 * windows), and a deployment in flight, whose copies turn serving as time
 * passes (minHealthySeconds, load-balancer registration made by the pass itself); and,
 * while work waits for a node, a launch refusal expiring or the launch hold's probe.
 * A pass that moved copies or jobs on asks for a look soon after too: what it started
 * may finish without another write to a node.
 *
 * Absent when nothing waits on the clock: the fleet is settled and only a change (or
 * the schedule, the safety net) needs a pass. Never sooner than a second from `now`.
 */
export function followUpOf(index: SnapshotIndex, plan: Plan, now: number, policy: SchedulerPolicy): FollowUp | undefined {
  let best: FollowUp | undefined;
  const consider = (at: number, reason: string) => {
    if (!best || at < best.at) best = { at, reason };
  };
  const soon = now + followUpMs(policy);
  // A node this pass declared dead has no deadline left to watch.
  const ended = new Set(plan.nodeUpdates.filter((u) => u.to === 'LOST' || u.to === 'TERMINATING').map((u) => u.nodeId));

  for (const node of index.snapshot.nodes) {
    if (node.state === 'LOST' || node.state === 'TERMINATING' || ended.has(node.id)) continue;
    if (node.lastHeartbeatAt === undefined) consider(node.launchedAt + policy.launchTimeoutMs + 1, `launch deadline of ${node.id}`);
    else consider(node.lastHeartbeatAt + policy.heartbeatTimeoutMs + 1, `heartbeat deadline of ${node.id}`);
    // The node is gone at its interruption deadline: a pass then marks it LOST and places what was still there.
    if (node.reclaim?.deadline !== undefined && node.reclaim.deadline > now) consider(node.reclaim.deadline, `interruption deadline of ${node.id}`);
  }
  // Only timers still ahead: one already past was acted on by this pass, or is held by a
  // rule that no clock will lift (an empty node kept for minNodes), and waking for it
  // again would only spin passes.
  for (const t of clockTimers(index.snapshot, policy)) if (t.at > now) consider(t.at, t.reason);
  for (const job of index.snapshot.jobs) {
    if (job.deployment?.status === 'RUNNING') consider(soon, `deployment ${job.deployment.id} of ${job.name} in flight`);
  }
  // Work waiting on a launch: it may go ahead when a refusal expires or the hold's probe is due.
  if (plan.unplaced.length > 0) {
    for (const u of index.snapshot.unavailable ?? []) if (u.until > now) consider(u.until, `refusal of ${u.kind === 'offering' ? `${u.instanceType} in ${u.zone}` : `${u.vcpus} vCPUs`} expires`);
    const hold = launchHoldOf(index.snapshot.launchTimeouts, now);
    if (hold && !hold.probe) consider(hold.since + LAUNCH_HOLD_PROBE_MS, 'the launch hold lets a probe launch through');
  }
  const moved = plan.assignments.length + plan.taskUpdates.length + (plan.creates?.length ?? 0) + (plan.jobUpdates?.length ?? 0);
  if (moved > 0) consider(soon, `this pass moved ${moved} copies or jobs on`);

  if (!best) return undefined;
  return { at: Math.max(best.at, now + 1_000), reason: best.reason };
}
