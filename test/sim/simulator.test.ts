import { DEFAULT_CATALOG } from '../../core/catalog';
import { runBench } from '../../sim/bench';
import { SIM_POLICIES, simPolicy, type SimPolicyName } from '../../sim/baselines';
import { DEFAULT_SIM_OPTIONS, simulate, type SimResult } from '../../sim/simulator';
import type { TraceTask } from '../../sim/trace-reader';

/**
 * A day of a small service fleet: a morning burst of 60 tasks that mostly leave by
 * noon, with a few long-lived ones. Static fleets sized for the burst idle all
 * afternoon; a scheduler that hands machines back should not.
 */
function burstTrace(): TraceTask[] {
  const tasks: TraceTask[] = [];
  for (let i = 0; i < 60; i++) {
    const long = i % 10 === 0;
    tasks.push({
      name: `t${i}`,
      resources: { cpu: 500 + (i % 4) * 500, memoryMiB: 1024 * (1 + (i % 3)) },
      creationTime: i * 30,
      deletionTime: long ? 86_400 : 3_600 + i * 120,
      line: i + 2,
    });
  }
  return tasks;
}

const options = { ...DEFAULT_SIM_OPTIONS, catalog: DEFAULT_CATALOG };

describe('simulate', () => {
  let results: Record<SimPolicyName, SimResult>;
  beforeAll(async () => {
    const entries: [SimPolicyName, SimResult][] = [];
    for (const name of SIM_POLICIES) entries.push([name, await simulate(burstTrace(), simPolicy(name, DEFAULT_CATALOG, 100), options)]);
    results = Object.fromEntries(entries) as Record<SimPolicyName, SimResult>;
  });

  it('places every task and never has a write rejected (one writer, so a rejection is a bug)', async () => {
    for (const name of SIM_POLICIES) {
      expect(results[name].tasksNeverPlaced).toBe(0);
      expect(results[name].rejectedWrites).toBe(0);
    }
  });

  it('never reports less than the integrated lower bound', async () => {
    for (const name of SIM_POLICIES) {
      expect(results[name].cost).toBeGreaterThanOrEqual(results[name].lowerBoundCost);
      expect(results[name].meanCpuAllocated).toBeLessThanOrEqual(1);
      expect(results[name].meanMemoryAllocated).toBeLessThanOrEqual(1);
    }
  });

  it('hands machines back after the burst, so Stowage pays no more than the ECS-like and autoscaler-like baselines', async () => {
    expect(results.stowage.cost).toBeLessThanOrEqual(results['ecs-like'].cost);
    expect(results.stowage.cost).toBeLessThanOrEqual(results['autoscaler-like'].cost);
  });

  it('moves nothing when consolidation is off, and costs at least as much then', async () => {
    const off = await simulate(burstTrace(), simPolicy('stowage', DEFAULT_CATALOG, 100, false), options);
    expect(off.migrations).toBe(0);
    expect(off.cost).toBeGreaterThanOrEqual(results.stowage.cost);
  });

  it('is deterministic: the same trace and policy give the same figures', async () => {
    const again = await simulate(burstTrace(), simPolicy('stowage', DEFAULT_CATALOG, 100), options);
    // Wall time is the one figure allowed to differ.
    expect({ ...again, ms: 0 }).toEqual({ ...results.stowage, ms: 0 });
  });

  it('bounds the cost of a request only the largest types hold by a whole node of the cheapest of them', async () => {
    // 88 vCPUs / 320 GiB for one hour fits only the 96-vCPU general-purpose and memory types;
    // the cheapest of them (m8g.24xlarge today) is the bound. Pricing the CPU at the catalog's cheapest $/vCPU
    // (c7g) would say less than a fleet can pay.
    const wide: TraceTask = { name: 'wide', resources: { cpu: 88_000, memoryMiB: 327_680 }, creationTime: 0, deletionTime: 3_600, line: 2 };
    const holders = DEFAULT_CATALOG.filter((t) => t.capacity.cpu >= 88_000 && t.capacity.memoryMiB >= 327_680);
    const cheapest = holders.reduce((a, b) => (b.pricePerHour < a.pricePerHour ? b : a));
    const r = await simulate([wide], simPolicy('stowage', DEFAULT_CATALOG, 10), options);
    expect(r.lowerBoundCost).toBeCloseTo(cheapest.pricePerHour, 9);
    expect(r.cost).toBeGreaterThanOrEqual(r.lowerBoundCost);
  });

  it('counts tasks no instance type can hold as never placed', async () => {
    const huge: TraceTask = { name: 'huge', resources: { cpu: 500_000, memoryMiB: 1024 }, creationTime: 0, deletionTime: 600, line: 2 };
    const r = await simulate([huge], simPolicy('stowage', DEFAULT_CATALOG, 10), options);
    expect(r.tasksNeverPlaced).toBe(1);
    expect(r.nodeHours).toBe(0);
  });
});

describe('simulate, skipping ahead while the cluster rests', () => {
  const T = (name: string, cpu: number, creation: number, deletion: number): TraceTask => ({ name, resources: { cpu, memoryMiB: 512 }, creationTime: creation, deletionTime: deletion, line: 2 });
  // Three nodes, each left with one small long-lived task once the big ones leave at 1000 s.
  const trace = [T('big1', 7000, 0, 1000), T('s1', 500, 0, 100_000), T('big2', 7000, 100, 1000), T('s2', 500, 100, 100_000), T('big3', 7000, 200, 1000), T('s3', 500, 200, 100_000)];

  it('wakes for the consolidation quiet period, so an unrelated event does not change the result', async () => {
    const quiet = await simulate(trace, simPolicy('stowage', DEFAULT_CATALOG, 100), options);
    const withTick = await simulate([...trace, T('tick', 1, 1400, 1401)], simPolicy('stowage', DEFAULT_CATALOG, 100), options);
    // Both waves of drains finish long before the small tasks leave at 100 000 s.
    expect(quiet.samples.filter((x) => x.nodes === 1)[0].t).toBeLessThan(10_000_000);
    expect(quiet.nodeHours).toBeCloseTo(withTick.nodeHours, 0);
    expect(quiet.migrations).toBe(withTick.migrations);
  });
});

describe('runBench', () => {
  it('places every task of the small case in one pass', async () => {
    const r = runBench({ tasks: 2_000, nodes: 200 });
    expect(r.placed).toBe(2_000);
    expect(r.unplaced).toBe(0);
    expect(r.placementsPerSecond).toBeGreaterThan(0);
  });
});
