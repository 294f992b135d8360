/**
 * Where the pass, the handlers and the adapters read the time. Lambda and the local
 * cloud use the system clock; the simulator and tests move a clock of their own, which
 * is the only thing a replay simulates.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
