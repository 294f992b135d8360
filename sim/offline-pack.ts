import { packingLowerBound } from '../core/lower-bound';
import { binFrom, type Bin, type PlacementTask } from '../core/placement/bin';
import { multiStartPack } from './multi-start';
import { packTasks } from '../core/placement/packer';
import { scarcityWeights } from '../core/placement/scorers';
import { orderTasks, STRATEGIES, type StrategyName } from '../core/placement/strategies';
import { fits, type Resources } from '../core/resources';

export interface OfflinePackResult {
  readonly strategy: StrategyName;
  readonly tasks: number;
  /** Tasks larger than one node: counted, never silently dropped. */
  readonly unplaceable: number;
  readonly nodes: number;
  readonly lowerBound: number;
  readonly ratio: number;
  readonly ms: number;
}

/** Seeded orders Stowage tries offline; fixed so `stowage pack` is reproducible. */
export const STOWAGE_OFFLINE_ATTEMPTS = 32;
const SEED = 20261127;

/**
 * Offline packing of every request onto identical nodes of `node` capacity, opening a
 * node whenever none fits: what `stowage pack` measures. Baselines run once in their
 * own order, as the systems they model do. Stowage packs as it would size a scale-up:
 * its scorer from several seeded orders, keeping the best (multi-start.ts).
 */
export function packOffline(requests: readonly Resources[], node: Resources, strategyName: StrategyName): OfflinePackResult {
  const strategy = STRATEGIES[strategyName];
  const placeable: PlacementTask[] = [];
  let unplaceable = 0;
  const demand = { cpu: 0, memoryMiB: 0 };
  requests.forEach((resources, i) => {
    if (fits(resources, node)) {
      placeable.push({ id: `t${i}`, jobId: `t${i}`, resources, constraints: {}, arrival: i });
      demand.cpu += resources.cpu;
      demand.memoryMiB += resources.memoryMiB;
    } else unplaceable++;
  });
  const started = performance.now();
  const openInto = (bins: Bin[]) => (): Bin =>
    binFrom({ id: `n${bins.length}`, instanceType: 'node', zone: 'any', labels: {}, capacity: node, state: 'ACTIVE' }, { cpu: 0, memoryMiB: 0 }, bins.length);
  let nodes: number;
  if (strategyName === 'stowage') {
    const weights = scarcityWeights(demand, node);
    let current: Bin[] = [];
    const result = multiStartPack(
      placeable,
      () => {
        current = [];
        return current;
      },
      { strategy, weights, attempts: STOWAGE_OFFLINE_ATTEMPTS, seed: SEED, reference: node, openBin: () => openInto(current)() },
    );
    nodes = result.bins.length;
  } else {
    const bins: Bin[] = [];
    packTasks(orderTasks(placeable, strategy.order, node), bins, { strategy, openBin: openInto(bins) });
    nodes = bins.length;
  }
  const ms = performance.now() - started;
  const lowerBound = packingLowerBound(
    placeable.map((t) => t.resources),
    node,
  );
  return {
    strategy: strategyName,
    tasks: requests.length,
    unplaceable,
    nodes,
    lowerBound,
    ratio: lowerBound === 0 ? 1 : nodes / lowerBound,
    ms,
  };
}
