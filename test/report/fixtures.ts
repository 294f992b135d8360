import type { UtilisationSample } from '../../core/utilisation-sample';

export const H = 3_600_000;
export const T0 = 1_800_000_000_000;

/** A sample; CPU in millicores, memory in MiB. */
export function sample(t: number, over: Partial<UtilisationSample> = {}): UtilisationSample {
  return {
    t,
    nodes: 1,
    nodesByType: { 'm5.large': 1 },
    capacity: { cpu: 2000, memoryMiB: 8192 },
    allocated: { cpu: 1000, memoryMiB: 2048 },
    usage: { cpu: 500, memoryMiB: 1024 },
    costPerHour: 0.096,
    pending: 0,
    ...over,
  };
}

/**
 * Three hours, two instance types (m5.large 2 vCPU 8 GiB $0.096; r5.large 2 vCPU 16 GiB
 * $0.126), then a closing sample that opens no span:
 *   hour 0: 2 × m5.large,               alloc 2000 m / 4096 MiB, used 1000 / 2048, bound 1
 *   hour 1: 2 × m5.large + 1 × r5.large, alloc 4500 / 8192,      used 3000 / 4096, bound 2
 *   hour 2: 1 × r5.large,               alloc 1000 / 2048,      used  500 / 1024, bound 1
 */
export const MIXED: UtilisationSample[] = [
  sample(T0, { nodes: 2, nodesByType: { 'm5.large': 2 }, capacity: { cpu: 4000, memoryMiB: 16384 }, allocated: { cpu: 2000, memoryMiB: 4096 }, usage: { cpu: 1000, memoryMiB: 2048 }, costPerHour: 0.192, lowerBound: 1 }),
  sample(T0 + H, { nodes: 3, nodesByType: { 'm5.large': 2, 'r5.large': 1 }, capacity: { cpu: 6000, memoryMiB: 32768 }, allocated: { cpu: 4500, memoryMiB: 8192 }, usage: { cpu: 3000, memoryMiB: 4096 }, costPerHour: 0.318, lowerBound: 2 }),
  sample(T0 + 2 * H, { nodes: 1, nodesByType: { 'r5.large': 1 }, capacity: { cpu: 2000, memoryMiB: 16384 }, allocated: { cpu: 1000, memoryMiB: 2048 }, usage: { cpu: 500, memoryMiB: 1024 }, costPerHour: 0.126, lowerBound: 1 }),
  sample(T0 + 3 * H, { nodes: 1, nodesByType: { 'r5.large': 1 }, capacity: { cpu: 2000, memoryMiB: 16384 }, allocated: { cpu: 0, memoryMiB: 0 }, usage: { cpu: 0, memoryMiB: 0 }, costPerHour: 0.126, lowerBound: 0 }),
];
