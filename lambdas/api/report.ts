import { z } from 'zod';
import type { UtilisationSample } from '../../core/ports';
import type { ApiDeps } from './deps';
import { ValidationError } from './errors';
import { parseWith } from './request';
import { route, type ApiHandler } from './respond';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Samples live 30 days; a longer window could only be partly filled. */
export const MAX_WINDOW_MS = 31 * DAY_MS;

const millis = z
  .string()
  .regex(/^\d{1,16}$/, 'must be a time in milliseconds since the epoch (digits only)')
  .transform(Number);

export const reportQuerySchema = z.strictObject({ from: millis.optional(), to: millis.optional() });

export interface ReportFigures {
  readonly from: number;
  readonly to: number;
  readonly samples: number;
  /** Allocated (requested) over capacity, weighted by time; null when nothing had capacity. */
  readonly allocatedUtilisation: { readonly cpu: number | null; readonly memory: number | null };
  /** Measured usage over capacity, weighted by time. */
  readonly usedUtilisation: { readonly cpu: number | null; readonly memory: number | null };
  readonly nodeHours: number;
  /** Dollars. */
  readonly cost: number;
  readonly peakNodes: number;
}

/**
 * The report's figures from the samples in [from, to], sorted by time. Each sample
 * holds until the next (piecewise constant), so the integrals run over the spans
 * between consecutive samples; the last sample opens no span, since what followed it
 * is unknown. Utilisation is a ratio of integrals (core-hours allocated over core-hours
 * available), not a mean of ratios, so a small idle fleet does not weigh as much as a
 * large busy one. With a single sample there is no span, and its own ratios are used.
 */
export function reportFigures(samples: readonly UtilisationSample[], from: number, to: number): ReportFigures {
  const s = [...samples].sort((a, b) => a.t - b.t);
  let nodeMs = 0;
  let costMsPerHour = 0;
  const sum = { capCpu: 0, capMem: 0, allocCpu: 0, allocMem: 0, useCpu: 0, useMem: 0 };
  const weigh = (x: UtilisationSample, w: number) => {
    sum.capCpu += x.capacity.cpu * w;
    sum.capMem += x.capacity.memoryMiB * w;
    sum.allocCpu += x.allocated.cpu * w;
    sum.allocMem += x.allocated.memoryMiB * w;
    sum.useCpu += x.usage.cpu * w;
    sum.useMem += x.usage.memoryMiB * w;
  };
  for (let i = 0; i + 1 < s.length; i++) {
    const dt = s[i + 1].t - s[i].t;
    nodeMs += s[i].nodes * dt;
    costMsPerHour += s[i].costPerHour * dt;
    weigh(s[i], dt);
  }
  if (s.length === 1) weigh(s[0], 1);
  const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
  return {
    from,
    to,
    samples: s.length,
    allocatedUtilisation: { cpu: ratio(sum.allocCpu, sum.capCpu), memory: ratio(sum.allocMem, sum.capMem) },
    usedUtilisation: { cpu: ratio(sum.useCpu, sum.capCpu), memory: ratio(sum.useMem, sum.capMem) },
    nodeHours: nodeMs / HOUR_MS,
    cost: costMsPerHour / HOUR_MS,
    peakNodes: s.reduce((m, x) => Math.max(m, x.nodes), 0),
  };
}

export type ReportDeps = ApiDeps;

/** GET /report?from=&to= (ms since the epoch; default the last 24 hours). */
export function createHandler(deps: ReportDeps): ApiHandler {
  return route(deps, async (event) => {
    const q = parseWith(reportQuerySchema, event.queryStringParameters ?? {}, 'query', 'query');
    const to = q.to ?? deps.clock.now();
    const from = q.from ?? to - DAY_MS;
    if (from >= to) throw new ValidationError([{ field: 'query.from', rule: 'must be before to' }], 'query');
    if (to - from > MAX_WINDOW_MS) throw new ValidationError([{ field: 'query.from', rule: `the window may span at most ${MAX_WINDOW_MS / DAY_MS} days` }], 'query');
    const samples = await deps.store.listSamples(from, to);
    return { status: 200, body: reportFigures(samples, from, to) };
  });
}
