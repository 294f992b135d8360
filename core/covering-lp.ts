/**
 * A covering linear programme and a certified lower bound on its optimum:
 *
 *   minimise Σ_k cost_k · x_k   subject to   Σ_k a_ik · x_k ≥ need_i (every row i),  x ≥ 0
 *
 * with cost_k > 0, a_ik ≥ 0, need_i ≥ 0 (in the cost bound, k is an instance type and
 * x_k a number of nodes; rows are CPU, memory or node counts some demand needs).
 *
 * It is solved through its dual, maximise Σ_i need_i · u_i subject to
 * Σ_i a_ik · u_i ≤ cost_k (every column k), u ≥ 0, by the primal simplex method: u = 0
 * is a feasible start (every cost is positive), so no phase one is needed, and the dual
 * has one variable per row — a handful — where the primal has one per instance type.
 * Dantzig's rule picks the entering variable until a budget of pivots is spent, then
 * Bland's rule (smallest index enters and leaves), which cannot cycle on the degenerate
 * vertices these programmes have.
 *
 * Why the answer is a bound whatever the floating-point error: the simplex result u is
 * clamped to u ≥ 0 and scaled down until every dual constraint holds, then Σ need_i u_i
 * is returned. By weak duality any dual-feasible u gives, for every primal-feasible x,
 * Σ_k cost_k x_k ≥ Σ_k (Σ_i a_ik u_i) x_k = Σ_i u_i (Σ_k a_ik x_k) ≥ Σ_i u_i need_i.
 * The simplex only makes the bound tight; the check makes it valid.
 */
export interface CoveringLp {
  /** cost_k of each column, each > 0. */
  readonly costs: readonly number[];
  /** One row per constraint: its coefficient for each column (≥ 0) and what it needs (≥ 0). */
  readonly rows: readonly { readonly coefficients: readonly number[]; readonly need: number }[];
}

export interface CoveringLpSolution {
  /** A certified lower bound on the optimum (the optimum itself up to rounding). */
  readonly bound: number;
  /** The primal solution the simplex ended on (for checks: it may miss rows by rounding). */
  readonly x: readonly number[];
  /** The dual solution the bound is computed from, feasible by construction. */
  readonly u: readonly number[];
}

/**
 * Thrown for input the cost bound does not take, by its LP (a negative or non-finite
 * number, a row no column covers) or by CostBound itself (a request no type holds, a
 * departure never added); `part` says which, `field` names the input.
 */
export class CostBoundError extends Error {
  override readonly name = 'CostBoundError';
  constructor(
    readonly part: 'covering LP' | 'cost bound',
    readonly field: string,
    rule: string,
  ) {
    super(`${part} ${field}: ${rule}`);
  }
}

const lpError = (field: string, rule: string) => new CostBoundError('covering LP', field, rule);

/** Pivots are far below this on any programme of a catalog's size; reaching it is a bug, not an answer. */
const MAX_PIVOTS = 100_000;
/** Pivots per tableau column allowed under Dantzig's rule before Bland's rule takes over. */
const BLAND_AFTER = 4;
/** Entries this close to zero (after row scaling to at most 1) are treated as zero. */
const EPS = 1e-12;

export function solveCoveringLp(lp: CoveringLp): CoveringLpSolution {
  const n = lp.costs.length;
  lp.costs.forEach((c, k) => {
    if (!(Number.isFinite(c) && c > 0)) throw lpError(`costs[${k}]`, `must be a positive finite number (got ${c})`);
  });
  lp.rows.forEach((row, i) => {
    if (row.coefficients.length !== n) throw lpError(`rows[${i}].coefficients`, `must have one entry per column (${n}), got ${row.coefficients.length}`);
    if (!(Number.isFinite(row.need) && row.need >= 0)) throw lpError(`rows[${i}].need`, `must be a finite number ≥ 0 (got ${row.need})`);
    row.coefficients.forEach((a, k) => {
      if (!(Number.isFinite(a) && a >= 0)) throw lpError(`rows[${i}].coefficients[${k}]`, `must be a finite number ≥ 0 (got ${a})`);
    });
    if (row.need > 0 && row.coefficients.every((a) => a === 0)) throw lpError(`rows[${i}]`, 'needs a positive amount but no column covers it: the programme is infeasible');
  });
  // Rows needing nothing never bind; each kept row is scaled so its largest coefficient
  // is 1, so CPU (millicores), memory (MiB) and node counts pivot on one scale.
  const kept = lp.rows.flatMap((row, i) => {
    if (row.need === 0) return [];
    const scale = Math.max(...row.coefficients);
    return [{ i, a: row.coefficients.map((v) => v / scale), need: row.need / scale, scale }];
  });
  const m = kept.length;
  if (m === 0) return { bound: 0, x: lp.costs.map(() => 0), u: lp.rows.map(() => 0) };

  // Dual tableau: one equation per column k, Σ_i a_ik u_i + s_k = cost_k; variables
  // 0..m-1 are u, m..m+n-1 the slacks s. The objective row holds reduced costs.
  const width = m + n;
  const t: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    const r = new Float64Array(width + 1);
    for (let j = 0; j < m; j++) r[j] = kept[j].a[k];
    r[m + k] = 1;
    r[width] = lp.costs[k];
    t.push(r);
  }
  // z-row: z − Σ need_j u_j = 0, stored as −need_j; positive entries would mean optimal.
  const z = new Float64Array(width + 1);
  for (let j = 0; j < m; j++) z[j] = -kept[j].need;
  const basis = Array.from({ length: n }, (_, k) => m + k);

  for (let pivots = 0; ; pivots++) {
    if (pivots > MAX_PIVOTS) throw lpError('solve', `no optimum after ${MAX_PIVOTS} pivots (Bland's rule, used after ${BLAND_AFTER} pivots per column, cannot cycle: this is a bug)`);
    // Dantzig's rule (most negative reduced cost) first: it takes far fewer pivots than
    // Bland's on these programmes. Past a budget of pivots Bland's rule takes over, and
    // from then on cycling is impossible, so the loop ends either way.
    const bland = pivots > BLAND_AFTER * width;
    const tolerance = -EPS * Math.max(1, Math.abs(z[width]));
    let enter = -1;
    for (let j = 0; j < width; j++) {
      if (z[j] < tolerance && (enter < 0 || (!bland && z[j] < z[enter]))) {
        enter = j;
        if (bland) break;
      }
    }
    if (enter < 0) break;
    let leave = -1;
    let best = Infinity;
    for (let k = 0; k < n; k++) {
      const a = t[k][enter];
      if (a <= EPS) continue;
      const ratio = t[k][width] / a;
      const tie = EPS * Math.max(1, best);
      if (leave < 0 || ratio < best - tie || (ratio <= best + tie && basis[k] < basis[leave])) {
        best = ratio;
        leave = k;
      }
    }
    // An unbounded dual would mean an infeasible primal, which the input checks exclude.
    if (leave < 0) throw lpError('solve', 'the dual is unbounded: some row cannot be covered');
    pivot(t, z, leave, enter);
    basis[leave] = enter;
  }

  const uScaled = new Array<number>(m).fill(0);
  basis.forEach((v, k) => {
    if (v < m) uScaled[v] = Math.max(0, t[k][width]);
  });
  // Certify: scale u down until every dual constraint Σ_j a_jk u_j ≤ cost_k holds.
  let factor = 1;
  for (let k = 0; k < n; k++) {
    let lhs = 0;
    for (let j = 0; j < m; j++) lhs += kept[j].a[k] * uScaled[j];
    if (lhs > lp.costs[k]) factor = Math.min(factor, lp.costs[k] / lhs);
  }
  const u = lp.rows.map(() => 0);
  let bound = 0;
  kept.forEach((row, j) => {
    // u for the scaled row is u_j; for the original row (coefficients × scale) it is u_j / scale.
    u[row.i] = (uScaled[j] * factor) / row.scale;
    bound += row.need * uScaled[j] * factor;
  });
  // The primal x_k is the z-row entry under slack k.
  const x = lp.costs.map((_, k) => Math.max(0, z[m + k]));
  // One relative ulp-scale margin for the summation's own rounding.
  return { bound: bound * (1 - 1e-12), x, u };
}

function pivot(t: Float64Array[], z: Float64Array, row: number, col: number): void {
  const p = t[row];
  const inv = 1 / p[col];
  for (let j = 0; j < p.length; j++) p[j] *= inv;
  p[col] = 1;
  const eliminate = (r: Float64Array) => {
    const f = r[col];
    if (f === 0) return;
    for (let j = 0; j < r.length; j++) r[j] -= f * p[j];
    r[col] = 0;
  };
  for (let k = 0; k < t.length; k++) if (k !== row) eliminate(t[k]);
  eliminate(z);
}
