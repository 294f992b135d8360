import { nodeArchitecture } from '../catalog';
import type { Architecture, CapacityChoice, CapacityType, Constraints, InstanceType, NodeState } from '../model';
import type { Resources } from '../resources';
import type { SpreadRule } from './spread';

/**
 * A node as the placement pipeline sees it: static facts plus free capacity that
 * shrinks as the pass places copies. Placement mutates only `freeCpu` and
 * `freeMemoryMiB` of bins it was given, never the snapshot.
 */
export interface Bin {
  readonly id: string;
  readonly instanceType: string;
  readonly zone: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly capacity: Resources;
  readonly state: NodeState;
  /** Undefined when neither the node's agent nor the catalog says. */
  readonly arch?: Architecture;
  /** How the node was bought; absent: on-demand. */
  readonly capacityType?: CapacityType;
  freeCpu: number;
  freeMemoryMiB: number;
  /** Position in the order nodes were opened (launch time, then id); first-fit scores by it. */
  readonly rank: number;
}

/** A copy waiting for a node. `arrival` orders tasks for the arrival-order strategies. */
export interface PlacementTask {
  readonly id: string;
  readonly jobId: string;
  readonly resources: Resources;
  readonly constraints: Constraints;
  readonly arrival: number;
  /** Absent: the job's replicas pack freely. */
  readonly spread?: SpreadRule;
  /**
   * The copies this one counts with (its job's name, as a label selector or a Nomad
   * task group counts them), for the peers that score a node by them; and how many
   * copies the group wants. Absent: counted with nothing.
   */
  readonly group?: string;
  readonly groupSize?: number;
  /** The job's capacity choice (core/capacity.ts capacityChoiceOf); absent: any node. */
  readonly capacity?: CapacityChoice;
}

/** `node.arch`: for a node not launched yet, its type's; otherwise read as nodeArchitecture says. */
export function binFrom(
  node: { id: string; instanceType: string; zone: string; labels: Readonly<Record<string, string>>; capacity: Resources; state: NodeState; arch?: Architecture; capacityType?: CapacityType },
  used: Resources,
  rank: number,
): Bin {
  const arch = node.arch ?? nodeArchitecture(node);
  return {
    id: node.id,
    instanceType: node.instanceType,
    zone: node.zone,
    labels: node.labels,
    capacity: node.capacity,
    state: node.state,
    ...(arch !== undefined ? { arch } : {}),
    ...(node.capacityType === 'spot' ? { capacityType: 'spot' as const } : {}),
    freeCpu: node.capacity.cpu - used.cpu,
    freeMemoryMiB: node.capacity.memoryMiB - used.memoryMiB,
    rank,
  };
}

/**
 * An empty bin for a node not bought yet (a consolidation's replacement, a what-if),
 * of `type` in `zone`: its architecture is its type's, as for any node before it reports.
 */
export function newNodeBin(id: string, type: Pick<InstanceType, 'name' | 'capacity'>, zone: string, labels: Readonly<Record<string, string>>, capacityType?: CapacityType): Bin {
  return binFrom({ id, instanceType: type.name, zone, labels, capacity: type.capacity, state: 'ACTIVE', capacityType }, { cpu: 0, memoryMiB: 0 }, 0);
}

/**
 * Tasks with equal keys are interchangeable for placement: same request, same
 * constraints. A spread copy is interchangeable only with its own job's copies, whose
 * count it shares.
 */
export function placementKey(task: PlacementTask): string {
  const key = `${task.resources.cpu}/${task.resources.memoryMiB}/${constraintsKey(task.constraints)}/${task.capacity ?? ''}`;
  return task.spread ? `${key}/spread:${task.spread.scope}:${JSON.stringify(task.jobId)}` : key;
}

const constraintKeys = new WeakMap<Constraints, string>();

export function constraintsKey(c: Constraints): string {
  let key = constraintKeys.get(c);
  if (key === undefined) {
    // JSON, not joined strings: label values may contain any separator we could pick.
    const labels = c.nodeLabels ? Object.keys(c.nodeLabels).sort().map((k) => [k, c.nodeLabels![k]]) : [];
    key = JSON.stringify([[...(c.instanceTypes ?? [])].sort(), [...(c.zones ?? [])].sort(), labels, c.arch ?? null]);
    constraintKeys.set(c, key);
  }
  return key;
}

export function hasConstraints(c: Constraints): boolean {
  return (c.instanceTypes?.length ?? 0) > 0 || (c.zones?.length ?? 0) > 0 || Object.keys(c.nodeLabels ?? {}).length > 0 || c.arch !== undefined;
}
