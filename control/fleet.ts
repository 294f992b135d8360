import type { CapacityType } from '../core/model';
import type { UnavailableReason } from '../core/offerings';

export interface LaunchRequest {
  readonly instanceType: string;
  readonly zone: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Absent: on-demand. */
  readonly capacityType?: CapacityType;
  /** Other (type, zone) offerings the cloud may launch instead (Launch.alternatives). */
  readonly alternatives?: readonly { readonly instanceType: string; readonly zone: string }[];
}

/**
 * The instance a launch started. With `alternatives` the cloud chooses the offering
 * (EC2 Fleet's price-capacity-optimized allocation), so the type and zone are what it
 * chose, not necessarily the request's first: the launch record must carry them, or
 * the plan would count the capacity of a type that is not there until the first
 * heartbeat corrects it.
 */
export interface LaunchedInstance {
  readonly id: string;
  readonly instanceType: string;
  readonly zone: string;
}

/**
 * The machines (adapters: `Ec2Fleet`, `LocalFleet`; fake: `InMemoryFleet`). Every
 * method throws only `FleetError`, with `retriable` set.
 */
export interface Fleet {
  /** Launches one instance of the request's offering or of one of its alternatives. */
  launch(request: LaunchRequest): Promise<LaunchedInstance>;
  /**
   * Terminates instances this deployment owns; others are refused, not touched (a
   * non-retriable `FleetError` whose `instanceIds` are the refused ones). Ids already
   * gone succeed.
   */
  terminate(instanceIds: readonly string[]): Promise<void>;
}

/** One offering of a launch the cloud refused, and why. */
export interface RefusedOffering {
  readonly instanceType: string;
  readonly zone: string;
  readonly reason: UnavailableReason;
}

/** What a fleet call was doing when it failed. */
export type FleetOperation = 'launch' | 'terminate';

/**
 * A fleet call failed. `retriable` means the same call may succeed later unchanged
 * (throttling, capacity, a 5xx); otherwise something must change first (permissions,
 * configuration, the request itself). `instanceIds` are the instances the failure
 * concerns: for `terminate`, the ones NOT terminated by this call.
 */
export class FleetError extends Error {
  override readonly name = 'FleetError';
  readonly operation: FleetOperation;
  readonly instanceIds: readonly string[];
  readonly retriable: boolean;
  /**
   * Set when the cloud refused a launch for where or how much it asked, not for what:
   * out of capacity in that zone, the type not offered there, or the account's vCPU
   * quota. The pass remembers the offering as unavailable (core/offerings.ts) and the
   * next plans launch elsewhere.
   */
  readonly unavailable?: UnavailableReason;
  /**
   * For a launch that offered several (type, zone) offerings (CreateFleet), each one the
   * cloud refused and why; absent, `unavailable` concerns the request's own offering.
   */
  readonly refusedOfferings?: readonly RefusedOffering[];
  constructor(
    message: string,
    details: { operation: FleetOperation; instanceIds?: readonly string[]; retriable: boolean; unavailable?: UnavailableReason; refusedOfferings?: readonly RefusedOffering[] },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.operation = details.operation;
    this.instanceIds = details.instanceIds ?? [];
    this.retriable = details.retriable;
    if (details.unavailable) this.unavailable = details.unavailable;
    if (details.refusedOfferings?.length) this.refusedOfferings = details.refusedOfferings;
  }
}
