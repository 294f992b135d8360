import { axisLabel } from './format';
import type { ReportClock } from './report-types';

/**
 * Charts as inline SVG strings, drawn here rather than by a library: the HTML report
 * must open with no network and no script, and a line or a stacked area is a few
 * path commands. Values of null break a line (a gap in the samples).
 */

export interface ChartSeries {
  readonly name: string;
  readonly t: readonly number[];
  readonly values: readonly (number | null)[];
  readonly dashed?: boolean;
}

export interface ChartOptions {
  readonly title: string;
  readonly yLabel: (v: number) => string;
  /** Fixed top of the y axis (1 for ratios); default the data's maximum, rounded up. */
  readonly yMax?: number;
  readonly width?: number;
  readonly height?: number;
  readonly id?: string;
  /** How the series' times count (default `wall`: dates; `trace`: day N hh:mm of a replay). */
  readonly clock?: ReportClock;
}

export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const M = { left: 64, right: 16, top: 28, bottom: 40 };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

interface Frame {
  readonly x: (t: number) => number;
  readonly y: (v: number) => number;
  readonly svgOpen: string;
  readonly axes: string;
}

/** A round number ≥ x (1, 2, 5 × 10^k), so axis ticks read cleanly. */
function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

function frame(o: ChartOptions, tMin: number, tMax: number, yMax: number, legend: readonly { name: string; color: string; dashed?: boolean }[]): Frame {
  const W = o.width ?? 760;
  const H = o.height ?? 260;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const span = tMax > tMin ? tMax - tMin : 1;
  const x = (t: number) => M.left + ((t - tMin) / span) * pw;
  const y = (v: number) => M.top + ph - (v / yMax) * ph;
  const parts: string[] = [];
  parts.push(`<text x="${M.left}" y="16" class="chart-title">${escapeXml(o.title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${M.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="tick">${escapeXml(o.yLabel(v))}</text>`);
  }
  const ticks = Math.min(6, Math.max(1, Math.round(pw / 120)));
  for (let i = 0; i <= ticks; i++) {
    const t = tMin + (span * i) / ticks;
    const label = escapeXml(axisLabel(t, span, o.clock ?? 'wall'));
    parts.push(`<text x="${x(t).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle" class="tick">${label}</text>`);
  }
  parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + ph}" y2="${M.top + ph}" class="axis"/>`);
  let lx = M.left;
  for (const l of legend) {
    parts.push(`<rect x="${lx}" y="${H - 14}" width="10" height="10" fill="${l.color}"/><text x="${lx + 14}" y="${H - 5}" class="legend">${escapeXml(l.name)}${l.dashed ? ' (dashed)' : ''}</text>`);
    lx += 24 + l.name.length * 7 + (l.dashed ? 56 : 0);
  }
  const svgOpen = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(o.title)}"${o.id ? ` id="${escapeXml(o.id)}"` : ''}>`;
  return { x, y, svgOpen, axes: parts.join('') };
}

function extent(series: readonly ChartSeries[]): { tMin: number; tMax: number; vMax: number } {
  let tMin = Infinity;
  let tMax = -Infinity;
  let vMax = 0;
  for (const s of series) {
    s.t.forEach((t, i) => {
      tMin = Math.min(tMin, t);
      tMax = Math.max(tMax, t);
      const v = s.values[i];
      if (v !== null && v !== undefined) vMax = Math.max(vMax, v);
    });
  }
  return { tMin: Number.isFinite(tMin) ? tMin : 0, tMax: Number.isFinite(tMax) ? tMax : 0, vMax };
}

/** Lines; a single point draws as a short horizontal tick so it is visible. */
export function lineChart(series: readonly ChartSeries[], o: ChartOptions): string {
  const { tMin, tMax, vMax } = extent(series);
  const colors = series.map((_, i) => PALETTE[i % PALETTE.length]);
  const f = frame(o, tMin, tMax, o.yMax ?? niceCeil(vMax), series.map((s, i) => ({ name: s.name, color: colors[i], dashed: s.dashed })));
  const paths = series.map((s, i) => {
    let d = '';
    let pen = false;
    s.t.forEach((t, j) => {
      const v = s.values[j];
      if (v === null || v === undefined) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${f.x(t).toFixed(1)} ${f.y(v).toFixed(1)} `;
      pen = true;
    });
    if (s.t.length === 1 && s.values[0] !== null) d += `h8`;
    return `<path d="${d.trim()}" fill="none" stroke="${colors[i]}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="6 4"' : ''} data-series="${escapeXml(s.name)}"/>`;
  });
  return `${f.svgOpen}${f.axes}${paths.join('')}</svg>`;
}

/** Stacked areas over one time axis (all series share `series[0].t`). */
export function stackedAreaChart(series: readonly ChartSeries[], o: ChartOptions): string {
  const t = series[0]?.t ?? [];
  const totals = t.map((_, j) => series.reduce((sum, s) => sum + (s.values[j] ?? 0), 0));
  const { tMin, tMax } = extent(series);
  const colors = series.map((_, i) => PALETTE[i % PALETTE.length]);
  const f = frame(o, tMin, tMax, o.yMax ?? niceCeil(Math.max(0, ...totals)), series.map((s, i) => ({ name: s.name, color: colors[i] })));
  const below = t.map(() => 0);
  const paths: string[] = [];
  for (const [i, s] of series.entries()) {
    const above = below.map((b, j) => b + (s.values[j] ?? 0));
    // One polygon per run of covered points: the top edge forwards, the bottom edge back.
    let d = '';
    let run: number[] = [];
    const flush = () => {
      if (run.length === 0) return;
      const pts = run.length === 1 ? [run[0], run[0]] : run;
      const dx = run.length === 1 ? 4 : 0;
      d += pts.map((j, k) => `${k === 0 ? 'M' : 'L'}${(f.x(t[j]) + (k === pts.length - 1 ? dx : 0)).toFixed(1)} ${f.y(above[j]).toFixed(1)}`).join(' ');
      d += ' ' + [...pts].reverse().map((j, k) => `L${(f.x(t[j]) + (k === 0 ? dx : 0)).toFixed(1)} ${f.y(below[j]).toFixed(1)}`).join(' ') + ' Z ';
      run = [];
    };
    t.forEach((_, j) => {
      if (s.values[j] === null || s.values[j] === undefined) flush();
      else run.push(j);
    });
    flush();
    paths.push(`<path d="${d.trim()}" fill="${colors[i]}" fill-opacity="0.75" stroke="${colors[i]}" data-series="${escapeXml(s.name)}"/>`);
    above.forEach((v, j) => (below[j] = v));
  }
  return `${f.svgOpen}${f.axes}${paths.join('')}</svg>`;
}
