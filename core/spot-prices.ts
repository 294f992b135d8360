import type { CapacityType, InstanceType } from './model';

/**
 * What a Spot instance is expected to cost: its type's On-Demand price less the typical
 * discount of its family. `npm run spot-prices -- --region R` (scripts/spot-prices.ts)
 * reads DescribeSpotPriceHistory with a user's credentials and prints each family's
 * median saving over its pools (core/spot-discounts.ts) beside this table: the figures
 * to put here, with their date, when refreshing it.
 *
 * Sources, read on the date below:
 * - AWS's Spot pricing page (https://aws.amazon.com/ec2/spot/pricing/) promises savings
 *   "up to 90%": a maximum, not what a fleet pays on average, so it is not used.
 * - AWS's Spot Instance Advisor (https://aws.amazon.com/ec2/spot/instance-advisor/)
 *   shows a "savings over On-Demand" figure per type and region; its us-east-1 figures
 *   for the families below were not available to this work offline, so no row is a
 *   copy of it.
 * - Third-party readings of us-east-1: m5.large at ~70 % below On-Demand
 *   (https://cloud-bench.com/blog/ec2-spot-vs-on-demand), and "most users save around
 *   50% to 70%" (https://dev.to/alonshrestha/aws-spot-instances-maximize-savings-minimize-interruptions-53o8).
 *
 * So the values are conservative: the low end of the 50–70 % band, lower for the
 * newest generations (m7i/c7i/r7i, m8g), whose spare capacity — and so their Spot
 * discount — is smaller than older ones' while they are new. A plan that assumes too
 * small a discount launches Spot a little less eagerly than it could; one that assumes
 * too large a discount would report savings nobody gets.
 */
export const SPOT_DISCOUNTS_TAKEN = '2026-12-02';

/** Share of the On-Demand price saved on Spot, by family (the type name before the dot). */
export const SPOT_DISCOUNT_BY_FAMILY: Readonly<Record<string, number>> = {
  // x86, Intel Skylake/Cascade Lake: large, old pools.
  m5: 0.6,
  c5: 0.6,
  r5: 0.6,
  // x86, Intel Sapphire Rapids.
  m7i: 0.5,
  c7i: 0.5,
  r7i: 0.5,
  // Graviton2 and Graviton3.
  m6g: 0.55,
  m7g: 0.55,
  c7g: 0.55,
  r7g: 0.55,
  // Graviton4, the newest.
  m8g: 0.45,
};

/** Families the table does not list are assumed to save nothing: a Spot launch is never planned as cheaper than it is known to be. */
export function spotDiscountOf(typeName: string): number {
  const family = typeName.split('.')[0];
  return SPOT_DISCOUNT_BY_FAMILY[family] ?? 0;
}

export function spotPricePerHour(type: Pick<InstanceType, 'name' | 'pricePerHour'>): number {
  return type.pricePerHour * (1 - spotDiscountOf(type.name));
}

/** The types at what `capacityType` pays for them: their Spot prices for Spot, as they are for On-Demand. */
export function typesPricedFor(types: readonly InstanceType[], capacityType: CapacityType): InstanceType[] {
  return capacityType === 'spot' ? types.map((t) => ({ ...t, pricePerHour: spotPricePerHour(t) })) : [...types];
}
