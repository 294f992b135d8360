import { CATALOG_PRICES_TAKEN, CATALOG_REGION, DEFAULT_CATALOG } from '../core/catalog';
import { monthlyCost, MS_PER_HOUR } from '../core/cost-model';
import type { InstanceType } from '../core/model';
import type { UtilisationSample } from '../core/utilisation-sample';
import { parseBaseline, peakBaseline, type BaselineFleet } from './baseline';
import { controlPlaneCost, sumCounts } from './control-plane-usage';
import { ReportInputError } from './errors';
import { headlineOf } from './headline';
import { CONTROL_PLANE_PRICES, CONTROL_PLANE_PRICES_REGION, CONTROL_PLANE_PRICES_TAKEN, type ControlPlanePrices } from './prices';
import { timeLabel } from './format';
import { REPORT_CLOCKS, type BaselineFigures, type ReportClock, type ResourceRatios, type StowageReport } from './report-types';
import { DEFAULT_SERIES_POINTS, seriesOf } from './series';
import { spansOf } from './spans';
import { nodesInBoundSize } from './bound-size';

export interface ReportOptions {
  /** The window; default the first and last sample's times. */
  readonly from?: number;
  readonly to?: number;
  /** A named static fleet (`70xm5.large`, `40xm5.large+8xr5.2xlarge`); default the peak fleet held. */
  readonly baseline?: string;
  /** Sizes and prices named baselines; with `reprice`, prices every sample too. Default the bundled catalog. */
  readonly catalog?: readonly InstanceType[];
  /** Where the catalog came from, for the report's footnote. */
  readonly catalogLabel?: string;
  /**
   * Price samples from the catalog (Σ nodes of a type × its price) instead of the $/hour
   * each sample recorded: for a price file that overrides the one the fleet launched with.
   * A sample with a type the catalog lacks keeps its recorded price.
   */
  readonly reprice?: boolean;
  /** See spansOf: default 3 × the median sample interval. */
  readonly maxGapMs?: number;
  readonly seriesPoints?: number;
  readonly prices?: ControlPlanePrices;
  /** `trace` for a replay, whose sample times are offsets from the trace's start; default `wall`. */
  readonly clock?: ReportClock;
}

/**
 * Every figure of the report from the samples (those outside [from, to] are ignored).
 * Integrals run over spans (spans.ts): utilisation is a ratio of integrals — core-hours
 * allocated over core-hours available — not a mean of ratios, so a small idle fleet
 * does not weigh as much as a large busy one. With a single sample there is no span,
 * and its own ratios and rates stand for the window.
 */
export function buildReport(all: readonly UtilisationSample[], options: ReportOptions = {}): StowageReport {
  for (const k of ['from', 'to'] as const) {
    const v = options[k];
    if (v !== undefined && !Number.isFinite(v)) throw new ReportInputError(k, `must be a time in milliseconds since the epoch, got ${v}`);
  }
  if (options.from !== undefined && options.to !== undefined && options.from > options.to) throw new ReportInputError('from', `must not be after to (${options.from} > ${options.to})`);
  if (options.clock !== undefined && !REPORT_CLOCKS.includes(options.clock)) throw new ReportInputError('clock', `must be one of ${REPORT_CLOCKS.join(', ')}, got ${String(options.clock)}`);
  if (options.seriesPoints !== undefined && !(Number.isInteger(options.seriesPoints) && options.seriesPoints > 0)) {
    throw new ReportInputError('seriesPoints', `must be a positive integer, got ${options.seriesPoints}`);
  }
  const catalog = options.catalog ?? DEFAULT_CATALOG;
  const inWindow = all.filter((s) => (options.from === undefined || s.t >= options.from) && (options.to === undefined || s.t <= options.to));
  const { samples, spans, gaps, maxGapMs } = spansOf(inWindow, options.maxGapMs);
  const price = new Map(catalog.map((t) => [t.name, t.pricePerHour]));
  const costOf = (s: UtilisationSample): number => {
    if (!options.reprice) return s.costPerHour;
    const entries = Object.entries(s.nodesByType);
    if (entries.some(([type]) => !price.has(type))) return s.costPerHour;
    return entries.reduce((sum, [type, n]) => sum + n * price.get(type)!, 0);
  };

  const sum = { ms: 0, nodeMs: 0, costMsPerHour: 0, capCpu: 0, capMem: 0, allocCpu: 0, allocMem: 0, useCapCpu: 0, useCapMem: 0, useCpu: 0, useMem: 0, lbNodeMs: 0, lbMs: 0, nodeMsWithLb: 0 };
  const byTypeMs: Record<string, number> = {};
  const weigh = (x: UtilisationSample, w: number) => {
    sum.capCpu += x.capacity.cpu * w;
    sum.capMem += x.capacity.memoryMiB * w;
    sum.allocCpu += x.allocated.cpu * w;
    sum.allocMem += x.allocated.memoryMiB * w;
    if (x.usageMeasured !== false) {
      sum.useCapCpu += x.capacity.cpu * w;
      sum.useCapMem += x.capacity.memoryMiB * w;
      sum.useCpu += x.usage.cpu * w;
      sum.useMem += x.usage.memoryMiB * w;
    }
  };
  for (const { sample: s, from, to } of spans) {
    const dt = to - from;
    sum.ms += dt;
    sum.nodeMs += s.nodes * dt;
    sum.costMsPerHour += costOf(s) * dt;
    weigh(s, dt);
    for (const [type, n] of Object.entries(s.nodesByType)) byTypeMs[type] = (byTypeMs[type] ?? 0) + n * dt;
    if (s.lowerBound !== undefined) {
      sum.lbNodeMs += s.lowerBound * dt;
      sum.lbMs += dt;
      sum.nodeMsWithLb += nodesInBoundSize(s) * dt;
    }
  }
  const lone = spans.length === 0 && samples.length > 0 ? samples[samples.length - 1] : undefined;
  if (lone) {
    // No span to integrate: the latest sample's own ratios stand for the window.
    weigh(lone, 1);
  }
  const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
  const hours = sum.ms / MS_PER_HOUR;
  const cost = sum.costMsPerHour / MS_PER_HOUR;
  // Rates (per hour, per month) come from the spans, or from the lone sample.
  const meanNodes = hours > 0 ? sum.nodeMs / sum.ms : (lone?.nodes ?? 0);
  const meanCostPerHour = hours > 0 ? cost / hours : lone ? costOf(lone) : 0;
  const allocatedUtilisation: ResourceRatios = { cpu: ratio(sum.allocCpu, sum.capCpu), memory: ratio(sum.allocMem, sum.capMem) };
  const weightSum = hours > 0 ? sum.ms : lone ? 1 : 0;

  const counts = sumCounts(samples);
  const cpCost = controlPlaneCost(counts, options.prices ?? CONTROL_PLANE_PRICES);
  // The control plane's counts cover the samples' whole span (first to last), gaps too: passes ran or not, they were counted.
  const countedHours = samples.length > 1 ? (samples[samples.length - 1].t - samples[0].t) / MS_PER_HOUR : 0;
  const cpPerMonth = countedHours > 0 ? monthlyCost(cpCost.total / countedHours) : 0;

  const fleet: BaselineFleet | null = options.baseline !== undefined ? parseBaseline(options.baseline, catalog) : peakBaseline(samples, costOf);
  let baseline: BaselineFigures | null = null;
  if (fleet) {
    const cap = (dim: 'cpu' | 'memoryMiB') => fleet.capacity[dim] * weightSum;
    baseline = {
      description: fleet.description,
      nodes: fleet.nodes,
      nodesByType: fleet.nodesByType,
      costPerHour: fleet.costPerHour,
      cost: fleet.costPerHour * hours,
      costPerMonth: monthlyCost(fleet.costPerHour),
      allocatedUtilisation: { cpu: ratio(sum.allocCpu, cap('cpu')), memory: ratio(sum.allocMem, cap('memoryMiB')) },
    };
  }
  const monthly = monthlyCost(meanCostPerHour) + cpPerMonth;
  const savings = baseline
    ? {
        cost: baseline.cost - cost - (countedHours > 0 ? (cpCost.total * hours) / countedHours : 0),
        perMonth: baseline.costPerMonth - monthly,
        fraction: baseline.costPerMonth > 0 ? (baseline.costPerMonth - monthly) / baseline.costPerMonth : null,
      }
    : null;
  const headline =
    baseline && samples.length > 0
      ? headlineOf({
          baselineNodes: baseline.nodes,
          meanNodes,
          baselineAllocated: baseline.allocatedUtilisation.cpu ?? 0,
          allocated: allocatedUtilisation.cpu ?? 0,
          baselineMonthly: baseline.costPerMonth,
          monthly,
        })
      : null;

  const from = options.from ?? samples[0]?.t ?? 0;
  const to = options.to ?? samples[samples.length - 1]?.t ?? 0;
  const clock = options.clock ?? 'wall';
  return {
    from,
    to,
    samples: samples.length,
    clock,
    window: { from: timeLabel(from, clock), to: timeLabel(to, clock) },
    allocatedUtilisation,
    usedUtilisation: { cpu: ratio(sum.useCpu, sum.useCapCpu), memory: ratio(sum.useMem, sum.useCapMem) },
    nodeHours: sum.nodeMs / MS_PER_HOUR,
    cost,
    peakNodes: samples.reduce((m, x) => Math.max(m, x.nodes), 0),
    kind: 'stowage-report',
    version: 1,
    coveredHours: hours,
    gapHours: gaps.reduce((h, g) => h + (g.to - g.from) / MS_PER_HOUR, 0),
    gaps: gaps.length,
    maxGapMs: maxGapMs === Infinity ? null : maxGapMs,
    nodeHoursByType: Object.fromEntries(Object.entries(byTypeMs).map(([k, v]) => [k, v / MS_PER_HOUR])),
    meanNodes,
    costPerMonth: monthlyCost(meanCostPerHour),
    packing: {
      lowerBoundNodeHours: sum.lbMs > 0 ? sum.lbNodeMs / MS_PER_HOUR : lone?.lowerBound !== undefined ? 0 : null,
      efficiency: sum.lbMs > 0 ? ratio(sum.nodeMsWithLb, sum.lbNodeMs) : lone?.lowerBound !== undefined ? ratio(nodesInBoundSize(lone), lone.lowerBound) : null,
    },
    baseline,
    savings,
    controlPlane: { counts, cost: cpCost, costPerMonth: cpPerMonth, pricesTaken: CONTROL_PLANE_PRICES_TAKEN, region: CONTROL_PLANE_PRICES_REGION },
    instancePrices: options.catalogLabel ?? `bundled ${CATALOG_REGION} on-demand catalog, prices of ${CATALOG_PRICES_TAKEN}`,
    headline,
    series: seriesOf(spans, lone, costOf, options.seriesPoints ?? DEFAULT_SERIES_POINTS),
  };
}

