import type { Resources } from '../resources';
import type { Bin } from './bin';
import { nomadFitBinPack } from './nomad-scoring';
import { spreadCount, type SpreadRule } from './spread';

/**
 * Scorers rank the feasible nodes for one task; higher is better. Each is pure math on
 * the node's free capacity and the request, with its range documented, so strategies
 * can be compared and mixed honestly. Ties are broken by node rank (oldest first) in
 * the packer, never by iteration order, so plans are deterministic.
 */
export type Scorer = (bin: Bin, req: Resources, weights: ResourceWeights) => number;

/**
 * How scarce each resource is in the fleet at hand (demand ÷ capacity, normalised to
 * sum to 1). Only Stowage's scorer reads it; the baselines are modelled as written.
 */
export interface ResourceWeights {
  readonly cpu: number;
  readonly memory: number;
}

export const EQUAL_WEIGHTS: ResourceWeights = Object.freeze({ cpu: 0.5, memory: 0.5 });

/** Weights from total demand and total capacity; equal when either is empty. */
export function scarcityWeights(demand: Resources, capacity: Resources): ResourceWeights {
  if (capacity.cpu <= 0 || capacity.memoryMiB <= 0) return EQUAL_WEIGHTS;
  const cpu = demand.cpu / capacity.cpu;
  const memory = demand.memoryMiB / capacity.memoryMiB;
  if (!(cpu + memory > 0)) return EQUAL_WEIGHTS;
  return { cpu: cpu / (cpu + memory), memory: memory / (cpu + memory) };
}

/** First-fit: the node opened first. Range (-∞, 0]. */
export const firstFitScore: Scorer = (bin) => -bin.rank;

/**
 * Best-fit in two dimensions: the node left with the least free capacity after
 * placement, each dimension as a share of the node. Range [-1, 0].
 */
export const bestFitScore: Scorer = (bin, req) =>
  -(((bin.freeCpu - req.cpu) / bin.capacity.cpu + (bin.freeMemoryMiB - req.memoryMiB) / bin.capacity.memoryMiB) / 2);

/**
 * Kubernetes' NodeResourcesFit LeastAllocated (the default): mean over CPU and memory
 * of (capacity − requested) × 100 / capacity, requested including this task.
 * Range [0, 100]; spreads work over the emptiest nodes.
 */
export const leastAllocatedScore: Scorer = (bin, req) =>
  (((bin.freeCpu - req.cpu) * 100) / bin.capacity.cpu + ((bin.freeMemoryMiB - req.memoryMiB) * 100) / bin.capacity.memoryMiB) / 2;

/** Kubernetes' MostAllocated: mean of requested × 100 / capacity after placement. Range [0, 100]. */
export const mostAllocatedScore: Scorer = (bin, req) =>
  (((bin.capacity.cpu - bin.freeCpu + req.cpu) * 100) / bin.capacity.cpu +
    ((bin.capacity.memoryMiB - bin.freeMemoryMiB + req.memoryMiB) * 100) / bin.capacity.memoryMiB) /
  2;

/** Nomad's ScoreFitBinPack (nomad/structs/funcs.go); see nomad-scoring.ts. Range [0, 18]. */
export const nomadBinPackScore: Scorer = (bin, req) => nomadFitBinPack(bin, req);

/**
 * Panigrahy et al., "Heuristics for Vector Bin Packing" (MSR 2011), DotProduct in its
 * item-centric form (as Tetris uses it): the node whose residual capacity is most
 * aligned with the request, both normalised by the node's capacity. Range [0, 2].
 */
export const dotProductScore: Scorer = (bin, req) =>
  (req.cpu / bin.capacity.cpu) * (bin.freeCpu / bin.capacity.cpu) +
  (req.memoryMiB / bin.capacity.memoryMiB) * (bin.freeMemoryMiB / bin.capacity.memoryMiB);

/**
 * Stowage's scorer: best-fit where each dimension's leftover counts by how scarce that
 * resource is in the fleet. Leftover CPU on a CPU-bound fleet is the waste that costs
 * nodes; leftover memory there matters less. Range [-1, 0] (weights sum to 1).
 */
export const stowageScore: Scorer = (bin, req, w) =>
  -(
    (w.cpu * (bin.freeCpu - req.cpu)) / bin.capacity.cpu +
    (w.memory * (bin.freeMemoryMiB - req.memoryMiB)) / bin.capacity.memoryMiB
  );

/**
 * Amazon ECS's `binpack` placement strategy on `memory`: "tasks are placed on container
 * instances so as to leave the least amount of unused memory" — absolute MiB left after
 * placement, not a share of the instance, so on a mixed fleet a small instance beats a
 * large one with the same share free. CPU is ignored. Range (−∞, 0] (MiB, negated).
 * Source: Amazon ECS Developer Guide, "Amazon ECS task placement strategies".
 */
export const ecsBinpackMemoryScore: Scorer = (bin, req) => -(bin.freeMemoryMiB - req.memoryMiB);

/**
 * The spread term, for spread jobs only: −(copies of the job on the node, or in its
 * zone) ÷ the most the rule allows. Range (−1, 0] on a node the spread filter passes:
 * 0 where the job has no copy yet. The packer ranks by it first and by the strategy's
 * score second, so a spread job goes to the node or zone holding fewest of its copies
 * and, among those, where the strategy would put it; jobs without spread never see it.
 */
export function spreadScore(bin: Bin, rule: SpreadRule): number {
  const n = spreadCount(rule, bin);
  return n === 0 ? 0 : -n / rule.max;
}
