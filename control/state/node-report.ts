import type { CapacityType } from '../../core/model';
import type { Resources } from '../../core/resources';
import type { ContainerHealth, Endpoint } from '../../core/service';

/**
 * What an agent reports, as the store records it. The wire form (contract/heartbeat.ts)
 * carries the same facts; the heartbeat handler turns one into the other.
 */

/** What an agent reports about one container of a task it runs. */
export interface ContainerReport {
  readonly taskId: string;
  readonly generation: number;
  readonly state: 'starting' | 'running' | 'exited';
  readonly exitCode?: number;
  readonly oomKilled?: boolean;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** Where a running container's published ports are on the node. */
  readonly endpoints?: readonly Endpoint[];
  /** A running container's health; `none` when nothing checks it. */
  readonly health?: ContainerHealth;
  /** An `exited` copy that never had a container: why it could not start (an image pull's failure). */
  readonly failure?: string;
}

/**
 * One report from a node's agent. A report that changes nothing the scheduler decides on
 * — the node's state, type, zone, labels, capacity, price, address, capacity type, or any copy's status,
 * endpoints or health — is a quiet one: it renews the node's liveness and usage and must
 * not wake a pass (the store marks it so; a node that stops reporting is still found by
 * the scheduled pass, within the heartbeat timeout plus its period).
 */
export interface Heartbeat {
  readonly nodeId: string;
  readonly instanceType: string;
  readonly zone: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly capacity: Resources;
  readonly usage: Resources;
  readonly pricePerHour: number;
  /** Where load balancers reach this node's host ports. */
  readonly address?: string;
  /** How the instance was bought; absent: the stored value stands (an agent that predates Spot). */
  readonly capacityType?: CapacityType;
  readonly containers: readonly ContainerReport[];
}
