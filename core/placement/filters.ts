import { acceptsCapacity } from '../capacity';
import { ACCEPTS_WORK, type Architecture, type Constraints } from '../model';
import type { Bin, PlacementTask } from './bin';
import { spreadCount } from './spread';

/**
 * Feasibility filters, Nomad-style: each returns null when the node may take the task
 * or the named reason it may not. Reasons are part of the API: users see them on
 * pending tasks, so rename with care.
 */
export type RejectReason =
  | 'node-not-accepting-work'
  | 'constraint:instance-type'
  | 'constraint:zone'
  | 'constraint:node-label'
  | 'constraint:arch'
  | 'constraint:capacity'
  | 'spread:node'
  | 'spread:zone'
  | 'insufficient-cpu'
  | 'insufficient-memory';

export interface Filter {
  readonly reason: RejectReason;
  /** True when the node passes. */
  readonly accepts: (bin: Bin, task: PlacementTask) => boolean;
}

/**
 * The constraint rules on plain values, so scale-up can ask them of a node it has not
 * launched yet. An empty or absent list allows anything.
 */
export function allowsInstanceType(c: Constraints, instanceType: string): boolean {
  return !c.instanceTypes || c.instanceTypes.length === 0 || c.instanceTypes.includes(instanceType);
}

export function allowsZone(c: Constraints, zone: string): boolean {
  return !c.zones || c.zones.length === 0 || c.zones.includes(zone);
}

export function matchesLabels(c: Constraints, labels: Readonly<Record<string, string>>): boolean {
  const wanted = c.nodeLabels;
  if (!wanted) return true;
  for (const key of Object.keys(wanted)) {
    if (labels[key] !== wanted[key]) return false;
  }
  return true;
}

/** A node whose architecture nobody knows takes no job that names one: its image might not run there. */
export function allowsArch(c: Constraints, arch: Architecture | undefined): boolean {
  return c.arch === undefined || c.arch === arch;
}

export const nodeStateFilter: Filter = {
  reason: 'node-not-accepting-work',
  accepts: (bin) => ACCEPTS_WORK.has(bin.state),
};

export const instanceTypeFilter: Filter = {
  reason: 'constraint:instance-type',
  accepts: (bin, task) => allowsInstanceType(task.constraints, bin.instanceType),
};

export const zoneFilter: Filter = {
  reason: 'constraint:zone',
  accepts: (bin, task) => allowsZone(task.constraints, bin.zone),
};

export const nodeLabelFilter: Filter = {
  reason: 'constraint:node-label',
  accepts: (bin, task) => matchesLabels(task.constraints, bin.labels),
};

export const archFilter: Filter = {
  reason: 'constraint:arch',
  accepts: (bin, task) => allowsArch(task.constraints, bin.arch),
};

/** An on-demand-only copy never lands on Spot, a Spot-only one only on Spot (the job's `capacity`). */
export const capacityFilter: Filter = {
  reason: 'constraint:capacity',
  accepts: (bin, task) => task.capacity === undefined || acceptsCapacity(task.capacity, bin.capacityType ?? 'on-demand'),
};

/** The node already holds the most copies of the job its spread allows. */
export const spreadNodeFilter: Filter = {
  reason: 'spread:node',
  accepts: (bin, task) => task.spread?.scope !== 'node' || spreadCount(task.spread, bin) < task.spread.max,
};

/** The node's zone already holds the most copies of the job its spread allows. */
export const spreadZoneFilter: Filter = {
  reason: 'spread:zone',
  accepts: (bin, task) => task.spread?.scope !== 'zone' || spreadCount(task.spread, bin) < task.spread.max,
};

export const cpuFilter: Filter = {
  reason: 'insufficient-cpu',
  accepts: (bin, task) => task.resources.cpu <= bin.freeCpu,
};

export const memoryFilter: Filter = {
  reason: 'insufficient-memory',
  accepts: (bin, task) => task.resources.memoryMiB <= bin.freeMemoryMiB,
};

/**
 * Pipeline order. Node state first: it is one set lookup and removes draining and dead
 * nodes before anything else looks at them. Constraints next: they never change within
 * a pass, so a node that fails one could never take the task, and reporting
 * "constraint:zone" tells the user more than "insufficient-cpu" would. Spread next: like
 * resources its answer changes as the pass places work, but it is one map lookup (and
 * nothing at all for a job that packs freely), and "spread:node" tells the user that
 * more nodes, not bigger ones, are what the job waits for. Resources last.
 */
export const FILTERS: readonly Filter[] = [
  nodeStateFilter,
  instanceTypeFilter,
  zoneFilter,
  nodeLabelFilter,
  archFilter,
  capacityFilter,
  spreadNodeFilter,
  spreadZoneFilter,
  cpuFilter,
  memoryFilter,
];

/** The first filter that rejects, or null when the node is feasible. */
export function firstRejection(bin: Bin, task: PlacementTask, filters: readonly Filter[] = FILTERS): RejectReason | null {
  for (const f of filters) {
    if (!f.accepts(bin, task)) return f.reason;
  }
  return null;
}

/** "no node fits: insufficient-cpu ×12, constraint:zone ×3" — what a user sees on a pending task. */
export function describeRejections(bins: readonly Bin[], task: PlacementTask): string {
  if (bins.length === 0) return 'no nodes in the fleet';
  const counts = new Map<string, number>();
  for (const bin of bins) {
    const reason = firstRejection(bin, task);
    if (reason) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  if (counts.size === 0) return 'fits a node, but the pass placed other tasks there first';
  const parts = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([r, n]) => `${r} ×${n}`);
  return `no node fits: ${parts.join(', ')}`;
}
