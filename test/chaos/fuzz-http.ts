import { InMemoryPersistenceLayer } from '../../lambdas/fakes/in-memory-idempotency';
import fc from 'fast-check';
import { request } from 'node:http';
import { connect } from 'node:net';
import { startLocalApi, type LocalApi } from '../../local/local-api';
import { FIXTURE_JOB, FIXTURE_NODE, fixtureStore, storeState, validJob } from './fuzz-api';
import { check, contentType, FuzzCrash, hostileRawBody, hostileString, SHELL_AND_PATHS, UNICODE, type FuzzStats } from './fuzz-support';
import type { InMemoryStateStore } from '../../control/fakes/in-memory-state-store';

/**
 * The same hostile inputs over real HTTP against the local API (local/local-api.ts):
 * raw request lines and bodies through a socket, so nothing normalises them first.
 * Properties: every answer is an HTTP response with a JSON error (or a 2xx for a valid
 * request), nothing refused changes the store, and the server still answers a valid
 * request afterwards.
 */

export const USER_TOKEN = 'fuzz-user-token-0123456789';
export const NODE_TOKEN = 'fuzz-node-token-0123456789';

export interface HttpWorld {
  readonly api: LocalApi;
  readonly store: InMemoryStateStore;
  close(): Promise<void>;
}

export async function startHttpWorld(): Promise<HttpWorld> {
  const store = await fixtureStore();
  const api = await startLocalApi({
    store,
    idempotencyStore: new InMemoryPersistenceLayer(),
    userToken: USER_TOKEN,
    nodeForToken: (t) => (t === NODE_TOKEN ? FIXTURE_NODE : undefined),
    clock: { now: () => 1_800_000_000_000 },
  });
  return { api, store, close: () => api.close() };
}

export interface RawResponse {
  readonly status: number;
  readonly body: string;
}

/** Sends bytes as they are and reads one response; `undefined` status when the server closed without one. */
export function rawExchange(url: string, head: string, body: Buffer = Buffer.alloc(0), timeoutMs = 10_000): Promise<RawResponse | undefined> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new FuzzCrash(`no answer within ${timeoutMs} ms to ${JSON.stringify(head.slice(0, 120))}`));
    }, timeoutMs);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (!m) return resolve(undefined);
      const sep = text.indexOf('\r\n\r\n');
      let payload = sep >= 0 ? text.slice(sep + 4) : '';
      if (/\r\ntransfer-encoding: chunked/i.test(text.slice(0, sep))) payload = dechunk(payload);
      resolve({ status: Number(m[1]), body: Buffer.from(payload, 'latin1').toString('utf8') });
    });
    socket.write(head);
    if (body.length > 0) socket.write(body);
  });
}

function dechunk(s: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const nl = s.indexOf('\r\n', i);
    if (nl < 0) return out;
    const size = parseInt(s.slice(i, nl), 16);
    if (!size) return out;
    out += s.slice(nl + 2, nl + 2 + size);
    i = nl + 2 + size + 2;
  }
}

/** A valid request must still work: the server is alive and answers as before. */
export function healthy(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL('/jobs', url);
    const req = request(u, { method: 'GET', headers: { authorization: `Bearer ${USER_TOKEN}` }, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new FuzzCrash('health check timed out')));
    req.on('error', (err) => reject(new FuzzCrash(`the local API no longer answers: ${String(err)}`)));
    req.end();
  });
}

const TARGETS = [
  '/jobs', `/jobs/${FIXTURE_JOB}`, '/jobs/../..', '/jobs/..%2f..', '/jobs/%2e%2e', '/jobs/%', '/jobs/%00', '/jobs/%ff%fe', '/jobs//', '//jobs', '/JOBS', '/nodes',
  `/nodes/${FIXTURE_NODE}/heartbeat`, '/nodes/../jobs/heartbeat', '/nodes/%2e%2e%2fi-1/heartbeat', '/report?from=1e308', '/report?__proto__=1', '/report?from=-1&to=x',
  '/report?from=0&to=9999999999999999', '/report?baseline=%00', 'http://[', '//[', 'http://127.0.0.1:99999/jobs', '*', '/jobs?' + 'a'.repeat(2000), '/%E2%80%AEjobs',
];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'CONNECT', 'BREW', 'get', 'G ET'];
const AUTH = [
  undefined, `Bearer ${USER_TOKEN}`, `Bearer ${NODE_TOKEN}`, `bearer ${USER_TOKEN}`, 'Bearer', 'Bearer ', `Bearer  ${USER_TOKEN} `, `Basic ${Buffer.from('a:b').toString('base64')}`,
  `Bearer ${USER_TOKEN.slice(0, -1)}`, `Bearer ${USER_TOKEN}x`, 'Bearer \u00ff\u00fe', `Bearer ${'a'.repeat(4000)}`,
];

/** Every UTF-8 byte percent-encoded (encodeURIComponent throws on a lone surrogate). */
const pct = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

const bodyBytes = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  hostileRawBody.map((s) => Buffer.from(s, 'utf8')),
  validJob.map((j) => Buffer.from(JSON.stringify(j), 'utf8')),
  fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
  fc.constantFrom(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), Buffer.from('{"name":"\xff\xfe"}', 'latin1'), Buffer.from('{"name":"\ud800"}', 'utf8')),
);

export function httpProperty(world: () => HttpWorld, stats: FuzzStats) {
  const req = fc.record({
    method: fc.constantFrom(...METHODS),
    target: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...TARGETS) }, { weight: 1, arbitrary: fc.constantFrom(...SHELL_AND_PATHS, ...UNICODE).map((s) => `/jobs/${pct(s)}`) }, { weight: 1, arbitrary: hostileString.map((s) => `/jobs/${pct(s)}`) }),
    auth: fc.constantFrom(...AUTH),
    ct: contentType,
    idem: fc.option(fc.oneof(fc.constantFrom('k1', '', 'a'.repeat(200)), hostileString.filter((s) => /^[\x21-\x7e ]*$/.test(s))), { nil: undefined }),
    body: bodyBytes,
    declaredLength: fc.constantFrom('exact', 'exact', 'exact', 'chunked', 'none'),
  });
  return fc.asyncProperty(req, async (q) => {
    const w = world();
    const before = await storeState(w.store);
    const headers = ['Host: 127.0.0.1', 'Connection: close'];
    if (q.auth !== undefined) headers.push(`Authorization: ${q.auth}`);
    if (q.ct !== undefined && /^[\x20-\x7e]*$/.test(q.ct)) headers.push(`Content-Type: ${q.ct}`);
    if (q.idem !== undefined) headers.push(`Idempotency-Key: ${q.idem}`);
    let body = q.body;
    if (q.declaredLength === 'exact') headers.push(`Content-Length: ${body.length}`);
    else if (q.declaredLength === 'chunked') {
      headers.push('Transfer-Encoding: chunked');
      body = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from(body.length > 0 ? '\r\n0\r\n\r\n' : '\r\n')]);
    } else body = Buffer.alloc(0);
    const res = await rawExchange(w.api.url, `${q.method} ${q.target} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`, body);
    stats.tried++;
    // Node's own parser refuses some requests (bad method, bad target) before the API sees them.
    if (res !== undefined) {
      check(res.status < 500, `answered ${res.status}: ${res.body.slice(0, 200)}`);
      if (res.status < 300) stats.accepted++;
      else stats.refused++;
      if (res.status >= 400 && res.body.length > 0 && q.method.toUpperCase() !== 'HEAD') {
        let parsed: { error?: { code?: unknown } } | undefined;
        try {
          parsed = JSON.parse(res.body) as typeof parsed;
        } catch {
          parsed = undefined;
        }
        // Node's parser answers its own 400s with an empty body; everything the API answers is JSON.
        check(typeof parsed?.error?.code === 'string', `a ${res.status} without a JSON error: ${res.body.slice(0, 200)}`);
      }
      const changed = (await storeState(w.store)) !== before;
      const mayChange = res.status < 300 && (q.method === 'POST' || q.method === 'DELETE' || q.method === 'PUT');
      check(!changed || mayChange, `a ${res.status} to ${q.method} ${q.target} changed the store`);
    } else stats.refused++;
    const alive = await healthy(w.api.url);
    check(alive === 200, `after that request a valid GET /jobs answered ${alive}`);
  });
}

/** An 11 MiB body: refused with 413 before the server holds it all, and the server lives on. */
export async function oversizedBodyCheck(w: HttpWorld, stats: FuzzStats): Promise<void> {
  const size = 11 * 1024 * 1024;
  const head = `POST /jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${USER_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`;
  const before = await storeState(w.store);
  const res = await rawExchange(w.api.url, head, Buffer.alloc(size, 0x61), 30_000);
  stats.tried++;
  stats.refused++;
  check(res?.status === 413, `an 11 MiB body got ${res?.status}`);
  check((await storeState(w.store)) === before, 'an 11 MiB body changed the store');
  check((await healthy(w.api.url)) === 200, 'the server did not answer after an 11 MiB body');
}
