import fc from 'fast-check';
import type { Bin } from '../../../core/placement/bin';
import {
  bestFitScore,
  dotProductScore,
  ecsBinpackMemoryScore,
  EQUAL_WEIGHTS,
  firstFitScore,
  leastAllocatedScore,
  mostAllocatedScore,
  nomadBinPackScore,
  scarcityWeights,
  spreadScore,
  stowageScore,
  type Scorer,
} from '../../../core/placement/scorers';
import { kubeDefaultSelector, nomadSelector } from '../../../core/placement/peer-selection';
import { STRATEGIES, STRATEGY_NAMES } from '../../../core/placement/strategies';
import type { Resources } from '../../../core/resources';
import { bin, res } from '../fixtures';

const CAP = res(4000, 16384);
const EMPTY = bin('empty', CAP);
const HALF = bin('half', CAP, res(2000, 8192));
const REQ = res(1000, 4096);

/** Which of two bins a scorer picks for `req` (higher wins). */
function preferred(score: Scorer, a: Bin, b: Bin, req: Resources = REQ, weights = EQUAL_WEIGHTS): string {
  const sa = score(a, req, weights);
  const sb = score(b, req, weights);
  expect(sa).not.toBe(sb);
  return sa > sb ? a.id : b.id;
}

/** A bin and a request that fits it: 0 ≤ req ≤ free ≤ capacity in each dimension. */
const feasible = fc
  .record({ capCpu: fc.integer({ min: 1, max: 100_000 }), capMem: fc.integer({ min: 1, max: 400_000 }), a: fc.double({ min: 0, max: 1, noNaN: true }), b: fc.double({ min: 0, max: 1, noNaN: true }), c: fc.double({ min: 0, max: 1, noNaN: true }), d: fc.double({ min: 0, max: 1, noNaN: true }) })
  .map(({ capCpu, capMem, a, b, c, d }) => {
    const freeCpu = Math.floor(capCpu * a);
    const freeMem = Math.floor(capMem * b);
    const req = res(Math.floor(freeCpu * c), Math.floor(freeMem * d));
    return { bin: bin('n', res(capCpu, capMem), res(freeCpu, freeMem)), req };
  });

const weightsArb = fc.double({ min: 0, max: 1, noNaN: true }).map((cpu) => ({ cpu, memory: 1 - cpu }));

function expectRange(score: Scorer, lo: number, hi: number): void {
  fc.assert(
    fc.property(feasible, weightsArb, ({ bin: b, req }, w) => {
      const s = score(b, req, w);
      expect(s).toBeGreaterThanOrEqual(lo - 1e-9);
      expect(s).toBeLessThanOrEqual(hi + 1e-9);
    }),
    { seed: 7, numRuns: 500 },
  );
}

describe('scorers', () => {
  describe('firstFitScore', () => {
    it('prefers the node opened first (lower rank)', () => {
      expect(preferred(firstFitScore, bin('old', CAP, CAP, { rank: 0 }), bin('new', CAP, res(1000, 4096), { rank: 1 }))).toBe('old');
    });

    it('ignores free capacity and is never positive', () => {
      expect(firstFitScore(bin('a', CAP, res(1, 1), { rank: 3 }), REQ, EQUAL_WEIGHTS)).toBe(-3);
      expect(firstFitScore(bin('a', CAP, CAP, { rank: 0 }), REQ, EQUAL_WEIGHTS)).toBe(-0);
    });
  });

  describe('bestFitScore', () => {
    it('prefers the node left fullest', () => {
      expect(preferred(bestFitScore, EMPTY, HALF)).toBe('half');
    });

    it('is 0 when the task fills the node exactly and -1 when a nothing-task lands on an empty node', () => {
      expect(bestFitScore(bin('n', CAP, REQ), REQ, EQUAL_WEIGHTS)).toBeCloseTo(0, 12);
      expect(bestFitScore(EMPTY, res(0, 0), EQUAL_WEIGHTS)).toBe(-1);
    });

    it('stays within [-1, 0] for any feasible placement', () => expectRange(bestFitScore, -1, 0));
  });

  describe('leastAllocatedScore (spread)', () => {
    it('prefers the emptier node', () => {
      expect(preferred(leastAllocatedScore, EMPTY, HALF)).toBe('empty');
    });

    it('is 100 for a nothing-task on an empty node and 0 when the node ends exactly full', () => {
      expect(leastAllocatedScore(EMPTY, res(0, 0), EQUAL_WEIGHTS)).toBe(100);
      expect(leastAllocatedScore(bin('n', CAP, REQ), REQ, EQUAL_WEIGHTS)).toBe(0);
    });

    it('follows the Kubernetes formula: mean over dimensions of free-after × 100 / capacity', () => {
      // cpu: (2000-1000)/4000 = 25 %, memory: (8192-4096)/16384 = 25 %.
      expect(leastAllocatedScore(HALF, REQ, EQUAL_WEIGHTS)).toBe(25);
    });

    it('stays within [0, 100]', () => expectRange(leastAllocatedScore, 0, 100));
  });

  describe('mostAllocatedScore', () => {
    it('prefers the fuller node', () => {
      expect(preferred(mostAllocatedScore, EMPTY, HALF)).toBe('half');
    });

    it('is 100 when the node ends exactly full and 0 for a nothing-task on an empty node', () => {
      expect(mostAllocatedScore(bin('n', CAP, REQ), REQ, EQUAL_WEIGHTS)).toBe(100);
      expect(mostAllocatedScore(EMPTY, res(0, 0), EQUAL_WEIGHTS)).toBe(0);
      expect(mostAllocatedScore(HALF, REQ, EQUAL_WEIGHTS)).toBe(75);
    });

    it('is the mirror image of leastAllocated (they sum to 100)', () => {
      fc.assert(
        fc.property(feasible, ({ bin: b, req }) => {
          expect(mostAllocatedScore(b, req, EQUAL_WEIGHTS) + leastAllocatedScore(b, req, EQUAL_WEIGHTS)).toBeCloseTo(100, 6);
        }),
        { seed: 11, numRuns: 300 },
      );
    });

    it('stays within [0, 100]', () => expectRange(mostAllocatedScore, 0, 100));
  });

  describe('nomadBinPackScore', () => {
    it('is 18 when the task fills the node exactly', () => {
      expect(nomadBinPackScore(bin('n', CAP, REQ), REQ, EQUAL_WEIGHTS)).toBe(18);
    });

    it('is 0 when the node stays empty', () => {
      expect(nomadBinPackScore(EMPTY, res(0, 0), EQUAL_WEIGHTS)).toBe(0);
    });

    it('prefers the fuller node', () => {
      expect(preferred(nomadBinPackScore, EMPTY, HALF)).toBe('half');
    });

    it('stays within [0, 18]', () => expectRange(nomadBinPackScore, 0, 18));
  });

  describe('dotProductScore', () => {
    it('prefers the node whose free capacity points the way the request does', () => {
      const cpuRich = bin('cpu-rich', CAP, res(4000, 2048));
      const memRich = bin('mem-rich', CAP, res(1000, 16384));
      expect(preferred(dotProductScore, cpuRich, memRich, res(1000, 512))).toBe('cpu-rich');
      expect(preferred(dotProductScore, cpuRich, memRich, res(250, 2048))).toBe('mem-rich');
    });

    it('computes request share · free share summed over dimensions', () => {
      // (1000/4000)(2000/4000) + (4096/16384)(8192/16384) = 0.125 + 0.125
      expect(dotProductScore(HALF, REQ, EQUAL_WEIGHTS)).toBe(0.25);
    });

    it('among equally aligned nodes prefers the emptier one', () => {
      expect(preferred(dotProductScore, EMPTY, HALF)).toBe('empty');
    });

    it('stays within [0, 2]', () => expectRange(dotProductScore, 0, 2));
  });

  describe('stowageScore', () => {
    it('with equal weights ranks nodes exactly as best-fit does', () => {
      fc.assert(
        fc.property(feasible, ({ bin: b, req }) => {
          expect(stowageScore(b, req, EQUAL_WEIGHTS)).toBeCloseTo(bestFitScore(b, req, EQUAL_WEIGHTS), 12);
        }),
        { seed: 13, numRuns: 300 },
      );
    });

    it('on a CPU-scarce fleet prefers the node that leaves less CPU idle, even if it strands memory', () => {
      const cpuTight = bin('cpu-tight', CAP, res(1000, 16384)); // leaves 0 cpu, all memory
      const memTight = bin('mem-tight', CAP, res(3000, 4096)); // leaves 2000 cpu, 0 memory
      expect(preferred(stowageScore, cpuTight, memTight, REQ, { cpu: 0.9, memory: 0.1 })).toBe('cpu-tight');
      expect(preferred(stowageScore, cpuTight, memTight, REQ, { cpu: 0.1, memory: 0.9 })).toBe('mem-tight');
    });

    it('stays within [-1, 0] for weights that sum to 1', () => expectRange(stowageScore, -1, 0));
  });

  describe('ecsBinpackMemoryScore', () => {
    it('prefers the node with the least memory left', () => {
      expect(preferred(ecsBinpackMemoryScore, EMPTY, HALF)).toBe('half');
    });

    it('ignores CPU entirely', () => {
      const a = bin('a', CAP, res(4000, 8192));
      const b = bin('b', CAP, res(1000, 8192));
      expect(ecsBinpackMemoryScore(a, REQ, EQUAL_WEIGHTS)).toBe(ecsBinpackMemoryScore(b, REQ, EQUAL_WEIGHTS));
      expect(ecsBinpackMemoryScore(a, res(0, 4096), EQUAL_WEIGHTS)).toBe(ecsBinpackMemoryScore(a, res(4000, 4096), EQUAL_WEIGHTS));
    });

    it('is the MiB of memory left after placement, negated (absolute, not a share of the node)', () => {
      expect(ecsBinpackMemoryScore(HALF, REQ, EQUAL_WEIGHTS)).toBe(-(8192 - 4096));
      expectRange(ecsBinpackMemoryScore, -Infinity, 0);
    });
  });

  describe('scarcityWeights', () => {
    it('weighs each resource by its demand share of capacity, normalised to sum to 1', () => {
      const w = scarcityWeights(res(3000, 4096), res(4000, 16384)); // 0.75 vs 0.25
      expect(w.cpu).toBeCloseTo(0.75, 12);
      expect(w.memory).toBeCloseTo(0.25, 12);
    });

    it('falls back to equal weights with no capacity or no demand', () => {
      expect(scarcityWeights(res(100, 100), res(0, 0))).toEqual(EQUAL_WEIGHTS);
      expect(scarcityWeights(res(0, 0), res(4000, 16384))).toEqual(EQUAL_WEIGHTS);
    });
  });

  describe('STRATEGIES', () => {
    it('names every strategy under its own name', () => {
      for (const name of STRATEGY_NAMES) expect(STRATEGIES[name].name).toBe(name);
    });

    it('wires each strategy to the scorer and order it claims to model', () => {
      expect(STRATEGIES.stowage).toMatchObject({ score: stowageScore, order: 'decreasing' });
      expect(STRATEGIES['first-fit']).toMatchObject({ score: firstFitScore, order: 'arrival' });
      expect(STRATEGIES.ffd).toMatchObject({ score: firstFitScore, order: 'decreasing' });
      expect(STRATEGIES['best-fit']).toMatchObject({ score: bestFitScore, order: 'arrival' });
      expect(STRATEGIES.spread).toMatchObject({ peer: kubeDefaultSelector, order: 'arrival' });
      expect(STRATEGIES['least-allocated']).toMatchObject({ score: leastAllocatedScore, order: 'arrival' });
      expect(STRATEGIES['least-allocated'].peer).toBeUndefined();
      expect(STRATEGIES['most-allocated']).toMatchObject({ score: mostAllocatedScore, order: 'arrival' });
      expect(STRATEGIES['nomad-binpack']).toMatchObject({ score: nomadBinPackScore, order: 'arrival', peer: nomadSelector });
      expect(STRATEGIES['nomad-fullscan']).toMatchObject({ score: nomadBinPackScore, order: 'arrival' });
      expect(STRATEGIES['nomad-fullscan'].peer).toBeUndefined();
      expect(STRATEGIES['dot-product']).toMatchObject({ score: dotProductScore, order: 'decreasing' });
      expect(STRATEGIES['ecs-binpack']).toMatchObject({ score: ecsBinpackMemoryScore, order: 'arrival' });
    });
  });
});

describe('spreadScore', () => {
  const rule = (scope: 'node' | 'zone', max: number, counts: Array<[string, number]>) => ({ jobId: 'web', scope, max, counts: new Map(counts) });

  it('is 0 where the job has no copy and drops by 1/max per copy, in (−1, 0] wherever the filter passes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 49 }), (max, n) => {
        fc.pre(n < max);
        const s = spreadScore(bin('n', CAP), rule('node', max, [['n', n]]));
        expect(s).toBeLessThanOrEqual(0);
        expect(s).toBeGreaterThan(-1);
        expect(s).toBeCloseTo(-n / max, 12);
      }),
      { seed: 12, numRuns: 300 },
    );
  });

  it('prefers the node, or the zone, holding fewer of the job', () => {
    const nodes = rule('node', 3, [['busy', 2], ['calm', 1]]);
    expect(spreadScore(bin('calm', CAP), nodes)).toBeGreaterThan(spreadScore(bin('busy', CAP), nodes));
    expect(spreadScore(bin('fresh', CAP), nodes)).toBe(0);
    const zones = rule('zone', 2, [['us-east-1a', 1]]);
    expect(spreadScore(bin('x', CAP, CAP, { zone: 'us-east-1b' }), zones)).toBeGreaterThan(spreadScore(bin('y', CAP, CAP, { zone: 'us-east-1a' }), zones));
  });
});
