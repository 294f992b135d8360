import { DEFAULT_CATALOG } from '../../../core/catalog';
import { acceptHeartbeat } from '../../../control/heartbeat';
import { runPass } from '../../../control/pass/run-pass';
import { versionOfTask } from '../../../core/deployment';
import { defaultPolicy } from '../../../core/policy';
import { createHandler as createSubmitHandler } from '../../../lambdas/api/submit';
import { apiEvent, InMemoryPersistenceLayer, json, lambdaContext } from '../../lambdas/api/events';
import { beat, setup } from './pass-fixture';

/**
 * A rolling update end to end on the in-memory store: PUT through the API handler, the
 * real runPass with the core's plan(), and agents that run what each heartbeat answers.
 */
describe('a rolling update from PUT to SUCCEEDED', () => {
  it('replaces every copy of v1 with v2, never serving fewer than count, and marks the deployment SUCCEEDED', async () => {
    const world = setup();
    const policy = defaultPolicy(DEFAULT_CATALOG);
    world.deps = { ...world.deps, policy: { ...policy, scaleUp: { ...policy.scaleUp, enabled: false } } };
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const metrics = { addMetric: () => undefined, publishStoredMetrics: () => undefined };
    const submit = createSubmitHandler({ store: world.store, clock: world.clock, log: quiet, metrics, idempotencyStore: new InMemoryPersistenceLayer() });
    const put = async (body: unknown) => json(await submit(apiEvent('PUT', '/jobs/{id}', { body, pathParameters: { id: 'web' } }), lambdaContext()));
    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];

    /** Every node reports, running exactly the copies the control plane answered it last time. */
    const heartbeats = async () => {
      for (const nodeId of nodes) {
        const desired = await world.store.tasksForNode(nodeId);
        await acceptHeartbeat(world.store, { ...beat(nodeId), containers: desired.map((t) => ({ taskId: t.id, generation: t.generation, state: 'running' as const, startedAt: t.startedAt ?? world.clock.t })) }, world.clock.t);
      }
    };
    const serving = async () => (await world.store.snapshot()).tasks.filter((t) => t.jobId === jobId && t.status === 'RUNNING' && t.stopAt === undefined).length;
    const step = async () => {
      world.clock.t += 15_000;
      await heartbeats();
      await runPass(world.deps);
    };

    for (const n of nodes) await world.store.recordHeartbeat(beat(n), world.clock.t);
    const spec = { name: 'web', image: 'stowage/web:1', command: ['httpd', '-f'], env: { GREETING: 'v1' }, cpu: 250, memoryMiB: 128, count: 3 };
    const created = await put(spec);
    const jobId: string = created.jobId;
    for (let i = 0; i < 4; i++) await step();
    expect(await serving()).toBe(3);
    expect((await world.store.getJobRecord(jobId))?.deployment).toMatchObject({ id: 1, status: 'SUCCEEDED' });

    expect(await put({ ...spec, env: { GREETING: 'v2' } })).toMatchObject({ outcome: 'updated', version: 2, deploymentId: 2 });
    let minServing = Infinity;
    let maxLive = 0;
    let passes = 0;
    for (; passes < 40; passes++) {
      await step();
      minServing = Math.min(minServing, await serving());
      await heartbeats();
      minServing = Math.min(minServing, await serving());
      const live = (await world.store.snapshot()).tasks.filter((t) => t.jobId === jobId && t.status !== 'STOPPED');
      maxLive = Math.max(maxLive, live.length);
      if ((await world.store.getJobRecord(jobId))?.deployment?.status !== 'RUNNING') break;
    }
    const job = (await world.store.getJobRecord(jobId))!;
    expect(job.deployment).toMatchObject({ id: 2, fromVersion: 1, toVersion: 2, status: 'SUCCEEDED' });
    expect(job.stableVersion).toBe(2);
    const running = (await world.store.snapshot()).tasks.filter((t) => t.jobId === jobId && t.status === 'RUNNING');
    expect(running.map(versionOfTask)).toEqual([2, 2, 2]);
    expect(minServing).toBeGreaterThanOrEqual(3);
    // maxSurge 25 % of 3 rounds up to one copy above the count.
    expect(maxLive).toBeLessThanOrEqual(4);
    expect(passes).toBeLessThan(40);
  });
});
