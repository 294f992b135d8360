import type { InstanceType } from './model';

/**
 * On-demand Linux prices in us-east-1, USD per hour, as published on the AWS pricing
 * pages on the date below. Capacity is the whole instance (vCPU × 1000 millicores,
 * GiB × 1024 MiB); agents report what is left after the system reservation.
 * Burstable types (t3, t4g) are left out on purpose: their vCPUs are full only while
 * CPU credits last, and a packer that counts them as full cores overcommits.
 */
export const CATALOG_PRICES_TAKEN = '2026-11-01';
export const CATALOG_REGION = 'us-east-1';

const rows: ReadonlyArray<[string, number, number, number]> = [
  // name, vCPU, GiB, $/hour
  ['m5.large', 2, 8, 0.096],
  ['m5.xlarge', 4, 16, 0.192],
  ['m5.2xlarge', 8, 32, 0.384],
  ['m5.4xlarge', 16, 64, 0.768],
  ['m5.8xlarge', 32, 128, 1.536],
  ['m5.12xlarge', 48, 192, 2.304],
  ['m5.16xlarge', 64, 256, 3.072],
  ['m5.24xlarge', 96, 384, 4.608],
  ['c5.large', 2, 4, 0.085],
  ['c5.xlarge', 4, 8, 0.17],
  ['c5.2xlarge', 8, 16, 0.34],
  ['c5.4xlarge', 16, 32, 0.68],
  ['c5.9xlarge', 36, 72, 1.53],
  ['c5.12xlarge', 48, 96, 2.04],
  ['c5.18xlarge', 72, 144, 3.06],
  ['c5.24xlarge', 96, 192, 4.08],
  ['r5.large', 2, 16, 0.126],
  ['r5.xlarge', 4, 32, 0.252],
  ['r5.2xlarge', 8, 64, 0.504],
  ['r5.4xlarge', 16, 128, 1.008],
  ['r5.8xlarge', 32, 256, 2.016],
  ['r5.12xlarge', 48, 384, 3.024],
  ['r5.16xlarge', 64, 512, 4.032],
  ['r5.24xlarge', 96, 768, 6.048],
  ['m6g.large', 2, 8, 0.077],
  ['m6g.xlarge', 4, 16, 0.154],
  ['m6g.2xlarge', 8, 32, 0.308],
  ['m6g.4xlarge', 16, 64, 0.616],
  ['m6g.8xlarge', 32, 128, 1.232],
  ['m6g.12xlarge', 48, 192, 1.848],
  ['m6g.16xlarge', 64, 256, 2.464],
];

export const DEFAULT_CATALOG: readonly InstanceType[] = rows.map(([name, vcpu, gib, price]) => ({
  name,
  capacity: { cpu: vcpu * 1000, memoryMiB: gib * 1024 },
  pricePerHour: price,
}));

export function findInstanceType(catalog: readonly InstanceType[], name: string): InstanceType | undefined {
  return catalog.find((t) => t.name === name);
}
