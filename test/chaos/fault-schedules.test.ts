import { runFaultSchedules, runSchedule } from './fault-run';
import { faultSchedule } from './fault-schedule';

/**
 * The fast version of the fault schedules (`npm run chaos` runs the long one). Seeded:
 * a failure prints the seed and the schedule, and STOWAGE_CHAOS_SEED=<seed> replays it.
 */
const SEED = Number(process.env.STOWAGE_CHAOS_SEED ?? 20_260_701);
const SCHEDULES = Number(process.env.STOWAGE_CHAOS_SCHEDULES ?? 20);

describe('fault schedules', () => {
  it(`keep every invariant over ${SCHEDULES} seeded schedules (seed ${SEED})`, async () => {
    const section = await runFaultSchedules({ seed: SEED, schedules: SCHEDULES });
    const report = [...section.lines, `replay: STOWAGE_CHAOS_SEED=${SEED} npx jest test/chaos/fault-schedules.test.ts`].join('\n');
    expect({ violations: section.violations, crashes: section.crashes, report }).toEqual({ violations: [], crashes: 0, report });
    // A run that injected nothing would pass vacuously.
    expect(section.counts.schedules).toBe(SCHEDULES);
    expect(section.counts.faultsInjected).toBeGreaterThan(SCHEDULES * 4);
    for (const kind of ['node-death', 'agent-restart', 'pass-crash', 'store-throttle', 'conditional-conflict', 'sync-drop', 'sync-duplicate', 'clock-skew', 'container-kill']) {
      expect(section.counts[`fault:${kind}`]).toBeGreaterThan(0);
    }
    expect(section.counts.migrations).toBeGreaterThan(0);
    // The workload's updates rolled out under faults: some deployment finished.
    expect((section.counts['deployments SUCCEEDED'] ?? 0) + (section.counts['deployments ROLLED_BACK'] ?? 0)).toBeGreaterThan(0);
  });

  it('replays a schedule exactly from its seed', async () => {
    expect(faultSchedule(7)).toEqual(faultSchedule(7));
    const a = await runSchedule(7);
    const b = await runSchedule(7);
    expect(b).toEqual(a);
    expect(a.passes).toBeGreaterThan(50);
  });
});
