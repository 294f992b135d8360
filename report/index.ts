/**
 * The cost and utilisation report: figures from the samples the scheduler
 * writes each pass, and three renderings of them. Pure: no I/O, no clock.
 */
import { renderHtml } from './html-render';
import type { AnyReport } from './report-types';
import { renderTable } from './table-render';
import { ReportInputError } from './errors';

export { buildReport, type ReportOptions } from './build-report';
export { compareReports } from './comparison';
export { parseBaseline, peakBaseline, type BaselineFleet } from './baseline';
export { controlPlaneCost, sumCounts, type ControlPlaneTotals, type ControlPlaneCost } from './control-plane-usage';
export { CONTROL_PLANE_PRICES, CONTROL_PLANE_PRICES_TAKEN, CONTROL_PLANE_PRICES_REGION } from './prices';
export { ReportInputError } from './errors';
export { spansOf, GAP_FACTOR } from './spans';
export { layoutTable, wrapText, type Align } from './text-table';
export type { AnyReport, StowageReport, ReportComparison, Headline, ReportSeries, ResourceRatios, BaselineFigures } from './report-types';

export const REPORT_FORMATS = ['table', 'json', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/**
 * The report as text in one of the formats; JSON is the report object itself (what GET
 * /report returns). `width` fits the table (default 80 columns); the others ignore it.
 */
export function renderReport(report: AnyReport, format: ReportFormat, options: { readonly width?: number } = {}): string {
  switch (format) {
    case 'table':
      return renderTable(report, options.width);
    case 'json':
      return JSON.stringify(report, null, 2) + '\n';
    case 'html':
      return renderHtml(report);
    default:
      throw new ReportInputError('format', `must be one of ${REPORT_FORMATS.join(', ')}, got ${String(format)}`);
  }
}
