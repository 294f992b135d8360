import { reportQuerySchema, type ReportResponse } from '../../contract/report';
import { ROUTES } from '../../contract/routes';
import type { FleetStateReader } from '../../control/state/state-store';
import type { UtilisationSample } from '../../core/utilisation-sample';
import { buildReport, ReportInputError, type StowageReport } from '../../report';
import type { ApiDeps } from './deps';
import { ValidationError } from './errors';
import { parseWith } from './request';
import { answer, route, type ApiHandler } from './respond';
import type { Assert, Same } from './type-checks';

/**
 * Compile-time: GET /report answers with the report exactly as report/ builds it, and
 * a client can render what it reads with report/'s renderers.
 */
export type ReportInStep = Assert<Same<StowageReport, ReportResponse>>;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Samples live 30 days; a longer window could only be partly filled. */
export const MAX_WINDOW_MS = 31 * DAY_MS;

/**
 * The report's figures from the samples in [from, to]; the integration lives in
 * report/build-report.ts so the CLI and the simulator compute exactly the same figures.
 */
export function reportFigures(samples: readonly UtilisationSample[], from: number, to: number, baseline?: string): ReportResponse {
  return buildReport(samples, { from, to, baseline });
}

export type ReportDeps = ApiDeps<FleetStateReader>;

/** GET /report?from=&to=&baseline= (ms since the epoch; default the last 24 hours). */
export function createHandler(deps: ReportDeps): ApiHandler {
  return route(deps, async (event) => {
    const q = parseWith(reportQuerySchema, event.queryStringParameters ?? {}, 'query', 'query');
    const to = q.to ?? deps.clock.now();
    const from = q.from ?? to - DAY_MS;
    if (from >= to) throw new ValidationError([{ field: 'query.from', rule: 'must be before to' }], 'query');
    if (to - from > MAX_WINDOW_MS) throw new ValidationError([{ field: 'query.from', rule: `the window may span at most ${MAX_WINDOW_MS / DAY_MS} days` }], 'query');
    const samples = await deps.store.listSamples(from, to);
    try {
      return answer(ROUTES.getReport.key, reportFigures(samples, from, to, q.baseline));
    } catch (err) {
      if (err instanceof ReportInputError) throw new ValidationError([{ field: `query.${err.field}`, rule: err.message.slice(err.field.length + 2) }], 'query');
      throw err;
    }
  });
}
