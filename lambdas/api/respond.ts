import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { ErrorBody } from '../../contract/error-body';
import { ROUTE_SHAPES, type ResponseOf } from '../../contract/route-shapes';
import type { RouteKey } from '../../contract/routes';
import { JobExistsError, JobRevisionConflictError, StoreUnavailableError } from '../../control/state/errors';
import type { Observability } from './deps';
import { ApiError, ConflictError, ServiceUnavailableError, ValidationError } from './errors';

export type ApiEvent = APIGatewayProxyEventV2WithIAMAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;
export type ApiHandler = (event: ApiEvent, context?: Context) => Promise<ApiResult>;

/** What a route returns when it succeeds; `route()` turns it into the HTTP response. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A route's success: the status and body its contract shape declares. */
export function answer<K extends RouteKey>(key: K, body: ResponseOf<K>): Reply {
  return { status: ROUTE_SHAPES[key].status, body };
}

/**
 * The route key of the event with its method in upper case: API Gateway always sends it
 * so, while a direct invocation may not, and methods are matched without regard to case.
 */
export function routeKeyOf(event: ApiEvent): string {
  const key = event.routeKey ?? '';
  const space = key.indexOf(' ');
  return space < 0 ? key : `${key.slice(0, space).toUpperCase()}${key.slice(space)}`;
}

/** Who calls: the IAM identity API Gateway authenticated (the local API's user locally); recorded on the versions a caller makes. */
export function callerOf(event: ApiEvent): string {
  return event.requestContext?.authorizer?.iam?.userArn ?? 'anonymous';
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/**
 * Wraps a route so that every error becomes a response here and nowhere else: typed
 * API errors keep their status and message; core errors a caller can act on are
 * translated; anything else is a 500 whose body says only "internal error" and the
 * request id, while the log gets the full error.
 */
export function route(obs: Observability, fn: (event: ApiEvent, context?: Context) => Promise<Reply>): ApiHandler {
  return async (event, context) => {
    try {
      const reply = await fn(event, context);
      return { statusCode: reply.status, headers: { ...JSON_HEADERS, ...reply.headers }, body: JSON.stringify(reply.body) };
    } catch (err) {
      return errorResponse(err, event, obs);
    } finally {
      obs.metrics.publishStoredMetrics();
    }
  };
}

export function errorResponse(err: unknown, event: ApiEvent, obs: Observability): ApiResult {
  const known = asApiError(err);
  if (known) {
    obs.metrics.addMetric(known.status >= 500 ? 'ServerErrors' : 'ClientErrors', MetricUnit.Count, 1);
    const log = known.status >= 500 ? obs.log.error.bind(obs.log) : obs.log.warn.bind(obs.log);
    log('request refused', { status: known.status, code: known.code, reason: known.message, route: event.routeKey, requestId: event.requestContext?.requestId });
    const body: ErrorBody = {
      error: { code: known.code, message: known.message, ...(known instanceof ValidationError ? { fields: known.fields } : {}) },
    };
    return { statusCode: known.status, headers: { ...JSON_HEADERS, ...known.headers }, body: JSON.stringify(body) };
  }
  obs.metrics.addMetric('ServerErrors', MetricUnit.Count, 1);
  const requestId = event.requestContext?.requestId ?? 'unknown';
  obs.log.error('unhandled error', { route: event.routeKey, requestId, error: err instanceof Error ? err : String(err) });
  const body: ErrorBody = { error: { code: 'internal', message: `internal error; the operators can find it in the logs by request id ${requestId}` } };
  return { statusCode: 500, headers: JSON_HEADERS, body: JSON.stringify(body) };
}

/** Typed API errors as they are; the core's errors a caller can act on, translated; else undefined. */
function asApiError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof StoreUnavailableError) return new ServiceUnavailableError(`the state store is unavailable (${err.operation}); retry shortly`, { cause: err });
  if (err instanceof JobExistsError) return new ConflictError('job-exists', err.message, { cause: err });
  if (err instanceof JobRevisionConflictError) return new ConflictError('job-changed', `${err.message} (it kept changing while this request retried; try again)`, { cause: err });
  return undefined;
}
