import type { Resources } from './resources';

/**
 * What the control plane itself did since the previous sample, for its cost estimate.
 * Counts, not dollars: prices change and live in the report (report/prices.ts).
 */
export interface ControlPlaneCounts {
  /** Scheduler Lambda invocations (one per pass). */
  readonly schedulerInvocations: number;
  /** Their summed duration, ms (what Lambda bills, at the scheduler's memory size). */
  readonly schedulerMs: number;
  /** DynamoDB read request units the passes used: an estimate where the store does not report them. */
  readonly readRequestUnits?: number;
  /** DynamoDB write request units (transactional writes count double, as DynamoDB bills them). */
  readonly writeRequestUnits?: number;
  /** API Gateway requests (agent heartbeats, user calls), when the writer knows them. */
  readonly apiRequests?: number;
}

/**
 * The fleet as one pass left it: what the scheduler's pass writes and the cost report
 * reads. Optional fields are absent where the writer cannot know them, so older
 * samples still read.
 */
export interface UtilisationSample {
  readonly t: number;
  readonly nodes: number;
  readonly nodesByType: Readonly<Record<string, number>>;
  readonly capacity: Resources;
  readonly allocated: Resources;
  readonly usage: Resources;
  readonly costPerHour: number;
  readonly pending: number;
  /** The packing lower bound (core/lower-bound.ts) for the allocated requests, in nodes the size of the largest in use (boundNodeSize). */
  readonly lowerBound?: number;
  /** The node size `lowerBound` counts in; the report counts a mixed fleet's capacity in nodes of this size to compare like with like. */
  readonly lowerBoundNodeSize?: Resources;
  /** False when `usage` is not a measurement (the simulator has only requests); absent means measured. */
  readonly usageMeasured?: boolean;
  readonly controlPlane?: ControlPlaneCounts;
}
