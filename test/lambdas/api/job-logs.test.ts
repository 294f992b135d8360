import type { Job, Task } from '../../../core/model';
import { DEFAULT_SERVICE_RESTART } from '../../../core/policy';
import { InMemoryLogReader } from '../../../control/fakes/in-memory-log-reader';
import { LogReaderError, type LogReader } from '../../../control/log-reader';
import { DEFAULT_LOG_WINDOW_MS } from '../../../contract/job-logs';
import { createHandler } from '../../../lambdas/api/jobs';
import { apiEvent, json, testDeps } from './events';

const NOW = 1_800_000_000_000;
const ID = 'job-0123456789abcdef0123';

const job: Job = {
  id: ID,
  name: 'web',
  // The events' default caller (events.ts): the job is its own, as only an owner's job answers.
  owner: 'arn:aws:iam::123456789012:user/alice',
  image: 'nginx',
  command: ['nginx'],
  env: {},
  resources: { cpu: 250, memoryMiB: 128 },
  count: 2,
  kind: 'service',
  restart: DEFAULT_SERVICE_RESTART,
  constraints: {},
  doNotDisrupt: false,
  createdAt: NOW - 10 * DEFAULT_LOG_WINDOW_MS,
};
const task = (slot: number, generation: number, status: Task['status']): Task => ({
  id: generation === 0 ? `${ID}.${slot}` : `${ID}.${slot}.g${generation}`,
  jobId: ID,
  slot,
  generation,
  status,
  resources: { cpu: 250, memoryMiB: 128 },
  restarts: 0,
  createdAt: NOW,
});

async function setup(logReader?: LogReader) {
  const deps = testDeps(NOW);
  await deps.store.createJob(job, [task(0, 0, 'STOPPED'), task(0, 1, 'RUNNING'), task(1, 0, 'RUNNING')]);
  const handler = createHandler({ ...deps, ...(logReader ? { logReader } : {}) });
  const call = (query: Record<string, string> = {}, id = 'web') => handler(apiEvent('GET', '/jobs/{id}/logs', { pathParameters: { id }, query }));
  return { call };
}

function reader(): InMemoryLogReader {
  const r = new InMemoryLogReader();
  r.write(ID, { taskId: `${ID}.0`, at: NOW - 3000, text: 'old copy of replica 0' }, { taskId: `${ID}.0.g1`, at: NOW - 2000, text: 'new copy of replica 0' }, { taskId: `${ID}.1`, at: NOW - 1000, text: 'replica 1' });
  return r;
}

describe('GET /jobs/{id}/logs', () => {
  it('answers every copy\'s lines oldest first, each with its task, replica and time', async () => {
    const { call } = await setup(reader());
    const res = await call();
    expect(res.statusCode).toBe(200);
    expect(json(res)).toEqual({
      jobId: ID,
      name: 'web',
      truncated: false,
      lines: [
        { task: `${ID}.0`, slot: 0, at: NOW - 3000, text: 'old copy of replica 0' },
        { task: `${ID}.0.g1`, slot: 0, at: NOW - 2000, text: 'new copy of replica 0' },
        { task: `${ID}.1`, slot: 1, at: NOW - 1000, text: 'replica 1' },
      ],
    });
  });

  it('reads only the copies of the replica --task names, of every generation, from since, at most limit', async () => {
    const r = reader();
    const { call } = await setup(r);
    const res = await call({ task: '0', since: String(NOW - 2500), limit: '5' });
    expect(json(res).lines.map((l: { text: string }) => l.text)).toEqual(['new copy of replica 0']);
    expect(r.queries.at(-1)).toEqual({ jobId: ID, taskIds: [`${ID}.0`, `${ID}.0.g1`], since: NOW - 2500, limit: 5 });
  });

  it('reads the last hour by default, and says when the limit cut lines off', async () => {
    const r = reader();
    const { call } = await setup(r);
    const res = await call({ limit: '2' });
    expect(r.queries.at(-1)).toEqual({ jobId: ID, since: NOW - DEFAULT_LOG_WINDOW_MS, limit: 2 });
    expect(json(res).lines).toHaveLength(2);
    expect(json(res).truncated).toBe(true);
  });

  it.each([
    [{ limit: '0' }, 'query.limit', 'at least 1'],
    [{ limit: '10001' }, 'query.limit', 'at most 10000'],
    [{ limit: 'all' }, 'query.limit', 'digits only'],
    [{ since: '10m' }, 'query.since', 'milliseconds since the epoch'],
    [{ task: '-1' }, 'query.task', 'replica number'],
    [{ task: '7' }, 'query.task', 'has no replica 7 (replicas: 0, 1)'],
    [{ follow: 'true' }, 'query.follow', 'unknown field'],
  ])('refuses %j with 400 naming %s', async (query, field, rule) => {
    const { call } = await setup(reader());
    const res = await call(query as Record<string, string>);
    expect(res.statusCode).toBe(400);
    const fields = json(res).error.fields as Array<{ field: string; rule: string }>;
    expect(fields).toEqual(expect.arrayContaining([expect.objectContaining({ field, rule: expect.stringContaining(rule) })]));
  });

  it('answers 404 for a job that does not exist, as the other job routes do', async () => {
    const { call } = await setup(reader());
    const res = await call({}, 'ghost');
    expect(res.statusCode).toBe(404);
  });

  it('answers 503 when the deployment has no log reader, or the reader cannot read now', async () => {
    expect((await (await setup()).call()).statusCode).toBe(503);
    const failing: LogReader = { read: () => Promise.reject(new LogReaderError('ThrottlingException: Rate exceeded', true)) };
    const res = await (await setup(failing)).call();
    expect(res.statusCode).toBe(503);
    expect(json(res).error.message).toMatch(/cannot be read right now \(ThrottlingException: Rate exceeded\); retry shortly/);
  });
});
