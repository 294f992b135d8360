import type { ControlPlaneCounts, UtilisationSample } from '../core/ports';
import { CONTROL_PLANE_PRICES, CONTROL_PLANE_SHAPE, type ControlPlanePrices } from './prices';

/** What one scheduler pass read and wrote, as counts of items and plan entries. */
export interface PassShape {
  /** Items the snapshot scanned: jobs + tasks + nodes. */
  readonly snapshotItems: number;
  /** Nodes listed again to write the sample. */
  readonly nodesListed: number;
  readonly assignments: number;
  /** Distinct nodes receiving assignments: one transaction each, whose node item is written too. */
  readonly assignmentGroups: number;
  readonly taskUpdates: number;
  readonly nodeUpdates: number;
  readonly launches: number;
  readonly terminations: number;
}

/** Stowage's items are well under 1 KB (a task with its spec is ~0.5 KB). */
const ITEMS_PER_4KB = 4;

/**
 * DynamoDB request units of one pass, estimated from its shape, because the store does
 * not ask DynamoDB for ConsumedCapacity. Billing rules (DynamoDB pricing page): a scan
 * is billed on the bytes it reads, 0.5 RRU per 4 KB when eventually consistent, at
 * least one unit per request; a write is 1 WRU per KB, 2 inside a transaction.
 * Assignments and task updates commit in transactions (lambdas/state), the rest are
 * plain conditional writes; each task update reads its item first (0.5 RRU).
 */
export function estimatePassRequestUnits(p: PassShape): { readRequestUnits: number; writeRequestUnits: number } {
  const scan = (items: number) => 0.5 * Math.max(1, Math.ceil(items / ITEMS_PER_4KB));
  // The snapshot is three scans (jobs, tasks, nodes): at least three requests.
  const readRequestUnits = Math.max(scan(p.snapshotItems), 1.5) + scan(p.nodesListed) + 0.5 * p.taskUpdates;
  const writeRequestUnits = 2 * (p.assignments + p.assignmentGroups) + 2 * p.taskUpdates + p.nodeUpdates + p.launches + p.terminations + 1; // + the sample
  return { readRequestUnits, writeRequestUnits };
}

/** The counts of a window, summed. */
export interface ControlPlaneTotals {
  readonly schedulerInvocations: number;
  readonly schedulerMs: number;
  readonly readRequestUnits: number;
  readonly writeRequestUnits: number;
  /** Null when no sample counted API requests (a live deployment does not yet). */
  readonly apiRequests: number | null;
}

export function sumCounts(samples: readonly UtilisationSample[]): ControlPlaneTotals {
  let inv = 0;
  let ms = 0;
  let rru = 0;
  let wru = 0;
  let api: number | null = null;
  for (const s of samples) {
    const c: ControlPlaneCounts | undefined = s.controlPlane;
    if (!c) continue;
    inv += c.schedulerInvocations;
    ms += c.schedulerMs;
    rru += c.readRequestUnits ?? 0;
    wru += c.writeRequestUnits ?? 0;
    if (c.apiRequests !== undefined) api = (api ?? 0) + c.apiRequests;
  }
  return { schedulerInvocations: inv, schedulerMs: ms, readRequestUnits: rru, writeRequestUnits: wru, apiRequests: api };
}

export interface ControlPlaneCost {
  readonly schedulerLambda: number;
  readonly apiLambda: number;
  readonly apiGateway: number;
  readonly dynamoReads: number;
  readonly dynamoWrites: number;
  readonly total: number;
}

/**
 * Dollars for the counts at the given unit prices. Each API request is also one Lambda
 * invocation of the API's memory size and assumed duration, with its own reads and
 * writes (CONTROL_PLANE_SHAPE); unknown API traffic counts as none.
 */
export function controlPlaneCost(t: ControlPlaneTotals, prices: ControlPlanePrices = CONTROL_PLANE_PRICES): ControlPlaneCost {
  const api = t.apiRequests ?? 0;
  const shape = CONTROL_PLANE_SHAPE;
  const schedulerLambda = t.schedulerInvocations * prices.lambdaPerRequest + (t.schedulerMs / 1000) * shape.schedulerMemoryGb * prices.lambdaArmPerGbSecond;
  const apiLambda = api * prices.lambdaPerRequest + ((api * shape.apiMsPerRequest) / 1000) * shape.apiMemoryGb * prices.lambdaArmPerGbSecond;
  const apiGateway = api * prices.apiGatewayHttpPerRequest;
  const dynamoReads = (t.readRequestUnits + api * shape.apiReadUnitsPerRequest) * prices.dynamoPerReadRequestUnit;
  const dynamoWrites = (t.writeRequestUnits + api * shape.apiWriteUnitsPerRequest) * prices.dynamoPerWriteRequestUnit;
  return { schedulerLambda, apiLambda, apiGateway, dynamoReads, dynamoWrites, total: schedulerLambda + apiLambda + apiGateway + dynamoReads + dynamoWrites };
}
