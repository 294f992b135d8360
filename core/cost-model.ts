import type { Node } from './model';

/**
 * Money, in US dollars: an instance costs its on-demand $/hour for every hour from its
 * launch request to its termination (EC2 bills Linux on-demand per second; ignoring the
 * one-minute minimum changes nothing at the scale of these figures).
 */
export const MS_PER_HOUR = 3_600_000;

export function instanceCost(pricePerHour: number, fromMs: number, toMs: number): number {
  return (pricePerHour * Math.max(0, toMs - fromMs)) / MS_PER_HOUR;
}

/** What the fleet costs per hour right now: every node the cloud still bills for. */
export function fleetCostPerHour(nodes: readonly Pick<Node, 'pricePerHour'>[]): number {
  return nodes.reduce((sum, n) => sum + n.pricePerHour, 0);
}

/** Dollars per month at a steady $/hour (AWS's convention: 730 hours a month). */
export function monthlyCost(perHour: number): number {
  return perHour * 730;
}
