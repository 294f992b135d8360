/**
 * The API's routes: the one list API Gateway (infra/api.ts), the local API
 * (local/local-api.ts) and the handlers (lambdas/api/) are built from. Plain data with
 * no schemas, so the CDK app reads it without loading any; each route's request and
 * response shapes are in route-shapes.ts, keyed by the same route keys.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Who may call: `user` is anyone the API authenticates as a person (IAM identities in
 * AWS, the user's token locally); `node` is only the node whose id is the path's `{id}`
 * — a node's credentials reach no other route, and another node's reach not this one.
 */
export type Caller = 'user' | 'node';

/** The handler module serving a route: lambdas/api/<name>.ts, wired in lambdas/handlers/<name>.ts. */
export const HANDLER_MODULES = ['submit', 'jobs', 'nodes', 'heartbeat', 'report'] as const;
export type HandlerModule = (typeof HANDLER_MODULES)[number];

export interface Route {
  readonly method: HttpMethod;
  /** API Gateway's path syntax: literal segments and `{name}` parameters, one segment each. */
  readonly path: string;
  /** API Gateway's route key, `METHOD path`: what a handler is told it serves. */
  readonly key: string;
  readonly caller: Caller;
  readonly handler: HandlerModule;
  /**
   * A successful call changes what the scheduler must decide (a job created, changed,
   * scaled, rolled back or stopped): the API asks for a pass at once rather than leaving
   * the change for the next node write or the schedule.
   */
  readonly wakesScheduler?: true;
}

// Listed in the order the local API names them when it refuses an unknown path.
export const ROUTES = {
  submitJob: { method: 'POST', path: '/jobs', key: 'POST /jobs', caller: 'user', handler: 'submit', wakesScheduler: true },
  // `{id}` takes a job's name or its id everywhere; PUT takes the name (it may create the job).
  putJob: { method: 'PUT', path: '/jobs/{id}', key: 'PUT /jobs/{id}', caller: 'user', handler: 'submit', wakesScheduler: true },
  listJobs: { method: 'GET', path: '/jobs', key: 'GET /jobs', caller: 'user', handler: 'jobs' },
  getJob: { method: 'GET', path: '/jobs/{id}', key: 'GET /jobs/{id}', caller: 'user', handler: 'jobs' },
  stopJob: { method: 'DELETE', path: '/jobs/{id}', key: 'DELETE /jobs/{id}', caller: 'user', handler: 'jobs', wakesScheduler: true },
  listVersions: { method: 'GET', path: '/jobs/{id}/versions', key: 'GET /jobs/{id}/versions', caller: 'user', handler: 'jobs' },
  scaleJob: { method: 'POST', path: '/jobs/{id}/scale', key: 'POST /jobs/{id}/scale', caller: 'user', handler: 'jobs', wakesScheduler: true },
  rollbackJob: { method: 'POST', path: '/jobs/{id}/rollback', key: 'POST /jobs/{id}/rollback', caller: 'user', handler: 'jobs', wakesScheduler: true },
  listNodes: { method: 'GET', path: '/nodes', key: 'GET /nodes', caller: 'user', handler: 'nodes' },
  getReport: { method: 'GET', path: '/report', key: 'GET /report', caller: 'user', handler: 'report' },
  heartbeat: { method: 'PUT', path: '/nodes/{id}/heartbeat', key: 'PUT /nodes/{id}/heartbeat', caller: 'node', handler: 'heartbeat' },
  jobLogs: { method: 'GET', path: '/jobs/{id}/logs', key: 'GET /jobs/{id}/logs', caller: 'user', handler: 'jobs' },
} as const satisfies Record<string, Route>;

export type RouteName = keyof typeof ROUTES;
export type RouteKey = (typeof ROUTES)[RouteName]['key'];

export const ROUTE_LIST: readonly Route[] = Object.values(ROUTES);

const PARAM = /^\{([A-Za-z][A-Za-z0-9]*)\}$/;

/**
 * The path parameters of `pathname` if it matches the route's path, else undefined.
 * Values are as sent (still %-encoded); each matches one non-empty segment.
 */
export function matchPath(route: Route, pathname: string): Record<string, string> | undefined {
  const want = route.path.split('/');
  const got = pathname.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const name = PARAM.exec(want[i])?.[1];
    if (name === undefined) {
      if (want[i] !== got[i]) return undefined;
    } else {
      if (got[i] === '') return undefined;
      params[name] = got[i];
    }
  }
  return params;
}

/**
 * The path to call: each `{name}` replaced by its value, %-encoded so that any value
 * stays one segment (the route checks what the value may be).
 */
export function routePath(route: Route, params: Readonly<Record<string, string>> = {}): string {
  return route.path
    .split('/')
    .map((segment) => {
      const name = PARAM.exec(segment)?.[1];
      if (name === undefined) return segment;
      const value = params[name];
      if (value === undefined) throw new RangeError(`${route.key} needs the path parameter ${name}`);
      return encodeURIComponent(value);
    })
    .join('/');
}
