import { dollars } from './headline';
import type { ReportClock } from './report-types';

/** Shared number formatting for the table and the HTML, so both show the same figures. */
export const pct = (x: number | null | undefined): string => (x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(1)} %`);
export const money = (x: number | null | undefined): string => {
  if (x === null || x === undefined) return 'n/a';
  // Cents matter for the control plane; whole dollars for fleets.
  return Math.abs(x) < 100 ? `${x < 0 ? '\u2212' : ''}$${Math.abs(x).toFixed(2)}` : dollars(x);
};
export const num = (x: number | null | undefined, d = 0): string => (x === null || x === undefined ? 'n/a' : x.toFixed(d));
export const iso = (t: number): string => new Date(t).toISOString().replace('.000Z', 'Z');

const MINUTE = 60_000;
const DAY = 86_400_000;

/** A time as the report shows it: a UTC date (`2027-01-01T12:00:00Z`), or `day 3 04:05` of a replay (day 1 is the trace's first). */
export function timeLabel(t: number, clock: ReportClock): string {
  if (clock === 'wall') return iso(t);
  const minutes = Math.floor(t / MINUTE);
  const day = Math.floor(minutes / 1440);
  return `day ${day + 1} ${hhmm(minutes - day * 1440)}`;
}

/**
 * A chart's time tick: hours matter in a window of days, dates (or trace days) in a
 * window of weeks. `span` is the axis's length in ms.
 */
export function axisLabel(t: number, span: number, clock: ReportClock): string {
  const long = span > 4 * DAY;
  if (clock === 'wall') {
    const d = new Date(t).toISOString();
    return long ? d.slice(0, 10) : d.slice(5, 16).replace('T', ' ');
  }
  return long ? `day ${Math.floor(t / DAY) + 1}` : timeLabel(t, clock);
}

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
