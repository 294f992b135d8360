import type { Job } from '../../../core/model';
import { DEFAULT_SERVICE_RESTART } from '../../../core/policy';
import { ConfigError, ENV } from '../../../lambdas/config';
import { createHandler as createJobsHandler } from '../../../lambdas/api/jobs';
import { adminsFrom, isAdmin, principalOf, visibleTo } from '../../../lambdas/api/ownership';
import { createHandler as createSubmitHandler } from '../../../lambdas/api/submit';
import { apiEvent, InMemoryPersistenceLayer, json, lambdaContext, testDeps } from './events';

const A = '111122223333';
const ALICE = `arn:aws:iam::${A}:user/alice`;
const BOB = `arn:aws:iam::${A}:user/bob`;
const OPS_ROLE = `arn:aws:iam::${A}:role/StowageOps`;
const OPS_SESSION = `arn:aws:sts::${A}:assumed-role/StowageOps/jane@example.com`;

describe('principalOf', () => {
  it('names an assumed-role session by its role, so every session of the role owns the same jobs', () => {
    expect(principalOf(OPS_SESSION)).toBe(OPS_ROLE);
    expect(principalOf(`arn:aws:sts::${A}:assumed-role/StowageOps/ci-run-42`)).toBe(OPS_ROLE);
    expect(principalOf(`arn:aws-cn:sts::${A}:assumed-role/R/s`)).toBe(`arn:aws-cn:iam::${A}:role/R`);
  });

  it('drops the path of a role or user ARN (names are unique in an account; sessions carry no path)', () => {
    expect(principalOf(`arn:aws:iam::${A}:role/teams/ops/StowageOps`)).toBe(OPS_ROLE);
    expect(principalOf(`arn:aws:iam::${A}:user/people/alice`)).toBe(ALICE);
    expect(principalOf(ALICE)).toBe(ALICE);
  });

  it('keeps anything else as it is', () => {
    for (const arn of [`arn:aws:iam::${A}:root`, `arn:aws:sts::${A}:federated-user/bob`, 'anonymous']) expect(principalOf(arn)).toBe(arn);
  });
});

describe('visibleTo', () => {
  const owned = { owner: ALICE };
  it('shows a job to its owner and to admins, to no one else', () => {
    expect(visibleTo(owned, ALICE, [])).toBe(true);
    expect(visibleTo(owned, BOB, [])).toBe(false);
    expect(visibleTo(owned, OPS_SESSION, [OPS_ROLE])).toBe(true);
    expect(visibleTo(owned, BOB, [OPS_ROLE])).toBe(false);
  });

  it('matches an admin named with a path against its sessions', () => {
    expect(isAdmin(OPS_SESSION, [`arn:aws:iam::${A}:role/teams/StowageOps`])).toBe(true);
  });

  it('shows a job stored before owners were recorded only to admins', () => {
    expect(visibleTo({}, ALICE, [])).toBe(false);
    expect(visibleTo({}, OPS_SESSION, [OPS_ROLE])).toBe(true);
  });

  it('does not let a principal match by sharing a prefix', () => {
    expect(visibleTo({ owner: `${ALICE}x` }, ALICE, [])).toBe(false);
  });
});

describe('adminsFrom', () => {
  it('reads comma-separated ARNs, none when unset', () => {
    expect(adminsFrom({})).toEqual([]);
    expect(adminsFrom({ [ENV.admins]: ` ${OPS_ROLE}, ${ALICE} ` })).toEqual([OPS_ROLE, ALICE]);
  });

  it('refuses a value that is not a role or user ARN, naming the variable', () => {
    expect(() => adminsFrom({ [ENV.admins]: OPS_SESSION })).toThrow(ConfigError);
    expect(() => adminsFrom({ [ENV.admins]: '*' })).toThrow(/STOWAGE_ADMINS: "\*" is not an IAM role or user ARN/);
  });
});

describe('ownership through the API', () => {
  const SPEC = { name: 'web', image: 'stowage/web:1', command: ['httpd', '-f'], cpu: 250, memoryMiB: 128, count: 1 };

  function setup() {
    const deps = { ...testDeps(), admins: [OPS_ROLE] };
    const submit = createSubmitHandler({ ...deps, idempotencyStore: new InMemoryPersistenceLayer() });
    const jobs = createJobsHandler(deps);
    const as = (userArn: string) => ({
      post: async (body: unknown) => submit(apiEvent('POST', '/jobs', { body, userArn }), lambdaContext()),
      put: async (name: string, body: unknown) => submit(apiEvent('PUT', '/jobs/{id}', { body, pathParameters: { id: name }, userArn }), lambdaContext()),
      list: async () => jobs(apiEvent('GET', '/jobs', { userArn })),
      get: async (ref: string) => jobs(apiEvent('GET', '/jobs/{id}', { pathParameters: { id: ref }, userArn })),
      versions: async (ref: string) => jobs(apiEvent('GET', '/jobs/{id}/versions', { pathParameters: { id: ref }, userArn })),
      stop: async (ref: string) => jobs(apiEvent('DELETE', '/jobs/{id}', { pathParameters: { id: ref }, userArn })),
      scale: async (ref: string, count: number) => jobs(apiEvent('POST', '/jobs/{id}/scale', { body: { count }, pathParameters: { id: ref }, userArn })),
      rollback: async (ref: string) => jobs(apiEvent('POST', '/jobs/{id}/rollback', { body: { version: 1 }, pathParameters: { id: ref }, userArn })),
    });
    return { deps, as };
  }

  it('records the creating principal as the owner, the role for a session, and shows it', async () => {
    const { deps, as } = setup();
    const res = await as(`arn:aws:sts::${A}:assumed-role/Deployer/build-7`).put('web', SPEC);
    expect(res.statusCode).toBe(202);
    const { jobId } = json(res);
    expect((await deps.store.getJob(jobId))?.job.owner).toBe(`arn:aws:iam::${A}:role/Deployer`);
    // The next session of the same role sees and changes it.
    const next = as(`arn:aws:sts::${A}:assumed-role/Deployer/build-8`);
    expect(json(await next.get('web')).job.owner).toBe(`arn:aws:iam::${A}:role/Deployer`);
    expect((await next.scale('web', 2)).statusCode).toBe(202);
  });

  it("answers every route on another principal's job as on a missing one, and changes nothing", async () => {
    const { deps, as } = setup();
    const { jobId } = json(await as(ALICE).put('web', SPEC));
    await as(ALICE).put('web', { ...SPEC, image: 'stowage/web:2' });
    const before = JSON.stringify(await deps.store.getJob(jobId));
    const bob = as(BOB);
    const missing = { get: await bob.get('nope'), byId: await bob.get('job-ffffffffffffffffffff') };

    expect(json(await bob.list()).jobs).toEqual([]);
    for (const ref of ['web', jobId]) {
      for (const res of [await bob.get(ref), await bob.versions(ref), await bob.stop(ref), await bob.scale(ref, 3), await bob.rollback(ref)]) {
        expect(res.statusCode).toBe(404);
        const body = json(res);
        expect([body.error.code, json(missing.get).error.code]).toEqual(['not-found', 'not-found']);
        // The same words a missing job gets, with the caller's own reference in them.
        expect(body.error.message).toBe(json(ref === 'web' ? missing.get : missing.byId).error.message.replace(ref === 'web' ? 'nope' : 'job-ffffffffffffffffffff', ref));
        expect(JSON.stringify(body)).not.toContain('alice');
      }
    }
    expect(JSON.stringify(await deps.store.getJob(jobId))).toBe(before);
  });

  it("refuses a PUT of another principal's live name with a neutral 409 that says nothing of the job", async () => {
    const { deps, as } = setup();
    const { jobId } = json(await as(ALICE).put('web', SPEC));
    for (const res of [await as(BOB).put('web', { ...SPEC, image: 'stowage/evil:1' }), await as(BOB).post({ ...SPEC, image: 'stowage/evil:1' })]) {
      expect(res.statusCode).toBe(409);
      expect(json(res).error).toEqual({ code: 'job-name-taken', message: 'the name web is taken by a live job; choose another name' });
    }
    expect((await deps.store.getJob(jobId))?.job.image).toBe('stowage/web:1');
    expect((await deps.store.listJobs()).filter((j) => j.name === 'web')).toHaveLength(1);
  });

  it("refuses an expose rule another principal's job holds without naming that job", async () => {
    const { as } = setup();
    await as(ALICE).put('web', { ...SPEC, ports: [{ name: 'http', containerPort: 8080, protocol: 'tcp' }], expose: { port: 'http', path: '/shop/*' } });
    const res = await as(BOB).put('shop', { ...SPEC, name: 'shop', ports: [{ name: 'http', containerPort: 8080, protocol: 'tcp' }], expose: { port: 'http', path: '/shop/*' } });
    expect(res.statusCode).toBe(409);
    expect(json(res).error.message).toMatch(/already used by another job/);
    expect(json(res).error.message).not.toMatch(/web|job-/);
  });

  it('lets an admin list, read, scale, roll back and stop every job; the owner stays the creator', async () => {
    const { deps, as } = setup();
    const { jobId } = json(await as(ALICE).put('web', SPEC));
    await as(ALICE).put('web', { ...SPEC, image: 'stowage/web:2' });
    await as(BOB).put('api', { ...SPEC, name: 'api' });
    const admin = as(OPS_SESSION);
    expect(json(await admin.list()).jobs.map((j: { name: string }) => j.name).sort()).toEqual(['api', 'web']);
    expect(json(await admin.get('web')).job.owner).toBe(ALICE);
    expect((await admin.versions('web')).statusCode).toBe(200);
    expect((await admin.put('web', { ...SPEC, image: 'stowage/web:3' })).statusCode).toBe(202);
    expect((await admin.scale('web', 2)).statusCode).toBe(202);
    expect((await admin.rollback('web')).statusCode).toBe(202);
    expect((await admin.stop('web')).statusCode).toBe(202);
    expect((await deps.store.getJob(jobId))?.job.owner).toBe(ALICE);
  });

  it('shows a job stored without an owner to admins only', async () => {
    const { deps, as } = setup();
    const legacy: Job = {
      id: 'job-00000000000000000abc',
      name: 'old',
      image: 'nginx',
      command: [],
      env: {},
      resources: { cpu: 100, memoryMiB: 64 },
      count: 1,
      kind: 'service',
      restart: DEFAULT_SERVICE_RESTART,
      constraints: {},
      doNotDisrupt: false,
      createdAt: 1,
    };
    await deps.store.createJob(legacy, []);
    expect(json(await as(ALICE).list()).jobs).toEqual([]);
    expect((await as(ALICE).get('old')).statusCode).toBe(404);
    expect(json(await as(OPS_ROLE).list()).jobs.map((j: { name: string }) => j.name)).toEqual(['old']);
  });
});
