import { CONTROL_PLANE_PRICES, CONTROL_PLANE_PRICES_REGION, CONTROL_PLANE_PRICES_TAKEN, CONTROL_PLANE_SHAPE, type ControlPlanePrices } from './prices';

/**
 * The control plane's monthly bill at a fleet size and heartbeat period, from what
 * `stowage bench --store dynamodb` measured per heartbeat and per pass. Prices of
 * Lambda, DynamoDB on-demand and API Gateway HTTP APIs are report/prices.ts's (with
 * their sources and date); the two below are added here:
 * - Amazon SQS standard queue, https://aws.amazon.com/sqs/pricing/ : $0.40 per million
 *   requests (first million a month free, ignored), as of CONTROL_PLANE_PRICES_TAKEN.
 * - DynamoDB Streams, https://aws.amazon.com/dynamodb/pricing/on-demand/ : GetRecords
 *   calls made by AWS Lambda for a DynamoDB trigger are free; a record the event
 *   filter drops starts no invocation. So the Nodes stream adds $0: only the passes it
 *   starts count, and those are in passesPerMinute.
 */
export const SQS_PER_REQUEST = 0.4e-6;
export const STREAM_READ_PER_RECORD = 0;

/** AWS's convention for a month: 730 hours. */
const SECONDS_PER_MONTH = 730 * 3600;
const MINUTES_PER_MONTH = 730 * 60;

/**
 * Lambda's SQS event source long-polls with about five pollers while the queue is idle,
 * each ReceiveMessage waiting 20 s: 15 requests a minute whatever the load (AWS Lambda
 * developer guide, "Using Lambda with Amazon SQS": polling scales from five).
 */
const SQS_IDLE_RECEIVES_PER_MINUTE = 5 * 3;
/** A follow-up wake is one SendMessage, and its delivery one receive and one delete. */
const SQS_REQUESTS_PER_WAKE = 3;

/** What the bench measured, per unit of work. */
export interface MeasuredUnits {
  readonly heartbeatReadUnits: number;
  readonly heartbeatWriteUnits: number;
  /** Handler time of one heartbeat (the bench's, on DynamoDB Local: an upper stand-in for Lambda's duration). */
  readonly heartbeatMs: number;
  readonly passReadUnits: number;
  readonly passWriteUnits: number;
  readonly passMs: number;
}

export interface FleetScenario {
  readonly nodes: number;
  readonly heartbeatSeconds: number;
  /**
   * Scheduler passes a minute: the one-minute schedule plus the wakes that changes and
   * follow-ups ask for. Quiet heartbeats wake none (scheduler-wake-filter.ts).
   */
  readonly passesPerMinute: number;
  /** Of those, the ones that came through the SQS wake queue (follow-ups and API changes). */
  readonly queuedWakesPerMinute: number;
  /**
   * How reports reach the heartbeat function. Default `function-url`, as deployed: a
   * Lambda function URL adds no charge to the invocation (https://aws.amazon.com/lambda/pricing/);
   * `api-gateway` prices the HTTP API route nodes used before, for comparison.
   */
  readonly heartbeatTransport?: 'function-url' | 'api-gateway';
}

export interface ScenarioCost {
  readonly scenario: FleetScenario;
  readonly heartbeatsPerMonth: number;
  readonly passesPerMonth: number;
  /** What API Gateway charges for the reports: none through the function URL. */
  readonly apiGateway: number;
  readonly heartbeatLambda: number;
  readonly schedulerLambda: number;
  readonly dynamoReads: number;
  readonly dynamoWrites: number;
  readonly sqs: number;
  readonly streams: number;
  readonly total: number;
}

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(field: string, rule: string) {
    super(`control-plane scenario: ${field} ${rule}`);
  }
}

/** Dollars a month for one scenario: every figure is a count times a published unit price. */
export function controlPlaneMonth(units: MeasuredUnits, s: FleetScenario, prices: ControlPlanePrices = CONTROL_PLANE_PRICES): ScenarioCost {
  if (!(Number.isInteger(s.nodes) && s.nodes >= 0)) throw new ScenarioError('nodes', `must be a whole number ≥ 0, got ${s.nodes}`);
  if (!(s.heartbeatSeconds > 0)) throw new ScenarioError('heartbeatSeconds', `must be > 0, got ${s.heartbeatSeconds}`);
  if (!(s.passesPerMinute >= 0)) throw new ScenarioError('passesPerMinute', `must be ≥ 0, got ${s.passesPerMinute}`);
  if (!(s.queuedWakesPerMinute >= 0 && s.queuedWakesPerMinute <= s.passesPerMinute)) throw new ScenarioError('queuedWakesPerMinute', `must be within [0, passesPerMinute], got ${s.queuedWakesPerMinute}`);
  for (const [k, v] of Object.entries(units)) if (!(v >= 0)) throw new ScenarioError(k, `must be a measured figure ≥ 0, got ${v}`);
  const heartbeatsPerMonth = (s.nodes * SECONDS_PER_MONTH) / s.heartbeatSeconds;
  const passesPerMonth = s.passesPerMinute * MINUTES_PER_MONTH;
  const gbSeconds = (ms: number, gb: number) => (ms / 1000) * gb;
  const apiGateway = s.heartbeatTransport === 'api-gateway' ? heartbeatsPerMonth * prices.apiGatewayHttpPerRequest : 0;
  const heartbeatLambda = heartbeatsPerMonth * (prices.lambdaPerRequest + gbSeconds(units.heartbeatMs, CONTROL_PLANE_SHAPE.apiMemoryGb) * prices.lambdaArmPerGbSecond);
  const schedulerLambda = passesPerMonth * (prices.lambdaPerRequest + gbSeconds(units.passMs, CONTROL_PLANE_SHAPE.schedulerMemoryGb) * prices.lambdaArmPerGbSecond);
  const dynamoReads = (heartbeatsPerMonth * units.heartbeatReadUnits + passesPerMonth * units.passReadUnits) * prices.dynamoPerReadRequestUnit;
  const dynamoWrites = (heartbeatsPerMonth * units.heartbeatWriteUnits + passesPerMonth * units.passWriteUnits) * prices.dynamoPerWriteRequestUnit;
  const sqs = (SQS_IDLE_RECEIVES_PER_MINUTE * MINUTES_PER_MONTH + SQS_REQUESTS_PER_WAKE * s.queuedWakesPerMinute * MINUTES_PER_MONTH) * SQS_PER_REQUEST;
  const streams = STREAM_READ_PER_RECORD * heartbeatsPerMonth;
  const total = apiGateway + heartbeatLambda + schedulerLambda + dynamoReads + dynamoWrites + sqs + streams;
  return { scenario: s, heartbeatsPerMonth, passesPerMonth, apiGateway, heartbeatLambda, schedulerLambda, dynamoReads, dynamoWrites, sqs, streams, total };
}

/** The prices' provenance, for whatever prints a table of these. */
export const CONTROL_PLANE_SCALE_PRICES_NOTE = `${CONTROL_PLANE_PRICES_REGION} list prices taken ${CONTROL_PLANE_PRICES_TAKEN} (report/prices.ts, report/control-plane-scale.ts)`;

/**
 * The steady fleet's scheduler: the one-minute schedule, plus the follow-up each pass
 * asks for at the earliest heartbeat deadline (core/pass/follow-up.ts). As deployed, a
 * steady node's liveness is written every second report, so the oldest stored report is
 * about two periods old at a pass, and with the timeout at four periods (lambdas/config.ts)
 * the next deadline comes two periods later: a queued wake every two periods. Quiet heartbeats wake none. A busy fleet runs more passes: each costs
 * `passReadUnits`, `passWriteUnits` and `passMs` more.
 */
export function steadyPassRate(heartbeatSeconds: number): { readonly passesPerMinute: number; readonly queuedWakesPerMinute: number } {
  const queuedWakesPerMinute = 60 / (2 * heartbeatSeconds);
  return { passesPerMinute: 1 + queuedWakesPerMinute, queuedWakesPerMinute };
}

/** The month at `nodes` for each heartbeat period, with the steady pass rate. */
export function controlPlaneMonths(units: MeasuredUnits, nodes: number, heartbeatSeconds: readonly number[] = [10, 30]): ScenarioCost[] {
  return heartbeatSeconds.map((h) => controlPlaneMonth(units, { nodes, heartbeatSeconds: h, ...steadyPassRate(h) }));
}
