import type { UtilisationSample } from '../core/utilisation-sample';
import { ReportInputError } from './errors';

/** One sample held from its time until the next sample's. */
export interface Span {
  readonly sample: UtilisationSample;
  readonly from: number;
  readonly to: number;
}

export interface Spans {
  /** Samples sorted by time. */
  readonly samples: readonly UtilisationSample[];
  readonly spans: readonly Span[];
  /** Intervals longer than the limit: left out of every integral. */
  readonly gaps: readonly { readonly from: number; readonly to: number }[];
  /** The limit used, or null when there were no intervals to judge. */
  readonly maxGapMs: number | null;
}

/** How many median intervals an interval may last before it counts as a gap. */
export const GAP_FACTOR = 3;

/**
 * Cuts sorted samples into spans, each sample holding until the next (the scheduler
 * writes one per pass, and nothing changes the fleet between passes). The last sample
 * opens no span, since what followed it is unknown. An interval longer than
 * `maxGapMs` (default GAP_FACTOR × the median interval) means the scheduler did not
 * run — an outage, or samples lost — so it is a gap, not a span: integrating it as if
 * the fleet held would invent node-hours nobody saw. Callers that know samples are only
 * written on change (the simulator skips ahead while nothing moves) pass Infinity.
 */
export function spansOf(samples: readonly UtilisationSample[], maxGapMs?: number): Spans {
  if (maxGapMs !== undefined && !(maxGapMs > 0)) throw new ReportInputError('maxGapMs', `must be a positive number of milliseconds, got ${maxGapMs}`);
  const s = [...samples].sort((a, b) => a.t - b.t);
  if (s.length < 2) return { samples: s, spans: [], gaps: [], maxGapMs: null };
  const intervals = s.slice(1).map((x, i) => x.t - s[i].t);
  const limit = maxGapMs ?? GAP_FACTOR * median(intervals);
  const spans: Span[] = [];
  const gaps: { from: number; to: number }[] = [];
  for (let i = 0; i + 1 < s.length; i++) {
    const from = s[i].t;
    const to = s[i + 1].t;
    if (to === from) continue;
    if (to - from > limit) gaps.push({ from, to });
    else spans.push({ sample: s[i], from, to });
  }
  return { samples: s, spans, gaps, maxGapMs: limit };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}
