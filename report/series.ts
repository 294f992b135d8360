import type { UtilisationSample } from '../core/utilisation-sample';
import { nodesInBoundSize } from './bound-size';
import type { Span } from './spans';
import type { ReportSeries } from './report-types';

/** Enough points for a chart a screen wide; months of samples would make paths of megabytes. */
export const DEFAULT_SERIES_POINTS = 240;

interface Acc {
  w: number;
  nodes: number;
  cost: number;
  capCpu: number;
  capMem: number;
  allocCpu: number;
  allocMem: number;
  useCap: { cpu: number; mem: number };
  useCpu: number;
  useMem: number;
  lbW: number;
  lb: number;
  /** The fleet in nodes of the bound's size, over the spans that recorded a bound. */
  fleetInBound: number;
  byType: Map<string, number>;
}

const fresh = (): Acc => ({ w: 0, nodes: 0, cost: 0, capCpu: 0, capMem: 0, allocCpu: 0, allocMem: 0, useCap: { cpu: 0, mem: 0 }, useCpu: 0, useMem: 0, lbW: 0, lb: 0, fleetInBound: 0, byType: new Map() });

function weigh(a: Acc, s: UtilisationSample, w: number, costPerHour: number): void {
  a.w += w;
  a.nodes += s.nodes * w;
  a.cost += costPerHour * w;
  a.capCpu += s.capacity.cpu * w;
  a.capMem += s.capacity.memoryMiB * w;
  a.allocCpu += s.allocated.cpu * w;
  a.allocMem += s.allocated.memoryMiB * w;
  if (s.usageMeasured !== false) {
    a.useCap.cpu += s.capacity.cpu * w;
    a.useCap.mem += s.capacity.memoryMiB * w;
    a.useCpu += s.usage.cpu * w;
    a.useMem += s.usage.memoryMiB * w;
  }
  if (s.lowerBound !== undefined) {
    a.lbW += w;
    a.lb += s.lowerBound * w;
    a.fleetInBound += nodesInBoundSize(s) * w;
  }
  for (const [type, n] of Object.entries(s.nodesByType)) a.byType.set(type, (a.byType.get(type) ?? 0) + n * w);
}

/**
 * Chart series: the window cut into at most `points` equal buckets, each holding the
 * time-weighted mean of what the spans overlapping it held (ratios as ratios of
 * integrals, as the totals are). A bucket no span covers is a gap: null, so the chart
 * breaks its line rather than drawing a fleet nobody saw. With no span, a lone sample
 * gives one point of its own values.
 */
export function seriesOf(spans: readonly Span[], lone: UtilisationSample | undefined, costOf: (s: UtilisationSample) => number, points = DEFAULT_SERIES_POINTS): ReportSeries {
  const types = new Set<string>();
  const accs: Acc[] = [];
  const t: number[] = [];
  if (spans.length === 0) {
    if (lone) {
      const a = fresh();
      weigh(a, lone, 1, costOf(lone));
      accs.push(a);
      t.push(lone.t);
      for (const k of Object.keys(lone.nodesByType)) types.add(k);
    }
  } else {
    const start = spans[0].from;
    const end = spans[spans.length - 1].to;
    const n = Math.max(1, Math.min(points, spans.length));
    const width = (end - start) / n;
    for (let i = 0; i < n; i++) {
      accs.push(fresh());
      t.push(start + i * width);
    }
    for (const sp of spans) {
      for (const k of Object.keys(sp.sample.nodesByType)) types.add(k);
      const cost = costOf(sp.sample);
      const first = Math.min(n - 1, Math.floor((sp.from - start) / width));
      const last = Math.min(n - 1, Math.floor((sp.to - start) / width));
      for (let b = first; b <= last; b++) {
        const lo = Math.max(sp.from, start + b * width);
        const hi = Math.min(sp.to, b === n - 1 ? end : start + (b + 1) * width);
        if (hi > lo) weigh(accs[b], sp.sample, hi - lo, cost);
      }
    }
  }
  const of = (f: (a: Acc) => number | null) => accs.map((a) => (a.w > 0 ? f(a) : null));
  const ratio = (x: number, y: number) => (y > 0 ? x / y : null);
  const nodesByType: Record<string, (number | null)[]> = {};
  for (const type of [...types].sort()) nodesByType[type] = of((a) => (a.byType.get(type) ?? 0) / a.w);
  return {
    t,
    nodes: of((a) => a.nodes / a.w),
    nodesByType,
    allocatedCpu: of((a) => ratio(a.allocCpu, a.capCpu)),
    allocatedMemory: of((a) => ratio(a.allocMem, a.capMem)),
    measuredCpu: of((a) => ratio(a.useCpu, a.useCap.cpu)),
    measuredMemory: of((a) => ratio(a.useMem, a.useCap.mem)),
    costPerHour: of((a) => a.cost / a.w),
    lowerBound: of((a) => (a.lbW > 0 ? a.lb / a.lbW : null)),
    fleetInBoundSize: of((a) => (a.lbW > 0 ? a.fleetInBound / a.lbW : null)),
  };
}
