import type { Resources } from './resources';

/**
 * Lower bounds on the number of identical nodes of `capacity` that can hold `requests`
 * (each request must fit one node; callers count larger ones as unplaceable first).
 *
 * - Volume bound (L1): no node holds more than its capacity, in each dimension:
 *   max over dimensions of ceil(Σ request / capacity).
 * - Big-item bound: two requests larger than half a node in the same dimension never
 *   share a node, so the count of such requests is a bound too.
 * The result is the larger of the two (and at least 1 when there is any request: even
 * requests of zero need a node to run on); each is valid, so the max is.
 */
export function packingLowerBound(requests: readonly Resources[], capacity: Resources): number {
  return countedPackingLowerBound(
    requests.map((request) => ({ request, count: 1 })),
    capacity,
  );
}

/**
 * packingLowerBound over requests given as shapes with a count each: the replay's cost
 * bound keeps its demand so (a few hundred shapes where there are thousands of tasks).
 */
export function countedPackingLowerBound(shapes: Iterable<{ readonly request: Resources; readonly count: number }>, capacity: Resources): number {
  let cpu = 0;
  let mem = 0;
  let bigCpu = 0;
  let bigMem = 0;
  let any = false;
  for (const { request: r, count } of shapes) {
    if (count <= 0) continue;
    any = true;
    cpu += r.cpu * count;
    mem += r.memoryMiB * count;
    if (r.cpu * 2 > capacity.cpu) bigCpu += count;
    if (r.memoryMiB * 2 > capacity.memoryMiB) bigMem += count;
  }
  // Requests are integers, so the sums are exact (far below 2^53); the one division per
  // dimension rounds correctly for quotients that are whole numbers.
  const volume = Math.max(Math.ceil(cpu / capacity.cpu), Math.ceil(mem / capacity.memoryMiB));
  return Math.max(volume, bigCpu, bigMem, any ? 1 : 0);
}

/**
 * The fewest nodes of one shape that could hold a demand total at one instant, with no
 * regard to how requests split (the fluid bound). Integrated over time it bounds
 * node-hours from below.
 */
export function fluidNodeBound(total: Resources, capacity: Resources): number {
  return Math.max(Math.ceil(total.cpu / capacity.cpu), Math.ceil(total.memoryMiB / capacity.memoryMiB), 0);
}

/**
 * The node size a fleet's packing is judged against: the largest capacity, per
 * dimension, among the nodes in use (the catalog's largest when there are none). Judged
 * against the catalog's largest type instead, a fleet of 8-core nodes reads as "4 ×
 * the bound" when it packs perfectly, because 96-core nodes would need fewer of them;
 * against the nodes it runs, the ratio reads near 1 for good packing, as it should.
 */
export function boundNodeSize(inUse: readonly Resources[], catalog: readonly Resources[]): Resources {
  const pool = inUse.length > 0 ? inUse : catalog;
  return { cpu: Math.max(0, ...pool.map((c) => c.cpu)), memoryMiB: Math.max(0, ...pool.map((c) => c.memoryMiB)) };
}
