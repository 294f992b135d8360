import type { InstanceType } from './model';

/**
 * What a Spot instance is expected to cost: its type's On-Demand price less the typical
 * discount of its family. The table below is the starting point the Spot work fills in
 * (issue 14 item 5): each family's discount with its source and the date it was taken.
 */
export const SPOT_DISCOUNTS_TAKEN = '2026-12-02';

/** Share of the On-Demand price saved on Spot, by family (the type name before the dot). */
export const SPOT_DISCOUNT_BY_FAMILY: Readonly<Record<string, number>> = {};

/** Families the table does not list are assumed to save nothing: a Spot launch is never planned as cheaper than it is known to be. */
export function spotDiscountOf(typeName: string): number {
  const family = typeName.split('.')[0];
  return SPOT_DISCOUNT_BY_FAMILY[family] ?? 0;
}

export function spotPricePerHour(type: Pick<InstanceType, 'name' | 'pricePerHour'>): number {
  return type.pricePerHour * (1 - spotDiscountOf(type.name));
}
