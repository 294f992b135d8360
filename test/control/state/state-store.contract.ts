import { DEFAULT_CATALOG } from '../../../core/catalog';
import { JobExistsError, JobRevisionConflictError } from '../../../control/state/errors';
import type { JobVersion } from '../../../control/state/job-version';
import { pickTemplate } from '../../../core/deployment';
import { HOLDS_RESOURCES, type Job, type Node, type Task } from '../../../core/model';
import { plan } from '../../../core/pass/plan';
import type { Plan } from '../../../core/pass/plan-types';
import { defaultPolicy, DEFAULT_SERVICE_RESTART } from '../../../core/policy';
import type { Heartbeat } from '../../../control/state/node-report';
import type { StateStore } from '../../../control/state/state-store';

/**
 * The StateStore contract: one suite, run against every implementation (the in-memory
 * fake and DynamoDB on DynamoDB Local), so the fake cannot drift from the real thing.
 * `fresh()` returns an empty store; `concurrencyRounds` sizes the race test.
 */
export function describeStateStoreContract(name: string, fresh: () => Promise<StateStore>, concurrencyRounds: number): void {
  const NOW = 1_800_000_000_000;
  const job = (id: string, over: Partial<Job> = {}): Job => ({
    id,
    name: id,
    image: 'stowage/busybox:local',
    command: ['sleep', '3600'],
    env: { GREETING: 'hi; $(rm -rf /)' },
    resources: { cpu: 500, memoryMiB: 512 },
    count: 2,
    kind: 'service',
    restart: DEFAULT_SERVICE_RESTART,
    constraints: {},
    doNotDisrupt: false,
    createdAt: NOW - 60_000,
    ...over,
  });
  const tasksOf = (j: Job): Task[] =>
    Array.from({ length: j.count }, (_, slot) => ({ id: `${j.id}.${slot}`, jobId: j.id, slot, generation: 0, status: 'PENDING' as const, resources: j.resources, restarts: 0, createdAt: j.createdAt }));
  const beat = (nodeId: string, over: Partial<Heartbeat> = {}): Heartbeat => ({
    nodeId,
    instanceType: 'm5.large',
    zone: 'us-east-1a',
    labels: {},
    capacity: { cpu: 2000, memoryMiB: 8192 },
    usage: { cpu: 10, memoryMiB: 100 },
    pricePerHour: 0.096,
    containers: [],
    ...over,
  });
  const assignPlan = (a: Array<{ taskId: string; jobId: string; nodeId: string; from?: Task['status']; cpu?: number; mem?: number; create?: Task }>, now = NOW): Plan => ({
    now,
    assignments: a.map((x) => ({ taskId: x.taskId, jobId: x.jobId, nodeId: x.nodeId, from: x.from ?? 'PENDING', generation: 1, resources: { cpu: x.cpu ?? 500, memoryMiB: x.mem ?? 512 }, create: x.create })),
    taskUpdates: [],
    nodeUpdates: [],
    launches: [],
    terminations: [],
    unplaced: [],
    consolidations: [],
  });
  const node = async (store: StateStore, id: string): Promise<Node> => (await store.listNodes()).find((n) => n.id === id)!;
  const task = async (store: StateStore, id: string): Promise<Task | undefined> => (await store.snapshot()).tasks.find((t) => t.id === id);

  describe(`StateStore contract: ${name}`, () => {
    let store: StateStore;
    beforeEach(async () => {
      store = await fresh();
    });

    describe('jobs', () => {
      it('stores a job with its tasks, lists it, and returns both', async () => {
        const j = job('web');
        await store.createJob(j, tasksOf(j));
        const got = await store.getJob('web');
        expect(got?.job).toEqual(j);
        expect(got?.tasks.map((t) => t.id).sort()).toEqual(['web.0', 'web.1']);
        expect((await store.listJobs()).map((x) => x.id)).toEqual(['web']);
        expect(await store.getJob('nope')).toBeUndefined();
        expect(await store.getJobRecord('web')).toEqual(j);
        expect(await store.getJobRecord('nope')).toBeUndefined();
      });

      it('accepts the same submission twice without duplicating anything, and refuses a different job under the same id', async () => {
        const j = job('web');
        await store.createJob(j, tasksOf(j));
        await store.createJob(j, tasksOf(j));
        expect((await store.snapshot()).tasks).toHaveLength(2);
        await expect(store.createJob(job('web', { image: 'other:1' }), [])).rejects.toBeInstanceOf(JobExistsError);
      });

      it('completes a half-written submission when the same job is offered again later, touching nothing that exists', async () => {
        const j = job('web', { count: 3 });
        const all = tasksOf(j);
        // An earlier attempt stored the job with only one of its tasks.
        await store.createJob(j, all.slice(0, 1));
        const retry = { ...j, createdAt: j.createdAt + 5_000 };
        await store.createJob(retry, all.map((t) => ({ ...t, createdAt: retry.createdAt })));
        const got = await store.getJob('web');
        expect(got?.job.createdAt).toBe(j.createdAt);
        expect(got?.tasks.map((t) => t.id).sort()).toEqual(['web.0', 'web.1', 'web.2']);
        expect(got?.tasks.find((t) => t.id === 'web.0')?.createdAt).toBe(j.createdAt);
      });

      it('records the first stop request and keeps it; an unknown job answers false', async () => {
        const j = job('web');
        await store.createJob(j, tasksOf(j));
        expect(await store.requestStop('web', NOW)).toBe(true);
        expect(await store.requestStop('web', NOW + 5)).toBe(true);
        expect((await store.getJob('web'))?.job.stopRequestedAt).toBe(NOW);
        expect(await store.requestStop('ghost', NOW)).toBe(false);
      });
    });

    describe('deployments: job revisions, new copies, versions', () => {
      const empty: Plan = { now: NOW, assignments: [], taskUpdates: [], nodeUpdates: [], launches: [], terminations: [], unplaced: [], consolidations: [] };
      const version = (jobId: string, v: number, image = `web:${v}`): JobVersion => ({
        jobId,
        version: v,
        changedAt: NOW + v,
        changedBy: 'arn:aws:iam::123456789012:user/alice',
        changes: v === 1 ? [] : [`image: web:${v - 1} → ${image}`],
        template: { ...pickTemplate(job(jobId)), image },
      });

      it('bumps the revision on every stop, so a JobUpdate computed before it is refused', async () => {
        const j = job('web', { revision: 1 });
        await store.createJob(j, tasksOf(j));
        await store.requestStop('web', NOW);
        expect((await store.getJobRecord('web'))?.revision).toBe(2);
        await store.requestStop('web', NOW + 5);
        expect((await store.getJobRecord('web'))?.revision).toBe(3);
        const stale = await store.applyPlan({ ...empty, jobUpdates: [{ jobId: 'web', revision: 1, job: { ...j, revision: 2, stableVersion: 1 }, reason: 'deployment 1 SUCCEEDED' }] });
        expect(stale).toMatchObject({ jobUpdatesCommitted: 0, conflicts: [{ kind: 'job-update', jobId: 'web', taskIds: [] }] });
        expect((await store.getJobRecord('web'))).toMatchObject({ stopRequestedAt: NOW, revision: 3 });
        expect((await store.getJobRecord('web'))?.stableVersion).toBeUndefined();
      });

      it("commits a plan's JobUpdate only from the revision it saw, taking a job stored without one as revision 0", async () => {
        const old = job('old');
        await store.createJob(old, tasksOf(old));
        const first = await store.applyPlan({ ...empty, jobUpdates: [{ jobId: 'old', revision: 0, job: { ...old, revision: 1, stableVersion: 1 }, reason: 'r' }] });
        expect(first).toMatchObject({ jobUpdatesCommitted: 1, conflicts: [] });
        expect(await store.getJobRecord('old')).toEqual({ ...old, revision: 1, stableVersion: 1 });
        const again = await store.applyPlan({ ...empty, jobUpdates: [{ jobId: 'old', revision: 0, job: { ...old, revision: 1, stableVersion: 7 }, reason: 'r' }] });
        expect(again).toMatchObject({ jobUpdatesCommitted: 0, conflicts: [{ kind: 'job-update', jobId: 'old' }] });
        const ghost = await store.applyPlan({ ...empty, jobUpdates: [{ jobId: 'ghost', revision: 0, job: { ...old, id: 'ghost', revision: 1 }, reason: 'r' }] });
        expect(ghost.conflicts).toMatchObject([{ kind: 'job-update', jobId: 'ghost' }]);
        expect(await store.getJobRecord('ghost')).toBeUndefined();
      });

      it("writes a plan's new PENDING copies only under ids no task has", async () => {
        const j = job('web');
        await store.createJob(j, tasksOf(j));
        const copy = (id: string, slot: number): Task => ({ id, jobId: 'web', slot, generation: 1, status: 'PENDING', resources: j.resources, restarts: 0, version: 2, replaces: `web.${slot}`, createdAt: NOW });
        const r = await store.applyPlan({ ...empty, creates: [copy('web.0.g1', 0), copy('web.1', 1)] });
        expect(r).toMatchObject({ createsCommitted: 1, conflicts: [{ kind: 'task-create', taskIds: ['web.1'] }] });
        expect(await task(store, 'web.0.g1')).toEqual(copy('web.0.g1', 0));
        expect(await task(store, 'web.1')).toMatchObject({ status: 'PENDING', generation: 0 });
        expect((await task(store, 'web.1'))?.version).toBeUndefined();
      });

      it('updates a job with its new copies and version only from the revision read, all or nothing', async () => {
        const j = job('web', { revision: 1, version: 1, latestVersion: 1 });
        await store.createJob(j, tasksOf(j), version('web', 1));
        const v2: Job = { ...j, image: 'web:2', version: 2, latestVersion: 2, count: 3, revision: 2 };
        const extra: Task = { ...tasksOf(v2)[2], version: 2 };
        await store.updateJob(v2, 1, { tasks: [extra], version: version('web', 2) });
        expect((await store.getJob('web'))?.job).toEqual(v2);
        expect((await store.getJob('web'))?.tasks.map((t) => t.id).sort()).toEqual(['web.0', 'web.1', 'web.2']);
        expect((await store.listVersions('web')).map((v) => v.version)).toEqual([2, 1]);

        // A writer that read revision 1 lost: nothing of its write lands.
        const stale = { ...v2, image: 'web:3', count: 4, revision: 2 };
        await expect(store.updateJob(stale, 1, { tasks: [{ ...tasksOf(stale)[3], version: 3 }], version: version('web', 3) })).rejects.toBeInstanceOf(JobRevisionConflictError);
        expect((await store.getJobRecord('web'))?.image).toBe('web:2');
        expect(await task(store, 'web.3')).toBeUndefined();
        expect((await store.listVersions('web')).map((v) => v.version)).toEqual([2, 1]);
        // An update of a job that does not exist is a conflict too.
        await expect(store.updateJob({ ...v2, id: 'ghost' }, 0)).rejects.toBeInstanceOf(JobRevisionConflictError);
      });

      it('writes a scale-up past one transaction in full, every copy once', async () => {
        const j = job('big', { count: 1, revision: 1 });
        await store.createJob(j, tasksOf(j));
        const grown = { ...j, count: 251, revision: 2 };
        const added = tasksOf(grown).slice(1);
        await store.updateJob(grown, 1, { tasks: added });
        const stored = (await store.getJob('big'))!.tasks;
        expect(stored).toHaveLength(251);
        expect(new Set(stored.map((t) => t.slot)).size).toBe(251);
      });

      it('keeps the newest 20 versions of a job, newest first, and a first version written with the job', async () => {
        let j = job('web', { revision: 1, version: 1, latestVersion: 1 });
        await store.createJob(j, tasksOf(j), version('web', 1));
        expect(await store.listVersions('web')).toEqual([version('web', 1)]);
        for (let v = 2; v <= 23; v++) {
          const next = { ...j, image: `web:${v}`, version: v, latestVersion: v, revision: v };
          await store.updateJob(next, j.revision!, { version: version('web', v) });
          j = next;
        }
        const kept = await store.listVersions('web');
        expect(kept.map((v) => v.version)).toEqual(Array.from({ length: 20 }, (_, i) => 23 - i));
        expect(kept[0]).toEqual(version('web', 23));
        expect(await store.listVersions('other')).toEqual([]);
      });

      it('finds the live job of a name, newest first, never a stopped one', async () => {
        await store.createJob(job('a1', { name: 'web', createdAt: NOW - 3 }), []);
        await store.createJob(job('a2', { name: 'web', createdAt: NOW - 2 }), []);
        await store.createJob(job('a3', { name: 'web', createdAt: NOW - 1 }), []);
        await store.requestStop('a3', NOW);
        expect((await store.findLiveJobByName('web'))?.id).toBe('a2');
        expect(await store.findLiveJobByName('api')).toBeUndefined();
      });
    });

    describe('heartbeats', () => {
      it('makes a first-time node ACTIVE with what it reports and nothing allocated', async () => {
        await store.recordHeartbeat(beat('n1'), NOW);
        expect(await node(store, 'n1')).toMatchObject({ state: 'ACTIVE', capacity: { cpu: 2000, memoryMiB: 8192 }, usage: { cpu: 10, memoryMiB: 100 }, allocated: { cpu: 0, memoryMiB: 0 }, lastHeartbeatAt: NOW, launchedAt: NOW });
      });

      it('turns a LAUNCHING node ACTIVE but leaves a DRAINING one DRAINING', async () => {
        const launched: Node = { id: 'n1', instanceType: 'm5.large', zone: 'us-east-1a', labels: {}, capacity: { cpu: 2000, memoryMiB: 8192 }, state: 'LAUNCHING', launchedAt: NOW - 1000, pricePerHour: 0.096 };
        await store.recordLaunch(launched);
        await store.recordHeartbeat(beat('n1'), NOW);
        expect((await node(store, 'n1')).state).toBe('ACTIVE');
        expect((await node(store, 'n1')).launchedAt).toBe(NOW - 1000);
        await store.applyPlan({ ...assignPlan([]), nodeUpdates: [{ nodeId: 'n1', from: 'ACTIVE', to: 'DRAINING' }] });
        await store.recordHeartbeat(beat('n1'), NOW + 10);
        expect((await node(store, 'n1')).state).toBe('DRAINING');
      });

      it("moves the current copy's status from its container and releases the node when it ends", async () => {
        const j = job('web', { count: 3 });
        await store.createJob(j, tasksOf(j));
        await store.recordHeartbeat(beat('n1'), NOW);
        await store.applyPlan(assignPlan([0, 1, 2].map((s) => ({ taskId: `web.${s}`, jobId: 'web', nodeId: 'n1' }))));
        expect((await node(store, 'n1')).allocated).toEqual({ cpu: 1500, memoryMiB: 1536 });
        await store.recordHeartbeat(
          beat('n1', {
            containers: [
              { taskId: 'web.0', generation: 1, state: 'running', startedAt: NOW + 1 },
              { taskId: 'web.1', generation: 1, state: 'exited', exitCode: 137, oomKilled: true, finishedAt: NOW + 2 },
              { taskId: 'web.2', generation: 7, state: 'exited', exitCode: 1 },
            ],
          }),
          NOW + 10,
        );
        expect(await task(store, 'web.0')).toMatchObject({ status: 'RUNNING', startedAt: NOW + 1, nodeId: 'n1' });
        expect(await task(store, 'web.1')).toMatchObject({ status: 'FAILED', exitCode: 137, oomKilled: true, finishedAt: NOW + 2 });
        expect((await task(store, 'web.1'))?.nodeId).toBeUndefined();
        // A stale generation moves nothing.
        expect(await task(store, 'web.2')).toMatchObject({ status: 'ASSIGNED', nodeId: 'n1' });
        expect((await node(store, 'n1')).allocated).toEqual({ cpu: 1000, memoryMiB: 1024 });
        expect((await store.tasksForNode('n1')).map((t) => t.id).sort()).toEqual(['web.0', 'web.2']);
      });
    });

    describe('heartbeats: where services are reached', () => {
      const http = [{ port: 'http', containerPort: 8080, hostPort: 32768 }];

      it("records the node's address, and keeps it when a report leaves it out", async () => {
        await store.recordHeartbeat(beat('n1', { address: '10.0.1.17' }), NOW);
        expect((await node(store, 'n1')).address).toBe('10.0.1.17');
        await store.recordHeartbeat(beat('n1'), NOW + 10);
        expect((await node(store, 'n1')).address).toBe('10.0.1.17');
        await store.recordHeartbeat(beat('n1', { address: '10.0.1.18' }), NOW + 20);
        expect((await node(store, 'n1')).address).toBe('10.0.1.18');
        expect((await store.snapshot()).nodes.find((n) => n.id === 'n1')?.address).toBe('10.0.1.18');
      });

      it("records the current copy's endpoints and health, follows their changes, and clears them when it ends", async () => {
        const j = job('web', { count: 2 });
        await store.createJob(j, tasksOf(j));
        await store.recordHeartbeat(beat('n1'), NOW);
        await store.applyPlan(assignPlan([0, 1].map((s) => ({ taskId: `web.${s}`, jobId: 'web', nodeId: 'n1' }))));
        await store.recordHeartbeat(
          beat('n1', {
            containers: [
              { taskId: 'web.0', generation: 1, state: 'running', startedAt: NOW + 1, endpoints: http, health: 'starting' },
              // A stale copy's report records nothing.
              { taskId: 'web.1', generation: 0, state: 'running', endpoints: http, health: 'healthy' },
            ],
          }),
          NOW + 10,
        );
        expect(await task(store, 'web.0')).toMatchObject({ status: 'RUNNING', endpoints: http, health: 'starting' });
        expect((await task(store, 'web.1'))?.endpoints).toBeUndefined();
        expect((await task(store, 'web.1'))?.health).toBeUndefined();

        // A running copy that turns healthy, and whose port moved (a restart in place), is followed.
        const moved = [{ port: 'http', containerPort: 8080, hostPort: 32801 }];
        await store.recordHeartbeat(beat('n1', { containers: [{ taskId: 'web.0', generation: 1, state: 'running', endpoints: moved, health: 'healthy' }] }), NOW + 20);
        expect(await task(store, 'web.0')).toMatchObject({ status: 'RUNNING', startedAt: NOW + 1, endpoints: moved, health: 'healthy' });
        await store.recordHeartbeat(beat('n1', { containers: [{ taskId: 'web.0', generation: 1, state: 'running', endpoints: moved, health: 'unhealthy' }] }), NOW + 30);
        expect((await task(store, 'web.0'))?.health).toBe('unhealthy');

        await store.recordHeartbeat(beat('n1', { containers: [{ taskId: 'web.0', generation: 1, state: 'exited', exitCode: 1, finishedAt: NOW + 40 }] }), NOW + 40);
        const ended = await task(store, 'web.0');
        expect(ended).toMatchObject({ status: 'FAILED', exitCode: 1 });
        expect(ended?.endpoints).toBeUndefined();
        expect(ended?.health).toBeUndefined();
        expect((await node(store, 'n1')).allocated).toEqual({ cpu: 500, memoryMiB: 512 });
      });

      it('records endpoints and health reported while a copy is still starting', async () => {
        const j = job('web', { count: 1 });
        await store.createJob(j, tasksOf(j));
        await store.recordHeartbeat(beat('n1'), NOW);
        await store.applyPlan(assignPlan([{ taskId: 'web.0', jobId: 'web', nodeId: 'n1' }]));
        await store.recordHeartbeat(beat('n1', { containers: [{ taskId: 'web.0', generation: 1, state: 'starting', endpoints: http, health: 'starting' }] }), NOW + 10);
        expect(await task(store, 'web.0')).toMatchObject({ status: 'STARTING', endpoints: http, health: 'starting' });
      });
    });

    describe('applyPlan', () => {
      beforeEach(async () => {
        await store.recordHeartbeat(beat('n1'), NOW);
        await store.recordHeartbeat(beat('n2'), NOW);
      });

      it("commits a node's group and grows its allocation", async () => {
        const j = job('web');
        await store.createJob(j, tasksOf(j));
        const r = await store.applyPlan(assignPlan([{ taskId: 'web.0', jobId: 'web', nodeId: 'n1' }, { taskId: 'web.1', jobId: 'web', nodeId: 'n1' }]));
        expect(r).toMatchObject({ assignmentsCommitted: 2, conflicts: [] });
        expect(await task(store, 'web.0')).toMatchObject({ status: 'ASSIGNED', nodeId: 'n1', generation: 1 });
        expect((await node(store, 'n1')).allocated).toEqual({ cpu: 1000, memoryMiB: 1024 });
      });

      it('refuses a group that would overfill its node, reports it per node, and still applies the rest', async () => {
        const big = job('big', { resources: { cpu: 1500, memoryMiB: 512 }, count: 2 });
        const small = job('small', { count: 1 });
        await store.createJob(big, tasksOf(big));
        await store.createJob(small, tasksOf(small));
        const r = await store.applyPlan(
          assignPlan([
            { taskId: 'big.0', jobId: 'big', nodeId: 'n1', cpu: 1500 },
            { taskId: 'big.1', jobId: 'big', nodeId: 'n1', cpu: 1500 },
            { taskId: 'small.0', jobId: 'small', nodeId: 'n2' },
          ]),
        );
        expect(r.assignmentsCommitted).toBe(1);
        expect(r.conflicts).toEqual([expect.objectContaining({ kind: 'assignment-group', nodeId: 'n1', taskIds: ['big.0', 'big.1'] })]);
        expect(await task(store, 'big.0')).toMatchObject({ status: 'PENDING' });
        expect((await node(store, 'n1')).allocated).toEqual({ cpu: 0, memoryMiB: 0 });
        expect(await task(store, 'small.0')).toMatchObject({ status: 'ASSIGNED', nodeId: 'n2' });
      });

      it('refuses work for a node that is not ACTIVE or LAUNCHING, and a task that moved since the plan saw it', async () => {
        const j = job('web');
        await store.createJob(j, tasksOf(j));
        await store.applyPlan({ ...assignPlan([]), nodeUpdates: [{ nodeId: 'n2', from: 'ACTIVE', to: 'DRAINING' }] });
        const r = await store.applyPlan(assignPlan([{ taskId: 'web.0', jobId: 'web', nodeId: 'n2' }, { taskId: 'web.1', jobId: 'web', nodeId: 'n1', from: 'LOST' }]));
        expect(r.assignmentsCommitted).toBe(0);
        expect(r.conflicts.map((c) => c.nodeId).sort()).toEqual(['n1', 'n2']);
        expect((await node(store, 'n1')).allocated).toEqual({ cpu: 0, memoryMiB: 0 });
      });

      it('creates a migration copy only under an id not taken', async () => {
        const j = job('web', { count: 1 });
        await store.createJob(j, tasksOf(j));
        const copy: Task = { ...tasksOf(j)[0], id: 'web.0.g2', generation: 2, replaces: 'web.0', createdAt: NOW };
        expect((await store.applyPlan(assignPlan([{ taskId: copy.id, jobId: 'web', nodeId: 'n1', create: copy }]))).assignmentsCommitted).toBe(1);
        expect(await task(store, 'web.0.g2')).toMatchObject({ status: 'ASSIGNED', nodeId: 'n1', replaces: 'web.0' });
        const again = await store.applyPlan(assignPlan([{ taskId: copy.id, jobId: 'web', nodeId: 'n2', create: copy }]));
        expect(again.assignmentsCommitted).toBe(0);
        expect(await task(store, 'web.0.g2')).toMatchObject({ nodeId: 'n1' });
        expect((await node(store, 'n2')).allocated).toEqual({ cpu: 0, memoryMiB: 0 });
      });

      it('moves a task only from the status the plan saw, releasing its node when it stops', async () => {
        const j = job('web', { count: 1 });
        await store.createJob(j, tasksOf(j));
        await store.applyPlan(assignPlan([{ taskId: 'web.0', jobId: 'web', nodeId: 'n1' }]));
        const stale = await store.applyPlan({ ...assignPlan([]), taskUpdates: [{ taskId: 'web.0', from: 'RUNNING', to: 'STOPPED', reason: 'x' }] });
        expect(stale.conflicts).toEqual([expect.objectContaining({ kind: 'task-update', taskIds: ['web.0'] })]);
        const ok = await store.applyPlan({ ...assignPlan([]), taskUpdates: [{ taskId: 'web.0', from: 'ASSIGNED', to: 'STOPPED', reason: 'job stopped', releaseFrom: 'n1' }] });
        expect(ok).toMatchObject({ taskUpdatesCommitted: 1, conflicts: [] });
        expect(await task(store, 'web.0')).toMatchObject({ status: 'STOPPED', reason: 'job stopped', finishedAt: NOW });
        expect((await node(store, 'n1')).allocated).toEqual({ cpu: 0, memoryMiB: 0 });
      });

      it('marks a running copy for a graceful stop keeping its status and node, refuses a stale mark, and clears the mark when it ends', async () => {
        const j = job('web', { count: 1 });
        await store.createJob(j, tasksOf(j));
        await store.applyPlan(assignPlan([{ taskId: 'web.0', jobId: 'web', nodeId: 'n1' }]));
        const http = [{ port: 'http', containerPort: 80, hostPort: 32768 }];
        await store.recordHeartbeat(beat('n1', { containers: [{ taskId: 'web.0', generation: 1, state: 'running', startedAt: NOW + 1, endpoints: http, health: 'healthy' }] }), NOW + 10);
        const mark = (from: Task['status'], generation = 1) => ({ ...assignPlan([], NOW + 20), taskUpdates: [{ taskId: 'web.0', from, generation, to: from, stopAt: NOW + 15_020, reason: 'deregistering: job stopped' }] });
        expect((await store.applyPlan(mark('STARTING'))).conflicts).toEqual([expect.objectContaining({ kind: 'task-update', taskIds: ['web.0'] })]);
        expect((await store.applyPlan(mark('RUNNING', 0))).conflicts).toEqual([expect.objectContaining({ kind: 'task-update', taskIds: ['web.0'] })]);
        expect(await store.applyPlan(mark('RUNNING'))).toMatchObject({ taskUpdatesCommitted: 1, conflicts: [] });
        expect(await task(store, 'web.0')).toMatchObject({ status: 'RUNNING', nodeId: 'n1', stopAt: NOW + 15_020, endpoints: http, health: 'healthy', reason: 'deregistering: job stopped' });
        expect((await node(store, 'n1')).allocated).toEqual({ cpu: 500, memoryMiB: 512 });
        // A heartbeat while it deregisters keeps the mark.
        await store.recordHeartbeat(beat('n1', { containers: [{ taskId: 'web.0', generation: 1, state: 'running', endpoints: http, health: 'unhealthy' }] }), NOW + 30);
        expect((await task(store, 'web.0'))?.stopAt).toBe(NOW + 15_020);

        const failed = await store.applyPlan({ ...assignPlan([], NOW + 15_020), taskUpdates: [{ taskId: 'web.0', from: 'RUNNING', generation: 1, to: 'FAILED', reason: 'unhealthy', releaseFrom: 'n1' }] });
        expect(failed).toMatchObject({ taskUpdatesCommitted: 1, conflicts: [] });
        const ended = await task(store, 'web.0');
        expect(ended).toMatchObject({ status: 'FAILED', finishedAt: NOW + 15_020, reason: 'unhealthy' });
        expect(ended?.stopAt).toBeUndefined();
        expect(ended?.nodeId).toBeUndefined();
        expect(ended?.endpoints).toBeUndefined();
        expect((await node(store, 'n1')).allocated).toEqual({ cpu: 0, memoryMiB: 0 });
      });

      it('changes node state only from the state the plan saw, and sets and clears markers', async () => {
        const r1 = await store.applyPlan({ ...assignPlan([]), nodeUpdates: [{ nodeId: 'n1', from: 'ACTIVE', emptySince: NOW }, { nodeId: 'n2', from: 'DRAINING', to: 'TERMINATING' }] });
        expect(r1.nodeUpdatesCommitted).toBe(1);
        expect(r1.conflicts).toEqual([expect.objectContaining({ kind: 'node-update', nodeId: 'n2' })]);
        expect(await node(store, 'n1')).toMatchObject({ state: 'ACTIVE', emptySince: NOW });
        await store.applyPlan({ ...assignPlan([]), nodeUpdates: [{ nodeId: 'n1', from: 'ACTIVE', emptySince: null }] });
        expect((await node(store, 'n1')).emptySince).toBeUndefined();
        expect((await node(store, 'n2')).state).toBe('ACTIVE');
      });

      it('declares a node LOST only if it has not reported since the heartbeat the pass judged it by', async () => {
        const seen = (await node(store, 'n1')).lastHeartbeatAt!;
        await store.recordHeartbeat(beat('n1'), seen + 5_000);
        const lost = (heartbeatSeen: number | null) => ({ ...assignPlan([]), nodeUpdates: [{ nodeId: 'n1', from: 'ACTIVE' as const, to: 'LOST' as const, reason: 'silent', heartbeatSeen }] });
        // The pass read the node before its last report landed: the node lives on.
        expect((await store.applyPlan(lost(seen))).conflicts).toEqual([expect.objectContaining({ kind: 'node-update', nodeId: 'n1' })]);
        expect((await store.applyPlan(lost(null))).conflicts).toEqual([expect.objectContaining({ kind: 'node-update', nodeId: 'n1' })]);
        expect((await node(store, 'n1')).state).toBe('ACTIVE');
        expect(await store.applyPlan(lost(seen + 5_000))).toMatchObject({ nodeUpdatesCommitted: 1, conflicts: [] });
        expect((await node(store, 'n1')).state).toBe('LOST');
      });

      it("refuses a stale pass's move of a task another pass placed since, and keeps every allocation in step", async () => {
        const j = job('web', { count: 1 });
        await store.createJob(j, tasksOf(j));
        await store.recordHeartbeat(beat('n3'), NOW);
        await store.applyPlan(assignPlan([{ taskId: 'web.0', jobId: 'web', nodeId: 'n1' }]));
        await store.recordHeartbeat(beat('n1', { containers: [{ taskId: 'web.0', generation: 1, state: 'running' }] }), NOW + 1);
        // n1 dies; two passes plan from the same snapshot: both move web.0 (RUNNING, gen 1) off n1.
        const move = (to: string): Plan => ({
          ...assignPlan([]),
          assignments: [{ taskId: 'web.0', jobId: 'web', nodeId: to, from: 'RUNNING', generation: 2, resources: { cpu: 500, memoryMiB: 512 }, releaseFrom: 'n1' }],
        });
        expect((await store.applyPlan(move('n2'))).assignmentsCommitted).toBe(1);
        await store.recordHeartbeat(beat('n2', { containers: [{ taskId: 'web.0', generation: 2, state: 'running' }] }), NOW + 2);
        const stale = await store.applyPlan(move('n3'));
        expect(stale.assignmentsCommitted).toBe(0);
        // A stale task update (it saw generation 1) does not touch the new copy either.
        const staleStop = await store.applyPlan({ ...assignPlan([]), taskUpdates: [{ taskId: 'web.0', from: 'RUNNING', generation: 1, to: 'LOST', releaseFrom: 'n1' }] });
        expect(staleStop.taskUpdatesCommitted).toBe(0);
        expect(await task(store, 'web.0')).toMatchObject({ status: 'RUNNING', nodeId: 'n2', generation: 2 });
        const alloc = Object.fromEntries((await store.listNodes()).map((n) => [n.id, n.allocated?.cpu]));
        expect(alloc).toEqual({ n1: 0, n2: 500, n3: 0 });
      });

      it('removes a node as empty only while nothing is allocated on it', async () => {
        const j = job('web', { count: 1 });
        await store.createJob(j, tasksOf(j));
        await store.applyPlan(assignPlan([{ taskId: 'web.0', jobId: 'web', nodeId: 'n1' }]));
        const r = await store.applyPlan({ ...assignPlan([]), nodeUpdates: [{ nodeId: 'n1', from: 'ACTIVE', to: 'TERMINATING', expectEmpty: true }, { nodeId: 'n2', from: 'ACTIVE', to: 'TERMINATING', expectEmpty: true }] });
        expect(r.nodeUpdatesCommitted).toBe(1);
        expect(r.conflicts).toEqual([expect.objectContaining({ kind: 'node-update', nodeId: 'n1' })]);
        expect((await node(store, 'n1')).state).toBe('ACTIVE');
        expect((await node(store, 'n2')).state).toBe('TERMINATING');
      });

      it('forgets a terminated node, and a heartbeat still in flight from it does not bring it back', async () => {
        await store.removeNode('n2');
        expect((await store.listNodes()).map((n) => n.id)).toEqual(['n1']);
        await store.recordHeartbeat(beat('n2'), NOW + 1);
        expect((await store.listNodes()).map((n) => n.id)).toEqual(['n1']);
        expect((await store.snapshot()).nodes.map((n) => n.id)).toEqual(['n1']);
        const j = job('web', { count: 1 });
        await store.createJob(j, tasksOf(j));
        expect((await store.applyPlan(assignPlan([{ taskId: 'web.0', jobId: 'web', nodeId: 'n2' }]))).assignmentsCommitted).toBe(0);
      });
    });

    describe('samples', () => {
      it('returns the samples in a window, oldest first', async () => {
        const s = (t: number) => ({ t, nodes: 1, nodesByType: { 'm5.large': 1 }, capacity: { cpu: 2000, memoryMiB: 8192 }, allocated: { cpu: 500, memoryMiB: 512 }, usage: { cpu: 1, memoryMiB: 2 }, costPerHour: 0.096, pending: 0 });
        for (const t of [NOW + 3000, NOW + 1000, NOW + 2000, NOW + 9000]) await store.putSample(s(t));
        expect((await store.listSamples(NOW, NOW + 5000)).map((x) => x.t)).toEqual([NOW + 1000, NOW + 2000, NOW + 3000]);
      });
    });

    describe('launch lease', () => {
      /** A holder that keeps the lease until the test lets it go. */
      const holding = () => {
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        let entered!: () => void;
        const inside = new Promise<void>((r) => (entered = r));
        return { release, inside, fn: async () => (entered(), await released, 'launched') };
      };

      it('has one holder at a time: a second caller runs nothing while the first holds it', async () => {
        const first = holding();
        const taken = store.withLaunchLease(first.fn);
        await first.inside;
        const second = jest.fn(async () => 'also launched');
        expect(await store.withLaunchLease(second)).toEqual({ held: false });
        expect(second).not.toHaveBeenCalled();
        first.release();
        expect(await taken).toEqual({ held: true, value: 'launched' });
      });

      it('is released once fn returns: the next caller holds it', async () => {
        expect(await store.withLaunchLease(async () => 1)).toEqual({ held: true, value: 1 });
        expect(await store.withLaunchLease(async () => 2)).toEqual({ held: true, value: 2 });
      });

      it('is released when fn throws, and the error reaches the caller', async () => {
        const boom = new Error('launch failed');
        await expect(store.withLaunchLease(async () => Promise.reject(boom))).rejects.toBe(boom);
        expect(await store.withLaunchLease(async () => 'after')).toEqual({ held: true, value: 'after' });
      });

      it('lets exactly one of many callers at once hold it', async () => {
        const callers = 8;
        let entered = 0;
        let refused = 0;
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        const calls = Array.from({ length: callers }, () =>
          store
            .withLaunchLease(async () => {
              entered++;
              await released;
              return 'launched';
            })
            .then((r) => (r.held ? r : (refused++, r))),
        );
        // Every caller has either entered (and waits) or been refused before anyone lets go.
        while (entered + refused < callers) await new Promise((r) => setTimeout(r, 5));
        release();
        const results = await Promise.all(calls);
        expect({ entered, held: results.filter((r) => r.held) }).toEqual({ entered: 1, held: [{ held: true, value: 'launched' }] });
      });
    });

    describe('two passes planned from one snapshot and applied at once', () => {
      it(`never overfills a node nor places a task on two nodes (${concurrencyRounds} rounds)`, async () => {
        const policy = defaultPolicy(DEFAULT_CATALOG, { scaleUp: { ...defaultPolicy(DEFAULT_CATALOG).scaleUp, enabled: false } });
        let refused = 0;
        for (let round = 0; round < concurrencyRounds; round++) {
          const s = await fresh();
          for (const id of ['a', 'b', 'c']) await s.recordHeartbeat(beat(`${id}${round}`), NOW);
          // Two jobs that together need more than the fleet: both passes want the same room.
          const j1 = job(`x${round}`, { count: 5, resources: { cpu: 700, memoryMiB: 1024 } });
          const j2 = job(`y${round}`, { count: 5, resources: { cpu: 900, memoryMiB: 2048 }, createdAt: NOW - 30_000 });
          await s.createJob(j1, tasksOf(j1));
          await s.createJob(j2, tasksOf(j2));
          const snap = await s.snapshot();
          // The second pass sees the same jobs but plans as if one had been stopped: different placements, same nodes.
          const p1 = plan(snap, NOW + 1, policy);
          const p2 = plan({ ...snap, tasks: [...snap.tasks].reverse(), jobs: round % 2 ? [j2, j1] : [j1, j2] }, NOW + 1, { ...policy, strategy: round % 2 ? 'spread' : 'first-fit' });
          const results = await Promise.all([s.applyPlan(p1), s.applyPlan(p2)]);
          refused += results[0].conflicts.length + results[1].conflicts.length;
          const after = await s.snapshot();
          for (const n of after.nodes) {
            const held = after.tasks.filter((t) => t.nodeId === n.id && HOLDS_RESOURCES.has(t.status));
            const cpu = held.reduce((x, t) => x + t.resources.cpu, 0);
            const mem = held.reduce((x, t) => x + t.resources.memoryMiB, 0);
            expect({ node: n.id, round, over: cpu > n.capacity.cpu || mem > n.capacity.memoryMiB }).toEqual({ node: n.id, round, over: false });
            // The store's own count agrees with the tasks.
            expect({ node: n.id, round, allocated: n.allocated }).toEqual({ node: n.id, round, allocated: { cpu, memoryMiB: mem } });
          }
          const assignedTwice = results[0].assignmentsCommitted + results[1].assignmentsCommitted - after.tasks.filter((t) => t.status === 'ASSIGNED').length;
          expect({ round, assignedTwice }).toEqual({ round, assignedTwice: 0 });
        }
        // The race was real: the stores refused conflicting groups rather than never meeting one.
        expect(refused).toBeGreaterThan(0);
      });
    });
  });
}
