import { dollars } from './headline';

/** Shared number formatting for the table and the HTML, so both show the same figures. */
export const pct = (x: number | null | undefined): string => (x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(1)} %`);
export const money = (x: number | null | undefined): string => {
  if (x === null || x === undefined) return 'n/a';
  // Cents matter for the control plane; whole dollars for fleets.
  return Math.abs(x) < 100 ? `${x < 0 ? '\u2212' : ''}$${Math.abs(x).toFixed(2)}` : dollars(x);
};
export const num = (x: number | null | undefined, d = 0): string => (x === null || x === undefined ? 'n/a' : x.toFixed(d));
export const iso = (t: number): string => new Date(t).toISOString().replace('.000Z', 'Z');
