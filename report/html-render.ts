import { money, num, pct } from './format';
import type { AnyReport, ReportComparison, StowageReport } from './report-types';
import { escapeXml, lineChart, stackedAreaChart, type ChartSeries } from './svg-chart';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#1d2330;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #dde;padding-bottom:4px}
.headline{font-size:18px;font-weight:600;background:#eef6ee;border-left:4px solid #2ca02c;padding:10px 14px;margin:12px 0}
.headline.worse{background:#fbeeee;border-color:#d62728}
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}td:first-child,th:first-child{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:8px}svg{background:#fff;border:1px solid #e4e6ee;max-width:100%;height:auto}
.chart-title{font-size:13px;font-weight:600;fill:#1d2330}.tick,.legend{font-size:11px;fill:#555}.grid{stroke:#eee}.axis{stroke:#999}
.note{color:#666;font-size:12px}`;

function headlineHtml(r: StowageReport, policy?: string): string {
  const h = r.headline;
  if (!h) return `<p class="headline" data-empty="true"${policy ? ` data-policy="${escapeXml(policy)}"` : ''}>No samples in the window: nothing to report.</p>`;
  const attrs = {
    'data-baseline-nodes': h.baselineNodes,
    'data-nodes': h.nodes,
    'data-baseline-allocated-pct': h.baselineAllocatedPct,
    'data-allocated-pct': h.allocatedPct,
    'data-baseline-monthly': h.baselineMonthly,
    'data-monthly': h.monthly,
    'data-savings-pct': h.savingsPct,
  };
  const a = Object.entries(attrs).map(([k, v]) => `${k}="${v}"`).join(' ');
  return `<p class="headline${h.savingsPct < 0 ? ' worse' : ''}"${policy ? ` data-policy="${escapeXml(policy)}"` : ''} ${a}>${escapeXml(h.text)}</p>`;
}

function figuresTable(r: StowageReport): string {
  const rows: [string, string][] = [
    ['Window', r.samples > 0 ? `${r.window.from} → ${r.window.to}${r.clock === 'trace' ? ' (trace time)' : ''}` : 'no samples'],
    ['Samples', `${r.samples}; ${num(r.coveredHours, 1)} h covered; ${r.gaps} gap(s), ${num(r.gapHours, 1)} h left out`],
    ['Allocated CPU / memory', `${pct(r.allocatedUtilisation.cpu)} / ${pct(r.allocatedUtilisation.memory)}`],
    ['Measured CPU / memory', `${pct(r.usedUtilisation.cpu)} / ${pct(r.usedUtilisation.memory)}`],
    ['Nodes: mean / peak', `${num(r.meanNodes, 1)} / ${r.peakNodes}`],
    ['Node-hours', `${num(r.nodeHours, 1)} (${Object.entries(r.nodeHoursByType).map(([t, h]) => `${escapeXml(t)} ${num(h, 1)}`).join(', ') || 'none'})`],
    ['Fleet cost', `${money(r.cost)} (${money(r.costPerMonth)} per month)`],
    ['Packing efficiency', r.packing.efficiency === null ? 'n/a' : `${num(r.packing.efficiency, 3)} × the lower bound (${num(r.packing.lowerBoundNodeHours, 1)} node-hours)`],
    ['Baseline', r.baseline ? `${escapeXml(r.baseline.description)}: ${money(r.baseline.cost)} (${money(r.baseline.costPerMonth)} per month)` : 'n/a'],
    ['Savings', r.savings ? `${money(r.savings.cost)} (${money(r.savings.perMonth)} per month, ${pct(r.savings.fraction)})` : 'n/a'],
    ['Control plane', `${money(r.controlPlane.cost.total)} (${money(r.controlPlane.costPerMonth)} per month); ${r.controlPlane.counts.schedulerInvocations} passes`],
  ];
  return `<table>${rows.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join('')}</table>`;
}

function charts(r: StowageReport, key: string): string {
  const s = r.series;
  const ratio = (v: number) => `${Math.round(v * 100)} %`;
  const util: ChartSeries[] = [
    { name: 'allocated cpu', t: s.t, values: s.allocatedCpu },
    { name: 'allocated memory', t: s.t, values: s.allocatedMemory },
  ];
  if (s.measuredCpu.some((v) => v !== null)) util.push({ name: 'measured cpu', t: s.t, values: s.measuredCpu, dashed: true }, { name: 'measured memory', t: s.t, values: s.measuredMemory, dashed: true });
  const byType = Object.entries(s.nodesByType).map(([name, values]) => ({ name, t: s.t, values }));
  const cost: ChartSeries[] = [{ name: 'fleet $/hour', t: s.t, values: s.costPerHour }];
  if (r.baseline) cost.push({ name: 'baseline $/hour', t: s.t, values: s.t.map(() => r.baseline!.costPerHour), dashed: true });
  const nodesExtra: ChartSeries[] = s.lowerBound.some((v) => v !== null) ? [{ name: 'lower bound', t: s.t, values: s.lowerBound, dashed: true }] : [];
  const fleetInBound: ChartSeries = { name: 'fleet (in nodes of the bound size)', t: s.t, values: s.fleetInBoundSize };
  return (
    `<div class="charts">` +
    lineChart(util, { title: 'Utilisation (requests and usage ÷ capacity)', yLabel: ratio, yMax: 1, id: `${key}-utilisation`, clock: r.clock }) +
    stackedAreaChart(byType.length > 0 ? byType : [{ name: 'nodes', t: s.t, values: s.nodes }], { title: 'Nodes by instance type (stacked)', yLabel: (v) => num(v, v < 10 ? 1 : 0), id: `${key}-nodes`, clock: r.clock }) +
    (nodesExtra.length > 0 ? lineChart([fleetInBound, ...nodesExtra], { title: 'The fleet against the packing lower bound (nodes the size of the largest in use)', yLabel: (v) => num(v, v < 10 ? 1 : 0), id: `${key}-bound`, clock: r.clock }) : '') +
    lineChart(cost, { title: 'Fleet cost per hour', yLabel: (v) => `$${num(v, v < 10 ? 2 : 0)}`, id: `${key}-cost`, clock: r.clock }) +
    `</div>`
  );
}

function section(r: StowageReport, key: string, title: string, policy?: string, description?: string): string {
  return `<section data-report="${escapeXml(key)}"><h2>${escapeXml(title)}</h2>${description ? `<p class="note">${escapeXml(description)}</p>` : ''}${headlineHtml(r, policy)}${figuresTable(r)}${r.series.t.length > 0 ? charts(r, key) : ""}</section>`;
}

function footer(r: StowageReport): string {
  return `<p class="note">Instance prices: ${escapeXml(r.instancePrices)}. Control plane: ${escapeXml(r.controlPlane.region)} list prices of ${escapeXml(r.controlPlane.pricesTaken)} (report/prices.ts). How each figure is computed: docs/report.md.</p>`;
}

function page(title: string, body: string): string {
  // No script and no external reference at all: the file must open offline, from disk, as is.
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeXml(title)}</title><style>${CSS}</style></head><body>${body}</body></html>\n`;
}

function renderComparison(c: ReportComparison): string {
  const first = c.policies[0];
  const costLines: ChartSeries[] = c.policies.map(({ name, report }) => ({ name, t: report.series.t, values: report.series.costPerHour }));
  const rows = c.policies
    .map(({ name, report: r }) => `<tr><td>${escapeXml(name)}</td><td>${num(r.nodeHours, 0)}</td><td data-cost="${r.cost}">${money(r.cost)}</td><td>${num(r.meanNodes, 1)}</td><td>${r.peakNodes}</td><td>${pct(r.allocatedUtilisation.cpu)}</td><td>${pct(r.allocatedUtilisation.memory)}</td><td>${num(r.packing.efficiency, 3)}</td><td>${money(r.controlPlane.cost.total)}</td></tr>`)
    .join('');
  const versus = c.versus.map((v) => `<li>${escapeXml(v.reference)} costs ${money(v.referenceCost)} against ${escapeXml(v.policy)}'s ${money(v.cost)}: ${pct(v.savingsFraction)} less.</li>`).join('');
  const body =
    `<h1>${escapeXml(c.title)}</h1>` +
    `<table><tr><th>policy</th><th>node-hours</th><th>fleet cost</th><th>mean nodes</th><th>peak</th><th>cpu alloc</th><th>mem alloc</th><th>packing</th><th>control plane</th></tr>${rows}</table>` +
    `<ul>${versus}</ul>` +
    `<div class="charts">${lineChart(costLines, { title: 'Fleet cost per hour, each policy', yLabel: (v) => `$${num(v, v < 10 ? 2 : 0)}`, id: 'comparison-cost', clock: first?.report.clock ?? 'wall' })}</div>` +
    c.policies.map(({ name, description, report }) => section(report, name, `${name}: against its own peak fleet held static`, name, description)).join('') +
    (first ? footer(first.report) : '');
  return page(c.title, body);
}

/** One self-contained HTML file: inline CSS and SVG, no script, no network. */
export function renderHtml(report: AnyReport): string {
  if (report.kind === 'stowage-report-comparison') return renderComparison(report);
  return page('Stowage cost and utilisation report', `<h1>Stowage cost and utilisation report</h1>${section(report, 'report', 'Fleet')}${footer(report)}`);
}
