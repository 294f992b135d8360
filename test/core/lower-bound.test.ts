import fc from 'fast-check';
import { boundNodeSize, fluidNodeBound, packingLowerBound } from '../../core/lower-bound';
import { packTasks } from '../../core/placement/packer';
import { STRATEGIES } from '../../core/placement/strategies';
import { bin, ptask, res } from './fixtures';

const CAP = res(4000, 16384);

describe('packingLowerBound', () => {
  it('is 0 for no requests', () => {
    expect(packingLowerBound([], CAP)).toBe(0);
  });

  it('is the volume bound: the larger per-dimension ceil(sum / capacity)', () => {
    // cpu: 9 × 1000 = 9000 → 3 nodes; memory: 9 × 1024 → 1 node.
    expect(packingLowerBound(Array.from({ length: 9 }, () => res(1000, 1024)), CAP)).toBe(3);
    // memory-bound: 5 × 8000 MiB = 40000 → 3 nodes; cpu 5 × 100 → 1.
    expect(packingLowerBound(Array.from({ length: 5 }, () => res(100, 8000)), CAP)).toBe(3);
  });

  it('counts an exact fit as one node, not two', () => {
    expect(packingLowerBound([res(2000, 8192), res(2000, 8192)], CAP)).toBe(1);
  });

  it('is the big-item bound when requests over half a node dominate', () => {
    // Three requests of 2001m: volume says 2 nodes, but no two share one.
    expect(packingLowerBound([res(2001, 1), res(2001, 1), res(2001, 1)], CAP)).toBe(3);
    // Same for memory.
    expect(packingLowerBound([res(1, 8193), res(1, 8193), res(1, 8193), res(1, 8193)], CAP)).toBe(4);
  });

  it('does not count requests of exactly half a node as big', () => {
    expect(packingLowerBound([res(2000, 1), res(2000, 1), res(2000, 1), res(2000, 1)], CAP)).toBe(2);
  });

  it('never exceeds what first-fit-decreasing actually uses', () => {
    const reqs = fc.array(fc.record({ cpu: fc.integer({ min: 1, max: 4000 }), memoryMiB: fc.integer({ min: 1, max: 16384 }) }), { maxLength: 40 });
    fc.assert(
      fc.property(reqs, (rs) => {
        const tasks = rs.map((r, i) => ptask(`t${i}`, r, {}, i));
        const bins: ReturnType<typeof bin>[] = [];
        packTasks(tasks, bins, { strategy: STRATEGIES.ffd, openBin: () => bin(`b${bins.length}`, CAP, CAP, { rank: bins.length }) });
        expect(packingLowerBound(rs, CAP)).toBeLessThanOrEqual(bins.length);
      }),
      { seed: 99, numRuns: 300 },
    );
  });
});

describe('fluidNodeBound', () => {
  it('is the per-dimension ceiling of total demand over one node', () => {
    expect(fluidNodeBound(res(0, 0), CAP)).toBe(0);
    expect(fluidNodeBound(res(4000, 1), CAP)).toBe(1);
    expect(fluidNodeBound(res(4001, 1), CAP)).toBe(2);
    expect(fluidNodeBound(res(100, 16384 * 3 + 1), CAP)).toBe(4);
  });
});

describe('boundNodeSize', () => {
  it('is the largest capacity in use, per dimension', () => {
    expect(boundNodeSize([res(2000, 8192), res(4000, 4096), res(1000, 16384)], [res(96000, 393216)])).toEqual(res(4000, 16384));
  });

  it('falls back to the catalog when no node is in use', () => {
    expect(boundNodeSize([], [res(2000, 8192), res(8000, 32768)])).toEqual(res(8000, 32768));
  });
});
