import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ErrorBody } from '../contract/error-body';
import { matchPath, ROUTE_LIST, type HandlerModule } from '../contract/routes';
import { systemClock, type Clock } from '../control/clock';
import type { StateStore } from '../control/state/state-store';
import { LOCAL_ADMIN_NAME, localUserArn, userOfToken } from './credentials';
import type { LogReader } from '../control/log-reader';
import type { ApiMetrics, Observability } from '../lambdas/api/deps';
import { createHandler as heartbeatHandler } from '../lambdas/api/heartbeat';
import { createHandler as jobsHandler } from '../lambdas/api/jobs';
import { createHandler as nodesHandler } from '../lambdas/api/nodes';
import { createHandler as reportHandler } from '../lambdas/api/report';
import type { ApiEvent, ApiHandler, ApiResult } from '../lambdas/api/respond';
import { createHandler as submitHandler } from '../lambdas/api/submit';

/**
 * The API Gateway of the local cloud: the same handler modules as the Lambdas, behind a
 * loopback HTTP server that turns each request into the HTTP API's v2 event.
 *
 * IAM is replaced by bearer tokens: the admin's token (written to the credential file at
 * start-up) may call every route but the heartbeat, as LOCAL_USER_ARN, the local admin,
 * who sees and changes every job; a user token (`stowage local token --user NAME`,
 * local/credentials.ts) calls the same routes as arn:aws:iam::000000000000:user/NAME,
 * who sees and changes only its own jobs — so the ownership rule is testable locally.
 * Each node has its own token and may call only its own heartbeat, so "a node reports
 * only for itself" holds locally too. A request with none of these gets 401 before any
 * handler runs.
 */
export interface LocalApiOptions {
  readonly store: StateStore;
  readonly idempotencyStore: BasePersistenceLayer;
  /** The admin's token; user tokens are derived from it (local/credentials.ts userToken). */
  readonly userToken: string;
  /** The node whose token this is, or undefined. */
  readonly nodeForToken: (token: string) => string | undefined;
  readonly clock?: Clock;
  readonly port?: number;
  readonly log?: Observability['log'];
  /** Where the local load balancer answers, for the URL the jobs API shows an exposed job at. */
  readonly loadBalancerUrl?: string;
  /** Where GET /jobs/{id}/logs reads; absent: the route answers 503. */
  readonly logReader?: LogReader;
  /** Called after a call that changes jobs succeeded (a route with `wakesScheduler`): the local cloud wakes the scheduler. */
  readonly onJobsChanged?: () => void;
  /** Called after each request, for the bench and the live view. */
  readonly onRequest?: (info: { method: string; path: string; status: number; ms: number }) => void;
}

export interface LocalApi {
  readonly url: string;
  close(): Promise<void>;
}

/** API Gateway's payload limit; the submit handler has its own, smaller one. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The local cloud's stack name: its secrets are `…:parameter/stowage/local/<name>` (docs/security.md). */
export const LOCAL_STACK = 'local';

/** The admin's caller identity, in the place IAM puts it (submit keys idempotency records on it). */
export const LOCAL_USER_ARN = localUserArn(LOCAL_ADMIN_NAME);
/** Who sees and changes every job locally: the admin alone, as a stack's `admins` context would name. */
export const LOCAL_ADMINS: readonly string[] = [LOCAL_USER_ARN];

const silentMetrics: ApiMetrics = { addMetric: () => undefined, publishStoredMetrics: () => undefined };
const silentLog: Observability['log'] = { info: () => undefined, warn: () => undefined, error: () => undefined };

export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const deps = {
    store: options.store,
    clock: options.clock ?? systemClock,
    log: options.log ?? silentLog,
    metrics: silentMetrics,
  };
  const bearer = (event: ApiEvent) => /^Bearer (.+)$/.exec(event.headers?.authorization ?? '')?.[1]?.trim();
  // One handler per module, as one Lambda function serves each module's routes.
  const handlers: Record<HandlerModule, ApiHandler> = {
    submit: submitHandler({ ...deps, idempotencyStore: options.idempotencyStore, admins: LOCAL_ADMINS, stackName: LOCAL_STACK }),
    jobs: jobsHandler({ ...deps, admins: LOCAL_ADMINS, ...(options.loadBalancerUrl !== undefined ? { loadBalancerUrl: options.loadBalancerUrl } : {}), ...(options.logReader ? { logReader: options.logReader } : {}) }),
    nodes: nodesHandler(deps),
    report: reportHandler(deps),
    heartbeat: heartbeatHandler({
      ...deps,
      identify: (event) => {
        const token = bearer(event);
        return token === undefined ? undefined : options.nodeForToken(token);
      },
    }),
  };

  let requests = 0;
  const server: Server = createServer((req, res) => {
    const t0 = Date.now();
    let url: URL | undefined;
    const finish = (result: ApiResult) => {
      const status = result.statusCode ?? 200;
      res.writeHead(status, (result.headers ?? {}) as Record<string, string>).end(result.body ?? '');
      options.onRequest?.({ method: req.method ?? '', path: url?.pathname ?? '', status, ms: Date.now() - t0 });
    };
    void (async () => {
      requests++;
      // Node accepts absolute-form targets such as `http://[`, which URL cannot parse: a throw
      // here, outside any handler, would be an uncaught exception that ends the process.
      const target = parseTarget(req.url);
      url = target;
      if (!target) {
        req.resume();
        finish(errorResult(400, 'bad-request-target', 'the request target is not a path this API can parse; send a path such as /jobs'));
        return;
      }
      const method = (req.method ?? 'GET').toUpperCase();
      const matches = ROUTE_LIST.filter((r) => matchPath(r, target.pathname) !== undefined);
      const route = matches.find((r) => r.method === method);
      if (!route) {
        // Drain the body so the connection can be reused.
        req.resume();
        finish(
          matches.length > 0
            ? errorResult(405, 'method-not-allowed', `${method} is not allowed on ${target.pathname}; allowed: ${matches.map((r) => r.method).join(', ')}`)
            : errorResult(404, 'not-found', `no route ${method} ${target.pathname}; routes: ${ROUTE_LIST.map((r) => r.key).join(', ')}`),
        );
        return;
      }
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]?.trim();
      const isAdmin = token !== undefined && sameSecret(token, options.userToken);
      const localUser = token === undefined || isAdmin ? undefined : userOfToken(options.userToken, token);
      const isUser = isAdmin || localUser !== undefined;
      const isNode = token !== undefined && !isUser && options.nodeForToken(token) !== undefined;
      if (!isUser && !isNode) {
        req.resume();
        finish(errorResult(401, 'unauthenticated', 'this API takes `Authorization: Bearer <token>`; the local token is in the credential file `npm run local` wrote (the stowage CLI reads it)'));
        return;
      }
      if (route.caller === 'user' && !isUser) {
        req.resume();
        finish(errorResult(403, 'forbidden', `a node's token may call only its own heartbeat, not ${route.key}`));
        return;
      }
      const body = await readBody(req);
      if (body === undefined) {
        // Answer first, then drop the connection: destroying the request before the
        // response is written would reset the socket and the client would never see why.
        // A client still sending would also see a reset if the socket closed under it, so
        // the rest is read and thrown away — up to the limit again, or 10 s — first.
        res.setHeader('connection', 'close');
        res.once('finish', () => discardRest(req));
        finish(errorResult(413, 'payload-too-large', `the request body is larger than ${MAX_BODY_BYTES} bytes`));
        return;
      }
      const params = Object.entries(matchPath(route, target.pathname) ?? {});
      // Object.fromEntries defines each name as an own property, as API Gateway's JSON event
      // does: plain assignment would turn `?__proto__=x` into a prototype write and drop it.
      const headers: Record<string, string> = Object.fromEntries(
        Object.entries(req.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k.toLowerCase(), v]] : [])),
      );
      const query: Record<string, string> = Object.fromEntries(target.searchParams);
      const requestId = `local-${process.pid}-${requests}`;
      const event = {
        version: '2.0',
        routeKey: route.key,
        rawPath: target.pathname,
        rawQueryString: target.search.replace(/^\?/, ''),
        headers,
        ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
        ...(params.length > 0 ? { pathParameters: Object.fromEntries(params.map(([k, v]) => [k, safeDecode(v)])) } : {}),
        // Bytes that are not UTF-8 go on base64-encoded, as API Gateway passes binary, so the
        // handler's strict decoder refuses them instead of Node turning them into U+FFFD.
        body: body.text ?? body.bytes.toString('base64'),
        isBase64Encoded: body.text === undefined,
        requestContext: {
          requestId,
          routeKey: route.key,
          http: { method, path: target.pathname, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
          authorizer: { iam: { userArn: route.caller === 'user' ? (localUser !== undefined ? localUserArn(localUser) : LOCAL_USER_ARN) : `local-node/${options.nodeForToken(token ?? '') ?? ''}` } },
        },
      } as unknown as ApiEvent;
      const result = await handlers[route.handler](event, lambdaContext(requestId));
      finish(result);
      const status = result.statusCode ?? 200;
      if (status < 300 && route.wakesScheduler) options.onJobsChanged?.();
    })().catch((err: unknown) => {
      (options.log ?? silentLog).error('local API: request failed outside the handler', { error: String(err) });
      if (!res.headersSent) finish(errorResult(500, 'internal', 'internal error in the local API; see its log'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Agents keep connections alive; close would wait for them.
        server.closeAllConnections();
      }),
  };
}

function errorResult(status: number, code: string, message: string): ApiResult {
  const body: ErrorBody = { error: { code, message } };
  return { statusCode: status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}

/**
 * Undefined as soon as the body is over the limit; the rest is not read (the caller
 * answers and closes the connection). Events rather than `for await`: leaving that loop
 * early destroys the request, and with it the socket the answer must go out on.
 */
function readBody(req: IncomingMessage): Promise<{ bytes: Buffer; text: string | undefined } | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        req.off('data', onData);
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.once('end', () => {
      const bytes = Buffer.concat(chunks);
      let text: string | undefined;
      try {
        text = STRICT_UTF8.decode(bytes);
      } catch {
        text = undefined;
      }
      resolve({ bytes, text });
    });
    req.once('error', reject);
  });
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The request target as a URL, or undefined when it cannot be parsed. */
function parseTarget(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://127.0.0.1');
  } catch {
    return undefined;
  }
}

function discardRest(req: IncomingMessage): void {
  let extra = 0;
  const timer = setTimeout(() => req.destroy(), 10_000);
  timer.unref();
  req.on('data', (c: Buffer) => {
    extra += c.length;
    if (extra > MAX_BODY_BYTES) req.destroy();
  });
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

/** A bad %-escape is passed through as typed; the handler's path check then names it. */
function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** What Powertools' idempotency reads from a Lambda context: the time left, to expire a record of a timed-out call. */
function lambdaContext(requestId: string) {
  const deadline = Date.now() + 30_000;
  return {
    awsRequestId: requestId,
    functionName: 'stowage-local-api',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  } as unknown as Context;
}

