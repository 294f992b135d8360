import type { StateStore } from '../../../control/state/state-store';
import { revisionOf } from '../../../control/state/job-writes';
import type { Job } from '../../../core/model';
import { createHandler as createJobsHandler } from '../../../lambdas/api/jobs';
import { createHandler as createSubmitHandler } from '../../../lambdas/api/submit';
import { apiEvent, InMemoryPersistenceLayer, json, lambdaContext, testDeps } from './events';

/**
 * Deployments through the API handlers, on any StateStore: run on the in-memory store
 * (unit) and on DynamoDB Local (integration), so both hold to the same behaviour.
 */
export function describeDeploymentRoutes(name: string, fresh: () => Promise<StateStore>): void {
  const NOW = 1_800_000_000_000;
  const ALICE = 'arn:aws:iam::123456789012:user/alice';
  const BOB = 'arn:aws:iam::123456789012:user/bob';
  const SPEC = { name: 'web', image: 'stowage/web:1', command: ['httpd', '-f'], env: { GREETING: 'hi' }, cpu: 250, memoryMiB: 128, count: 3 };

  async function setup() {
    const base = testDeps(NOW);
    const inner = await fresh();
    const writes: string[] = [];
    // Every write the handlers make, by method: "unchanged" must make none.
    const store = new Proxy(inner, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (['createJob', 'updateJob', 'requestStop', 'applyPlan'].includes(String(prop))) writes.push(String(prop));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as StateStore;
    // Bob changes Alice's job in these tests, to show who made each version: he is an admin.
    const deps = { ...base, store, admins: [BOB] };
    const submit = createSubmitHandler({ ...deps, idempotencyStore: new InMemoryPersistenceLayer() });
    const jobs = createJobsHandler(deps);
    let n = 0;
    const post = createSubmitHandler({ ...deps, idempotencyStore: new InMemoryPersistenceLayer(), newJobId: () => `job-${(++n).toString(16).padStart(20, '0')}` });
    return {
      store,
      writes,
      clock: base.clock,
      put: (ref: string, body: unknown, userArn = ALICE) => submit(apiEvent('PUT', '/jobs/{id}', { body, pathParameters: { id: ref }, userArn }), lambdaContext()),
      post: (body: unknown) => post(apiEvent('POST', '/jobs', { body }), lambdaContext()),
      get: (ref: string) => jobs(apiEvent('GET', '/jobs/{id}', { pathParameters: { id: ref } })),
      stop: (ref: string) => jobs(apiEvent('DELETE', '/jobs/{id}', { pathParameters: { id: ref } })),
      versions: (ref: string) => jobs(apiEvent('GET', '/jobs/{id}/versions', { pathParameters: { id: ref } })),
      scale: (ref: string, body: unknown) => jobs(apiEvent('POST', '/jobs/{id}/scale', { body, pathParameters: { id: ref } })),
      rollback: (ref: string, body: unknown, userArn = ALICE) => jobs(apiEvent('POST', '/jobs/{id}/rollback', { body, pathParameters: { id: ref }, userArn })),
    };
  }
  const record = async (store: StateStore, id: string): Promise<Job> => (await store.getJobRecord(id))!;
  const tasksOf = async (store: StateStore, id: string) => (await store.getJob(id))!.tasks.sort((a, b) => a.slot - b.slot || a.generation - b.generation);

  describe(`deployments through the API: ${name}`, () => {
    it('creates a job by PUT as version 1 with a RUNNING first deployment, revision 1 and copies on version 1', async () => {
      const api = await setup();
      const res = await api.put('web', SPEC);
      expect(res.statusCode).toBe(202);
      const body = json(res);
      expect(body).toMatchObject({ name: 'web', outcome: 'created', version: 1, deploymentId: 1, taskIds: [`${body.jobId}.0`, `${body.jobId}.1`, `${body.jobId}.2`] });
      expect(body.jobId).toMatch(/^job-[0-9a-f]{20}$/);
      expect(await record(api.store, body.jobId)).toMatchObject({
        name: 'web',
        version: 1,
        latestVersion: 1,
        revision: 1,
        versionedAt: NOW,
        versionedBy: ALICE,
        deployment: { id: 1, toVersion: 1, status: 'RUNNING', startedAt: NOW },
      });
      expect((await tasksOf(api.store, body.jobId)).map((t) => [t.slot, t.status, t.version])).toEqual([
        [0, 'PENDING', 1],
        [1, 'PENDING', 1],
        [2, 'PENDING', 1],
      ]);
      const versions = json(await api.versions('web'));
      expect(versions).toMatchObject({ jobId: body.jobId, name: 'web', current: 1 });
      expect(versions.versions).toEqual([{ version: 1, changedAt: NOW, changedBy: ALICE, changes: [], spec: expect.objectContaining({ image: 'stowage/web:1', cpu: 250, memoryMiB: 128, env: { GREETING: 'hi' } }) }]);
    });

    it('answers the same spec twice with `unchanged`: one version, no write at all', async () => {
      const api = await setup();
      const { jobId } = json(await api.put('web', SPEC));
      const before = await api.store.snapshot();
      api.writes.length = 0;
      api.clock.set(NOW + 60_000);
      // Key order and spelled-out defaults do not make a new version.
      const same = { count: 3, memoryMiB: 128, cpu: 250, env: { GREETING: 'hi' }, command: ['httpd', '-f'], image: 'stowage/web:1', name: 'web', kind: 'service', update: {} };
      const res = await api.put('web', same);
      expect(res.statusCode).toBe(202);
      expect(json(res)).toEqual({ jobId, name: 'web', outcome: 'unchanged', version: 1, taskIds: [] });
      expect(api.writes).toEqual([]);
      expect(await api.store.snapshot()).toEqual(before);
      expect(json(await api.versions('web')).versions).toHaveLength(1);
    });

    it('makes an env change version 2: a RUNNING deployment from v1, v1 kept in priorVersions, the diff and who made it', async () => {
      const api = await setup();
      const { jobId } = json(await api.put('web', SPEC));
      api.clock.set(NOW + 1000);
      const res = await api.put('web', { ...SPEC, env: { GREETING: 'hello' } }, BOB);
      expect(json(res)).toEqual({ jobId, name: 'web', outcome: 'updated', version: 2, deploymentId: 2, taskIds: [] });
      const job = await record(api.store, jobId);
      expect(job).toMatchObject({
        env: { GREETING: 'hello' },
        version: 2,
        latestVersion: 2,
        revision: 2,
        versionedAt: NOW + 1000,
        versionedBy: BOB,
        deployment: { id: 2, fromVersion: 1, toVersion: 2, status: 'RUNNING', startedAt: NOW + 1000 },
      });
      expect(job.priorVersions?.['1']).toMatchObject({ env: { GREETING: 'hi' }, image: 'stowage/web:1' });
      // The copies are the scheduler's to replace: none written by the update.
      expect((await tasksOf(api.store, jobId)).map((t) => t.version)).toEqual([1, 1, 1]);
      const versions = json(await api.versions(jobId)).versions;
      expect(versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
      expect(versions[0]).toMatchObject({ changedBy: BOB, changedAt: NOW + 1000, changes: ['env.GREETING: "hi" → "hello"'] });
      expect(json(await api.get('web')).job).toMatchObject({ version: 2, latestVersion: 2, deployment: { id: 2, status: 'RUNNING', copies: { '1': { total: 3, serving: 0 } } } });
    });

    it('scales on a count change without a new version: new PENDING copies on fresh slots, above every slot the job had', async () => {
      const api = await setup();
      const { jobId } = json(await api.put('web', SPEC));
      // Slot 2 was scaled in and stopped: its id stays taken.
      await api.store.applyPlan({ now: NOW, assignments: [], taskUpdates: [{ taskId: `${jobId}.2`, from: 'PENDING', to: 'STOPPED', reason: 'scaled in: the job now wants 2 replicas' }], nodeUpdates: [], launches: [], terminations: [], unplaced: [], consolidations: [] });
      const res = json(await api.put('web', { ...SPEC, count: 5 }));
      expect(res).toEqual({ jobId, name: 'web', outcome: 'scaled', version: 1, taskIds: [`${jobId}.3`, `${jobId}.4`, `${jobId}.5`] });
      const job = await record(api.store, jobId);
      expect(job).toMatchObject({ count: 5, version: 1, latestVersion: 1, revision: 2, deployment: { id: 1 } });
      const fresh = (await tasksOf(api.store, jobId)).filter((t) => t.slot >= 3);
      expect(fresh.map((t) => [t.slot, t.status, t.version, t.generation])).toEqual([
        [3, 'PENDING', 1, 0],
        [4, 'PENDING', 1, 0],
        [5, 'PENDING', 1, 0],
      ]);
      expect(json(await api.versions('web')).versions).toHaveLength(1);
      // Down: only the count is stored; the scheduler's scale-in picks which copies go.
      expect(json(await api.scale('web', { count: 2 }))).toEqual({ jobId, name: 'web', count: 2, previousCount: 5 });
      expect(await record(api.store, jobId)).toMatchObject({ count: 2, revision: 3 });
      expect((await tasksOf(api.store, jobId)).filter((t) => t.status === 'PENDING')).toHaveLength(5);
    });

    it('rolls back to a kept version (or the one before the target) with a new deployment; latestVersion stays', async () => {
      const api = await setup();
      const { jobId } = json(await api.put('web', SPEC));
      await api.put('web', { ...SPEC, image: 'stowage/web:2' });
      await api.put('web', { ...SPEC, image: 'stowage/web:3' });
      api.clock.set(NOW + 5000);
      const res = await api.rollback('web', { version: 1 }, BOB);
      expect(res.statusCode).toBe(202);
      expect(json(res)).toEqual({ jobId, name: 'web', version: 1, fromVersion: 3, deploymentId: 4 });
      const job = await record(api.store, jobId);
      expect(job).toMatchObject({ image: 'stowage/web:1', version: 1, latestVersion: 3, versionedBy: BOB, deployment: { id: 4, fromVersion: 3, toVersion: 1, status: 'RUNNING', startedAt: NOW + 5000 } });
      // Every copy still runs v1 (the scheduler never ran in this test) and no version is stable: no other template is needed.
      expect(job.priorVersions).toBeUndefined();
      // Without a version: the newest kept one below the target.
      await api.put('web', { ...SPEC, image: 'stowage/web:4' });
      expect(json(await api.rollback('web', {}))).toMatchObject({ version: 3, fromVersion: 4 });
      expect(await record(api.store, jobId)).toMatchObject({ image: 'stowage/web:3', version: 3, latestVersion: 4 });
    });

    it('lists versions newest first, keeping the last 20', async () => {
      const api = await setup();
      for (let v = 1; v <= 23; v++) await api.put('web', { ...SPEC, image: `stowage/web:${v}` });
      const body = json(await api.versions('web'));
      expect(body.current).toBe(23);
      expect(body.versions.map((v: { version: number }) => v.version)).toEqual(Array.from({ length: 20 }, (_, i) => 23 - i));
      expect(body.versions[0].changes).toEqual(['image: stowage/web:22 → stowage/web:23']);
      const gone = await api.rollback('web', { version: 2 });
      expect(gone.statusCode).toBe(404);
      expect(json(gone).error.message).toMatch(/^version: job web keeps no version 2/);
    });

    it('refuses POST /jobs with a live name (409 pointing at PUT), and accepts the name again once that job is stopped', async () => {
      const api = await setup();
      const { jobId } = json(await api.put('web', SPEC));
      const res = await api.post(SPEC);
      expect(res.statusCode).toBe(409);
      expect(json(res).error).toEqual({ code: 'job-name-taken', message: expect.stringContaining('PUT /jobs/web') });
      expect(await api.store.listJobs()).toHaveLength(1);
      await api.stop('web');
      expect((await api.post(SPEC)).statusCode).toBe(202);
      // PUT of the name now updates the live job POST made, not the stopped one.
      const live = (await api.store.findLiveJobByName('web'))!;
      expect(live.id).not.toBe(jobId);
      expect(json(await api.put('web', SPEC)).outcome).toBe('unchanged');
    });

    it('takes a name or an id wherever a job is named', async () => {
      const api = await setup();
      const { jobId } = json(await api.put('web', SPEC));
      expect(json(await api.get('web')).job.id).toBe(jobId);
      expect(json(await api.get(jobId)).job.name).toBe('web');
      expect(json(await api.versions(jobId)).jobId).toBe(jobId);
      const stop = await api.stop('web');
      expect(stop.statusCode).toBe(202);
      expect(json(stop)).toEqual({ jobId, stopRequested: true });
      // A stopped job is no longer its name's, but its id still finds it.
      expect((await api.get('web')).statusCode).toBe(404);
      expect(json(await api.get(jobId)).job.stopRequestedAt).toBe(NOW);
    });

    it('bumps the revision on stop, so a scheduler JobUpdate computed before it is refused as a conflict', async () => {
      const api = await setup();
      const { jobId } = json(await api.put('web', SPEC));
      const seen = await record(api.store, jobId);
      await api.stop(jobId);
      expect(revisionOf(await record(api.store, jobId))).toBe(revisionOf(seen) + 1);
      const applied = await api.store.applyPlan({
        now: NOW,
        assignments: [],
        taskUpdates: [],
        nodeUpdates: [],
        launches: [],
        terminations: [],
        unplaced: [],
        consolidations: [],
        jobUpdates: [{ jobId, revision: revisionOf(seen), job: { ...seen, revision: revisionOf(seen) + 1, stableVersion: 1, deployment: { ...seen.deployment!, status: 'SUCCEEDED', finishedAt: NOW } }, reason: 'deployment 1 SUCCEEDED' }],
      });
      expect(applied).toMatchObject({ jobUpdatesCommitted: 0, conflicts: [{ kind: 'job-update', jobId }] });
      expect(await record(api.store, jobId)).toMatchObject({ stopRequestedAt: NOW, deployment: { status: 'RUNNING' } });
    });

    describe('bad input, each a 4xx naming the field and writing nothing', () => {
      it('refuses an update that changes kind (400 naming kind)', async () => {
        const api = await setup();
        await api.put('web', SPEC);
        api.writes.length = 0;
        const res = await api.put('web', { ...SPEC, kind: 'batch' });
        expect(res.statusCode).toBe(400);
        expect(json(res).error.fields).toEqual([{ field: 'kind', rule: expect.stringContaining('cannot change from service to batch') }]);
        expect(api.writes).toEqual([]);
      });

      it('refuses update budgets that allow no progress (400 naming update)', async () => {
        const api = await setup();
        const res = await api.put('web', { ...SPEC, update: { maxSurge: 0, maxUnavailable: 0 } });
        expect(res.statusCode).toBe(400);
        expect(json(res).error.fields.map((f: { field: string }) => f.field)).toEqual(['update']);
        expect(await api.store.listJobs()).toEqual([]);
      });

      it('refuses a PUT whose body names another job than its path (400 naming name)', async () => {
        const api = await setup();
        const res = await api.put('api', SPEC);
        expect(res.statusCode).toBe(400);
        expect(json(res).error.fields).toEqual([{ field: 'name', rule: expect.stringContaining('must equal the name in the path (api)') }]);
        expect(await api.store.listJobs()).toEqual([]);
      });

      it('answers 404 naming the version for a rollback to a version never made, and 400 when nothing precedes the target', async () => {
        const api = await setup();
        await api.put('web', SPEC);
        const res = await api.rollback('web', { version: 9 });
        expect(res.statusCode).toBe(404);
        expect(json(res).error.message).toContain('version: job web keeps no version 9 (kept: 1)');
        const none = await api.rollback('web', {});
        expect(none.statusCode).toBe(400);
        expect(json(none).error.fields).toEqual([{ field: 'version', rule: expect.stringContaining('no version before v1') }]);
        const same = await api.rollback('web', { version: 1 });
        expect(json(same).error.fields).toEqual([{ field: 'version', rule: expect.stringContaining('already the version') }]);
      });

      it('answers 404 naming the job for a name no live job has, on every route', async () => {
        const api = await setup();
        for (const res of [await api.get('ghost'), await api.stop('ghost'), await api.versions('ghost'), await api.scale('ghost', { count: 2 }), await api.rollback('ghost', {})]) {
          expect(res.statusCode).toBe(404);
          expect(json(res).error.message).toContain('no job with name or id ghost');
        }
      });

      it('refuses to scale or roll back a stopped job (409), and a scale past what the budgets allow (400 naming count)', async () => {
        const api = await setup();
        const { jobId } = json(await api.put('web', { ...SPEC, count: 4, update: { maxSurge: 0, maxUnavailable: '25%' } }));
        const tight = await api.scale('web', { count: 3 });
        expect(tight.statusCode).toBe(400);
        expect(json(tight).error.fields).toEqual([{ field: 'count', rule: expect.stringContaining('allows no copy above or below the count') }]);
        await api.stop('web');
        expect((await api.scale(jobId, { count: 8 })).statusCode).toBe(409);
        expect((await api.rollback(jobId, { version: 1 })).statusCode).toBe(409);
        expect((await record(api.store, jobId)).count).toBe(4);
      });
    });
  });
}
