import { compareStrings } from '../compare';
import type { CapacityType, InstanceType, Node } from '../model';
import { typesPricedFor } from '../spot-prices';
import { newNodeBin, type PlacementTask } from '../placement/bin';
import { allowsInstanceType } from '../placement/filters';
import { packTasks } from '../placement/packer';
import { withTally, type SpreadTally } from '../placement/spread';
import { STRATEGIES } from '../placement/strategies';
import type { SchedulerPolicy } from '../policy';
import type { ResourceWeights } from '../placement/scorers';

/**
 * How a replacement for `leftovers` is bought: Spot when every one of them accepts Spot
 * (a replacement is a launch like any other, and scale-up buys Spot for such copies),
 * On-Demand when none requires Spot, and no single replacement when one requires each.
 */
export function replacementCapacity(leftovers: readonly PlacementTask[]): CapacityType | undefined {
  if (leftovers.every((t) => t.capacity === 'spot' || t.capacity === 'spot-or-on-demand')) return 'spot';
  if (leftovers.some((t) => t.capacity === 'spot')) return undefined;
  return 'on-demand';
}

/**
 * Whether a node may be replaced by a new one of `capacityType`. Karpenter replaces a
 * Spot node only by deleting it unless the SpotToSpotConsolidation feature gate is on
 * (off by default): the cheapest Spot pools are the most interrupted, so chasing them
 * trades savings for interruptions (karpenter.sh/docs/concepts/disruption/#consolidation,
 * "Spot consolidation"; kubernetes-sigs/karpenter designs/spot-consolidation.md).
 * Stowage keeps the same rule, for a further reason of its own: a Spot node's price is
 * a typical discount from a table (spot-prices.ts), so a saving from swapping one Spot
 * node for another is an estimate's difference, not a measured one. Deleting a Spot
 * node, and replacing an On-Demand node by a Spot one, stay allowed. Measured on the
 * OpenB trace with Spot allowed (`stowage sim --spot`, 2026-12-02): allowing Spot-for-Spot
 * swaps cost more ($14 438 against $14 135) and moved four times as much (0.093 against
 * 0.023 migrations per task-hour).
 */
export function mayReplace(nodes: readonly Pick<Node, 'capacityType'>[], capacityType: CapacityType): boolean {
  return !(capacityType === 'spot' && nodes.some((n) => n.capacityType === 'spot'));
}

export interface PairReplacement {
  readonly first: { readonly name: string; readonly pricePerHour: number };
  readonly second: { readonly name: string; readonly pricePerHour: number };
  readonly pricePerHour: number;
  readonly spread: SpreadTally;
  readonly capacityType: CapacityType;
}

/**
 * The cheapest two allowed types that hold all the leftovers together (keeping their
 * spread) for less than `below` $/hour, or undefined. This is what lets a large node
 * of a dear family (the only kind that held a task wider than the cheap family's
 * largest type) go once that task is gone: what is left rarely fits one cheaper node,
 * but two of the cheap family cost less than the one dear one. Pairs are tried in
 * price order, after a capacity check that needs no packing, so the first that packs
 * is the cheapest.
 */
export function cheapestPairHolding(
  leftovers: readonly PlacementTask[],
  node: Node,
  below: number,
  policy: SchedulerPolicy,
  weights: ResourceWeights,
  spread: SpreadTally,
): PairReplacement | undefined {
  const capacityType = replacementCapacity(leftovers);
  if (!capacityType || !mayReplace([node], capacityType)) return undefined;
  const types = typesPricedFor(policy.scaleUp.instanceTypes, capacityType).filter((t) => leftovers.every((l) => allowsInstanceType(l.constraints, t.name)));
  let cpu = 0;
  let mem = 0;
  for (const l of leftovers) {
    cpu += l.resources.cpu;
    mem += l.resources.memoryMiB;
  }
  const pairs: Array<[InstanceType, InstanceType]> = [];
  for (let i = 0; i < types.length; i++) {
    for (let j = i; j < types.length; j++) {
      const [a, b] = [types[i], types[j]];
      if (a.pricePerHour + b.pricePerHour >= below) continue;
      if (a.capacity.cpu + b.capacity.cpu < cpu || a.capacity.memoryMiB + b.capacity.memoryMiB < mem) continue;
      pairs.push(a.pricePerHour >= b.pricePerHour ? [a, b] : [b, a]);
    }
  }
  pairs.sort((x, y) => x[0].pricePerHour + x[1].pricePerHour - (y[0].pricePerHour + y[1].pricePerHour) || compareStrings(x[0].name + x[1].name, y[0].name + y[1].name));
  for (const [a, b] of pairs) {
    // Named for the node they replace: spread counts copies by node id.
    const bins = [newNodeBin(`replacement-of-${node.id}`, a, node.zone, policy.scaleUp.nodeLabels, capacityType), newNodeBin(`replacement-2-of-${node.id}`, b, node.zone, policy.scaleUp.nodeLabels, capacityType)];
    const trial = spread.fork();
    const result = packTasks(withTally(leftovers, trial), bins, { strategy: STRATEGIES[policy.strategy], weights });
    if (result.unplaced.size === 0) {
      return { first: { name: a.name, pricePerHour: a.pricePerHour }, second: { name: b.name, pricePerHour: b.pricePerHour }, pricePerHour: a.pricePerHour + b.pricePerHour, spread: trial, capacityType };
    }
  }
  return undefined;
}

