import { createHandler } from '../../../lambdas/api/submit';
import { createHandler as jobsHandler } from '../../../lambdas/api/jobs';
import { createHandler as heartbeatHandler, iamInstanceIdentity } from '../../../lambdas/api/heartbeat';
import { heartbeatAnswerSchema } from '../../../contract/heartbeat';
import { apiEvent, instanceArn, InMemoryPersistenceLayer, json, lambdaContext, testDeps } from './events';

const PARAM = 'arn:aws:ssm:eu-west-1:123456789012:parameter/stowage/Prod/db/password';
const JOB = { name: 'api', image: 'nginx', command: ['nginx'], cpu: 250, memoryMiB: 64, count: 1 };

function setup(stackName: string | null = 'Prod') {
  const deps = testDeps();
  const handler = createHandler({ ...deps, idempotencyStore: new InMemoryPersistenceLayer(), ...(stackName !== null ? { stackName } : {}) });
  return {
    deps,
    submit: (body: unknown) => handler(apiEvent('POST', '/jobs', { body }), lambdaContext()),
    put: (body: unknown) => handler(apiEvent('PUT', '/jobs/{id}', { body, pathParameters: { id: 'api' } }), lambdaContext()),
    get: (id: string) => jobsHandler(deps)(apiEvent('GET', '/jobs/{id}', { pathParameters: { id } })),
  };
}

describe('secrets at submit', () => {
  it('stores and shows the references, never anything else', async () => {
    const { deps, submit, get } = setup();
    const res = await submit({ ...JOB, secrets: { DB_PASSWORD: PARAM } });
    expect(res.statusCode).toBe(202);
    const { jobId } = json(res);
    expect((await deps.store.getJob(jobId))?.job.secrets).toEqual({ DB_PASSWORD: PARAM });
    expect(json(await get(jobId)).job.secrets).toEqual({ DB_PASSWORD: PARAM });
  });

  it('refuses, on POST and PUT, every reference outside the stack\'s prefix, naming it and the rule', async () => {
    const { submit, put } = setup();
    const body = { ...JOB, secrets: { OK: PARAM, OTHER: 'arn:aws:ssm:eu-west-1:123456789012:parameter/team/db', FOREIGN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:stowage/Staging/key' } };
    for (const res of [await submit(body), await put(body)]) {
      expect(res.statusCode).toBe(400);
      expect(json(res).error.fields).toEqual([
        { field: 'secrets.OTHER', rule: 'names parameter /team/db, outside what this stack may read: parameters under /stowage/Prod/ only; store it as /stowage/Prod/<name>' },
        { field: 'secrets.FOREIGN', rule: 'names secret stowage/Staging/key, outside what this stack may read: secrets named stowage/Prod/<name> only; create it under that name' },
      ]);
    }
  });

  it('refuses secrets where the deployment names no stack, and takes a job without them', async () => {
    const { submit } = setup(null);
    expect(json(await submit({ ...JOB, secrets: { DB_PASSWORD: PARAM } })).error.fields).toEqual([{ field: 'secrets', rule: expect.stringContaining('names no stack') }]);
    expect((await submit(JOB)).statusCode).toBe(202);
  });
});

describe('secrets in the heartbeat answer', () => {
  it('hands the node the references of the copy it runs, not values', async () => {
    const NODE = 'i-0123456789abcdef0';
    const BEAT = { instanceType: 'm5.large', zone: 'us-east-1a', capacity: { cpu: 2000, memoryMiB: 8192 }, usage: { cpu: 0, memoryMiB: 0 }, pricePerHour: 0.096 };
    const { deps, submit } = setup();
    const { jobId } = json(await submit({ ...JOB, secrets: { DB_PASSWORD: PARAM } }));
    await deps.store.recordHeartbeat({ nodeId: NODE, ...BEAT, labels: {}, containers: [] }, deps.clock.now() - 1000);
    const resources = { cpu: 250, memoryMiB: 64 };
    const applied = await deps.store.applyPlan({ now: deps.clock.now(), assignments: [{ taskId: `${jobId}.0`, jobId, nodeId: NODE, from: 'PENDING', generation: 1, resources }], taskUpdates: [], nodeUpdates: [], launches: [], terminations: [], unplaced: [], consolidations: [] });
    expect(applied.conflicts).toEqual([]);
    const hb = heartbeatHandler({ ...deps, identify: iamInstanceIdentity() });
    const res = await hb(apiEvent('PUT', '/nodes/{id}/heartbeat', { pathParameters: { id: NODE }, body: BEAT, userArn: instanceArn(NODE) }), lambdaContext());
    expect(res.statusCode).toBe(200);
    expect(heartbeatAnswerSchema.parse(json(res)).tasks[0].secrets).toEqual({ DB_PASSWORD: PARAM });
  });
});
