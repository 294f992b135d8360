import type { Node } from './model';

/**
 * Launches that never heartbeated, counted since the last new node that did. A node
 * that never boots its agent (a broken image, user data that fails, a subnet with no
 * route to the API) costs its instance-hours until the launch timeout; launching again
 * and again only repeats the bill. After LAUNCH_TIMEOUTS_TO_HOLD of them in a row the
 * scheduler stops launching (a circuit breaker), and an alarm asks a human.
 */
export interface LaunchTimeouts {
  /** The timed-out nodes, oldest first; a node counts once however many passes see it. */
  readonly nodeIds: readonly string[];
  /** When the newest of them was launched: a node launched after it that heartbeats clears the count. */
  readonly lastLaunchedAt: number;
  /** When the newest of them timed out: the hold's probe is timed from here. */
  readonly lastTimedOutAt: number;
}

export const LAUNCH_TIMEOUTS_TO_HOLD = 3;
/**
 * How long a hold stops every launch before one probe launch is let through. Without a
 * probe a hold could only end by a human's hand (no new node, no heartbeat); one node
 * every half hour bounds the waste while the cause persists.
 */
export const LAUNCH_HOLD_PROBE_MS = 30 * 60_000;

/** Launches are held: `probe` when one launch may test whether the cause is gone. */
export interface LaunchHold {
  readonly reason: string;
  readonly since: number;
  readonly probe: boolean;
}

/**
 * The count after a pass that saw `timedOut` nodes pass their launch timeout, given
 * the fleet it saw: cleared (undefined) when a node launched after the last counted one
 * has heartbeated, grown by the new ids otherwise.
 */
export function launchTimeoutsAfter(prev: LaunchTimeouts | undefined, timedOut: readonly Node[], fleet: readonly Node[], now: number): LaunchTimeouts | undefined {
  let current = prev;
  if (current && fleet.some((n) => n.lastHeartbeatAt !== undefined && n.launchedAt > current!.lastLaunchedAt)) current = undefined;
  const fresh = timedOut.filter((n) => !current?.nodeIds.includes(n.id));
  if (fresh.length === 0) return current;
  const ids = [...(current?.nodeIds ?? []), ...fresh.map((n) => n.id)];
  return {
    // Only the newest few matter to the hold; the list stays small in the store.
    nodeIds: ids.slice(-2 * LAUNCH_TIMEOUTS_TO_HOLD),
    lastLaunchedAt: Math.max(current?.lastLaunchedAt ?? 0, ...fresh.map((n) => n.launchedAt)),
    lastTimedOutAt: now,
  };
}

/** Whether launches are held at `now`, and why; undefined while they are not. */
export function launchHoldOf(timeouts: LaunchTimeouts | undefined, now: number): LaunchHold | undefined {
  if (!timeouts || timeouts.nodeIds.length < LAUNCH_TIMEOUTS_TO_HOLD) return undefined;
  const last = timeouts.nodeIds.slice(-LAUNCH_TIMEOUTS_TO_HOLD);
  return {
    reason:
      `launches held: the last ${LAUNCH_TIMEOUTS_TO_HOLD} new nodes (${last.join(', ')}) never sent a heartbeat; ` +
      'check the node image, its user data and its route to the API (the agent log on the instance), then a new node that heartbeats clears the hold ' +
      `(one probe launch every ${LAUNCH_HOLD_PROBE_MS / 60_000} min)`,
    since: timeouts.lastTimedOutAt,
    probe: now - timeouts.lastTimedOutAt >= LAUNCH_HOLD_PROBE_MS,
  };
}
