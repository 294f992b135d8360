import type { InstanceType } from './model';

/** One Spot price EC2 reported (DescribeSpotPriceHistory's SpotPriceHistory entries). */
export interface SpotPriceObservation {
  readonly instanceType: string;
  readonly zone: string;
  /** Dollars an hour. */
  readonly spotPrice: number;
  /** Epoch ms. */
  readonly at: number;
}

export interface SpotDiscounts {
  /** Share of the On-Demand price saved, by family, as core/spot-prices.ts holds it. */
  readonly discounts: Readonly<Record<string, number>>;
  /** How many (type, zone) pools each family's figure is the median of. */
  readonly pools: Readonly<Record<string, number>>;
}

/**
 * Each family's typical Spot discount from observed prices: for each (type, zone) pool,
 * its latest price; for each pool of a type the catalog prices, the share saved
 * (1 − Spot ÷ On-Demand); for each family, the median over its pools, rounded down to
 * a whole percent. The median, because a fleet launched price-capacity-optimized lands in
 * pools of middling price more often than in the cheapest (AWS, "Allocation strategies
 * for Spot Instances"); rounded down so a plan never counts on more than was seen. A
 * pool priced above On-Demand (it happens in short squeezes) counts as no saving.
 * Families with no observed pool are left out: the caller keeps what it had for them.
 */
export function spotDiscountsFrom(observations: readonly SpotPriceObservation[], catalog: readonly Pick<InstanceType, 'name' | 'pricePerHour'>[]): SpotDiscounts {
  const onDemand = new Map(catalog.map((t) => [t.name, t.pricePerHour]));
  const latest = new Map<string, SpotPriceObservation>();
  for (const o of observations) {
    if (!onDemand.has(o.instanceType) || !(o.spotPrice >= 0) || !Number.isFinite(o.spotPrice)) continue;
    const key = `${o.instanceType}\u0000${o.zone}`;
    const seen = latest.get(key);
    if (!seen || seen.at < o.at) latest.set(key, o);
  }
  const byFamily = new Map<string, number[]>();
  for (const o of latest.values()) {
    const od = onDemand.get(o.instanceType)!;
    if (!(od > 0)) continue;
    const family = o.instanceType.split('.')[0];
    const saved = Math.min(1, Math.max(0, 1 - o.spotPrice / od));
    byFamily.set(family, [...(byFamily.get(family) ?? []), saved]);
  }
  const discounts: Record<string, number> = {};
  const pools: Record<string, number> = {};
  for (const [family, saved] of [...byFamily].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = [...saved].sort((a, b) => a - b);
    const mid = sorted.length / 2;
    const median = sorted.length % 2 === 1 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
    // A hair of slack so 0.57 computed as 0.56999… stays 0.57.
    discounts[family] = Math.floor(median * 100 + 1e-9) / 100;
    pools[family] = sorted.length;
  }
  return { discounts, pools };
}
