import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import { errorBodySchema } from '../../contract/error-body';
import { heartbeatBodySchema, type HeartbeatBody } from '../../contract/heartbeat';
import { jobSpecSchema } from '../../contract/job-spec';
import { reportQuerySchema } from '../../contract/report';
import { ROUTE_SHAPES } from '../../contract/route-shapes';
import { pickTemplate } from '../../core/deployment';
import { ROUTE_LIST, ROUTES, type HandlerModule, type RouteKey } from '../../contract/routes';
import type { Job, Task } from '../../core/model';
import type { UtilisationSample } from '../../core/utilisation-sample';
import { createHandler as heartbeatHandler } from '../../lambdas/api/heartbeat';
import { createHandler as jobsHandler } from '../../lambdas/api/jobs';
import { createHandler as nodesHandler } from '../../lambdas/api/nodes';
import { createHandler as reportHandler } from '../../lambdas/api/report';
import type { ApiEvent, ApiHandler, ApiResult } from '../../lambdas/api/respond';
import { createHandler as submitHandler } from '../../lambdas/api/submit';
import { InMemoryLogReader } from '../../control/fakes/in-memory-log-reader';
import { apiEvent, InMemoryPersistenceLayer, instanceArn, lambdaContext, testDeps } from '../lambdas/api/events';

/**
 * Every route of the table, called on its real handler: the answer has the status its
 * shape declares and parses with its response schema without losing a field, so the
 * schema describes everything the handler sends; every refusal parses as an error body.
 */

const NOW = 1_800_000_000_000;
const H = 3_600_000;
const NODE = 'i-0123456789abcdef0';
const JOB_ID = 'job-0123456789abcdef0123';
const STOPPED_ID = 'job-ffffffffffffffffffff';

const WEB_SERVICE: unknown = JSON.parse(readFileSync(path.join(__dirname, '../../examples/web-service.json'), 'utf8'));

const BEAT: HeartbeatBody = {
  instanceType: 'm5.large',
  zone: 'us-east-1a',
  labels: { team: 'web' },
  capacity: { cpu: 2000, memoryMiB: 8192 },
  usage: { cpu: 120.4, memoryMiB: 300 },
  pricePerHour: 0.096,
  containers: [{ taskId: `${JOB_ID}.0`, generation: 1, state: 'running', startedAt: NOW - 1000 }],
};

const job = (id: string, extra: Partial<Job> = {}): Job => ({
  id,
  name: 'web',
  // The events' default caller (test/lambdas/api/events.ts): the jobs are hers to see.
  owner: 'arn:aws:iam::123456789012:user/alice',
  image: 'nginx:1.27',
  command: ['nginx', '-g', 'daemon off;'],
  env: { PORT: '8080' },
  resources: { cpu: 250, memoryMiB: 128 },
  count: 2,
  kind: 'service',
  restart: { mode: 'on-failure', maxRestarts: 3, initialDelayMs: 1000, maxDelayMs: 60_000, resetAfterMs: 600_000 },
  constraints: { instanceTypes: ['m5.large'], zones: ['us-east-1a'], nodeLabels: { team: 'web' } },
  doNotDisrupt: true,
  createdAt: NOW - H,
  ...extra,
});

const task = (jobId: string, slot: number, extra: Partial<Task>): Task => ({
  id: `${jobId}.${slot}`,
  jobId,
  slot,
  generation: 0,
  status: 'PENDING',
  resources: { cpu: 250, memoryMiB: 128 },
  restarts: 0,
  createdAt: NOW - H,
  ...extra,
});

const sample = (t: number, nodes: number): UtilisationSample => ({
  t,
  nodes,
  nodesByType: { 'm5.large': nodes },
  capacity: { cpu: 2000 * nodes, memoryMiB: 8192 * nodes },
  allocated: { cpu: 1000 * nodes, memoryMiB: 2048 * nodes },
  usage: { cpu: 500 * nodes, memoryMiB: 1024 * nodes },
  costPerHour: 0.096 * nodes,
  pending: 0,
  lowerBound: nodes / 2,
  lowerBoundNodeSize: { cpu: 2000, memoryMiB: 8192 },
  controlPlane: { schedulerInvocations: 60, schedulerMs: 6000, readRequestUnits: 100, writeRequestUnits: 10, apiRequests: 120 },
});

async function world() {
  const deps = testDeps(NOW);
  await deps.store.createJob(job(JOB_ID), [
    task(JOB_ID, 0, { generation: 1, status: 'ASSIGNED', nodeId: NODE }),
    task(JOB_ID, 1, { status: 'FAILED', exitCode: 137, oomKilled: true, reason: 'killed for memory', startedAt: NOW - 2000, finishedAt: NOW - 1000, notBefore: NOW + 5000, restarts: 1 }),
  ]);
  // `web` is at version 2, with version 1 kept to roll back to.
  const version = (v: number, image: string) => ({ jobId: JOB_ID, version: v, changedAt: NOW - H + v, changedBy: 'arn:aws:iam::123456789012:user/alice', changes: v === 1 ? [] : ['image: nginx → nginx:2'], template: { ...pickTemplate(job(JOB_ID)), image } });
  deps.store.state.versions.set(JOB_ID, new Map([[1, version(1, 'nginx')]]));
  await deps.store.updateJob({ ...job(JOB_ID), image: 'nginx:2', version: 2, latestVersion: 2, revision: 1 }, 0, { version: version(2, 'nginx:2') });
  await deps.store.createJob(job(STOPPED_ID, { kind: 'batch', count: 1, createdAt: NOW - 2 * H }), [task(STOPPED_ID, 0, { status: 'ASSIGNED', nodeId: NODE })]);
  await deps.store.requestStop(STOPPED_ID, NOW - 10);
  for (const t of [NOW - 3 * H, NOW - 2 * H, NOW - H]) await deps.store.putSample(sample(t, 2));
  const handlers: Record<HandlerModule, ApiHandler> = {
    submit: submitHandler({ ...deps, idempotencyStore: new InMemoryPersistenceLayer() }),
    jobs: jobsHandler({ ...deps, logReader: logsOf(JOB_ID) }),
    nodes: nodesHandler(deps),
    report: reportHandler(deps),
    heartbeat: heartbeatHandler({ ...deps, identify: (e) => /\/([^/]+)$/.exec(e.requestContext?.authorizer?.iam?.userArn ?? '')?.[1] }),
  };
  return { deps, handlers };
}

function logsOf(jobId: string): InMemoryLogReader {
  const reader = new InMemoryLogReader();
  reader.write(jobId, { taskId: `${jobId}.0`, at: NOW - 2000, text: 'listening on :8080' }, { taskId: `${jobId}.1`, at: NOW - 1000, text: 'GET / 200' });
  return reader;
}

/** A valid request for each route: the record's type makes a new route in the table need one here. */
const VALID: Record<RouteKey, () => ApiEvent> = {
  // Another name than the live `web`: a live job's name is taken.
  'POST /jobs': () => apiEvent('POST', ROUTES.submitJob.path, { body: { ...(WEB_SERVICE as object), name: 'web-two' } }),
  'GET /jobs': () => apiEvent('GET', ROUTES.listJobs.path),
  'GET /jobs/{id}': () => apiEvent('GET', ROUTES.getJob.path, { pathParameters: { id: JOB_ID } }),
  'DELETE /jobs/{id}': () => apiEvent('DELETE', ROUTES.stopJob.path, { pathParameters: { id: JOB_ID } }),
  // Updates the live job named `web` (a new version: another image), by name.
  'PUT /jobs/{id}': () => apiEvent('PUT', ROUTES.putJob.path, { pathParameters: { id: 'web' }, body: { name: 'web', image: 'nginx:2', command: ['nginx'], cpu: 250, memoryMiB: 128, count: 3 } }),
  'GET /jobs/{id}/versions': () => apiEvent('GET', ROUTES.listVersions.path, { pathParameters: { id: 'web' } }),
  'POST /jobs/{id}/scale': () => apiEvent('POST', ROUTES.scaleJob.path, { pathParameters: { id: JOB_ID }, body: { count: 4 } }),
  'POST /jobs/{id}/rollback': () => apiEvent('POST', ROUTES.rollbackJob.path, { pathParameters: { id: 'web' }, body: { version: 1 } }),
  'GET /nodes': () => apiEvent('GET', ROUTES.listNodes.path),
  'GET /report': () => apiEvent('GET', ROUTES.getReport.path, { query: { from: String(NOW - 4 * H), to: String(NOW), baseline: '4xm5.large' } }),
  'PUT /nodes/{id}/heartbeat': () => apiEvent('PUT', ROUTES.heartbeat.path, { pathParameters: { id: NODE }, body: BEAT, userArn: instanceArn(NODE) }),
  'GET /jobs/{id}/logs': () => apiEvent('GET', ROUTES.jobLogs.path, { pathParameters: { id: 'web' }, query: { task: '0', since: String(NOW - H), limit: '10' } }),
};

/** A request each route refuses. */
const REFUSED: Record<RouteKey, () => ApiEvent> = {
  'POST /jobs': () => apiEvent('POST', ROUTES.submitJob.path, { body: { name: 'Web', image: 'nginx', command: [], cpu: 0, memoryMiB: 1, count: 1 } }),
  'GET /jobs': () => apiEvent('GET', '/jobs/{id}/x'),
  'GET /jobs/{id}': () => apiEvent('GET', ROUTES.getJob.path, { pathParameters: { id: 'job-nope' } }),
  'DELETE /jobs/{id}': () => apiEvent('DELETE', ROUTES.stopJob.path, { pathParameters: { id: 'job-00000000000000000000' } }),
  // The body names another job than the path.
  'PUT /jobs/{id}': () => apiEvent('PUT', ROUTES.putJob.path, { pathParameters: { id: 'web' }, body: { name: 'api', image: 'nginx', command: ['nginx'], cpu: 250, memoryMiB: 128, count: 1 } }),
  'GET /jobs/{id}/versions': () => apiEvent('GET', ROUTES.listVersions.path, { pathParameters: { id: 'ghost' } }),
  'POST /jobs/{id}/scale': () => apiEvent('POST', ROUTES.scaleJob.path, { pathParameters: { id: JOB_ID }, body: { count: -1 } }),
  'POST /jobs/{id}/rollback': () => apiEvent('POST', ROUTES.rollbackJob.path, { pathParameters: { id: 'web' }, body: { version: 7 } }),
  'GET /nodes': () => apiEvent('GET', ROUTES.listNodes.path, { query: {} }),
  'GET /report': () => apiEvent('GET', ROUTES.getReport.path, { query: { from: 'yesterday' } }),
  'PUT /nodes/{id}/heartbeat': () => apiEvent('PUT', ROUTES.heartbeat.path, { pathParameters: { id: NODE }, body: { ...BEAT, capacity: { cpu: -1 } }, userArn: instanceArn(NODE) }),
  'GET /jobs/{id}/logs': () => apiEvent('GET', ROUTES.jobLogs.path, { pathParameters: { id: 'web' }, query: { limit: '0' } }),
};

function body(res: ApiResult): unknown {
  return JSON.parse(res.body as string);
}

/** The parse keeps every field: a field the schema does not name would be stripped, and the two would differ. */
function expectRoundTrip(schema: z.ZodType, value: unknown): void {
  const parsed = schema.safeParse(value);
  expect(parsed.error?.issues ?? []).toEqual([]);
  expect(JSON.parse(JSON.stringify(parsed.data))).toEqual(value);
}

describe('every route answers in its shape', () => {
  it.each(ROUTE_LIST.map((r) => [r.key, r] as const))('%s', async (key, r) => {
    const { handlers } = await world();
    const res = await handlers[r.handler](VALID[key as RouteKey](), lambdaContext());
    const shape = ROUTE_SHAPES[key as RouteKey];
    expect({ status: res.statusCode, body: body(res) }).toMatchObject({ status: shape.status });
    expectRoundTrip(shape.response, body(res));
  });

  it('shows every optional field of the views when it is set', async () => {
    const { handlers } = await world();
    const list = body(await handlers.jobs(VALID['GET /jobs']())) as { jobs: Array<Record<string, unknown>> };
    expect(list.jobs.find((j) => j.id === STOPPED_ID)).toHaveProperty('stopRequestedAt', NOW - 10);
    const one = body(await handlers.jobs(VALID['GET /jobs/{id}']())) as { job: Record<string, unknown>; tasks: Array<Record<string, unknown>> };
    expect(one.job).toHaveProperty('owner', 'arn:aws:iam::123456789012:user/alice');
    expect(one.tasks[1]).toEqual(expect.objectContaining({ reason: 'killed for memory', notBefore: NOW + 5000, startedAt: NOW - 2000, finishedAt: NOW - 1000, exitCode: 137, oomKilled: true }));
    const beat = body(await handlers.heartbeat(VALID['PUT /nodes/{id}/heartbeat']())) as { tasks: Array<Record<string, unknown>> };
    expect(beat.tasks.find((t) => t.jobId === STOPPED_ID)).toHaveProperty('stopRequested', true);
  });
});

describe('every route refuses in the error body', () => {
  it.each(ROUTE_LIST.map((r) => [r.key, r] as const))('%s', async (key, r) => {
    const { handlers } = await world();
    const res = await handlers[r.handler](REFUSED[key as RouteKey](), lambdaContext());
    if (key === 'GET /nodes') {
      // GET /nodes takes no input, so nothing about a request can be refused.
      expect(res.statusCode).toBe(200);
      return;
    }
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expectRoundTrip(errorBodySchema, body(res));
  });
});

describe('request schemas', () => {
  it('fill in the job defaults once, and a parsed job parses to itself', () => {
    const parsed = jobSpecSchema.parse(WEB_SERVICE);
    expect(parsed).toMatchObject({ env: expect.any(Object), kind: 'service', constraints: {}, doNotDisrupt: false });
    expect(jobSpecSchema.parse(parsed)).toEqual(parsed);
  });

  it('fill in the heartbeat defaults, and a full heartbeat parses to itself', () => {
    const bare = { instanceType: 'local', zone: 'local-a', capacity: { cpu: 1000, memoryMiB: 1024 }, usage: { cpu: 0, memoryMiB: 0 }, pricePerHour: 0 };
    expect(heartbeatBodySchema.parse(bare)).toEqual({ ...bare, labels: {}, containers: [] });
    expect(heartbeatBodySchema.parse(BEAT)).toEqual(BEAT);
  });

  it('read the report query as numbers of milliseconds', () => {
    expect(reportQuerySchema.parse({ from: '1', to: '2000', baseline: '4xm5.large' })).toEqual({ from: 1, to: 2000, baseline: '4xm5.large' });
    expect(reportQuerySchema.safeParse({ from: '-1' }).success).toBe(false);
    expect(reportQuerySchema.safeParse({ until: '1' }).success).toBe(false);
  });

  it('refuse unknown fields at every level of a request, and ignore them in an answer', () => {
    expect(jobSpecSchema.safeParse({ ...(WEB_SERVICE as object), privileged: true }).success).toBe(false);
    expect(heartbeatBodySchema.safeParse({ ...BEAT, containers: [{ ...BEAT.containers[0], pid: 1 }] }).success).toBe(false);
    expect(ROUTE_SHAPES['GET /jobs'].response.parse({ jobs: [], next: 'x' })).toEqual({ jobs: [] });
  });
});
