/**
 * Where the pass, the handlers and the adapters read the time. Lambda and the local
 * cloud use the system clock; the simulator and tests move a clock of their own, which
 * is the only thing a replay simulates.
 */
export interface Clock {
  /** Wall time, ms since the epoch: what records and plans are stamped with. */
  now(): number;
  /**
   * A monotonic reading in ms, for measuring how long something took. Optional: a clock
   * without one measures with `now()`, so under a simulated clock that does not move
   * during a pass every duration is 0 and a replay stays deterministic.
   */
  monotonic?(): number;
}

export const systemClock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

/** A duration reading from `clock`: its monotonic time where it has one, its wall time otherwise. */
export function stopwatch(clock: Clock): () => number {
  const read = clock.monotonic ? () => clock.monotonic!() : () => clock.now();
  const started = read();
  return () => read() - started;
}
