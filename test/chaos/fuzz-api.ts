import { InMemoryPersistenceLayer } from '../../lambdas/fakes/in-memory-idempotency';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import fc from 'fast-check';
import { canonicalJson } from '../../core/canonical-json';
import { InMemoryStateStore } from '../../control/fakes/in-memory-state-store';
import type { Job, Task } from '../../core/model';
import { validateImageReference } from '../../agent/docker-runtime';
import type { Observability } from '../../lambdas/api/deps';
import { createHandler as heartbeatHandler } from '../../lambdas/api/heartbeat';
import { createHandler as jobsHandler } from '../../lambdas/api/jobs';
import { createHandler as nodesHandler } from '../../lambdas/api/nodes';
import { createHandler as reportHandler } from '../../lambdas/api/report';
import type { ApiEvent, ApiHandler } from '../../lambdas/api/respond';
import { createHandler as submitHandler } from '../../lambdas/api/submit';
import {
  check,
  contentType,
  FuzzCrash,
  hostileNumber,
  hostileRawBody,
  hostileString,
  hostileValue,
  PROTO_KEYS,
  withKey,
  type FuzzStats,
} from './fuzz-support';

/**
 * Hostile-input properties of the API handlers, called directly with API Gateway v2
 * events over an in-memory store. Shared by test/chaos/fuzz-api-bodies.test.ts (fast, seeded)
 * and test/chaos/fuzz.ts (long). Every property: a 2xx only for a valid request, otherwise a
 * 4xx with a JSON error code (and, for a 400, the fields at fault); never a 500 or a
 * throw; and a refused request leaves the store exactly as it was.
 */

export const ACCOUNT = '123456789012';
export const NODE_ROLE = 'StowageNodeRole';
const NOW = 1_800_000_000_000;
export const FIXTURE_JOB = 'job-0123456789abcdef0123';
export const FIXTURE_NODE = 'i-0123456789abcdef0';
const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/alice`;
export const nodeArn = (id: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/${NODE_ROLE}/${id}`;

export interface EventSpec {
  readonly method: string;
  readonly routeKey: string;
  readonly rawPath: string;
  readonly body?: string;
  readonly base64?: boolean;
  readonly headers?: Record<string, string>;
  readonly pathParameters?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly userArn?: string;
}

export function event(spec: EventSpec): ApiEvent {
  return {
    version: '2.0',
    routeKey: spec.routeKey,
    rawPath: spec.rawPath,
    rawQueryString: '',
    headers: spec.headers ?? {},
    queryStringParameters: spec.query,
    pathParameters: spec.pathParameters,
    body: spec.body,
    isBase64Encoded: spec.base64 ?? false,
    requestContext: {
      accountId: ACCOUNT,
      requestId: 'fuzz',
      routeKey: spec.routeKey,
      http: { method: spec.method, path: spec.rawPath, protocol: 'HTTP/1.1', sourceIp: '10.0.0.1', userAgent: 'fuzz' },
      authorizer: spec.userArn === undefined ? undefined : { iam: { userArn: spec.userArn } },
    },
  } as unknown as ApiEvent;
}

// ---- the world each input runs in ------------------------------------------------------

export interface World {
  readonly store: InMemoryStateStore;
  readonly submit: ApiHandler;
  readonly jobs: ApiHandler;
  readonly nodes: ApiHandler;
  readonly heartbeat: ApiHandler;
  readonly report: ApiHandler;
}

const silent: Observability['log'] = { info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Observability['log'];

/** A store holding one job with two tasks (one on the node), one node and two samples. */
export async function fixtureStore(): Promise<InMemoryStateStore> {
  const store = new InMemoryStateStore();
  const job: Job = {
    // Alice's, so her calls reach it (another principal's job is answered as missing).
    id: FIXTURE_JOB, owner: USER_ARN, name: 'fixture', image: 'nginx:1.27', command: ['nginx'], env: { A: 'b' }, resources: { cpu: 100, memoryMiB: 64 }, count: 2, kind: 'service',
    restart: { mode: 'always', initialDelayMs: 1000, maxDelayMs: 60000, resetAfterMs: 600000 }, constraints: {}, doNotDisrupt: false, createdAt: NOW - 1000,
  };
  const tasks: Task[] = [0, 1].map((slot) => ({ id: `${FIXTURE_JOB}.${slot}`, jobId: FIXTURE_JOB, slot, generation: 0, status: 'PENDING', resources: job.resources, restarts: 0, createdAt: NOW - 1000 }));
  await store.createJob(job, tasks);
  await store.recordHeartbeat({ nodeId: FIXTURE_NODE, instanceType: 'm5.large', zone: 'us-east-1a', labels: {}, capacity: { cpu: 2000, memoryMiB: 8192 }, usage: { cpu: 0, memoryMiB: 0 }, pricePerHour: 0.096, containers: [] }, NOW - 500);
  const r = { cpu: 2000, memoryMiB: 8192 };
  for (const t of [NOW - 7_200_000, NOW - 60_000]) {
    await store.putSample({ t, nodes: 1, nodesByType: { 'm5.large': 1 }, capacity: r, allocated: { cpu: 100, memoryMiB: 64 }, usage: { cpu: 10, memoryMiB: 32 }, costPerHour: 0.096, pending: 1 });
  }
  return store;
}

export async function newWorld(): Promise<World> {
  const store = await fixtureStore();
  const deps = { store, clock: { now: () => NOW }, log: silent, metrics: { addMetric: () => undefined, publishStoredMetrics: () => undefined } };
  let n = 0;
  return {
    store,
    submit: submitHandler({ ...deps, idempotencyStore: new InMemoryPersistenceLayer(), newJobId: () => `job-${(++n).toString(16).padStart(20, 'f')}` }),
    jobs: jobsHandler(deps),
    nodes: nodesHandler(deps),
    heartbeat: heartbeatHandler({
      ...deps,
      identify: (e) => /^arn:aws:sts::\d{12}:assumed-role\/StowageNodeRole\/([^/]+)$/.exec(e.requestContext?.authorizer?.iam?.userArn ?? '')?.[1],
    }),
    report: reportHandler(deps),
  };
}

/** Everything the store holds, canonically: equal strings mean nothing changed. */
export async function storeState(store: InMemoryStateStore): Promise<string> {
  const snap = await store.snapshot();
  return canonicalJson({ ...snap, samples: store.state.samples });
}

// ---- valid inputs ----------------------------------------------------------------------

const lower = 'abcdefghijklmnopqrstuvwxyz0123456789';
const label = fc.string({ unit: fc.constantFrom(...lower), minLength: 1, maxLength: 8 });
/** Job names as JOB_NAME accepts them. */
export const validName = fc.oneof(label, fc.tuple(label, label).map(([a, b]) => `${a}-${b}`), fc.constant('a'.repeat(63)));
/** Image references of every shape the API documents: registry[:port]/path[:tag][@digest]. */
export const validImage = fc
  .record({
    registry: fc.option(fc.oneof(fc.constantFrom('registry.example.com', 'localhost:5000', 'Registry.Example.COM:443', '123456789012.dkr.ecr.us-east-1.amazonaws.com'), label), { nil: undefined }),
    path: fc.array(fc.oneof(label, fc.tuple(label, fc.constantFrom('.', '_', '__', '-', '---'), label).map(([a, s, b]) => a + s + b)), { minLength: 1, maxLength: 3 }),
    tag: fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/), { nil: undefined }),
    digest: fc.option(fc.stringMatching(/^[a-f0-9]{64}$/), { nil: undefined }),
  })
  .map(({ registry, path, tag, digest }) => `${registry ? `${registry}/` : ''}${path.join('/')}${tag ? `:${tag}` : ''}${digest ? `@sha256:${digest}` : ''}`)
  .filter((s) => s.length <= 255);
/** Any text but NUL, well-formed: shell metacharacters, RTL marks, astral characters included. */
export const validText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }).map((s) => s.replace(/\0/g, '')),
  fc.constantFrom('$(reboot)', '`id`', '; rm -rf /', '&&', '|', '>', '../../etc/passwd', '\u202eabc', 'e\u0301', '🙂', '\n', '"', "'", '\\', '%2e', '=', '=cmd|x'),
);
const envKey = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/).filter((k) => k !== '__proto__');
const baseJob = fc.record(
  {
    name: validName,
    image: validImage,
    command: fc.array(validText, { minLength: 1, maxLength: 6 }),
    env: fc.dictionary(envKey, validText, { maxKeys: 6 }),
    cpu: fc.integer({ min: 1, max: 256_000 }),
    memoryMiB: fc.integer({ min: 1, max: 1_048_576 }),
    count: fc.integer({ min: 1, max: 5 }),
    kind: fc.constantFrom('service', 'batch'),
    doNotDisrupt: fc.boolean(),
    constraints: fc.record({ zones: fc.array(fc.constantFrom('us-east-1a', 'eu-west-1b'), { maxLength: 2 }), nodeLabels: fc.dictionary(fc.constantFrom('tier', 'gpu', 'constructor'), fc.constantFrom('a', 'b-1', '')) }, { requiredKeys: [] }),
  },
  { requiredKeys: ['name', 'image', 'command', 'cpu', 'memoryMiB', 'count'] },
);

/** Ports with distinct names and numbers, and the fields that name them (expose, an http/tcp check). */
const serviceFields = fc
  .uniqueArray(fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9-]{0,14}$/), containerPort: fc.integer({ min: 1, max: 65535 }) }), { maxLength: 3, selector: (p) => p.name })
  .filter((ports) => new Set(ports.map((p) => p.containerPort)).size === ports.length)
  .chain((ports) => {
    const named = ports.length > 0 ? fc.constantFrom(...ports.map((p) => p.name)) : fc.constant(undefined);
    const timing = { intervalSeconds: fc.integer({ min: 5, max: 300 }), timeoutSeconds: fc.integer({ min: 1, max: 5 }), retries: fc.integer({ min: 1, max: 10 }), startPeriodSeconds: fc.integer({ min: 0, max: 3600 }) };
    const checks = [fc.record({ command: fc.array(validText, { minLength: 1, maxLength: 4 }), ...timing }, { requiredKeys: ['command'] })];
    if (ports.length > 0) {
      checks.push(fc.record({ http: fc.record({ port: named as fc.Arbitrary<string>, path: fc.constantFrom('/', '/healthz', '/status?full=1') }), ...timing }, { requiredKeys: ['http'] }) as never);
      checks.push(fc.record({ tcp: fc.record({ port: named as fc.Arbitrary<string> }), ...timing }, { requiredKeys: ['tcp'] }) as never);
    }
    return fc.record(
      {
        ports: fc.constant(ports.map((p) => ({ ...p, protocol: 'tcp' }))),
        ...(ports.length > 0 ? { expose: fc.record({ port: named as fc.Arbitrary<string>, path: fc.constantFrom('/web/*', '/api/v1/*', '/exact'), host: fc.constantFrom('web.example.com', '*.example.org') }, { requiredKeys: ['port', 'path'] }) } : {}),
        healthCheck: fc.oneof(...checks),
        stopGraceSeconds: fc.integer({ min: 0, max: 3600 }),
        spread: fc.constantFrom('node', 'zone', 'none'),
        capabilities: fc.uniqueArray(fc.constantFrom('CHOWN', 'KILL', 'SETUID', 'NET_BIND_SERVICE'), { maxLength: 3 }),
        update: fc.record({ maxSurge: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom('25%', '100%')), maxUnavailable: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.constantFrom('0%', '50%')), minHealthySeconds: fc.integer({ min: 0, max: 3600 }), progressDeadlineSeconds: fc.integer({ min: 30, max: 86_400 }), autoRollback: fc.boolean() }, { requiredKeys: [] }),
      },
      // The ports always travel with the fields that name them.
      { requiredKeys: ['ports'] },
    );
  });

/** A valid job: the plain fields, and sometimes the service and deployment fields, consistent with each other. */
export const validJob = fc.tuple(baseJob, fc.option(serviceFields, { nil: undefined }), fc.option(fc.integer({ min: 0, max: 4_000 }), { nil: undefined })).map(([job, service, capAbove]) => {
  const out: Record<string, unknown> = { ...job, ...(service ?? {}) };
  // A CPU cap is at least the request.
  if (capAbove !== undefined && job.cpu + capAbove <= 256_000) out.cpuLimit = job.cpu + capAbove;
  return out;
});

/** The fields a submit body may carry (and so may be mutated), with nested spots. */
const MUTABLE = ['name', 'image', 'command', 'env', 'cpu', 'memoryMiB', 'count', 'kind', 'restart', 'constraints', 'doNotDisrupt', 'ports', 'expose', 'healthCheck', 'stopGraceSeconds', 'spread', 'cpuLimit', 'capabilities', 'update'] as const;

type BodyCase =
  | { kind: 'valid'; job: Record<string, unknown> }
  | { kind: 'mutated'; job: Record<string, unknown>; field: string }
  | { kind: 'extra'; job: Record<string, unknown>; field: string }
  | { kind: 'raw'; text: string; base64: boolean };

const mutation = fc.oneof(
  fc.tuple(fc.constantFrom(...MUTABLE), hostileValue).map(([field, value]) => ({ path: [field] as (string | number)[], value })),
  fc.tuple(fc.nat({ max: 5 }), hostileValue).map(([i, value]) => ({ path: ['command', i], value })),
  fc.tuple(fc.oneof(hostileString, fc.constantFrom(...PROTO_KEYS)), hostileValue).map(([k, value]) => ({ path: ['env', k], value })),
  fc.tuple(fc.constantFrom('cpu', 'memoryMiB', 'count'), hostileNumber).map(([f, value]) => ({ path: [f], value })),
  fc.tuple(fc.constantFrom('mode', 'maxRestarts', 'initialDelayMs', 'maxDelayMs', '__proto__'), hostileValue).map(([k, value]) => ({ path: ['restart', k], value })),
  fc.tuple(fc.constantFrom('zones', 'instanceTypes', 'nodeLabels', 'constructor'), hostileValue).map(([k, value]) => ({ path: ['constraints', k], value })),
  fc.tuple(fc.constantFrom('port', 'path', 'host', '__proto__'), hostileValue).map(([k, value]) => ({ path: ['expose', k], value })),
  fc.tuple(fc.constantFrom('http', 'tcp', 'command', 'intervalSeconds', 'timeoutSeconds', 'retries', 'startPeriodSeconds'), hostileValue).map(([k, value]) => ({ path: ['healthCheck', k], value })),
  fc.tuple(fc.constantFrom('maxSurge', 'maxUnavailable', 'minHealthySeconds', 'progressDeadlineSeconds', 'autoRollback', 'constructor'), hostileValue).map(([k, value]) => ({ path: ['update', k], value })),
  fc.tuple(fc.constantFrom('stopGraceSeconds', 'cpuLimit'), hostileNumber).map(([f, value]) => ({ path: [f], value })),
);

function setPath(job: Record<string, unknown>, path: readonly (string | number)[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path;
  if (rest.length === 0) return typeof head === 'number' ? job : withKey(Object.fromEntries(Object.entries(job).filter(([k]) => k !== head)), String(head), value);
  const inner = job[head as string];
  if (typeof rest[0] === 'number') {
    const arr = Array.isArray(inner) ? [...inner] : [];
    arr[rest[0]] = value;
    return { ...job, [head]: Array.from(arr, (v) => v ?? 'x') };
  }
  const base = inner && typeof inner === 'object' && !Array.isArray(inner) ? (inner as Record<string, unknown>) : { mode: 'always' };
  return setPath(job, [head], setPath(base, rest, value));
}

export const submitBody: fc.Arbitrary<BodyCase> = fc.oneof(
  { weight: 2, arbitrary: validJob.map((job): BodyCase => ({ kind: 'valid', job })) },
  { weight: 4, arbitrary: fc.tuple(validJob, mutation).map(([job, m]): BodyCase => ({ kind: 'mutated', job: setPath(job, m.path, m.value), field: String(m.path[0]) })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(validJob, fc.oneof(fc.constantFrom('privileged', 'volumes', 'network', 'networkMode', 'devices', 'capAdd', 'user', 'entrypoint', ...PROTO_KEYS), hostileString), hostileValue)
      .filter(([, k]) => !(MUTABLE as readonly string[]).includes(k))
      .map(([job, k, v]): BodyCase => ({ kind: 'extra', job: withKey(job, k, v), field: k })),
  },
  { weight: 2, arbitrary: fc.tuple(hostileRawBody, fc.boolean()).map(([text, base64]): BodyCase => ({ kind: 'raw', text, base64 })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b): BodyCase => ({ kind: 'raw', text: Buffer.from(b).toString('base64'), base64: true })) },
);

const idempotencyKey = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,128}$/) },
  { weight: 2, arbitrary: fc.oneof(hostileString, fc.constantFrom('', ' ', 'a'.repeat(129), 'key\r\nX: 1', 'ключ')) },
);

// ---- the checks ------------------------------------------------------------------------

type Result = APIGatewayProxyStructuredResultV2;

/** What Powertools' idempotency reads from a Lambda context. */
const CONTEXT = { awsRequestId: 'fuzz', functionName: 'stowage-fuzz', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

/** Calls a handler; a throw out of it is a crash. */
async function call(handler: ApiHandler, ev: ApiEvent): Promise<Result> {
  let r: Result;
  try {
    r = await handler(ev, CONTEXT);
  } catch (err) {
    throw new FuzzCrash(`the handler threw: ${String(err)}`);
  }
  if ((r.statusCode ?? 0) >= 500) throw new FuzzCrash(`answered ${r.statusCode}: ${String(r.body).slice(0, 300)}`);
  return r;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies of many shapes
function parseBody(r: Result): any {
  try {
    return JSON.parse(String(r.body));
  } catch {
    throw new Error(`status ${r.statusCode} with a body that is not JSON: ${String(r.body).slice(0, 200)}`);
  }
}

/** A refusal: 4xx, JSON error with a code and message, fields for a 400; returns the body. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies of many shapes
export function checkRefusal(r: Result): any {
  const status = r.statusCode ?? 0;
  check(status >= 400 && status < 500, `expected a 4xx, got ${status}: ${String(r.body).slice(0, 200)}`);
  const body = parseBody(r);
  check(typeof body?.error?.code === 'string' && body.error.code.length > 0, `4xx without error.code: ${String(r.body).slice(0, 200)}`);
  check(typeof body.error.message === 'string' && body.error.message.length > 0, '4xx without error.message');
  if (body.error.code === 'validation-failed') {
    check(Array.isArray(body.error.fields) && body.error.fields.length > 0, '400 validation-failed without error.fields');
    for (const f of body.error.fields) check(typeof f.field === 'string' && f.field.length > 0 && typeof f.rule === 'string' && f.rule.length > 0, `a field issue without field or rule: ${JSON.stringify(f)}`);
  }
  return body;
}

/** Tally and classify; `expectAccepted` says whether the input was valid. */
function tally(stats: FuzzStats, r: Result): boolean {
  stats.tried++;
  const ok = (r.statusCode ?? 0) < 300;
  if (ok) stats.accepted++;
  else stats.refused++;
  return ok;
}

const AGENT_ENV_KEY = /^[^=\0]+$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What an accepted job may hold: nothing Docker would read as two things, nothing that cannot travel. */
export function checkRunnable(job: Job): void {
  try {
    validateImageReference(job.image);
  } catch (err) {
    throw new Error(`accepted image ${JSON.stringify(job.image)} fails the agent's reference check: ${String(err)}`, { cause: err });
  }
  check(!/[\s\0]/.test(job.image), `accepted image with whitespace/NUL: ${JSON.stringify(job.image)}`);
  for (const a of job.command) check(!a.includes('\0') && !LONE_SURROGATE.test(a), `accepted argv entry Docker cannot carry: ${JSON.stringify(a)}`);
  for (const [k, v] of Object.entries(job.env)) {
    check(AGENT_ENV_KEY.test(k), `accepted env name the agent refuses: ${JSON.stringify(k)}`);
    check(!v.includes('\0') && !LONE_SURROGATE.test(v), `accepted env value Docker cannot carry: ${JSON.stringify(v)}`);
  }
}

export function submitProperty(stats: FuzzStats) {
  return fc.asyncProperty(submitBody, idempotencyKey, contentType, async (c, key, ct) => {
    const w = await newWorld();
    const before = await storeState(w.store);
    const text = c.kind === 'raw' ? c.text : JSON.stringify(c.job);
    const base64 = c.kind === 'raw' ? c.base64 : false;
    const headers: Record<string, string> = {};
    if (ct !== undefined) headers['content-type'] = ct;
    if (key !== undefined) headers['idempotency-key'] = key;
    const r = await call(w.submit, event({ method: 'POST', routeKey: 'POST /jobs', rawPath: '/jobs', body: text, base64, headers, userArn: USER_ARN }));
    const keyOk = key === undefined || /^[A-Za-z0-9_-]{1,128}$/.test(key);
    if (tally(stats, r)) {
      check(r.statusCode === 202, `accepted with ${r.statusCode}`);
      check(keyOk, `accepted with a bad Idempotency-Key ${JSON.stringify(key)}`);
      check(c.kind === 'valid' || c.kind === 'mutated', `accepted a ${c.kind} body: ${text.slice(0, 200)}`);
      const { jobId } = parseBody(r);
      const stored = (await w.store.getJob(jobId))?.job;
      check(stored !== undefined, 'accepted job not stored');
      checkRunnable(stored);
      const sent = JSON.parse(text) as Record<string, unknown>;
      // Exactly what was sent: no trimming, normalisation or dropped keys.
      check(stored.name === sent.name && stored.image === sent.image, 'name or image changed on the way to the store');
      check(canonicalJson(stored.command) === canonicalJson(sent.command), 'command changed on the way to the store');
      check(canonicalJson(stored.env) === canonicalJson(sent.env ?? {}), `env changed on the way to the store: sent ${JSON.stringify(sent.env)}, stored ${JSON.stringify(stored.env)}`);
      // The fixture is untouched; only the new job and its tasks were added.
      const snap = await w.store.snapshot();
      const rest = canonicalJson({ jobs: snap.jobs.filter((j) => j.id !== jobId), tasks: snap.tasks.filter((t) => t.jobId !== jobId), nodes: snap.nodes, samples: w.store.state.samples });
      check(rest === before, 'an accepted submit changed something besides its own job');
      return;
    }
    const body = checkRefusal(r);
    check(c.kind !== 'valid' || !keyOk, `a valid job was refused: ${String(r.body).slice(0, 300)}`);
    if (!keyOk) check(body.error.fields?.some((f: { field: string }) => f.field === 'header.Idempotency-Key') === true, 'bad Idempotency-Key refused without naming the header');
    else if ((c.kind === 'mutated' || c.kind === 'extra') && body.error.code === 'validation-failed') {
      const name = c.field === '' ? '""' : c.field;
      check(
        body.error.fields.some((f: { field: string }) => f.field === name || f.field.startsWith(`${name}.`) || f.field.startsWith(`${name}[`)),
        `refused without naming ${c.field}: ${JSON.stringify(body.error.fields).slice(0, 300)}`,
      );
    }
    check((await storeState(w.store)) === before, 'a refused submit changed the store');
  });
}

const hostileId = fc.oneof(
  hostileString,
  fc.constantFrom('..', '../..', '%2e%2e', '..%2F..', 'job-0123456789abcdef012', 'job-0123456789ABCDEF0123', `${FIXTURE_JOB}/..`, `${FIXTURE_JOB}%00`, ` ${FIXTURE_JOB}`, `${FIXTURE_JOB}\n`, 'i-0123456789abcdef0/../i-1', ''),
);

export function jobsProperty(stats: FuzzStats) {
  const req = fc.record({
    method: fc.constantFrom('GET', 'DELETE', 'PUT', 'POST', 'PATCH', 'get'),
    id: fc.oneof({ weight: 3, arbitrary: hostileId }, { weight: 1, arbitrary: fc.constantFrom(FIXTURE_JOB, 'job-ffffffffffffffffffff', undefined) }),
  });
  return fc.asyncProperty(req, async ({ method, id }) => {
    const w = await newWorld();
    const before = await storeState(w.store);
    const r = await call(w.jobs, event({ method, routeKey: `${method} /jobs${id === undefined ? '' : '/{id}'}`, rawPath: `/jobs/${id ?? ''}`, pathParameters: id === undefined ? undefined : { id }, userArn: USER_ARN }));
    const m = method.toUpperCase();
    if (tally(stats, r)) {
      check(m === 'GET' || (m === 'DELETE' && id === FIXTURE_JOB), `${method} ${id} accepted`);
      if (m === 'DELETE') {
        const after = (await w.store.getJob(FIXTURE_JOB))!;
        check(after.job.stopRequestedAt === NOW, 'stop not recorded');
      } else check((await storeState(w.store)) === before, 'a GET changed the store');
      return;
    }
    const body = checkRefusal(r);
    if (body.error.code === 'validation-failed') check(body.error.fields[0].field === 'path.id', 'a bad id refused without naming path.id');
    check((await storeState(w.store)) === before, 'a refused jobs request changed the store');
  });
}

const validHeartbeat = fc.record({
  instanceType: fc.constantFrom('m5.large', 'local'),
  zone: fc.constantFrom('us-east-1a', 'local-a'),
  labels: fc.dictionary(fc.constantFrom('tier', 'constructor', 'gpu'), fc.constantFrom('a', '')),
  capacity: fc.record({ cpu: fc.integer({ min: 0, max: 10_000_000 }), memoryMiB: fc.integer({ min: 0, max: 100_000_000 }) }),
  usage: fc.record({ cpu: fc.double({ min: 0, max: 10_000_000, noNaN: true }), memoryMiB: fc.double({ min: 0, max: 100_000_000, noNaN: true }) }),
  pricePerHour: fc.double({ min: 0, max: 1000, noNaN: true }),
  containers: fc.array(fc.record({ taskId: fc.constantFrom(`${FIXTURE_JOB}.0`, 'other.1', '__proto__'), generation: fc.nat({ max: 3 }), state: fc.constantFrom('starting', 'running', 'exited') }), { maxLength: 3 }),
});

export function heartbeatProperty(stats: FuzzStats) {
  const HB_FIELDS = ['instanceType', 'zone', 'labels', 'capacity', 'usage', 'pricePerHour', 'containers'];
  const bodyCase = fc.oneof(
    { weight: 2, arbitrary: validHeartbeat.map((hb) => ({ kind: 'valid' as const, text: JSON.stringify(hb) })) },
    { weight: 4, arbitrary: fc.tuple(validHeartbeat, fc.oneof(fc.constantFrom(...HB_FIELDS, ...PROTO_KEYS, 'state', 'nodeId'), hostileString), hostileValue).map(([hb, k, v]) => ({ kind: 'mutated' as const, text: JSON.stringify(withKey(Object.fromEntries(Object.entries(hb).filter(([x]) => x !== k)), k, v)) })) },
    { weight: 2, arbitrary: hostileRawBody.map((text) => ({ kind: 'raw' as const, text })) },
  );
  const who = fc.constantFrom('self', 'other', 'user', 'none', 'other-role');
  const pathId = fc.oneof({ weight: 3, arbitrary: fc.constant(FIXTURE_NODE) }, { weight: 1, arbitrary: fc.constantFrom('local-1', 'i-abc') }, { weight: 2, arbitrary: hostileId });
  return fc.asyncProperty(bodyCase, who, pathId, async (c, caller, id) => {
    const w = await newWorld();
    const before = await storeState(w.store);
    const userArn = { self: nodeArn(id), other: nodeArn('i-ffffffffffffffff0'), user: USER_ARN, none: undefined, 'other-role': `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/${id}` }[caller];
    const r = await call(w.heartbeat, event({ method: 'PUT', routeKey: 'PUT /nodes/{id}/heartbeat', rawPath: `/nodes/${id}/heartbeat`, pathParameters: { id }, body: c.text, headers: { 'content-type': 'application/json' }, userArn }));
    if (tally(stats, r)) {
      check(caller === 'self', `heartbeat for ${id} accepted from ${caller}`);
      check(c.kind !== 'raw', 'a raw body accepted as a heartbeat');
      check((await w.store.listNodes()).some((n) => n.id === id), 'accepted heartbeat not recorded');
      return;
    }
    const body = checkRefusal(r);
    if (caller !== 'self' && body.error.code !== 'validation-failed') check(r.statusCode === 403, `a foreign caller got ${r.statusCode}`);
    check((await storeState(w.store)) === before, 'a refused heartbeat changed the store');
  });
}

export function reportProperty(stats: FuzzStats) {
  const key = fc.oneof(fc.constantFrom('from', 'to', 'baseline'), fc.constantFrom(...PROTO_KEYS), hostileString);
  const value = fc.oneof(
    hostileString,
    fc.constantFrom('0', String(NOW), String(NOW - 3_600_000), '9999999999999999', '-1', '1e12', '70xm5.large', '0xm5.large', '1xnope', '999999999xm5.large', 'x'.repeat(200)),
  );
  const query = fc.option(fc.array(fc.tuple(key, value), { maxLength: 4 }).map((pairs) => pairs.reduce((q, [k, v]) => withKey(q, k, v), {} as Record<string, unknown>) as Record<string, string>), { nil: undefined });
  return fc.asyncProperty(query, async (q) => {
    const w = await newWorld();
    const before = await storeState(w.store);
    const r = await call(w.report, event({ method: 'GET', routeKey: 'GET /report', rawPath: '/report', query: q, userArn: USER_ARN }));
    if (!tally(stats, r)) {
      const body = checkRefusal(r);
      check(body.error.code === 'validation-failed', `report refused with ${body.error.code}`);
      check(body.error.fields.every((f: { field: string }) => f.field.startsWith('query.')), 'report refusal names a field outside the query');
    }
    check((await storeState(w.store)) === before, 'GET /report changed the store');
  });
}

export function nodesProperty(stats: FuzzStats) {
  return fc.asyncProperty(fc.option(fc.dictionary(hostileString, hostileString, { maxKeys: 3 }), { nil: undefined }), async (q) => {
    const w = await newWorld();
    const before = await storeState(w.store);
    const r = await call(w.nodes, event({ method: 'GET', routeKey: 'GET /nodes', rawPath: '/nodes', query: q, userArn: USER_ARN }));
    check(tally(stats, r), `GET /nodes answered ${r.statusCode}`);
    check((await storeState(w.store)) === before, 'GET /nodes changed the store');
  });
}

/** Every API target, by name, for the test and the chaos run. */
export const API_TARGETS: Record<'submit' | 'jobs' | 'heartbeat' | 'report' | 'nodes', (stats: FuzzStats) => fc.IAsyncPropertyWithHooks<unknown[]>> = {
  submit: (s) => submitProperty(s) as unknown as fc.IAsyncPropertyWithHooks<unknown[]>,
  jobs: (s) => jobsProperty(s) as unknown as fc.IAsyncPropertyWithHooks<unknown[]>,
  heartbeat: (s) => heartbeatProperty(s) as unknown as fc.IAsyncPropertyWithHooks<unknown[]>,
  report: (s) => reportProperty(s) as unknown as fc.IAsyncPropertyWithHooks<unknown[]>,
  nodes: (s) => nodesProperty(s) as unknown as fc.IAsyncPropertyWithHooks<unknown[]>,
};
