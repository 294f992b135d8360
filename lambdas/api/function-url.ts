import { matchPath, type Route } from '../../contract/routes';
import { RouteNotFoundError } from './errors';
import { errorResponse, type ApiEvent, type ApiHandler } from './respond';
import type { Observability } from './deps';

/**
 * A route served through a Lambda function URL as well as through API Gateway. A function
 * URL's event has API Gateway's v2 shape (AWS Lambda developer guide, "Invoking Lambda
 * function URLs", request payload format) but no route matching: its routeKey is
 * `$default` and it has no pathParameters. This fills both from the method and raw path,
 * so the route's own checks (path parameter, caller, body) run unchanged; anything but
 * the route is 404. Events from API Gateway pass through as they are.
 *
 * Why nodes report through a function URL: API Gateway's HTTP API charges $1.00 per
 * million requests and a function URL nothing beyond the function's own invocation
 * (https://aws.amazon.com/lambda/pricing/, "Function URLs"), and heartbeats are almost
 * every request the control plane takes: at 70 nodes every 30 s, 6.1 million a month.
 */
export function viaFunctionUrl(route: Route, obs: Observability, handler: ApiHandler): ApiHandler {
  return async (event, context) => {
    if (event.routeKey !== '$default') return handler(event, context);
    const method = event.requestContext?.http?.method?.toUpperCase();
    const params = method === route.method ? matchPath(route, event.rawPath ?? '') : undefined;
    if (!params) {
      return errorResponse(new RouteNotFoundError(method ?? '?', event.rawPath ?? '?', route.key), event, obs);
    }
    const routed: ApiEvent = { ...event, routeKey: route.key, pathParameters: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, safeDecode(v)])) };
    return handler(routed, context);
  };
}

function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    // Left as sent: the route's own pattern check refuses it with the field's name.
    return v;
  }
}
