/**
 * The nearest-rank percentile (p in (0, 100]) of the values: the smallest value with at
 * least p % of the values at or below it. NaN for no values. Nearest-rank rather than
 * interpolated, so every figure reported is a latency that was actually observed.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1];
}
