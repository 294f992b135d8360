import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { runCli } from '../../cli/program';
import type { AddressInfo } from 'node:net';
import type { FieldIssue } from '../../contract/error-body';
import { ROUTE_SHAPES, type RouteShape } from '../../contract/route-shapes';
import { matchPath, ROUTES, type RouteName } from '../../contract/routes';
import { InMemoryStateStore } from '../../control/fakes/in-memory-state-store';
import { startLocalApi } from '../../local/local-api';
import { InMemoryPersistenceLayer } from '../lambdas/api/events';
import { ROOT, type CliRun } from './run-cli';

/**
 * The local cloud's API (local/local-api.ts: the real handlers, bearer tokens) over an
 * InMemoryStateStore, for tests of the user CLI: the router the CLI meets in
 * `npm run local`, without DynamoDB Local or agents.
 */
export interface CliTestApi {
  readonly url: string;
  readonly token: string;
  readonly store: InMemoryStateStore;
  /** Every request as `METHOD /path`, in order, including refused ones. */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

export async function startCliTestApi(options: { token?: string; store?: InMemoryStateStore } = {}): Promise<CliTestApi> {
  const token = options.token ?? `tok-${process.pid}-${Date.now().toString(36)}`;
  const store = options.store ?? new InMemoryStateStore();
  const requests: string[] = [];
  const api = await startLocalApi({
    store,
    idempotencyStore: new InMemoryPersistenceLayer(),
    userToken: token,
    nodeForToken: () => undefined,
    onRequest: (r) => requests.push(`${r.method} ${r.path}`),
  });
  return { url: api.url, token, store, requests, close: () => api.close() };
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

/**
 * A scripted API for tests of the user CLI's commands: a loopback server that speaks the
 * contract (contract/routes.ts, route-shapes.ts) and answers each route from the test's
 * script. It holds the CLI to the contract from both sides: a request body the route's
 * schema refuses is answered 400 naming the fields, as the real API would, and an answer
 * of the script that breaks the route's response shape is answered 500 and recorded in
 * `contractBreaks`, so a fake cannot drift from what the real API may say.
 */
export interface ScriptedRequest {
  readonly route: RouteName;
  readonly method: string;
  /** As sent, still %-encoded. */
  readonly path: string;
  /** The path parameters, decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** The JSON body, parsed; undefined when none was sent. */
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/** A non-2xx answer a script gives: the API's error body with this status. */
export class Refusal {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
  ) {}
}

/** Answers one request: the route's success body, or a Refusal. */
export type RouteScript = (req: ScriptedRequest) => unknown;

export interface ScriptedApi {
  readonly url: string;
  readonly token: string;
  /** Every request that reached a route, in order. */
  readonly requests: readonly ScriptedRequest[];
  /** Answers of the script that break the route's response shape: a test expects none. */
  readonly contractBreaks: readonly string[];
  /** Sets (or replaces) the script of a route. */
  on(route: RouteName, script: RouteScript): void;
  close(): Promise<void>;
}

/** A script answering `bodies` in turn, the last one again for every later request (a job that stays as it ended). */
export function inTurn(...bodies: readonly unknown[]): RouteScript {
  let next = 0;
  return () => bodies[Math.min(next++, bodies.length - 1)];
}

export async function startScriptedApi(scripts: Partial<Record<RouteName, RouteScript>> = {}): Promise<ScriptedApi> {
  const token = `tok-${process.pid}-${Date.now().toString(36)}`;
  const requests: ScriptedRequest[] = [];
  const contractBreaks: string[] = [];
  const table = new Map<RouteName, RouteScript>(Object.entries(scripts) as Array<[RouteName, RouteScript]>);
  const send = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const refuse = (res: ServerResponse, status: number, code: string, message: string, fields?: FieldIssue[]) => send(res, status, { error: { code, message, ...(fields ? { fields } : {}) } });
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const found = (Object.keys(ROUTES) as RouteName[])
        .filter((name) => ROUTES[name].caller === 'user' && ROUTES[name].method === req.method)
        .map((name) => ({ name, params: matchPath(ROUTES[name], url.pathname) }))
        .find((m) => m.params !== undefined);
      const text = await readText(req);
      if (!found) return refuse(res, 404, 'not-found', `no route ${req.method} ${url.pathname}`);
      if (req.headers.authorization !== `Bearer ${token}`) return refuse(res, 401, 'unauthorized', 'a bearer token is required');
      const key = ROUTES[found.name].key;
      const shape: RouteShape = ROUTE_SHAPES[key];
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        return refuse(res, 400, 'invalid-json', 'the body is not JSON');
      }
      const params = Object.fromEntries(Object.entries(found.params ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
      requests.push({ route: found.name, method: req.method ?? '', path: url.pathname, params, body, headers });
      if (shape.body) {
        const parsed = shape.body.safeParse(body);
        if (!parsed.success) {
          const fields = parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', rule: i.message }));
          return refuse(res, 400, 'validation', `${key}: the body breaks the contract`, fields);
        }
      }
      const script = table.get(found.name);
      if (!script) return refuse(res, 501, 'not-scripted', `the test scripted no answer for ${key}`);
      const answer = script(requests[requests.length - 1]);
      if (answer instanceof Refusal) return refuse(res, answer.status, answer.code, answer.message);
      const checked = shape.response.safeParse(answer);
      if (!checked.success) {
        const why = `${key} answered a body its response shape refuses: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
        contractBreaks.push(why);
        return refuse(res, 500, 'fake-breaks-contract', why);
      }
      send(res, shape.status, answer);
    })().catch((err: unknown) => {
      res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    requests,
    contractBreaks,
    on: (route, script) => void table.set(route, script),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // fetch keeps connections alive; close would wait for them.
        server.closeAllConnections();
      }),
  };
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Runs `stowage <args>` in this process (cli/program.ts), as a user's shell would see
 * it: what it wrote to stdout and stderr and its exit code. The API is found through
 * STOWAGE_API_URL and STOWAGE_TOKEN; `tty` says whether stderr is a terminal (the
 * spinner) or not (plain progress lines). Runs one at a time: it borrows the process's
 * streams and environment, and gives them back.
 */
export async function runInProcess(args: readonly string[], options: { api: { url: string; token: string }; tty?: boolean }): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write;
  const err = process.stderr.write;
  const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
  const env = { url: process.env.STOWAGE_API_URL, token: process.env.STOWAGE_TOKEN };
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  Object.defineProperty(process.stderr, 'isTTY', { value: options.tty === true, configurable: true, writable: true });
  process.env.STOWAGE_API_URL = options.api.url;
  process.env.STOWAGE_TOKEN = options.api.token;
  try {
    const status = await runCli(['node', 'stowage', ...args]);
    return { status, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
    else delete (process.stderr as { isTTY?: boolean }).isTTY;
    restoreEnv('STOWAGE_API_URL', env.url);
    restoreEnv('STOWAGE_TOKEN', env.token);
  }
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
