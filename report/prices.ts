/**
 * Published unit prices of the services the control plane runs on, us-east-1, USD, for
 * its cost estimate. Sources (the public pricing pages, list prices, free tier ignored
 * so the estimate is what a busy account pays):
 * - AWS Lambda, https://aws.amazon.com/lambda/pricing/ : requests $0.20 per million;
 *   duration on Arm (Graviton) $0.0000133334 per GB-second (first 7.5 billion GB-s a month).
 * - Amazon DynamoDB on-demand, https://aws.amazon.com/dynamodb/pricing/on-demand/ :
 *   $0.625 per million write request units, $0.125 per million read request units
 *   (the prices since the on-demand reduction of November 2024).
 * - Amazon API Gateway HTTP APIs, https://aws.amazon.com/api-gateway/pricing/ :
 *   $1.00 per million requests (first 300 million a month).
 * Written down on the date below from those pages; not fetched at run time (the report
 * must work offline). Instance prices are in core/catalog.ts with their own date.
 */
export const CONTROL_PLANE_PRICES_TAKEN = '2026-11-27';
export const CONTROL_PLANE_PRICES_REGION = 'us-east-1';

export interface ControlPlanePrices {
  readonly lambdaPerRequest: number;
  readonly lambdaArmPerGbSecond: number;
  readonly dynamoPerReadRequestUnit: number;
  readonly dynamoPerWriteRequestUnit: number;
  readonly apiGatewayHttpPerRequest: number;
}

export const CONTROL_PLANE_PRICES: ControlPlanePrices = {
  // Per single request or unit, so the arithmetic needs no "per million" anywhere.
  lambdaPerRequest: 0.2e-6,
  lambdaArmPerGbSecond: 0.0000133334,
  dynamoPerReadRequestUnit: 0.125e-6,
  dynamoPerWriteRequestUnit: 0.625e-6,
  apiGatewayHttpPerRequest: 1e-6,
};

/**
 * What the stack configures (infra/scheduler.ts, infra/stowage-function.ts), and what one
 * API request costs beyond API Gateway's own price. The per-request figures are
 * assumptions, not measurements: a heartbeat (the bulk of API traffic) is one Lambda
 * invocation of about 30 ms that writes the node item and reads its tasks.
 */
export const CONTROL_PLANE_SHAPE = {
  schedulerMemoryGb: 1,
  apiMemoryGb: 0.5,
  apiMsPerRequest: 30,
  apiReadUnitsPerRequest: 1,
  apiWriteUnitsPerRequest: 1,
} as const;
