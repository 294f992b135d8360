import { compareStrings } from '../compare';
import { dominantShare, type Resources } from '../resources';
import type { PlacementTask } from './bin';
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
}

export const STRATEGY_NAMES = ['stowage', 'first-fit', 'ffd', 'best-fit', 'spread', 'most-allocated', 'nomad-binpack', 'dot-product', 'ecs-binpack'] as const;
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
  spread: { name: 'spread', models: "Kubernetes' default scoring, NodeResourcesFit LeastAllocated", order: 'arrival', score: leastAllocatedScore },
  'most-allocated': { name: 'most-allocated', models: "Kubernetes' NodeResourcesFit MostAllocated", order: 'arrival', score: mostAllocatedScore },
  'nomad-binpack': { name: 'nomad-binpack', models: "Nomad's ScoreFitBinPack", order: 'arrival', score: nomadBinPackScore },
  'ecs-binpack': {
    name: 'ecs-binpack',
    models: "Amazon ECS's binpack placement strategy on memory (least free memory first)",
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
