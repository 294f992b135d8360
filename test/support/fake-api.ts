import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { matchPath, ROUTES } from '../../contract/routes';
import { InMemoryStateStore } from '../../control/fakes/in-memory-state-store';
import { createHandler } from '../../lambdas/api/heartbeat';
import type { ApiEvent } from '../../lambdas/api/respond';

/**
 * A loopback HTTP server with the API's heartbeat route (the real Lambda handler) over an
 * InMemoryStateStore, for agent tests. A caller holding `token` is trusted to be the node
 * it names in the path, as the local API does; anything else is refused like a non-node.
 */
export interface FakeApi {
  readonly url: string;
  readonly token: string;
  readonly store: InMemoryStateStore;
  /** The clock the handler stamps heartbeats with; tests may move it. */
  now: number;
  readonly requests: number;
  close(): Promise<void>;
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const metrics = { addMetric: () => undefined, publishStoredMetrics: () => undefined };

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeApi(options: { token?: string; store?: InMemoryStateStore; now?: number } = {}): Promise<FakeApi> {
  const token = options.token ?? `tok-${process.pid}-${Date.now().toString(36)}`;
  const store = options.store ?? new InMemoryStateStore();
  let requests = 0;
  const api = {
    url: '',
    token,
    store,
    now: options.now ?? Date.now(),
    get requests() {
      return requests;
    },
    close: async () => undefined,
  } as FakeApi;
  const handler = createHandler({
    store,
    clock: { now: () => api.now },
    log: silent,
    metrics,
    identify: (e) => (e.headers?.authorization === `Bearer ${token}` ? e.pathParameters?.id : undefined),
  });
  const server: Server = createServer((req, res) => {
    void (async () => {
      requests++;
      const url = new URL(req.url ?? '/', 'http://localhost');
      const params = matchPath(ROUTES.heartbeat, url.pathname);
      if (req.method !== ROUTES.heartbeat.method || !params) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not-found', message: `${req.method} ${url.pathname}` } }));
        return;
      }
      const body = await readBody(req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
      const event = {
        version: '2.0',
        routeKey: ROUTES.heartbeat.key,
        rawPath: url.pathname,
        rawQueryString: '',
        headers,
        pathParameters: { id: decodeURIComponent(params.id) },
        body,
        isBase64Encoded: false,
        requestContext: { requestId: `fake-${requests}`, http: { method: 'PUT', path: url.pathname } },
      } as unknown as ApiEvent;
      const out = await handler(event);
      res.writeHead(out.statusCode ?? 200, (out.headers ?? {}) as Record<string, string>).end(out.body ?? '');
    })().catch((err: unknown) => {
      res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(api, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // fetch keeps connections alive; close would wait for them.
        server.closeAllConnections();
      }),
  });
  return api;
}
