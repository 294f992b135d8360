import type { Headline } from './report-types';

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
const MINUS = '\u2212';

/**
 * The one line a reader takes away. Numbers are rounded here, once, so the text and the
 * fields (which the HTML carries as data attributes) can never disagree.
 */
export function headlineOf(x: { baselineNodes: number; meanNodes: number; baselineAllocated: number; allocated: number; baselineMonthly: number; monthly: number }): Headline {
  const h = {
    baselineNodes: x.baselineNodes,
    nodes: round(x.meanNodes, 1),
    baselineAllocatedPct: round(x.baselineAllocated * 100, 1),
    allocatedPct: round(x.allocated * 100, 1),
    baselineMonthly: Math.round(x.baselineMonthly),
    monthly: Math.round(x.monthly),
    savingsPct: x.baselineMonthly > 0 ? round(((x.baselineMonthly - x.monthly) / x.baselineMonthly) * 100, 1) : 0,
  };
  const sign = h.savingsPct > 0 ? MINUS : h.savingsPct < 0 ? '+' : '±';
  const text =
    `${h.baselineNodes} nodes → ${h.nodes} nodes, ${h.baselineAllocatedPct} % → ${h.allocatedPct} % allocated, ` +
    `${dollars(h.baselineMonthly)} → ${dollars(h.monthly)} per month (${sign}${Math.abs(h.savingsPct)} %)`;
  return { text, ...h };
}

/** $12,345: whole dollars with thousands separators, the same in every locale. */
export function dollars(x: number): string {
  const s = Math.round(Math.abs(x)).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${x < 0 ? MINUS : ''}$${s}`;
}
