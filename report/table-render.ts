import { money, num, pct, timeLabel } from './format';
import type { AnyReport, ReportComparison, StowageReport } from './report-types';
import { layoutTable, wrapText } from './text-table';

/** The width the table is fitted to when the caller names none: what pastes into issues and mail. */
export const DEFAULT_TABLE_WIDTH = 80;

/** The figure rows of one report, in the order docs/report.md explains them. */
function figureRows(r: StowageReport): [string, string][] {
  const types = Object.entries(r.nodeHoursByType).sort(([a], [b]) => a.localeCompare(b));
  return [
    ['window', r.samples > 0 ? `${r.window.from} → ${r.window.to}${r.clock === 'trace' ? ' (trace time)' : ''}` : 'no samples'],
    ['samples', `${r.samples} (${num(r.coveredHours, 1)} h covered, ${r.gaps} gap${r.gaps === 1 ? '' : 's'} of ${num(r.gapHours, 1)} h left out)`],
    ['allocated cpu / memory', `${pct(r.allocatedUtilisation.cpu)} / ${pct(r.allocatedUtilisation.memory)}`],
    ['measured cpu / memory', `${pct(r.usedUtilisation.cpu)} / ${pct(r.usedUtilisation.memory)}`],
    ['nodes: mean / peak', `${num(r.meanNodes, 1)} / ${r.peakNodes}`],
    ['node-hours', `${num(r.nodeHours, 1)}${types.length > 0 ? ` (${types.map(([t, h]) => `${t} ${num(h, 1)}`).join(', ')})` : ''}`],
    ['fleet cost', `${money(r.cost)} (${money(r.costPerMonth)} per month)`],
    ['packing efficiency', r.packing.efficiency === null ? 'n/a (no lower bound recorded)' : `${num(r.packing.efficiency, 3)} × the lower bound (${num(r.packing.lowerBoundNodeHours, 1)} node-hours)`],
    ['baseline', r.baseline ? `${r.baseline.description}: ${money(r.baseline.cost)} (${money(r.baseline.costPerMonth)} per month), ${pct(r.baseline.allocatedUtilisation.cpu)} cpu allocated` : 'n/a'],
    ['savings', r.savings ? `${money(r.savings.cost)} over the window, ${money(r.savings.perMonth)} per month (${pct(r.savings.fraction)})` : 'n/a'],
    [
      'control plane',
      `${money(r.controlPlane.cost.total)} (${money(r.controlPlane.costPerMonth)} per month): ${r.controlPlane.counts.schedulerInvocations} passes, ` +
        `${num(r.controlPlane.counts.readRequestUnits)} RRU, ${num(r.controlPlane.counts.writeRequestUnits)} WRU, ` +
        `${r.controlPlane.counts.apiRequests === null ? 'API requests not counted' : `${r.controlPlane.counts.apiRequests} API requests`}`,
    ],
    ['prices', `${r.instancePrices}; control plane ${r.controlPlane.region} list prices of ${r.controlPlane.pricesTaken}`],
  ];
}

/**
 * A figure and its value a row; a value too long for the width wraps under its own start,
 * beside its label (the values are prose: left-aligned, so wrapped lines read on).
 */
function renderOne(r: StowageReport, width: number): string {
  return (
    wrapText(r.headline ? r.headline.text : 'No samples in the window: nothing to report.', width, '  ') +
    '\n\n' +
    layoutTable(['figure', 'value'], figureRows(r), ['left', 'left'], width)
  );
}

function renderComparison(c: ReportComparison, width: number): string {
  const rows = c.policies.map(({ name, report: r }) => [
    name,
    num(r.nodeHours, 0),
    money(r.cost),
    money(r.costPerMonth),
    num(r.meanNodes, 1),
    String(r.peakNodes),
    pct(r.allocatedUtilisation.cpu),
    pct(r.allocatedUtilisation.memory),
    num(r.packing.efficiency, 3),
    money(r.controlPlane.cost.total),
    pct(r.savings?.fraction),
  ]);
  const headlines = c.policies.map(({ name, report: r }) => `  ${name}: ${r.headline?.text ?? 'no samples'}`).join('\n');
  return (
    `${wrapText(c.title, width, '  ')}\n${windowOf(c)}\n` +
    comparisonTable(rows, width) +
    wrapText(`\nAgainst each policy's own peak fleet held static:\n${headlines}\n${c.policies.map(({ name, description }) => `  ${name}: ${description}`).join('\n')}`, width, '    ') +
    '\n'
  );
}

/** The span every policy's replay covers, in the reports' clock: one line under the title. */
function windowOf(c: ReportComparison): string {
  const sampled = c.policies.map((p) => p.report).filter((r) => r.samples > 0);
  if (sampled.length === 0) return '';
  const clock = sampled[0].clock;
  const from = Math.min(...sampled.map((r) => r.from));
  const to = Math.max(...sampled.map((r) => r.to));
  return `window ${timeLabel(from, clock)} → ${timeLabel(to, clock)}${clock === 'trace' ? ' (trace time)' : ''}\n`;
}

const COMPARISON_HEADERS = ['policy', 'node-hours', 'fleet cost', 'per month', 'mean nodes', 'peak', 'cpu alloc', 'mem alloc', 'packing', 'control plane', 'vs own peak'];

/**
 * A policy a row when that fits the width (eleven figures side by side need about 120
 * columns); otherwise turned on its side, a figure a row and a policy a column, which
 * is how a comparison of two or three policies reads best in 80 columns.
 */
function comparisonTable(rows: readonly (readonly string[])[], width: number): string {
  const wide = layoutTable(COMPARISON_HEADERS, rows, ['left', ...COMPARISON_HEADERS.slice(1).map(() => 'right' as const)], Number.MAX_SAFE_INTEGER);
  if (Math.max(...wide.split('\n').map((l) => l.length)) <= width) return wide;
  const figures = COMPARISON_HEADERS.slice(1).map((figure, i) => [figure, ...rows.map((row) => row[i + 1])]);
  return layoutTable(['figure', ...rows.map((row) => row[0])], figures, ['left', ...rows.map(() => 'right' as const)], width);
}

/** The report as a plain-text table, no line wider than `width`. */
export function renderTable(report: AnyReport, width: number = DEFAULT_TABLE_WIDTH): string {
  return report.kind === 'stowage-report' ? renderOne(report, width) : renderComparison(report, width);
}
