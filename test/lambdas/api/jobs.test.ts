import type { Job, Task } from '../../../core/model';
import { DEFAULT_SERVICE_RESTART } from '../../../core/policy';
import { createHandler } from '../../../lambdas/api/jobs';
import { createHandler as createNodesHandler } from '../../../lambdas/api/nodes';
import { apiEvent, json, testDeps } from './events';

const NOW = 1_800_000_000_000;
const ID = 'job-0123456789abcdef0123';
const MISSING = 'job-ffffffffffffffffffff';

/** The events' default caller (test/lambdas/api/events.ts), who owns the jobs here. */
const OWNER = 'arn:aws:iam::123456789012:user/alice';

const job = (id: string, createdAt: number): Job => ({
  id,
  name: 'web',
  owner: OWNER,
  image: 'nginx',
  command: ['nginx'],
  env: {},
  resources: { cpu: 250, memoryMiB: 128 },
  count: 3,
  kind: 'service',
  restart: DEFAULT_SERVICE_RESTART,
  constraints: {},
  doNotDisrupt: false,
  createdAt,
});

async function setup() {
  const deps = testDeps(NOW);
  const tasks: Task[] = [
    { id: `${ID}.0`, jobId: ID, slot: 0, generation: 2, status: 'RUNNING', nodeId: 'i-1', resources: { cpu: 250, memoryMiB: 128 }, restarts: 1, createdAt: NOW, startedAt: NOW },
    { id: `${ID}.1`, jobId: ID, slot: 1, generation: 0, status: 'UNSCHEDULABLE', reason: 'no instance type fits 250m/128MiB in zone us-west-9z', resources: { cpu: 250, memoryMiB: 128 }, restarts: 0, createdAt: NOW },
    { id: `${ID}.2`, jobId: ID, slot: 2, generation: 0, status: 'PENDING', resources: { cpu: 250, memoryMiB: 128 }, restarts: 0, createdAt: NOW },
  ];
  await deps.store.createJob(job(ID, NOW - 1000), tasks);
  await deps.store.createJob(job('job-00000000000000000000', NOW - 5000), []);
  const handler = createHandler(deps);
  const call = (method: string, route: string, id?: string) => handler(apiEvent(method, route, id === undefined ? {} : { pathParameters: { id } }));
  return { deps, call };
}

describe('GET /jobs', () => {
  it('lists jobs newest first with counts of their tasks by status', async () => {
    const { call } = await setup();
    const res = await call('GET', '/jobs');
    expect(res.statusCode).toBe(200);
    expect(json(res).jobs).toEqual([
      { id: ID, name: 'web', kind: 'service', count: 3, createdAt: NOW - 1000, tasks: { RUNNING: 1, UNSCHEDULABLE: 1, PENDING: 1 } },
      { id: 'job-00000000000000000000', name: 'web', kind: 'service', count: 3, createdAt: NOW - 5000, tasks: {} },
    ]);
  });

  it('still lists a job the live snapshot leaves out (all its copies finished), with its copies counted', async () => {
    const { deps } = await setup();
    const done = 'job-11111111111111111111';
    const finished: Task = { id: `${done}.0`, jobId: done, slot: 0, generation: 0, status: 'COMPLETED', exitCode: 0, resources: { cpu: 250, memoryMiB: 128 }, restarts: 0, createdAt: NOW, finishedAt: NOW };
    await deps.store.createJob({ ...job(done, NOW - 3000), kind: 'batch', count: 1 }, [finished]);
    // A store with a live index: the snapshot holds neither the finished job nor its copy.
    const liveOnly = Object.assign(Object.create(deps.store), {
      snapshot: async () => {
        const s = await deps.store.snapshot();
        return { ...s, jobs: s.jobs.filter((j) => j.id !== done), tasks: s.tasks.filter((t) => t.jobId !== done) };
      },
    });
    const res = await createHandler({ ...deps, store: liveOnly })(apiEvent('GET', '/jobs'));
    expect(json(res).jobs.map((j: { id: string; tasks: unknown }) => [j.id, j.tasks])).toEqual([
      [ID, { RUNNING: 1, UNSCHEDULABLE: 1, PENDING: 1 }],
      [done, { COMPLETED: 1 }],
      ['job-00000000000000000000', {}],
    ]);
  });
});

describe('GET /jobs/{id}', () => {
  it('shows the job and each task with its node, status, generation and why it is not running', async () => {
    const { call } = await setup();
    const res = await call('GET', '/jobs/{id}', ID);
    expect(res.statusCode).toBe(200);
    const body = json(res);
    expect(body.job).toMatchObject({ id: ID, image: 'nginx', cpu: 250, memoryMiB: 128, count: 3 });
    expect(body.tasks).toEqual([
      { id: `${ID}.0`, slot: 0, generation: 2, version: 1, status: 'RUNNING', nodeId: 'i-1', restarts: 1, startedAt: NOW },
      { id: `${ID}.1`, slot: 1, generation: 0, version: 1, status: 'UNSCHEDULABLE', nodeId: null, restarts: 0, reason: 'no instance type fits 250m/128MiB in zone us-west-9z' },
      { id: `${ID}.2`, slot: 2, generation: 0, version: 1, status: 'PENDING', nodeId: null, restarts: 0, reason: 'waiting for the next scheduling pass' },
    ]);
  });

  it('answers 404 for an unknown job', async () => {
    const { call } = await setup();
    const res = await call('GET', '/jobs/{id}', MISSING);
    expect(res.statusCode).toBe(404);
    expect(json(res).error).toEqual({ code: 'not-found', message: expect.stringContaining(MISSING) });
  });

  it.each(['job-XYZ', 'job-0123456789ABCDEF0123', 'Web', '-web', 'a'.repeat(64)])('answers 400 naming the id parameter for %s, which is neither an id nor a name', async (bad) => {
    const { call } = await setup();
    const res = await call('GET', '/jobs/{id}', bad);
    expect(res.statusCode).toBe(400);
    expect(json(res).error.fields).toEqual([{ field: 'path.id', rule: expect.stringContaining('job id') }]);
  });

  it.each(['nope', 'job-0123456789abcdef012', `${ID}0`])('answers 404 naming %s, a name no live job has', async (name) => {
    const { call } = await setup();
    const res = await call('GET', '/jobs/{id}', name);
    expect(res.statusCode).toBe(404);
    expect(json(res).error.message).toContain(`no job with name or id ${name}`);
  });
});

describe('DELETE /jobs/{id}', () => {
  it('requests the stop and answers 202', async () => {
    const { deps, call } = await setup();
    const res = await call('DELETE', '/jobs/{id}', ID);
    expect(res.statusCode).toBe(202);
    expect(json(res)).toEqual({ jobId: ID, stopRequested: true });
    expect(deps.store.state.jobs.get(ID)?.stopRequestedAt).toBe(NOW);
  });

  it('answers 404 for an unknown job and 400 for a malformed id, changing nothing', async () => {
    const { deps, call } = await setup();
    const before = JSON.stringify(await deps.store.snapshot());
    expect((await call('DELETE', '/jobs/{id}', MISSING)).statusCode).toBe(404);
    expect((await call('DELETE', '/jobs/{id}', 'job-;drop')).statusCode).toBe(400);
    expect(JSON.stringify(await deps.store.snapshot())).toBe(before);
  });
});

describe('error responses', () => {
  it('answer 500 without internals when the store throws something unexpected, and log it', async () => {
    const { deps, call } = await setup();
    deps.store.getJob = async () => {
      throw new Error('secret connection string postgres://admin:hunter2@db');
    };
    const res = await call('GET', '/jobs/{id}', ID);
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('hunter2');
    expect(json(res).error.code).toBe('internal');
    const logged = deps.recorded.logs.find((l) => l.level === 'error');
    expect((logged?.extra[0] as { error: Error }).error.message).toContain('hunter2');
  });
});

describe('GET /nodes', () => {
  it('lists each node with type, zone, state, capacity, allocation, usage, last heartbeat and price', async () => {
    const deps = testDeps(NOW);
    await deps.store.recordHeartbeat(
      { nodeId: 'i-2', instanceType: 'c5.xlarge', zone: 'us-east-1b', labels: {}, capacity: { cpu: 4000, memoryMiB: 8192 }, usage: { cpu: 100, memoryMiB: 512 }, pricePerHour: 0.17, containers: [] },
      NOW - 2000,
    );
    await deps.store.recordLaunch({ id: 'i-1', instanceType: 'm5.large', zone: 'us-east-1a', labels: {}, capacity: { cpu: 2000, memoryMiB: 8192 }, state: 'LAUNCHING', launchedAt: NOW - 500, pricePerHour: 0.096 });
    const res = await createNodesHandler(deps)(apiEvent('GET', '/nodes'));
    expect(res.statusCode).toBe(200);
    expect(json(res).nodes).toEqual([
      { id: 'i-1', type: 'm5.large', zone: 'us-east-1a', state: 'LAUNCHING', labels: {}, capacity: { cpu: 2000, memoryMiB: 8192 }, allocated: { cpu: 0, memoryMiB: 0 }, usage: null, launchedAt: NOW - 500, lastHeartbeatAt: null, pricePerHour: 0.096, capacityType: 'on-demand' },
      { id: 'i-2', type: 'c5.xlarge', zone: 'us-east-1b', state: 'ACTIVE', labels: {}, capacity: { cpu: 4000, memoryMiB: 8192 }, allocated: { cpu: 0, memoryMiB: 0 }, usage: { cpu: 100, memoryMiB: 512 }, launchedAt: NOW - 2000, lastHeartbeatAt: NOW - 2000, pricePerHour: 0.17, capacityType: 'on-demand' },
    ]);
  });

  it('shows how a node was bought and the reclaim notice it drains for', async () => {
    const deps = testDeps(NOW);
    await deps.store.recordLaunch({ id: 'i-3', instanceType: 'm5.large', zone: 'us-east-1a', labels: {}, capacity: { cpu: 2000, memoryMiB: 8192 }, state: 'ACTIVE', launchedAt: NOW - 500, pricePerHour: 0.04, capacityType: 'spot' });
    await deps.store.markReclaimed('i-3', { notice: 'interruption', noticedAt: NOW - 100, deadline: NOW + 119_900 });
    const res = await createNodesHandler(deps)(apiEvent('GET', '/nodes'));
    expect(json(res).nodes).toEqual([expect.objectContaining({ id: 'i-3', state: 'DRAINING', capacityType: 'spot', reclaim: { notice: 'interruption', noticedAt: NOW - 100, deadline: NOW + 119_900 } })]);
  });
});
