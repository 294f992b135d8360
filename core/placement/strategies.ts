import { compareStrings } from '../compare';
import { dominantShare, type Resources } from '../resources';
import type { PlacementTask } from './bin';
import { kubeLeastAllocated } from './kube-scoring';
import { kubeDefaultSelector, nomadSelector, type PeerSelector } from './peer-selection';
import {
  bestFitScore,
  dotProductScore,
  ecsBinpackMemoryScore,
  firstFitScore,
  leastAllocatedScore,
  mostAllocatedScore,
  nomadBinPackScore,
  stowageScore,
  type Scorer,
} from './scorers';

/**
 * `arrival`: tasks in the order they arrived (online schedulers see them so).
 * `decreasing`: largest first by dominant share of the reference node, the classic
 * "decreasing" of FFD; ties keep arrival order.
 */
export type TaskOrder = 'arrival' | 'decreasing';

export interface Strategy {
  readonly name: StrategyName;
  /** What the strategy models, shown by `stowage pack --strategy all`. */
  readonly models: string;
  readonly order: TaskOrder;
  readonly score: Scorer;
  /**
   * The peer's own node selection (a sample, scores normalised over the nodes looked
   * at, random ties), used instead of "highest `score` over every feasible node";
   * `score` then names only the peer's main term.
   */
  readonly peer?: PeerSelector;
}

export const STRATEGY_NAMES = [
  'stowage',
  'first-fit',
  'ffd',
  'best-fit',
  'spread',
  'least-allocated',
  'most-allocated',
  'nomad-binpack',
  'nomad-fullscan',
  'dot-product',
  'ecs-binpack',
] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export const STRATEGIES: Readonly<Record<StrategyName, Strategy>> = {
  stowage: {
    name: 'stowage',
    models: "Stowage: largest first onto the node it fills best, weighted by the fleet's scarcer resource (offline: best of 32 seeded orders)",
    order: 'decreasing',
    score: stowageScore,
  },
  'first-fit': { name: 'first-fit', models: 'First-fit in arrival order', order: 'arrival', score: firstFitScore },
  ffd: { name: 'ffd', models: 'First-fit decreasing (by dominant share)', order: 'decreasing', score: firstFitScore },
  'best-fit': { name: 'best-fit', models: 'Best-fit in arrival order (least free capacity left)', order: 'arrival', score: bestFitScore },
  spread: {
    name: 'spread',
    models:
      "kube-scheduler's default profile: LeastAllocated + BalancedAllocation + default topology spread (×2), integer scores, random ties, adaptive share of nodes scored",
    order: 'arrival',
    score: (bin, req) => kubeLeastAllocated(bin, req),
    peer: kubeDefaultSelector,
  },
  'least-allocated': {
    name: 'least-allocated',
    models: 'NodeResourcesFit LeastAllocated alone, unrounded, over every feasible node (not what kube-scheduler runs)',
    order: 'arrival',
    score: leastAllocatedScore,
  },
  'most-allocated': { name: 'most-allocated', models: "Kubernetes' NodeResourcesFit MostAllocated", order: 'arrival', score: mostAllocatedScore },
  'nomad-binpack': {
    name: 'nomad-binpack',
    models: "Nomad's generic stack: ScoreFitBinPack with job anti-affinity over a shuffled sample of max(2, ⌈log2 n⌉) feasible nodes",
    order: 'arrival',
    score: nomadBinPackScore,
    peer: nomadSelector,
  },
  'nomad-fullscan': {
    name: 'nomad-fullscan',
    models: "Nomad's ScoreFitBinPack over every feasible node, no anti-affinity (packs better than Nomad does)",
    order: 'arrival',
    score: nomadBinPackScore,
  },
  'ecs-binpack': {
    name: 'ecs-binpack',
    models: "Amazon ECS's binpack placement strategy on memory (least MiB of memory left first)",
    order: 'arrival',
    score: ecsBinpackMemoryScore,
  },
  'dot-product': {
    name: 'dot-product',
    models: 'Panigrahy et al. DotProduct, largest first (FFD order)',
    order: 'decreasing',
    score: dotProductScore,
  },
};

/** Orders tasks as the strategy sees them; `reference` normalises the two dimensions. */
export function orderTasks(tasks: readonly PlacementTask[], order: TaskOrder, reference: Resources): PlacementTask[] {
  const sorted = [...tasks];
  if (order === 'arrival') {
    sorted.sort((a, b) => a.arrival - b.arrival || compareStrings(a.id, b.id));
  } else {
    const size = new Map<PlacementTask, number>();
    for (const t of sorted) size.set(t, dominantShare(t.resources, reference));
    // Ties keep arrival order (a stable sort, as textbook FFD): one job's replicas stay
    // together, while equal-sized tasks of different shapes interleave.
    sorted.sort((a, b) => size.get(b)! - size.get(a)! || a.arrival - b.arrival || compareStrings(a.id, b.id));
  }
  return sorted;
}
