import { InMemoryStateStore } from '../../control/fakes/in-memory-state-store';
import { LocalUserNameError, localUserArn, userOfToken, userToken } from '../../local/credentials';
import { LOCAL_USER_ARN, startLocalApi, type LocalApi } from '../../local/local-api';
import { InMemoryPersistenceLayer } from '../lambdas/api/events';

/**
 * Who may touch which job, on the local API through real HTTP: the credential file's
 * token is the admin; `stowage local token --user NAME` tokens are users who see and
 * change only their own jobs, and get 404 for anyone else's.
 */

const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
const NOW = 1_800_000_000_000;
const SPEC = { name: 'web', image: 'stowage/busybox:local', command: ['httpd', '-f'], cpu: 100, memoryMiB: 64, count: 1 };

let store: InMemoryStateStore;
let api: LocalApi;
const alice = userToken(ADMIN_TOKEN, 'alice');
const bob = userToken(ADMIN_TOKEN, 'bob');

beforeAll(async () => {
  store = new InMemoryStateStore();
  api = await startLocalApi({ store, idempotencyStore: new InMemoryPersistenceLayer(), userToken: ADMIN_TOKEN, nodeForToken: () => undefined, clock: { now: () => NOW } });
});
afterAll(async () => {
  await api?.close();
});

async function call(token: string, method: string, route: string, body?: unknown) {
  const res = await fetch(`${api.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies of many shapes
  return { status: res.status, body: (await res.json()) as any };
}

describe('local user tokens', () => {
  it('name their user and no other, and only under the admin token that issued them', () => {
    expect(userOfToken(ADMIN_TOKEN, alice)).toBe('alice');
    expect(userOfToken('another-admin-token', alice)).toBeUndefined();
    const forged = alice.replace(/^u\.alice\./, 'u.bob.');
    expect(userOfToken(ADMIN_TOKEN, forged)).toBeUndefined();
    expect(userOfToken(ADMIN_TOKEN, ADMIN_TOKEN)).toBeUndefined();
  });

  it("refuses a name that is not one, and the admin's own", () => {
    expect(() => userToken(ADMIN_TOKEN, 'a b')).toThrow(LocalUserNameError);
    expect(() => userToken(ADMIN_TOKEN, 'stowage-local')).toThrow(/admin's own name/);
  });

  it('are refused by the API when forged (401)', async () => {
    expect((await call(alice.replace(/^u\.alice\./, 'u.bob.'), 'GET', '/jobs')).status).toBe(401);
    expect((await call(userToken('not-this-cloud', 'alice'), 'GET', '/jobs')).status).toBe(401);
  });
});

describe('ownership on the local API', () => {
  let jobId: string;
  beforeAll(async () => {
    const created = await call(alice, 'PUT', '/jobs/web', SPEC);
    expect(created.status).toBe(202);
    jobId = created.body.jobId;
    expect((await call(alice, 'PUT', '/jobs/web', { ...SPEC, command: ['httpd', '-f', '-v'] })).status).toBe(202);
  });

  it("records the local user as the job's owner", async () => {
    expect((await call(alice, 'GET', '/jobs/web')).body.job.owner).toBe(localUserArn('alice'));
  });

  it("gives user B 404 for every route on A's job (logs included), the answer a missing job gets, and changes nothing", async () => {
    const before = JSON.stringify(await store.getJob(jobId));
    expect((await call(bob, 'GET', '/jobs')).body.jobs).toEqual([]);
    const missing = await call(bob, 'GET', '/jobs/nope');
    for (const ref of ['web', jobId]) {
      const answers = [
        await call(bob, 'GET', `/jobs/${ref}`),
        await call(bob, 'GET', `/jobs/${ref}/versions`),
        await call(bob, 'DELETE', `/jobs/${ref}`),
        await call(bob, 'POST', `/jobs/${ref}/scale`, { count: 3 }),
        await call(bob, 'POST', `/jobs/${ref}/rollback`, { version: 1 }),
        await call(bob, 'GET', `/jobs/${ref}/logs`),
      ];
      for (const a of answers) {
        expect({ ref, status: a.status, code: a.body.error?.code }).toEqual({ ref, status: 404, code: missing.body.error.code });
        expect(JSON.stringify(a.body)).not.toContain('alice');
      }
    }
    // PUT of the name: the name is taken, nothing more (docs/security.md says why not 404).
    const put = await call(bob, 'PUT', '/jobs/web', { ...SPEC, image: 'stowage/evil:1' });
    expect(put.status).toBe(409);
    expect(put.body.error.message).toBe('the name web is taken by a live job; choose another name');
    expect(JSON.stringify(await store.getJob(jobId))).toBe(before);
  });

  it('lets the admin (the credential-file token) list, read, update, scale, roll back and stop it', async () => {
    expect((await call(ADMIN_TOKEN, 'GET', '/jobs')).body.jobs.map((j: { id: string }) => j.id)).toContain(jobId);
    expect((await call(ADMIN_TOKEN, 'GET', `/jobs/${jobId}`)).body.job.owner).toBe(localUserArn('alice'));
    expect((await call(ADMIN_TOKEN, 'GET', '/jobs/web/versions')).status).toBe(200);
    expect((await call(ADMIN_TOKEN, 'PUT', '/jobs/web', { ...SPEC, command: ['httpd', '-f', '-vv'] })).status).toBe(202);
    expect((await call(ADMIN_TOKEN, 'POST', '/jobs/web/scale', { count: 2 })).status).toBe(202);
    expect((await call(ADMIN_TOKEN, 'POST', '/jobs/web/rollback', { version: 1 })).status).toBe(202);
    expect((await call(ADMIN_TOKEN, 'DELETE', '/jobs/web')).status).toBe(202);
    const stored = (await store.getJob(jobId))!.job;
    expect(stored).toMatchObject({ owner: localUserArn('alice'), versionedBy: LOCAL_USER_ARN });
    expect(stored.stopRequestedAt).toBeDefined();
  });

  it("keeps B's own job B's: A does not see it", async () => {
    expect((await call(bob, 'PUT', '/jobs/api', { ...SPEC, name: 'api' })).status).toBe(202);
    expect((await call(bob, 'GET', '/jobs')).body.jobs.map((j: { name: string }) => j.name)).toEqual(['api']);
    expect((await call(alice, 'GET', '/jobs/api')).status).toBe(404);
  });
});
