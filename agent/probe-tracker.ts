import type { ContainerHealth } from '../core/service';

/**
 * The health of one container from the results of the agent's own probes, by Docker's
 * HEALTHCHECK rules (https://docs.docker.com/reference/dockerfile/#healthcheck), so a
 * copy checked over http/tcp by the agent and one checked by Docker read the same:
 * - `starting` until the first success, or until `retries` failures count;
 * - any success makes it `healthy` and resets the count;
 * - `retries` consecutive counted failures make it `unhealthy`;
 * - a failure inside the start period does not count, unless a probe has already
 *   succeeded (then the copy is started and every failure counts).
 * Pure: the caller passes the time of each result, so tests need no clock.
 */
export interface ProbeTiming {
  readonly retries: number;
  readonly startPeriodSeconds: number;
}

export class ProbeTracker {
  private failures = 0;
  private succeeded = false;
  private current: ContainerHealth = 'starting';

  /** `startedAt`: when the container started (ms), the origin of the start period. */
  constructor(
    private readonly timing: ProbeTiming,
    private readonly startedAt: number,
  ) {
    if (!Number.isSafeInteger(timing.retries) || timing.retries < 1) throw new Error(`health check retries must be a whole number >= 1, got ${timing.retries}`);
    if (!Number.isFinite(timing.startPeriodSeconds) || timing.startPeriodSeconds < 0) {
      throw new Error(`health check startPeriodSeconds must be >= 0, got ${timing.startPeriodSeconds}`);
    }
  }

  get status(): ContainerHealth {
    return this.current;
  }

  /** Consecutive failures counted so far. */
  get failureCount(): number {
    return this.failures;
  }

  /** Records one probe's result at `at` (ms); returns the health after it. */
  record(ok: boolean, at: number): ContainerHealth {
    if (ok) {
      this.succeeded = true;
      this.failures = 0;
      this.current = 'healthy';
      return this.current;
    }
    const inStartPeriod = at - this.startedAt < this.timing.startPeriodSeconds * 1000;
    if (inStartPeriod && !this.succeeded) return this.current;
    this.failures += 1;
    if (this.failures >= this.timing.retries) this.current = 'unhealthy';
    return this.current;
  }
}
