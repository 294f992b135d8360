import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemoryStateStore } from '../../core/fakes/in-memory-state-store';
import type { ApiDeps } from '../../lambdas/api/deps';
import { createHandler as createJobsHandler } from '../../lambdas/api/jobs';
import { createHandler as createNodesHandler } from '../../lambdas/api/nodes';
import { createHandler as createReportHandler } from '../../lambdas/api/report';
import type { ApiEvent, ApiHandler } from '../../lambdas/api/respond';
import { createHandler as createSubmitHandler } from '../../lambdas/api/submit';
import { InMemoryPersistenceLayer, lambdaContext } from '../unit/api/events';
import { ROOT, type CliRun } from './run-cli';

/**
 * A loopback HTTP server with the user API's routes (the real Lambda handlers) over an
 * InMemoryStateStore, behind a bearer token as the local cloud's API is, for tests of
 * the user CLI. Not the local cloud's router: just enough to drive the CLI end to end.
 */
export interface CliTestApi {
  readonly url: string;
  readonly token: string;
  readonly store: InMemoryStateStore;
  /** Every request as `METHOD /path`, in order, including refused ones. */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

interface RouteMatch {
  readonly routeKey: string;
  readonly handler: ApiHandler;
  readonly pathParameters?: Record<string, string>;
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const metrics = { addMetric: () => undefined, publishStoredMetrics: () => undefined };

export async function startCliTestApi(options: { token?: string; store?: InMemoryStateStore } = {}): Promise<CliTestApi> {
  const token = options.token ?? `tok-${process.pid}-${Date.now().toString(36)}`;
  const store = options.store ?? new InMemoryStateStore();
  const deps: ApiDeps = { store, clock: { now: () => Date.now() }, log: silent, metrics };
  const submit = createSubmitHandler({ ...deps, idempotencyStore: new InMemoryPersistenceLayer() });
  const jobs = createJobsHandler(deps);
  const nodes = createNodesHandler(deps);
  const report = createReportHandler(deps);
  const requests: string[] = [];

  const match = (method: string, path: string): RouteMatch | undefined => {
    if (path === '/jobs' && method === 'POST') return { routeKey: 'POST /jobs', handler: submit };
    if (path === '/jobs' && method === 'GET') return { routeKey: 'GET /jobs', handler: jobs };
    const job = /^\/jobs\/([^/]+)$/.exec(path);
    if (job && (method === 'GET' || method === 'DELETE')) return { routeKey: `${method} /jobs/{id}`, handler: jobs, pathParameters: { id: decodeURIComponent(job[1]) } };
    if (path === '/nodes' && method === 'GET') return { routeKey: 'GET /nodes', handler: nodes };
    if (path === '/report' && method === 'GET') return { routeKey: 'GET /report', handler: report };
    return undefined;
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = (req.method ?? 'GET').toUpperCase();
      requests.push(`${method} ${url.pathname}`);
      const body = await readBody(req);
      const send = (status: number, payload: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      if (req.headers.authorization !== `Bearer ${token}`) {
        send(401, { error: { code: 'unauthorized', message: 'missing or wrong bearer token' } });
        return;
      }
      const route = match(method, url.pathname);
      if (!route) {
        send(404, { error: { code: 'not-found', message: `no route ${method} ${url.pathname}` } });
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
      const query = Object.fromEntries(url.searchParams);
      const event = {
        version: '2.0',
        routeKey: route.routeKey,
        rawPath: url.pathname,
        rawQueryString: url.search.replace(/^\?/, ''),
        headers,
        queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
        pathParameters: route.pathParameters,
        body: body === '' ? undefined : body,
        isBase64Encoded: false,
        requestContext: { requestId: `cli-test-${requests.length}`, http: { method, path: url.pathname } },
      } as unknown as ApiEvent;
      // A Lambda context lets Powertools expire the in-progress record of a request that died, as in AWS.
      const out = await route.handler(event, lambdaContext(30_000));
      res.writeHead(out.statusCode ?? 200, (out.headers ?? {}) as Record<string, string>).end(out.body ?? '');
    })().catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'internal', message: String(err) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    store,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Runs the real `stowage` entry point as run-cli.ts does, but without blocking: the API
 * the CLI calls lives in this same process, so a spawnSync would never let it answer.
 */
export function runStowage(args: readonly string[], options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/stowage.js', ...args], { cwd: ROOT, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}
