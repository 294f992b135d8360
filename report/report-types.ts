import type { ControlPlaneCost, ControlPlaneTotals } from './control-plane-usage';

/** CPU and memory ratios in [0, 1]; null when nothing had capacity (or nothing was measured). */
export interface ResourceRatios {
  readonly cpu: number | null;
  readonly memory: number | null;
}

/** "N nodes → M nodes, X % → Y % allocated, $A → $B per month (−Z %)": the numbers as shown. */
export interface Headline {
  readonly text: string;
  /** The baseline's node count. */
  readonly baselineNodes: number;
  /** The mean node count over the window, one decimal. */
  readonly nodes: number;
  /** CPU allocated ÷ the baseline's capacity, percent, one decimal. */
  readonly baselineAllocatedPct: number;
  readonly allocatedPct: number;
  /** Whole dollars per month (730 hours). */
  readonly baselineMonthly: number;
  /** The fleet plus the control plane, dollars per month. */
  readonly monthly: number;
  /** (baseline − this) ÷ baseline, percent, one decimal; negative when this costs more. */
  readonly savingsPct: number;
}

/** Time series for the charts, on a common time axis (down-sampled, time-weighted). Null marks a gap. */
export interface ReportSeries {
  readonly t: readonly number[];
  readonly nodes: readonly (number | null)[];
  readonly nodesByType: Readonly<Record<string, readonly (number | null)[]>>;
  readonly allocatedCpu: readonly (number | null)[];
  readonly allocatedMemory: readonly (number | null)[];
  readonly measuredCpu: readonly (number | null)[];
  readonly measuredMemory: readonly (number | null)[];
  readonly costPerHour: readonly (number | null)[];
  readonly lowerBound: readonly (number | null)[];
  /** The fleet counted in nodes of the bound's size (what packing efficiency divides by the bound). */
  readonly fleetInBoundSize: readonly (number | null)[];
}

export interface BaselineFigures {
  readonly description: string;
  readonly nodes: number;
  readonly nodesByType: Readonly<Record<string, number>>;
  readonly costPerHour: number;
  /** Over the covered hours of the window. */
  readonly cost: number;
  readonly costPerMonth: number;
  /** The same allocations on the baseline's capacity. */
  readonly allocatedUtilisation: ResourceRatios;
}

/**
 * How a report counts time. `wall`: `from`, `to` and the series' times are milliseconds
 * since the epoch (a deployment; shown as UTC dates). `trace`: milliseconds from the
 * start of the trace it replays (shown as "day N hh:mm"), since a trace's times are
 * offsets and read as dates they all fall on 1 January 1970.
 */
export const REPORT_CLOCKS = ['wall', 'trace'] as const;
export type ReportClock = (typeof REPORT_CLOCKS)[number];

/**
 * The report: what GET /report returns and `stowage report --json` prints. Every figure
 * is explained in docs/report.md. The first nine fields are the ones GET /report had
 * before the full report, unchanged in meaning.
 */
export interface StowageReport {
  readonly from: number;
  readonly to: number;
  readonly samples: number;
  /** How `from`, `to` and `series.t` count time. */
  readonly clock: ReportClock;
  /** `from` and `to` as the report shows them: UTC dates, or "day N hh:mm" of a replay. */
  readonly window: { readonly from: string; readonly to: string };
  /** Allocated (requested) over capacity, time-weighted. */
  readonly allocatedUtilisation: ResourceRatios;
  /** Measured usage over capacity, time-weighted; null when no sample measured usage. */
  readonly usedUtilisation: ResourceRatios;
  readonly nodeHours: number;
  /** Fleet cost over the window, dollars. */
  readonly cost: number;
  readonly peakNodes: number;
  readonly kind: 'stowage-report';
  readonly version: 1;
  /** Hours integrated (between the first and last sample, less the gaps). */
  readonly coveredHours: number;
  readonly gapHours: number;
  readonly gaps: number;
  readonly maxGapMs: number | null;
  readonly nodeHoursByType: Readonly<Record<string, number>>;
  readonly meanNodes: number;
  /** Mean fleet cost per hour × 730. */
  readonly costPerMonth: number;
  readonly packing: {
    /** Σ over time of the packing lower bound, node-hours of nodes the size of the largest in use. */
    readonly lowerBoundNodeHours: number | null;
    /** Node-hours ÷ lower-bound node-hours over the spans that recorded a bound (≥ 1; 1 is perfect). */
    readonly efficiency: number | null;
  };
  readonly baseline: BaselineFigures | null;
  readonly savings: { readonly cost: number; readonly perMonth: number; readonly fraction: number | null } | null;
  readonly controlPlane: {
    readonly counts: ControlPlaneTotals;
    readonly cost: ControlPlaneCost;
    readonly costPerMonth: number;
    readonly pricesTaken: string;
    readonly region: string;
  };
  /** Where instance prices came from (the bundled catalog and its date, or a file). */
  readonly instancePrices: string;
  readonly headline: Headline | null;
  readonly series: ReportSeries;
}

/** Several replays of one trace side by side (`stowage sim --report`). */
export interface ReportComparison {
  readonly kind: 'stowage-report-comparison';
  readonly version: 1;
  readonly title: string;
  readonly policies: readonly { readonly name: string; readonly description: string; readonly report: StowageReport }[];
  /** The first policy against each other one: fleet cost over the same replay, and the fraction saved. */
  readonly versus: readonly { readonly policy: string; readonly reference: string; readonly cost: number; readonly referenceCost: number; readonly savingsFraction: number | null }[];
}

export type AnyReport = StowageReport | ReportComparison;
