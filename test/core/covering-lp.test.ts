import fc from 'fast-check';
import { CostBoundError, solveCoveringLp, type CoveringLp } from '../../core/covering-lp';

describe('solveCoveringLp', () => {
  it('finds the vertex where two rows cross', () => {
    // min x1 + 2·x2 s.t. x1 + 3·x2 ≥ 3, 2·x1 + x2 ≥ 2. The vertices are (3, 0) costing 3,
    // (0, 2) costing 4 and (0.6, 0.8) costing 0.6 + 1.6 = 2.2.
    const s = solveCoveringLp({ costs: [1, 2], rows: [{ coefficients: [1, 3], need: 3 }, { coefficients: [2, 1], need: 2 }] });
    expect(s.bound).toBeCloseTo(2.2, 9);
    expect(s.bound).toBeLessThanOrEqual(2.2);
    expect(s.x[0]).toBeCloseTo(0.6, 9);
    expect(s.x[1]).toBeCloseTo(0.8, 9);
  });

  it('pays for the binding row only when the other is slack', () => {
    // One column, rows needing 3 and 1: x = 3, and the row needing 1 has dual price 0.
    const s = solveCoveringLp({ costs: [1], rows: [{ coefficients: [1], need: 3 }, { coefficients: [1], need: 1 }] });
    expect(s.bound).toBeCloseTo(3, 9);
    expect(s.u).toEqual([expect.closeTo(1, 9), 0]);
  });

  it('buys the cheaper column per unit of what the row needs, whatever its size', () => {
    // A small column at 1 for 2 units against a large one at 3 for 8 units: the large is 0.375 a unit.
    const s = solveCoveringLp({ costs: [1, 3], rows: [{ coefficients: [2, 8], need: 10 }] });
    expect(s.bound).toBeCloseTo(3.75, 9);
  });

  it('is 0 when nothing is needed', () => {
    expect(solveCoveringLp({ costs: [1, 2], rows: [] }).bound).toBe(0);
    expect(solveCoveringLp({ costs: [1, 2], rows: [{ coefficients: [1, 1], need: 0 }] }).bound).toBe(0);
  });

  it('refuses bad input, naming the field and the rule', () => {
    expect(() => solveCoveringLp({ costs: [0], rows: [] })).toThrow(new CostBoundError('covering LP', 'costs[0]', 'must be a positive finite number (got 0)'));
    expect(() => solveCoveringLp({ costs: [1], rows: [{ coefficients: [1, 2], need: 1 }] })).toThrow(/rows\[0\]\.coefficients: must have one entry per column \(1\), got 2/);
    expect(() => solveCoveringLp({ costs: [1], rows: [{ coefficients: [-1], need: 1 }] })).toThrow(/rows\[0\]\.coefficients\[0\]: must be a finite number ≥ 0/);
    expect(() => solveCoveringLp({ costs: [1], rows: [{ coefficients: [1], need: Number.NaN }] })).toThrow(/rows\[0\]\.need/);
    expect(() => solveCoveringLp({ costs: [1, 1], rows: [{ coefficients: [0, 0], need: 1 }] })).toThrow(/rows\[0\]: needs a positive amount but no column covers it/);
  });

  // Random programmes shaped like the cost bound's: a handful of rows over a few dozen
  // columns, coefficients spanning millicores to MiB. The bound must be ≤ the cost of
  // every feasible x (here: the solver's own x, repaired to feasibility, and random
  // feasible points), and equal to the optimum (the repaired x costs no more than the
  // bound plus rounding).
  const programme = fc
    .record({ columns: fc.integer({ min: 1, max: 30 }), rows: fc.integer({ min: 1, max: 8 }) })
    .chain(({ columns, rows }) =>
      fc.record({
        costs: fc.array(fc.double({ min: 0.01, max: 10, noNaN: true }), { minLength: columns, maxLength: columns }),
        rows: fc.array(
          fc.record({
            coefficients: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 800_000 })), { minLength: columns, maxLength: columns }),
            need: fc.integer({ min: 0, max: 5_000_000 }),
          }),
          { minLength: rows, maxLength: rows },
        ),
      }),
    )
    .filter((lp) => lp.rows.every((r) => r.need === 0 || r.coefficients.some((a) => a > 0)));

  it('returns the optimum: its dual bound meets the cost of its primal solution', () => {
    fc.assert(
      fc.property(programme, (lp: CoveringLp) => {
        const s = solveCoveringLp(lp);
        const x = feasible(lp, s.x);
        const cost = x.reduce((sum, v, k) => sum + v * lp.costs[k], 0);
        expect(s.bound).toBeLessThanOrEqual(cost);
        expect(s.bound).toBeGreaterThanOrEqual(cost * (1 - 1e-7));
      }),
      { seed: 16, numRuns: 400 },
    );
  });

  it('never exceeds the cost of any feasible point', () => {
    fc.assert(
      fc.property(programme, fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 30, maxLength: 30 }), (lp: CoveringLp, weights) => {
        // A random direction scaled up until every row is covered.
        const x = feasible(
          lp,
          lp.costs.map((_, k) => weights[k]),
        );
        const cost = x.reduce((sum, v, k) => sum + v * lp.costs[k], 0);
        expect(solveCoveringLp(lp).bound).toBeLessThanOrEqual(cost);
      }),
      { seed: 61, numRuns: 400 },
    );
  });
});

/** x scaled up (and given a floor on every column) until every row is covered exactly or more. */
function feasible(lp: CoveringLp, x: readonly number[]): number[] {
  let y = x.map((v) => Math.max(v, 0));
  for (const row of lp.rows) {
    // A row nothing in x covers yet gets its first column, so scaling can cover it.
    if (row.need > 0 && row.coefficients.every((a, k) => a * y[k] === 0)) {
      const k = row.coefficients.findIndex((a) => a > 0);
      y = y.map((v, j) => (j === k ? row.need / row.coefficients[k] : v));
    }
  }
  const short = Math.max(1, ...lp.rows.map((row) => row.need / Math.max(1e-300, row.coefficients.reduce((sum, a, k) => sum + a * y[k], 0))));
  return y.map((v) => v * short * (1 + 1e-12));
}
