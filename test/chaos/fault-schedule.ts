import { seededRandom } from '../../core/random';

/**
 * A seeded schedule of faults over simulated time, Jepsen-style: the same seed gives the
 * same faults at the same moments, so a violation replays exactly. Targets are drawn as
 * fractions (`pick`) and resolved when the fault fires, against whatever nodes and
 * containers exist then — a schedule need not know the fleet in advance.
 */
export type FaultKind =
  | 'node-death'
  | 'agent-restart'
  | 'container-kill'
  | 'clock-skew'
  | 'sync-drop'
  | 'sync-duplicate'
  | 'pass-crash'
  | 'store-throttle'
  | 'conditional-conflict';

export const FAULT_KINDS: readonly FaultKind[] = [
  'node-death',
  'agent-restart',
  'container-kill',
  'clock-skew',
  'sync-drop',
  'sync-duplicate',
  'pass-crash',
  'store-throttle',
  'conditional-conflict',
];

export type FaultEvent =
  /** The instance dies: its agent stops heartbeating and its containers vanish. */
  | { readonly t: number; readonly kind: 'node-death'; readonly pick: number }
  /** The agent is silent for `silenceMs`, then comes back with its containers as they were. */
  | { readonly t: number; readonly kind: 'agent-restart'; readonly pick: number; readonly silenceMs: number }
  /** One running container is killed (exit 137), as the OOM killer or an operator would. */
  | { readonly t: number; readonly kind: 'container-kill'; readonly pick: number }
  /** From now on the agent's clock is off by `skewMs` (its heartbeat time and container timestamps). */
  | { readonly t: number; readonly kind: 'clock-skew'; readonly pick: number; readonly skewMs: number }
  /** SSM sync commands sent in [t, t + forMs) are accepted but never delivered / delivered twice. */
  | { readonly t: number; readonly kind: 'sync-drop' | 'sync-duplicate'; readonly forMs: number }
  /** The next pass dies after `afterWrites` store writes (a prefix of its plan, then the cloud calls). */
  | { readonly t: number; readonly kind: 'pass-crash'; readonly afterWrites: number }
  /** The next pass's store call number `call` (0 = snapshot, 1 = applyPlan, …) is throttled. */
  | { readonly t: number; readonly kind: 'store-throttle'; readonly call: number }
  /**
   * Writes race the next pass: `interleaved`, a second pass reads the same state and
   * commits between the next pass's read and its writes; `stale`, a second pass plans from
   * the previous pass's snapshot and commits after it; `heartbeats`, every agent reports
   * (exits, starts) between the pass's read and its writes. Either way some of a plan's
   * writes meet refused conditions.
   */
  | { readonly t: number; readonly kind: 'conditional-conflict'; readonly race: 'interleaved' | 'stale' | 'heartbeats' };

export interface FaultSchedule {
  readonly seed: number;
  /** Faults fire in [0, faultsUntil); the schedule then settles with none. */
  readonly faultsUntil: number;
  readonly events: readonly FaultEvent[];
}

export interface ScheduleShape {
  readonly faultsUntil: number;
  readonly minFaults: number;
  readonly maxFaults: number;
  /** Longest agent silence; past the heartbeat timeout a restart becomes a partition (LOST, then back). Default 15 s. */
  readonly maxSilenceMs?: number;
}

export const DEFAULT_SHAPE: ScheduleShape = { faultsUntil: 600_000, minFaults: 6, maxFaults: 24 };

/** The schedule for one seed. */
export function faultSchedule(seed: number, shape: ScheduleShape = DEFAULT_SHAPE): FaultSchedule {
  const rnd = seededRandom(seed ^ 0x5eed_fa17);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const n = int(shape.minFaults, shape.maxFaults);
  const events: FaultEvent[] = [];
  for (let i = 0; i < n; i++) {
    const t = Math.floor(rnd() * shape.faultsUntil);
    const kind = FAULT_KINDS[Math.floor(rnd() * FAULT_KINDS.length)];
    events.push(eventOf(kind, t, rnd, int, shape.maxSilenceMs ?? 15_000));
  }
  events.sort((a, b) => a.t - b.t);
  return { seed, faultsUntil: shape.faultsUntil, events };
}

function eventOf(kind: FaultKind, t: number, rnd: () => number, int: (lo: number, hi: number) => number, maxSilenceMs: number): FaultEvent {
  switch (kind) {
    case 'node-death':
    case 'container-kill':
      return { t, kind, pick: rnd() };
    case 'agent-restart':
      return { t, kind, pick: rnd(), silenceMs: int(2, Math.max(2, Math.floor(maxSilenceMs / 1000))) * 1000 };
    case 'clock-skew':
      return { t, kind, pick: rnd(), skewMs: int(-5000, 5000) };
    case 'sync-drop':
    case 'sync-duplicate':
      return { t, kind, forMs: int(5, 60) * 1000 };
    case 'pass-crash':
      return { t, kind, afterWrites: int(0, 12) };
    case 'store-throttle':
      return { t, kind, call: int(0, 4) };
    case 'conditional-conflict':
      return { t, kind, race: pickOne(['interleaved', 'stale', 'heartbeats'] as const, rnd())! };
  }
}

/** Picks one of `items` by a fraction in [0, 1); undefined when there are none. */
export function pickOne<T>(items: readonly T[], pick: number): T | undefined {
  return items.length === 0 ? undefined : items[Math.min(items.length - 1, Math.floor(pick * items.length))];
}
