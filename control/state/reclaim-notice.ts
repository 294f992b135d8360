import type { Reclaim } from '../../core/model';

/**
 * Whether a notice replaces the one a node holds. An interruption (a deadline: the
 * instance goes then) outranks a rebalance recommendation (a risk, no deadline), and
 * the first interruption stands: EC2 sends one per instance, so a second is the same
 * event delivered again and must not move the deadline or the time it was noticed.
 */
export function reclaimReplaces(held: Reclaim | undefined, next: Reclaim): boolean {
  if (held === undefined) return true;
  return held.notice === 'rebalance' && next.notice === 'interruption';
}
