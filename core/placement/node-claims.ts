import type { InstanceType } from '../model';
import { add, fits, type Resources, ZERO } from '../resources';
import type { PlacementTask } from './bin';
import { allowsInstanceType } from './filters';

/** A node Karpenter will launch: the copies it was sized for and the type it buys. */
export interface NodeClaim {
  readonly type: InstanceType;
  readonly taskIds: string[];
}

interface OpenClaim {
  options: InstanceType[];
  used: Resources;
  readonly taskIds: string[];
}

/**
 * Karpenter's provisioning decision for one batch of pending pods
 * (pkg/controllers/provisioning/scheduling/scheduler.go): pods sorted by CPU, then
 * memory, largest first; each joins the open claim with the fewest pods whose
 * instance-type options can still hold it (a claim keeps every type that holds all its
 * pods), or opens a new claim if `maxClaims` allows; each claim then launches the
 * cheapest of its options (CreateFleet's lowest-price allocation for on-demand).
 * A claim may grow up to the largest type, so a burst buys large nodes and a straggler
 * a small one, priced only by what the claim ends up holding.
 */
export function packNodeClaims(tasks: readonly PlacementTask[], types: readonly InstanceType[], maxClaims: number): { claims: NodeClaim[]; unplaced: string[] } {
  const sorted = [...tasks].sort((a, b) => b.resources.cpu - a.resources.cpu || b.resources.memoryMiB - a.resources.memoryMiB || a.arrival - b.arrival);
  const open: OpenClaim[] = [];
  const unplaced: string[] = [];
  for (const task of sorted) {
    // Karpenter re-sorts its new claims by pod count before each pod: fewest first.
    const order = [...open.keys()].sort((a, b) => open[a].taskIds.length - open[b].taskIds.length || a - b);
    let placed = false;
    for (const i of order) {
      const claim = open[i];
      const used = add(claim.used, task.resources);
      const options = claim.options.filter((t) => allowsInstanceType(task.constraints, t.name) && fits(used, t.capacity));
      if (options.length === 0) continue;
      claim.options = options;
      claim.used = used;
      claim.taskIds.push(task.id);
      placed = true;
      break;
    }
    if (placed) continue;
    const options = types.filter((t) => allowsInstanceType(task.constraints, t.name) && fits(task.resources, t.capacity));
    if (options.length === 0 || open.length >= maxClaims) {
      unplaced.push(task.id);
      continue;
    }
    open.push({ options, used: add(ZERO, task.resources), taskIds: [task.id] });
  }
  const claims = open.map((c) => ({
    type: [...c.options].sort((a, b) => a.pricePerHour - b.pricePerHour || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0],
    taskIds: c.taskIds,
  }));
  return { claims, unplaced };
}
