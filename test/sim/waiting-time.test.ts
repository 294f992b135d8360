import { DEFAULT_CATALOG } from '../../core/catalog';
import { simPolicy } from '../../sim/baselines';
import { DEFAULT_SIM_OPTIONS, percentile, simulate } from '../../sim/simulator';

describe('waiting time in a replay', () => {
  it('is arrival to first running copy: a launch (60 s) plus a start (5 s) for the first task, a start alone for one that fits', async () => {
    const trace = [
      { name: 'a', resources: { cpu: 1000, memoryMiB: 1024 }, creationTime: 0, deletionTime: 3600, line: 1 },
      { name: 'b', resources: { cpu: 100, memoryMiB: 128 }, creationTime: 600, deletionTime: 3600, line: 2 },
      { name: 'c', resources: { cpu: 100, memoryMiB: 128 }, creationTime: 1200, deletionTime: 3600, line: 3 },
    ];
    const r = await simulate(trace, simPolicy('stowage', DEFAULT_CATALOG, 10), { ...DEFAULT_SIM_OPTIONS, catalog: DEFAULT_CATALOG });
    expect(r.waitingP50Ms).toBe(DEFAULT_SIM_OPTIONS.startDelayMs);
    expect(r.waitingP95Ms).toBe(DEFAULT_SIM_OPTIONS.launchDelayMs + DEFAULT_SIM_OPTIONS.startDelayMs);
  });

  it('takes nearest-rank percentiles', () => {
    expect(percentile([], 0.5)).toBe(0);
    expect(percentile([3, 1, 2], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0.95)).toBe(4);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
  });
});
