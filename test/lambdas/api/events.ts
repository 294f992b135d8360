import type { Context } from 'aws-lambda';
import type { ApiDeps, Observability } from '../../../lambdas/api/deps';
import type { ApiEvent, ApiResult } from '../../../lambdas/api/respond';
import { InMemoryStateStore } from '../../../control/fakes/in-memory-state-store';

export const ACCOUNT = '123456789012';
export const NODE_ROLE = 'StowageNodeRole';

export interface EventOptions {
  readonly body?: unknown;
  /** A raw body string, sent as is (malformed JSON, oversized bodies). */
  readonly rawBody?: string;
  readonly base64?: boolean;
  readonly headers?: Record<string, string>;
  readonly pathParameters?: Record<string, string>;
  readonly query?: Record<string, string>;
  /** The caller's IAM ARN, as API Gateway's IAM authoriser passes it on. */
  readonly userArn?: string;
}

/** An API Gateway HTTP API (payload format 2.0) event with IAM authorisation. */
export function apiEvent(method: string, routePath: string, options: EventOptions = {}): ApiEvent {
  const rawPath = routePath.replace(/\{(\w+)\}/g, (_, k: string) => options.pathParameters?.[k] ?? '');
  let body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined && options.base64) body = Buffer.from(body, 'utf8').toString('base64');
  const userArn = options.userArn ?? `arn:aws:iam::${ACCOUNT}:user/alice`;
  return {
    version: '2.0',
    routeKey: `${method} ${routePath}`,
    rawPath,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { 'content-type': 'application/json', ...lowercaseKeys(options.headers ?? {}) },
    queryStringParameters: options.query,
    pathParameters: options.pathParameters,
    body,
    isBase64Encoded: options.base64 ?? false,
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'api1234',
      domainName: 'api1234.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'api1234',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '10.0.0.1', userAgent: 'jest' },
      requestId: `req-${Math.random().toString(16).slice(2)}`,
      routeKey: `${method} ${routePath}`,
      stage: '$default',
      time: '01/Jan/2027:00:00:00 +0000',
      timeEpoch: 1_800_000_000_000,
      authorizer: {
        iam: {
          accessKey: 'ASIAEXAMPLE',
          accountId: ACCOUNT,
          callerId: 'AROAEXAMPLE:session',
          cognitoIdentity: null,
          principalOrgId: 'o-example',
          userArn,
          userId: 'AROAEXAMPLE:session',
        },
      },
    },
  } as ApiEvent;
}

/** The ARN an EC2 instance's role credentials present: the session name is the instance id. */
export function instanceArn(instanceId: string, role = NODE_ROLE): string {
  return `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${instanceId}`;
}

export function lambdaContext(remainingMs = 10_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'stowage-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:stowage-test`,
    memoryLimitInMB: '256',
    awsRequestId: 'aws-req-1',
    logGroupName: '/aws/lambda/stowage-test',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The response body as JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests reach into response bodies of many shapes
export function json(result: ApiResult): any {
  return JSON.parse(result.body as string);
}

export interface Recorded {
  readonly logs: Array<{ level: string; message: string; extra: unknown[] }>;
  readonly metrics: Array<{ name: string; value: number }>;
}

/** Store, frozen clock, and a logger/metrics pair that record instead of printing. */
export function testDeps(now = 1_800_000_000_000): ApiDeps<InMemoryStateStore> & { recorded: Recorded; clock: { now(): number; set(t: number): void } } {
  const recorded: Recorded = { logs: [], metrics: [] };
  let t = now;
  const at = (level: string) => (message: string, ...extra: unknown[]) => void recorded.logs.push({ level, message, extra });
  return {
    store: new InMemoryStateStore(),
    clock: { now: () => t, set: (v: number) => (t = v) },
    log: { info: at('info'), warn: at('warn'), error: at('error') } as Observability['log'],
    metrics: { addMetric: (name: string, _unit: unknown, value: number) => void recorded.metrics.push({ name, value }), publishStoredMetrics: () => undefined },
    recorded,
  };
}

export { InMemoryPersistenceLayer } from '../../../lambdas/fakes/in-memory-idempotency';

function lowercaseKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}
