import type { UtilisationSample } from '../core/utilisation-sample';

/**
 * The fleet counted in nodes of the bound's size: its capacity over that size, on the
 * dimension it has most of (a single-type fleet: its node count). Without it a mixed
 * fleet of small nodes reads as far above a bound counted in large ones.
 */
export function nodesInBoundSize(s: UtilisationSample): number {
  const size = s.lowerBoundNodeSize;
  if (!size || !(size.cpu > 0) || !(size.memoryMiB > 0)) return s.nodes;
  return Math.max(s.capacity.cpu / size.cpu, s.capacity.memoryMiB / size.memoryMiB);
}
