import type { Clock } from '../clock';
import type { Fleet, LaunchRequest } from '../fleet';

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
  private next = 0;

  constructor(private readonly clock?: Clock) {}

  async launch(request: LaunchRequest): Promise<string> {
    const failure = this.failLaunches.shift();
    if (failure) throw failure;
    // Fixed-width hex, so ids sort in launch order: plan() breaks ties by id, and a replay breaks them the same way every run.
    const id = `i-${(0x1000_0000 + this.next++).toString(16).padStart(17, '0')}`;
    this.running.set(id, request);
    if (this.clock) this.lives.set(id, { request, launchedAt: this.clock.now() });
    return id;
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
