import type { ControlPlaneCounts, UtilisationSample } from '../core/utilisation-sample';
import { CONTROL_PLANE_PRICES, CONTROL_PLANE_SHAPE, type ControlPlanePrices } from './prices';

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
