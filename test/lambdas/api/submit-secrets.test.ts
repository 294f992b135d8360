import { createHandler } from '../../../lambdas/api/submit';
import { createHandler as jobsHandler } from '../../../lambdas/api/jobs';
import { apiEvent, InMemoryPersistenceLayer, json, lambdaContext, testDeps } from './events';

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
