import type { ReportComparison, StowageReport } from './report-types';

/**
 * Replays of one trace side by side; the first policy is the one the others are
 * measured against (Stowage, in `stowage sim --report`).
 */
export function compareReports(title: string, policies: readonly { name: string; description: string; report: StowageReport }[]): ReportComparison {
  const [first, ...rest] = policies;
  const versus = first
    ? rest.map((p) => ({
        policy: p.name,
        reference: first.name,
        cost: p.report.cost,
        referenceCost: first.report.cost,
        savingsFraction: p.report.cost > 0 ? (p.report.cost - first.report.cost) / p.report.cost : null,
      }))
    : [];
  return { kind: 'stowage-report-comparison', version: 1, title, policies, versus };
}
