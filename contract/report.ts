import { z } from 'zod';

/**
 * GET /report: the query and the report it answers with. The report's figures are
 * defined in report/report-types.ts and explained in docs/report.md; this is their wire
 * form, and lambdas/api/report.ts checks at compile time that the two stay the same type.
 */

const millis = z
  .string()
  .regex(/^\d{1,16}$/, 'must be a time in milliseconds since the epoch (digits only)')
  .transform(Number);

export const reportQuerySchema = z.strictObject({
  from: millis.optional(),
  to: millis.optional(),
  /** A static fleet to compare with, e.g. `70xm5.large`; default the window's peak fleet held. */
  baseline: z.string().min(1).max(200).optional(),
});
export type ReportQuery = z.input<typeof reportQuerySchema>;

const ratios = z.object({ cpu: z.number().nullable(), memory: z.number().nullable() });
const series = z.array(z.number().nullable()).readonly();

const headline = z.object({
  text: z.string(),
  baselineNodes: z.number(),
  nodes: z.number(),
  baselineAllocatedPct: z.number(),
  allocatedPct: z.number(),
  baselineMonthly: z.number(),
  monthly: z.number(),
  savingsPct: z.number(),
});

const baseline = z.object({
  description: z.string(),
  nodes: z.number(),
  nodesByType: z.record(z.string(), z.number()),
  costPerHour: z.number(),
  cost: z.number(),
  costPerMonth: z.number(),
  allocatedUtilisation: ratios,
});

const controlPlane = z.object({
  counts: z.object({
    schedulerInvocations: z.number(),
    schedulerMs: z.number(),
    readRequestUnits: z.number(),
    writeRequestUnits: z.number(),
    apiRequests: z.number().nullable(),
  }),
  cost: z.object({
    schedulerLambda: z.number(),
    apiLambda: z.number(),
    apiGateway: z.number(),
    dynamoReads: z.number(),
    dynamoWrites: z.number(),
    total: z.number(),
  }),
  costPerMonth: z.number(),
  pricesTaken: z.string(),
  region: z.string(),
});

export const reportResponseSchema = z.object({
  from: z.number(),
  to: z.number(),
  samples: z.number(),
  clock: z.enum(['wall', 'trace']),
  window: z.object({ from: z.string(), to: z.string() }),
  allocatedUtilisation: ratios,
  usedUtilisation: ratios,
  nodeHours: z.number(),
  cost: z.number(),
  peakNodes: z.number(),
  kind: z.literal('stowage-report'),
  version: z.literal(1),
  coveredHours: z.number(),
  gapHours: z.number(),
  gaps: z.number(),
  maxGapMs: z.number().nullable(),
  nodeHoursByType: z.record(z.string(), z.number()),
  meanNodes: z.number(),
  costPerMonth: z.number(),
  packing: z.object({ lowerBoundNodeHours: z.number().nullable(), efficiency: z.number().nullable() }),
  baseline: baseline.nullable(),
  savings: z.object({ cost: z.number(), perMonth: z.number(), fraction: z.number().nullable() }).nullable(),
  controlPlane,
  instancePrices: z.string(),
  headline: headline.nullable(),
  series: z.object({
    t: z.array(z.number()).readonly(),
    nodes: series,
    nodesByType: z.record(z.string(), series),
    allocatedCpu: series,
    allocatedMemory: series,
    measuredCpu: series,
    measuredMemory: series,
    costPerHour: series,
    lowerBound: series,
    fleetInBoundSize: series,
  }),
});
export type ReportResponse = z.infer<typeof reportResponseSchema>;
