import { money, num, pct, iso } from './format';
import type { AnyReport, ReportComparison, StowageReport } from './report-types';

/** Plain-text rows padded to their widest cell (as cli/format-table, which report/ may not import). */
function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** The figure rows of one report, in the order docs/report.md explains them. */
function figureRows(r: StowageReport): [string, string][] {
  const types = Object.entries(r.nodeHoursByType).sort(([a], [b]) => a.localeCompare(b));
  return [
    ['window', r.samples > 0 ? `${iso(r.from)} → ${iso(r.to)}` : 'no samples'],
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

function renderOne(r: StowageReport): string {
  return (r.headline ? `${r.headline.text}\n\n` : 'No samples in the window: nothing to report.\n\n') + table(['figure', 'value'], figureRows(r));
}

function renderComparison(c: ReportComparison): string {
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
    `${c.title}\n\n` +
    table(['policy', 'node-hours', 'fleet cost', 'per month', 'mean nodes', 'peak', 'cpu alloc', 'mem alloc', 'packing', 'control plane', 'vs own peak'], rows) +
    `\nAgainst each policy's own peak fleet held static:\n${headlines}\n` +
    c.policies.map(({ name, description }) => `  ${name}: ${description}`).join('\n') +
    '\n'
  );
}

export function renderTable(report: AnyReport): string {
  return report.kind === 'stowage-report' ? renderOne(report) : renderComparison(report);
}
