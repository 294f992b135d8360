import type { Resources } from '../resources';
import type { Bin } from './bin';

/**
 * Nomad's ScoreFitBinPack (nomad/structs/funcs.go, after Google's Borg paper): with
 * f = free share of each dimension after placement, score = 20 − (10^f_cpu + 10^f_mem).
 * Range [0, 18]: 18 when the node is exactly full, 0 when it stays empty. A node's
 * capacity here is what Nomad calls its resources minus its reserved resources.
 */
export function nomadFitBinPack(bin: Bin, req: Resources): number {
  const freeCpu = (bin.freeCpu - req.cpu) / bin.capacity.cpu;
  const freeMem = (bin.freeMemoryMiB - req.memoryMiB) / bin.capacity.memoryMiB;
  return 20 - (Math.pow(10, freeCpu) + Math.pow(10, freeMem));
}

/** binPackingMaxFitScore: the BinPackIterator divides by it, so its score is in [0, 1]. */
export const NOMAD_MAX_FIT_SCORE = 18;

/**
 * JobAntiAffinityIterator: a node already holding `collisions` copies of the task
 * group scores −(collisions + 1) / count; none is scored only when there is no
 * collision (the iterator appends nothing then). Source: scheduler/rank.go.
 */
export function nomadAntiAffinityPenalty(collisions: number, desiredCount: number): number | undefined {
  if (collisions <= 0) return undefined;
  return -(collisions + 1) / Math.max(1, desiredCount);
}

/**
 * ScoreNormalizationIterator: the final score is the mean of the scores appended by
 * the ranking iterators (here the normalised bin-pack score and, on a collision, the
 * anti-affinity penalty). Source: scheduler/rank.go.
 */
export function nomadFinalScore(binPack: number, penalty: number | undefined): number {
  const normalised = binPack / NOMAD_MAX_FIT_SCORE;
  return penalty === undefined ? normalised : (normalised + penalty) / 2;
}

/**
 * How many feasible nodes one placement scores (GenericStack.SetNodes): 2 for batch
 * jobs (power of two choices), max(2, ⌈log2 n⌉) for services. Source: scheduler/stack.go.
 */
export function nomadLimit(nodes: number, batch: boolean): number {
  if (batch || nodes <= 0) return 2;
  return Math.max(2, Math.ceil(Math.log2(nodes)));
}

/** LimitIterator's defaults in the generic stack: options scoring below 0 are put aside, at most 3 of them. */
export const NOMAD_SKIP_SCORE_THRESHOLD = 0;
export const NOMAD_MAX_SKIP = 3;
