import path from 'node:path';
import { STRATEGY_NAMES } from '../../core/placement/strategies';
import { packOffline } from '../../sim/offline-pack';
import { readTrace } from '../../sim/trace-reader';

/**
 * The OpenB packing bar (≤ 1.02 × the lower bound), as a regression guard: node counts are deterministic, so
 * this asserts quality, never speed (`stowage pack` prints the timings).
 */
describe('stowage pack on the OpenB default trace', () => {
  const requests = readTrace(path.resolve(__dirname, '../../data/openb/openb_pod_list_default.csv')).map((t) => t.resources);
  const node = { cpu: 96_000, memoryMiB: 393_216 };
  const results = STRATEGY_NAMES.map((s) => packOffline(requests, node, s));
  const stowage = results.find((r) => r.strategy === 'stowage')!;

  it('counts the 5 tasks larger than a node as unplaceable and bounds the rest at 884 nodes', () => {
    expect(stowage.unplaceable).toBe(5);
    expect(stowage.lowerBound).toBe(884);
  });

  it('needs at most 1.02 × the lower bound with Stowage\'s strategy', () => {
    expect(stowage.nodes).toBeLessThanOrEqual(Math.floor(1.02 * stowage.lowerBound));
  });

  it('needs no more nodes than the best baseline', () => {
    const best = Math.min(...results.filter((r) => r.strategy !== 'stowage').map((r) => r.nodes));
    expect(stowage.nodes).toBeLessThanOrEqual(best);
  });

  it('reproduces the reference first-fit-decreasing figure (917 nodes, 1.037 × the bound)', () => {
    expect(results.find((r) => r.strategy === 'ffd')!.nodes).toBe(917);
  });
});
