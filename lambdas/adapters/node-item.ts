import type { CapacityType, Node, Reclaim } from '../../core/model';

/**
 * A node as stored. Capacity and allocation are flat numbers, because a transaction's
 * condition compares them (`allocCpu <= :limit AND capCpu = :cap`) and DynamoDB's
 * ADD increments them atomically; everything else keeps the domain's shape.
 */
export interface NodeItem {
  readonly id: string;
  readonly instanceType: string;
  readonly zone: string;
  readonly labels: Record<string, string>;
  readonly capCpu: number;
  readonly capMem: number;
  readonly allocCpu: number;
  readonly allocMem: number;
  readonly usageCpu?: number;
  readonly usageMem?: number;
  readonly state: Node['state'];
  readonly launchedAt: number;
  readonly lastHeartbeatAt?: number;
  readonly pricePerHour: number;
  readonly emptySince?: number;
  readonly underutilizedSince?: number;
  readonly address?: string;
  /** Absent on items written before Spot: on-demand. */
  readonly capacityType?: CapacityType;
  readonly reclaim?: Reclaim;
}

export function toNodeItem(n: Node): NodeItem {
  return {
    id: n.id,
    instanceType: n.instanceType,
    zone: n.zone,
    labels: { ...n.labels },
    capCpu: n.capacity.cpu,
    capMem: n.capacity.memoryMiB,
    allocCpu: n.allocated?.cpu ?? 0,
    allocMem: n.allocated?.memoryMiB ?? 0,
    usageCpu: n.usage?.cpu,
    usageMem: n.usage?.memoryMiB,
    state: n.state,
    launchedAt: n.launchedAt,
    lastHeartbeatAt: n.lastHeartbeatAt,
    pricePerHour: n.pricePerHour,
    emptySince: n.emptySince,
    underutilizedSince: n.underutilizedSince,
    address: n.address,
    capacityType: n.capacityType,
    reclaim: n.reclaim ? { ...n.reclaim } : undefined,
  };
}

export function fromNodeItem(i: NodeItem): Node {
  return {
    id: i.id,
    instanceType: i.instanceType,
    zone: i.zone,
    labels: i.labels ?? {},
    capacity: { cpu: i.capCpu, memoryMiB: i.capMem },
    allocated: { cpu: i.allocCpu ?? 0, memoryMiB: i.allocMem ?? 0 },
    usage: i.usageCpu !== undefined && i.usageMem !== undefined ? { cpu: i.usageCpu, memoryMiB: i.usageMem } : undefined,
    state: i.state,
    launchedAt: i.launchedAt,
    lastHeartbeatAt: i.lastHeartbeatAt,
    pricePerHour: i.pricePerHour,
    emptySince: i.emptySince,
    underutilizedSince: i.underutilizedSince,
    ...(i.address !== undefined ? { address: i.address } : {}),
    ...(i.capacityType !== undefined ? { capacityType: i.capacityType } : {}),
    ...(i.reclaim !== undefined ? { reclaim: i.reclaim } : {}),
  };
}
