import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { HeartbeatBody } from '../../contract/heartbeat';
import { ROUTE_LIST, routePath } from '../../contract/routes';
import { InMemoryStateStore } from '../../control/fakes/in-memory-state-store';
import { LOCAL_USER_ARN, startLocalApi, type LocalApi } from '../../local/local-api';
import { InMemoryPersistenceLayer } from '../lambdas/api/events';

/**
 * The local API Gateway: the real handlers behind a loopback HTTP server, guarded by
 * bearer tokens (one for the user, one per node). Every check goes through real fetch.
 */

const USER_TOKEN = 'user-token-0123456789';
const NODE_TOKENS: Record<string, string> = { 'node-token-a': 'local-node-a', 'node-token-b': 'local-node-b' };
const NOW = 1_800_000_000_000;

const WEB_EXAMPLE = JSON.parse(readFileSync(path.join(__dirname, '../../examples/web-service.json'), 'utf8')) as Record<string, unknown>;
/** The example without its expose rule: these tests submit it several times into one store, and a live job holds its rule. */
const WEB_SERVICE = Object.fromEntries(Object.entries(WEB_EXAMPLE).filter(([k]) => k !== 'expose'));

const HEARTBEAT: HeartbeatBody = {
  instanceType: 'local',
  zone: 'local-a',
  labels: {},
  capacity: { cpu: 2000, memoryMiB: 2048 },
  usage: { cpu: 0, memoryMiB: 0 },
  pricePerHour: 0,
  containers: [],
};

interface RequestInfo {
  method: string;
  path: string;
  status: number;
  ms: number;
}

let store: InMemoryStateStore;
let api: LocalApi;
let jobsChanged = 0;
const requests: RequestInfo[] = [];

beforeAll(async () => {
  store = new InMemoryStateStore();
  api = await startLocalApi({
    store,
    idempotencyStore: new InMemoryPersistenceLayer(),
    userToken: USER_TOKEN,
    nodeForToken: (token) => NODE_TOKENS[token],
    clock: { now: () => NOW },
    onJobsChanged: () => {
      jobsChanged++;
    },
    onRequest: (info) => {
      requests.push(info);
    },
  });
});

afterAll(async () => {
  await api?.close();
});

beforeEach(() => {
  jobsChanged = 0;
  requests.length = 0;
});

async function call(method: string, route: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${api.url}${route}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies of many shapes
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body };
}

describe('startLocalApi', () => {
  test('listens on loopback and reports its url', () => {
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  describe('authentication', () => {
    test('no Authorization header → 401 with a JSON error code, before any handler runs', async () => {
      const r = await call('GET', '/jobs');
      expect(r.status).toBe(401);
      expect(r.headers.get('content-type')).toContain('application/json');
      expect(r.body.error.code).toBe('unauthenticated');
      expect(r.body.error.message).toContain('Authorization: Bearer');
    });

    test('a wrong token → 401', async () => {
      const r = await call('GET', '/jobs', { token: 'not-the-token' });
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('unauthenticated');
    });

    test('a token of the right length but different content → 401', async () => {
      const r = await call('GET', '/jobs', { token: USER_TOKEN.replace(/.$/, 'X') });
      expect(r.status).toBe(401);
    });

    test('a non-Bearer scheme → 401', async () => {
      const r = await call('GET', '/jobs', { headers: { authorization: `Basic ${USER_TOKEN}` } });
      expect(r.status).toBe(401);
    });

    test('a wrong token on a heartbeat → 401 and nothing stored', async () => {
      const r = await call('PUT', '/nodes/local-node-a/heartbeat', { token: 'nope', body: HEARTBEAT });
      expect(r.status).toBe(401);
      expect((await store.listNodes()).map((n) => n.id)).not.toContain('local-node-a');
    });

    // A known caller on a route it may not use gets 403, not 401 (found by this suite: it once got 401).
    test("a node's token on GET /jobs → 403 forbidden (it may call only its own heartbeat)", async () => {
      const r = await call('GET', '/jobs', { token: 'node-token-a' });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('forbidden');
      expect(r.body.error.message).toContain('GET /jobs');
    });

    test("a node's token on GET /jobs is refused (not 200) and creates nothing", async () => {
      const r = await call('GET', '/jobs', { token: 'node-token-a' });
      expect([401, 403]).toContain(r.status);
      const post = await call('POST', '/jobs', { token: 'node-token-a', body: WEB_SERVICE });
      expect([401, 403]).toContain(post.status);
      expect(jobsChanged).toBe(0);
      expect(await store.listJobs()).toEqual([]);
    });
  });

  describe('heartbeat', () => {
    test("the user's token on PUT /nodes/<id>/heartbeat → 403 from the handler (the user is not that node)", async () => {
      const r = await call('PUT', '/nodes/local-node-a/heartbeat', { token: USER_TOKEN, body: HEARTBEAT });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('forbidden');
      expect(r.body.error.message).toContain('local-node-a');
      expect((await store.listNodes()).map((n) => n.id)).not.toContain('local-node-a');
    });

    test("node A's token on node B's heartbeat → 403 and nothing stored", async () => {
      const r = await call('PUT', '/nodes/local-node-b/heartbeat', { token: 'node-token-a', body: HEARTBEAT });
      expect(r.status).toBe(403);
      expect(r.body.error.message).toContain('local-node-a');
      expect(r.body.error.message).toContain('local-node-b');
      expect((await store.listNodes()).map((n) => n.id)).not.toContain('local-node-b');
    });

    test("node A's token on its own heartbeat with a valid body → 200 and the node is stored", async () => {
      const r = await call('PUT', '/nodes/local-node-a/heartbeat', { token: 'node-token-a', body: HEARTBEAT });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ nodeId: 'local-node-a', tasks: [] });
      const node = (await store.listNodes()).find((n) => n.id === 'local-node-a');
      expect(node).toMatchObject({ id: 'local-node-a', instanceType: 'local', zone: 'local-a', capacity: { cpu: 2000, memoryMiB: 2048 }, lastHeartbeatAt: NOW });
      // A heartbeat is not a job change.
      expect(jobsChanged).toBe(0);
    });

    test('an invalid heartbeat body from the right node → 400, nothing stored', async () => {
      const r = await call('PUT', '/nodes/local-node-b/heartbeat', { token: 'node-token-b', body: { ...HEARTBEAT, capacity: { cpu: -1, memoryMiB: 1 } } });
      expect(r.status).toBe(400);
      expect((await store.listNodes()).map((n) => n.id)).not.toContain('local-node-b');
    });
  });

  describe('routing', () => {
    test('an unknown path → 404 naming the routes', async () => {
      const r = await call('GET', '/nope', { token: USER_TOKEN });
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('not-found');
      expect(r.body.error.message).toContain('GET /nope');
      for (const key of ['POST /jobs', 'GET /jobs', 'GET /jobs/{id}', 'DELETE /jobs/{id}', 'GET /nodes', 'GET /report', 'PUT /nodes/{id}/heartbeat']) {
        expect(r.body.error.message).toContain(key);
      }
    });

    // Bodies the handlers refuse, so routing is shown without changing what later tests see.
    test.each(ROUTE_LIST.map((r) => [r.key, r] as const))('%s reaches its handler, for its caller only', async (_key, r) => {
      const node = r.caller === 'node' ? 'local-node-a' : undefined;
      const path = routePath(r, { id: node ?? 'job-ffffffffffffffffffff' });
      const body = r.method === 'POST' || r.method === 'PUT' ? { nope: 1 } : undefined;
      const own = await call(r.method, path, { token: node ? 'node-token-a' : USER_TOKEN, body });
      expect(own.status).not.toBe(405);
      expect(own.body.error?.message ?? '').not.toMatch(/^no route/);
      if (r.caller === 'user') {
        const asNode = await call(r.method, path, { token: 'node-token-a', body });
        expect({ status: asNode.status, code: asNode.body.error.code }).toEqual({ status: 403, code: 'forbidden' });
      }
    });

    test('a wrong method on /jobs → 405 naming the allowed methods', async () => {
      const r = await call('PATCH', '/jobs', { token: USER_TOKEN, body: {} });
      expect(r.status).toBe(405);
      expect(r.body.error.code).toBe('method-not-allowed');
      expect(r.body.error.message).toContain('allowed: POST, GET');
    });
  });

  describe('jobs', () => {
    test('POST /jobs with a valid job → 202 with its ids, stored, and onJobsChanged called once', async () => {
      const r = await call('POST', '/jobs', { token: USER_TOKEN, body: WEB_SERVICE });
      expect(r.status).toBe(202);
      expect(r.body.jobId).toMatch(/^job-[0-9a-f]{20}$/);
      expect(r.body.taskIds).toEqual([0, 1, 2].map((i) => `${r.body.jobId}.${i}`));
      expect(jobsChanged).toBe(1);
      const stored = await store.getJob(r.body.jobId);
      expect(stored?.job).toMatchObject({ name: 'web', image: 'stowage/busybox:local', count: 3, resources: { cpu: 250, memoryMiB: 64 }, createdAt: NOW });
      expect(stored?.tasks).toHaveLength(3);
    });

    test('an invalid job → 400 and onJobsChanged not called', async () => {
      const r = await call('POST', '/jobs', { token: USER_TOKEN, body: { ...WEB_SERVICE, cpu: -5 } });
      expect(r.status).toBe(400);
      expect(jobsChanged).toBe(0);
    });

    test('the same POST twice with one Idempotency-Key → the same jobId and one job', async () => {
      const headers = { 'Idempotency-Key': 'retry-key-1' };
      const before = (await store.listJobs()).length;
      // A name of its own: an earlier test's `web` is still live, and POST refuses a live name.
      const body = { ...WEB_SERVICE, name: 'web-retried' };
      const first = await call('POST', '/jobs', { token: USER_TOKEN, body, headers });
      const second = await call('POST', '/jobs', { token: USER_TOKEN, body, headers });
      expect(first.status).toBe(202);
      expect(second.status).toBe(202);
      expect(second.body.jobId).toBe(first.body.jobId);
      expect(second.body.taskIds).toEqual(first.body.taskIds);
      expect((await store.listJobs()).length).toBe(before + 1);
    });

    test('GET /jobs/{id} returns the job and its tasks; GET /jobs lists it', async () => {
      const { body } = await call('POST', '/jobs', { token: USER_TOKEN, body: { ...WEB_SERVICE, name: 'lookup' } });
      const one = await call('GET', `/jobs/${body.jobId}`, { token: USER_TOKEN });
      expect(one.status).toBe(200);
      expect(one.body.job).toMatchObject({ id: body.jobId, name: 'lookup' });
      expect(one.body.tasks).toHaveLength(3);
      const all = await call('GET', '/jobs', { token: USER_TOKEN });
      expect(all.status).toBe(200);
      expect(all.body.jobs.map((j: { id: string }) => j.id)).toContain(body.jobId);
    });

    test('GET /jobs/{id} of an unknown job → 404', async () => {
      const r = await call('GET', '/jobs/job-00000000000000000000', { token: USER_TOKEN });
      expect(r.status).toBe(404);
    });

    test('DELETE /jobs/{id} → 202, the stop is recorded and onJobsChanged called', async () => {
      const { body } = await call('POST', '/jobs', { token: USER_TOKEN, body: { ...WEB_SERVICE, name: 'doomed' } });
      jobsChanged = 0;
      const r = await call('DELETE', `/jobs/${body.jobId}`, { token: USER_TOKEN });
      expect(r.status).toBe(202);
      expect(r.body).toEqual({ jobId: body.jobId, stopRequested: true });
      expect(jobsChanged).toBe(1);
      expect((await store.getJob(body.jobId))?.job.stopRequestedAt).toBe(NOW);
    });

    test('DELETE of an unknown job does not call onJobsChanged', async () => {
      const r = await call('DELETE', '/jobs/job-00000000000000000000', { token: USER_TOKEN });
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(jobsChanged).toBe(0);
    });

    test('submits are keyed on the local user ARN', () => {
      expect(LOCAL_USER_ARN).toMatch(/^arn:aws:iam::\d{12}:user\//);
    });
  });

  describe('body limit', () => {
    /** Streams `mib` MiB of spaces, one reused 1 MiB chunk at a time; never holds the whole body. */
    function streamedBody(mib: number): { body: ReadableStream<Uint8Array>; sent: () => number } {
      const chunk = new Uint8Array(1024 * 1024).fill(0x20);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= mib) return controller.close();
          sent++;
          controller.enqueue(chunk);
        },
      });
      return { body, sent: () => sent };
    }

    async function postHuge(): Promise<{ status?: number; error?: unknown; sent: number }> {
      const { body, sent } = streamedBody(11);
      try {
        const res = await fetch(`${api.url}/jobs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${USER_TOKEN}`, 'content-type': 'application/json' },
          body,
          duplex: 'half',
        } as RequestInit);
        await res.arrayBuffer();
        return { status: res.status, sent: sent() };
      } catch (error) {
        return { error, sent: sent() };
      }
    }

    test('a body over 10 MiB is refused: onRequest reports 413, no job is created and the server stays up', async () => {
      const before = (await store.listJobs()).length;
      await postHuge();
      await new Promise((r) => setTimeout(r, 50));
      expect(requests).toContainEqual(expect.objectContaining({ method: 'POST', path: '/jobs', status: 413 }));
      expect(jobsChanged).toBe(0);
      expect((await store.listJobs()).length).toBe(before);
      // Still serving.
      expect((await call('GET', '/jobs', { token: USER_TOKEN })).status).toBe(200);
    });

    // The answer must leave before the connection is dropped (found by this suite: the
    // request was once destroyed first, and the client saw ECONNRESET instead of 413).
    test('a body over 10 MiB → the client receives 413 payload-too-large', async () => {
      const r = await postHuge();
      expect(r.error).toBeUndefined();
      expect(r.status).toBe(413);
    });
  });

  describe('observability and queries', () => {
    test('onRequest reports method, path (without query) and status of each request', async () => {
      await call('GET', '/jobs?x=1', { token: USER_TOKEN });
      await call('GET', '/nope');
      await call('GET', '/jobs');
      expect(requests).toEqual([
        { method: 'GET', path: '/jobs', status: 200, ms: expect.any(Number) },
        { method: 'GET', path: '/nope', status: 404, ms: expect.any(Number) },
        { method: 'GET', path: '/jobs', status: 401, ms: expect.any(Number) },
      ]);
      for (const r of requests) expect(r.ms).toBeGreaterThanOrEqual(0);
    });

    test('the query string reaches GET /report: ?from=abc → 400 naming query.from', async () => {
      const r = await call('GET', '/report?from=abc', { token: USER_TOKEN });
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body.error)).toContain('query.from');
      expect(requests).toContainEqual(expect.objectContaining({ method: 'GET', path: '/report', status: 400 }));
    });

    test('GET /report with a valid window → 200', async () => {
      const r = await call('GET', `/report?from=${NOW - 3_600_000}&to=${NOW}`, { token: USER_TOKEN });
      expect(r.status).toBe(200);
    });

    test('GET /nodes lists nodes for the user', async () => {
      await call('PUT', '/nodes/local-node-b/heartbeat', { token: 'node-token-b', body: HEARTBEAT });
      const r = await call('GET', '/nodes', { token: USER_TOKEN });
      expect(r.status).toBe(200);
      expect(JSON.stringify(r.body)).toContain('local-node-b');
    });
  });
});
