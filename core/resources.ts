/**
 * Resources are integers in the units users request them in: CPU in millicores
 * (1000 = one vCPU) and memory in MiB. Integers keep sums exact, so "fits" never
 * depends on floating-point rounding.
 */
export interface Resources {
  readonly cpu: number;
  readonly memoryMiB: number;
}

export const ZERO: Resources = Object.freeze({ cpu: 0, memoryMiB: 0 });

export function add(a: Resources, b: Resources): Resources {
  return { cpu: a.cpu + b.cpu, memoryMiB: a.memoryMiB + b.memoryMiB };
}

/** True when `request` fits into `free` in every dimension. */
export function fits(request: Resources, free: Resources): boolean {
  return request.cpu <= free.cpu && request.memoryMiB <= free.memoryMiB;
}

/** The larger of the request's shares of `capacity` (DRF's dominant share), in [0, ∞). */
export function dominantShare(request: Resources, capacity: Resources): number {
  return Math.max(request.cpu / capacity.cpu, request.memoryMiB / capacity.memoryMiB);
}

export function formatResources(r: Resources): string {
  return `${r.cpu}m cpu / ${r.memoryMiB} MiB`;
}
