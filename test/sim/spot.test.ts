import { DEFAULT_CATALOG } from '../../core/catalog';
import { simPolicy, type SimPolicyName } from '../../sim/baselines';
import { DEFAULT_SIM_OPTIONS, simulate, type SimOptions, type SimResult } from '../../sim/simulator';
import { DEFAULT_SPOT_INTERRUPTIONS_PER_NODE_HOUR } from '../../sim/spot-model';
import type { TraceTask } from '../../sim/trace-reader';

/** Forty tasks arriving over ten minutes, each running six hours: long enough for interruptions at a high rate. */
function trace(): TraceTask[] {
  return Array.from({ length: 40 }, (_, i) => ({
    name: `t${i}`,
    resources: { cpu: 500 + (i % 4) * 500, memoryMiB: 1024 * (1 + (i % 3)) },
    creationTime: i * 15,
    deletionTime: 6 * 3600 + i * 15,
    line: i + 2,
  }));
}

const base: SimOptions = { ...DEFAULT_SIM_OPTIONS, catalog: DEFAULT_CATALOG };
/** A rate far above AWS's "<5 % a month" bucket, so a six-hour replay sees interruptions: about one per 8 node-hours. */
const stormy: SimOptions = { ...base, capacity: 'spot-or-on-demand', spot: { interruptionsPerNodeHour: 0.125, seed: 7 } };
const run = (name: SimPolicyName, options: SimOptions) => simulate(trace(), simPolicy(name, DEFAULT_CATALOG, 100), options);

describe('the Spot model of the replay', () => {
  let onDemand: Record<string, SimResult>;
  let spot: Record<string, SimResult>;
  beforeAll(async () => {
    onDemand = { stowage: await run('stowage', base), karpenter: await run('karpenter-like', base) };
    spot = { stowage: await run('stowage', stormy), karpenter: await run('karpenter-like', stormy) };
  });

  it('replays nothing as Spot unless jobs allow it', () => {
    for (const r of Object.values(onDemand)) expect(r.spot).toEqual({ spotNodeHours: 0, interruptions: 0, interruptionMigrations: 0 });
  });

  it('lowers the fleet cost when the tasks may run on Spot, for Stowage and karpenter-like alike', () => {
    for (const k of ['stowage', 'karpenter'] as const) {
      expect(spot[k].spot.spotNodeHours).toBeGreaterThan(0);
      expect(spot[k].cost).toBeLessThan(onDemand[k].cost);
    }
  });

  it("prices the cost bound at Spot prices when Spot is allowed, so it stays below every fleet's cost", () => {
    for (const k of ['stowage', 'karpenter'] as const) {
      expect(spot[k].lowerBoundCost).toBeLessThan(onDemand[k].lowerBoundCost);
      expect(spot[k].lowerBoundCost).toBeLessThanOrEqual(spot[k].cost);
      expect(onDemand[k].lowerBoundCost).toBeLessThanOrEqual(onDemand[k].cost);
    }
  });

  it('interrupts Spot nodes and moves their copies elsewhere, counting the moves as migrations; every task still runs', () => {
    for (const k of ['stowage', 'karpenter'] as const) {
      const r = spot[k];
      expect(r.spot.interruptions).toBeGreaterThan(0);
      expect(r.spot.interruptionMigrations).toBeGreaterThan(0);
      expect(r.migrations).toBeGreaterThanOrEqual(r.spot.interruptionMigrations);
      expect(r.tasksNeverPlaced).toBe(0);
      expect(r.rejectedWrites).toBe(0);
    }
  });

  it('replays the same interruptions from the same seed, and others from another seed', async () => {
    const again = await run('stowage', stormy);
    expect(again.spot).toEqual(spot.stowage.spot);
    expect(again.cost).toBe(spot.stowage.cost);
    expect(again.migrations).toBe(spot.stowage.migrations);
    const other = await run('stowage', { ...stormy, spot: { interruptionsPerNodeHour: 0.125, seed: 8 } });
    expect([other.spot.interruptions, other.cost]).not.toEqual([spot.stowage.spot.interruptions, spot.stowage.cost]);
  });

  it('takes its default rate from the Advisor\'s "<5 %" monthly bucket', () => {
    expect(DEFAULT_SPOT_INTERRUPTIONS_PER_NODE_HOUR * 730).toBeCloseTo(0.05, 10);
  });
});
