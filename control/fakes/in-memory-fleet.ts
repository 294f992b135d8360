import type { UnavailableReason } from '../../core/offerings';
import type { Clock } from '../clock';
import { FleetError, type Fleet, type LaunchedInstance, type LaunchRequest } from '../fleet';

/** Offerings the fake cloud refuses: a type (any zone when `zone` is absent), a zone (any type), or both. */
export interface Refusal {
  readonly instanceType?: string;
  readonly zone?: string;
  readonly reason: UnavailableReason;
}

/** The codes EC2 answers with for each refusal, so logs read as they would in AWS. */
const CODES: Readonly<Record<UnavailableReason, string>> = {
  'insufficient-capacity': 'InsufficientInstanceCapacity',
  unsupported: 'Unsupported',
  'vcpu-limit': 'VcpuLimitExceeded',
};

/** One instance's life as the fleet saw it, in the fleet's clock. */
export interface InstanceLife {
  readonly request: LaunchRequest;
  readonly launchedAt: number;
  terminatedAt?: number;
}

/**
 * The Fleet in memory: hands out instance ids, remembers what runs, and can be told to
 * fail the next calls, so the scheduler's handling of cloud errors is testable. Given a
 * clock, it also keeps every instance's life (what EC2 bills), so a replay counts
 * node-hours from the fleet rather than from the scheduler's own records.
 */
export class InMemoryFleet implements Fleet {
  readonly running = new Map<string, LaunchRequest>();
  readonly terminated: string[] = [];
  /** Every instance launched, by id, with when it was launched and terminated; empty without a clock. */
  readonly lives = new Map<string, InstanceLife>();
  /** Errors the next launch calls throw, in order. */
  readonly failLaunches: Error[] = [];
  /** Offerings refused on every launch while listed, as EC2 refuses them (FleetError with `unavailable`). */
  readonly refusals: Refusal[] = [];
  /** Every launch asked for, refused or not, in order. */
  readonly attempts: LaunchRequest[] = [];
  private next = 0;

  constructor(private readonly clock?: Clock) {}

  /**
   * The request's offering, or with alternatives the first of them not refused, as
   * CreateFleet (type instant) answers: an instance of one offering, or the errors of
   * all. `running` and `lives` hold the request as launched (the chosen type and zone).
   */
  async launch(request: LaunchRequest): Promise<LaunchedInstance> {
    this.attempts.push(request);
    const failure = this.failLaunches.shift();
    if (failure) throw failure;
    const offerings = [{ instanceType: request.instanceType, zone: request.zone }, ...(request.alternatives ?? [])];
    const chosen = offerings.find((o) => this.refusalOf(o) === undefined);
    if (!chosen) {
      const refusal = this.refusalOf(offerings[0])!;
      throw new FleetError(`${request.alternatives?.length ? 'CreateFleet' : 'RunInstances'} of ${request.instanceType} in ${request.zone} failed with ${CODES[refusal.reason]}`, {
        operation: 'launch',
        retriable: refusal.reason === 'insufficient-capacity',
        unavailable: refusal.reason,
      });
    }
    // Fixed-width hex, so ids sort in launch order: plan() breaks ties by id, and a replay breaks them the same way every run.
    const id = `i-${(0x1000_0000 + this.next++).toString(16).padStart(17, '0')}`;
    const launched = { ...request, instanceType: chosen.instanceType, zone: chosen.zone };
    this.running.set(id, launched);
    if (this.clock) this.lives.set(id, { request: launched, launchedAt: this.clock.now() });
    return { id, instanceType: chosen.instanceType, zone: chosen.zone };
  }

  private refusalOf(o: { readonly instanceType: string; readonly zone: string }): Refusal | undefined {
    return this.refusals.find((r) => (r.instanceType ?? o.instanceType) === o.instanceType && (r.zone ?? o.zone) === o.zone);
  }

  async terminate(instanceIds: readonly string[]): Promise<void> {
    for (const id of instanceIds) {
      this.running.delete(id);
      this.terminated.push(id);
      const life = this.lives.get(id);
      if (life && life.terminatedAt === undefined) life.terminatedAt = this.clock!.now();
    }
  }
}
