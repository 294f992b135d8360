import type { Node } from '../model';
import type { SchedulerPolicy } from '../policy';

/**
 * Why a node is dead at `now`, or null while it is alive. A node that reported is
 * judged by its last heartbeat; one still LAUNCHING by how long it has been starting,
 * so an instance that never boots does not hold its tasks forever.
 */
export function deathReason(node: Node, now: number, policy: SchedulerPolicy): string | null {
  if (node.state === 'LOST' || node.state === 'TERMINATING') return null;
  if (node.lastHeartbeatAt === undefined) {
    const waited = now - node.launchedAt;
    return waited > policy.launchTimeoutMs ? `no heartbeat ${Math.round(waited / 1000)} s after launch (launch timeout ${policy.launchTimeoutMs / 1000} s)` : null;
  }
  const silent = now - node.lastHeartbeatAt;
  return silent > policy.heartbeatTimeoutMs ? `silent for ${Math.round(silent / 1000)} s (heartbeat timeout ${policy.heartbeatTimeoutMs / 1000} s)` : null;
}
