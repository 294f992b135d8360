import type { Job } from '../../../core/model';
import type { Plan } from '../../../core/pass/plan-types';
import { DEFAULT_SERVICE_RESTART } from '../../../core/policy';
import { createHandler, iamInstanceIdentity } from '../../../lambdas/api/heartbeat';
import { ACCOUNT, apiEvent, instanceArn, json, lambdaContext, NODE_ROLE, testDeps } from './events';

const NODE = 'i-0123456789abcdef0';
const OTHER = 'i-0fedcba9876543210';
const NOW = 1_800_000_000_000;

const BEAT = {
  instanceType: 'm5.large',
  zone: 'us-east-1a',
  labels: { team: 'web' },
  capacity: { cpu: 2000, memoryMiB: 8192 },
  usage: { cpu: 120.4, memoryMiB: 300 },
  pricePerHour: 0.096,
  containers: [],
};

const JOB: Job = {
  id: 'job-00000000000000000001',
  name: 'web',
  image: 'nginx:1.25',
  command: ['nginx', '-g', 'daemon off;'],
  env: { PORT: '8080' },
  resources: { cpu: 500, memoryMiB: 256 },
  count: 2,
  kind: 'service',
  restart: DEFAULT_SERVICE_RESTART,
  constraints: {},
  doNotDisrupt: false,
  createdAt: NOW - 60_000,
};

function setup() {
  const deps = testDeps(NOW);
  const handler = createHandler({ ...deps, identify: iamInstanceIdentity() });
  const beat = (pathId: string, body: unknown, userArn = instanceArn(pathId)) =>
    handler(apiEvent('PUT', '/nodes/{id}/heartbeat', { pathParameters: { id: pathId }, body, userArn }), lambdaContext());
  return { deps, handler, beat };
}

/** A node with one of JOB's copies assigned to it, the other one pending. */
async function withAssignedTask(deps: ReturnType<typeof testDeps>) {
  await deps.store.recordHeartbeat({ nodeId: NODE, ...BEAT, usage: { cpu: 0, memoryMiB: 0 } }, NOW - 10_000);
  await deps.store.createJob(JOB, [0, 1].map((slot) => ({ id: `${JOB.id}.${slot}`, jobId: JOB.id, slot, generation: 0, status: 'PENDING' as const, resources: JOB.resources, restarts: 0, createdAt: JOB.createdAt })));
  const plan: Plan = {
    now: NOW - 5_000,
    assignments: [{ taskId: `${JOB.id}.0`, jobId: JOB.id, nodeId: NODE, from: 'PENDING', generation: 1, resources: JOB.resources }],
    taskUpdates: [],
    nodeUpdates: [],
    launches: [],
    terminations: [],
    unplaced: [],
    consolidations: [],
  };
  expect((await deps.store.applyPlan(plan)).conflicts).toEqual([]);
}

const snapshotOf = async (deps: ReturnType<typeof testDeps>) => JSON.stringify(await deps.store.snapshot());

describe('PUT /nodes/{id}/heartbeat', () => {
  it('records the node reporting for itself and returns nothing to run when it has no tasks', async () => {
    const { deps, beat } = setup();
    const res = await beat(NODE, BEAT);
    expect(res.statusCode).toBe(200);
    expect(json(res)).toEqual({ nodeId: NODE, tasks: [] });
    const [node] = await deps.store.listNodes();
    expect(node).toMatchObject({ id: NODE, instanceType: 'm5.large', zone: 'us-east-1a', labels: { team: 'web' }, capacity: { cpu: 2000, memoryMiB: 8192 }, usage: { cpu: 120, memoryMiB: 300 }, state: 'ACTIVE', lastHeartbeatAt: NOW, pricePerHour: 0.096 });
  });

  it('returns the tasks the node should run with their job image, argv and env', async () => {
    const { deps, beat } = setup();
    await withAssignedTask(deps);
    const res = await beat(NODE, BEAT);
    expect(res.statusCode).toBe(200);
    expect(json(res).tasks).toEqual([
      { id: `${JOB.id}.0`, jobId: JOB.id, slot: 0, generation: 1, status: 'ASSIGNED', resources: JOB.resources, image: JOB.image, command: JOB.command, env: JOB.env },
    ]);
  });

  it('moves a task by the container states it reports, exit codes included', async () => {
    const { deps, beat } = setup();
    await withAssignedTask(deps);
    await beat(NODE, { ...BEAT, containers: [{ taskId: `${JOB.id}.0`, generation: 1, state: 'running', startedAt: NOW - 1000 }] });
    expect(deps.store.state.tasks.get(`${JOB.id}.0`)).toMatchObject({ status: 'RUNNING', startedAt: NOW - 1000 });
    const res = await beat(NODE, { ...BEAT, containers: [{ taskId: `${JOB.id}.0`, generation: 1, state: 'exited', exitCode: 137, oomKilled: true, finishedAt: NOW }] });
    expect(deps.store.state.tasks.get(`${JOB.id}.0`)).toMatchObject({ status: 'FAILED', exitCode: 137, oomKilled: true });
    expect(json(res).tasks).toEqual([]);
  });

  it('refuses a heartbeat for another node id with 403 and changes nothing stored', async () => {
    const { deps, beat } = setup();
    await withAssignedTask(deps);
    const before = await snapshotOf(deps);
    const res = await beat(NODE, { ...BEAT, containers: [{ taskId: `${JOB.id}.0`, generation: 1, state: 'exited', exitCode: 1 }] }, instanceArn(OTHER));
    expect(res.statusCode).toBe(403);
    expect(json(res).error).toEqual({ code: 'forbidden', message: expect.stringContaining(`node ${OTHER} may not report a heartbeat for node ${NODE}`) });
    expect(await snapshotOf(deps)).toBe(before);
    expect(deps.recorded.metrics).toContainEqual({ name: 'HeartbeatsRefused', value: 1 });
  });

  it.each([
    ['an IAM user', `arn:aws:iam::${ACCOUNT}:user/alice`],
    ['a role session named after another node', instanceArn(OTHER)],
    ['a malformed ARN', 'not-an-arn'],
    ['a session name that only starts with the id', instanceArn(`${NODE}x`)],
  ])('refuses %s reporting for the node, before reading the body', async (_who, arn) => {
    const { deps, beat } = setup();
    const before = await snapshotOf(deps);
    const res = await beat(NODE, '{not json', arn);
    expect(res.statusCode).toBe(403);
    expect(await snapshotOf(deps)).toBe(before);
  });

  it('accepts only sessions of the node role when the role name is configured', async () => {
    const deps = testDeps(NOW);
    const handler = createHandler({ ...deps, identify: iamInstanceIdentity({ roleName: NODE_ROLE }) });
    const beatAs = (arn: string) => handler(apiEvent('PUT', '/nodes/{id}/heartbeat', { pathParameters: { id: NODE }, body: BEAT, userArn: arn }));
    expect((await beatAs(instanceArn(NODE, 'SomeAdminRole'))).statusCode).toBe(403);
    expect((await beatAs(instanceArn(NODE, NODE_ROLE))).statusCode).toBe(200);
  });

  it('uses the injected identity check (as the local API will)', async () => {
    const deps = testDeps(NOW);
    const handler = createHandler({ ...deps, identify: (e) => e.headers['x-local-node'] });
    const res = await handler(apiEvent('PUT', '/nodes/{id}/heartbeat', { pathParameters: { id: 'local-1' }, body: BEAT, headers: { 'x-local-node': 'local-1' } }));
    expect(res.statusCode).toBe(200);
    expect((await deps.store.listNodes()).map((n) => n.id)).toEqual(['local-1']);
  });

  it('lists every invalid and unknown field of the body in one 400 and stores nothing', async () => {
    const { deps, beat } = setup();
    await withAssignedTask(deps);
    const before = await snapshotOf(deps);
    const res = await beat(NODE, {
      ...BEAT,
      capacity: { cpu: -1, memoryMiB: 'lots' },
      pricePerHour: -0.1,
      containers: [{ taskId: `${JOB.id}.0`, generation: 1, state: 'zombie', exitCode: 1.5 }],
      privileged: true,
    });
    expect(res.statusCode).toBe(400);
    expect(json(res).error.fields.map((f: { field: string }) => f.field).sort()).toEqual(
      ['capacity.cpu', 'capacity.memoryMiB', 'containers[0].exitCode', 'containers[0].state', 'pricePerHour', 'privileged'].sort(),
    );
    expect(await snapshotOf(deps)).toBe(before);
  });

  it('stores the capacity type a node reports, and refuses one EC2 does not sell, naming the field', async () => {
    const { deps, beat } = setup();
    expect((await beat(NODE, { ...BEAT, capacityType: 'spot' })).statusCode).toBe(200);
    expect((await deps.store.listNodes())[0]).toMatchObject({ id: NODE, capacityType: 'spot' });
    const res = await beat(NODE, { ...BEAT, capacityType: 'reserved' });
    expect(res.statusCode).toBe(400);
    expect(json(res).error.fields).toEqual([expect.objectContaining({ field: 'capacityType', rule: expect.stringMatching(/on-demand.*spot/) })]);
  });

  it('refuses more than 1000 container reports', async () => {
    const { beat } = setup();
    const containers = Array.from({ length: 1001 }, (_, i) => ({ taskId: `t${i}`, generation: 0, state: 'running' }));
    const res = await beat(NODE, { ...BEAT, containers });
    // Such a body is also past 64 KiB: either refusal is a clear 4xx that stores nothing.
    expect([400, 413]).toContain(res.statusCode);
  });

  it('answers 413 for an oversized body and 400 for malformed JSON, storing nothing', async () => {
    const { deps, handler } = setup();
    const send = (rawBody: string) => handler(apiEvent('PUT', '/nodes/{id}/heartbeat', { pathParameters: { id: NODE }, rawBody, userArn: instanceArn(NODE) }), lambdaContext());
    expect((await send(JSON.stringify({ ...BEAT, labels: { pad: 'x'.repeat(70_000) } }))).statusCode).toBe(413);
    expect((await send('{"instanceType": ')).statusCode).toBe(400);
    expect(await deps.store.listNodes()).toEqual([]);
  });

  it('answers 400 naming the path parameter for a bad node id', async () => {
    const { beat } = setup();
    const res = await beat('i-../../etc', BEAT, instanceArn('i-../../etc'));
    expect(res.statusCode).toBe(400);
    expect(json(res).error.fields).toEqual([{ field: 'path.id', rule: expect.stringContaining('node id') }]);
  });
});
