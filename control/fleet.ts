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
 * The machines (adapters: `Ec2Fleet`, `LocalFleet`; fake: `InMemoryFleet`). Every
 * method throws only `FleetError`, with `retriable` set.
 */
export interface Fleet {
  /** Launches one instance; returns its id. */
  launch(request: LaunchRequest): Promise<string>;
  /**
   * Terminates instances this deployment owns; others are refused, not touched (a
   * non-retriable `FleetError` whose `instanceIds` are the refused ones). Ids already
   * gone succeed.
   */
  terminate(instanceIds: readonly string[]): Promise<void>;
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
  constructor(
    message: string,
    details: { operation: FleetOperation; instanceIds?: readonly string[]; retriable: boolean; unavailable?: UnavailableReason },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.operation = details.operation;
    this.instanceIds = details.instanceIds ?? [];
    this.retriable = details.retriable;
    if (details.unavailable) this.unavailable = details.unavailable;
  }
}
