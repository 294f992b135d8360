import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Heartbeat } from '../../../../control/state/node-report';
import type { Job, Task } from '../../../../core/model';
import type { Plan } from '../../../../core/pass/plan-types';
import { DynamoStateStore } from '../../../../lambdas/adapters/dynamo-state-store';
import { ENV, heartbeatRefreshMsFrom, policyFrom } from '../../../../lambdas/config';
import { deathReason } from '../../../../core/pass/liveness';
import { LIVE_ATTRIBUTE } from '../../../../lambdas/adapters/table-schema';
import { CapacityMeter } from '../../../../local/consumed-capacity';
import { useDynamoDbLocal } from '../../../support/dynamodb-local';

const ddb = useDynamoDbLocal();
const T0 = 1_800_000_000_000;
const R = { cpu: 100, memoryMiB: 128 };

function job(id: string, over: Partial<Job> = {}): Job {
  return { id, name: id, image: 'busybox', command: ['true'], env: {}, resources: R, count: 1, kind: 'batch', restart: { mode: 'never', initialDelayMs: 1, maxDelayMs: 1, resetAfterMs: 1 }, constraints: {}, doNotDisrupt: false, createdAt: T0, ...over };
}
function task(jobId: string, slot: number, generation: number, over: Partial<Task> = {}): Task {
  return { id: `${jobId}.${slot}.g${generation}`, jobId, slot, generation, status: 'PENDING', resources: R, restarts: 0, createdAt: T0, ...over };
}
const plan = (over: Partial<Plan>): Plan => ({ now: T0, assignments: [], taskUpdates: [], nodeUpdates: [], launches: [], terminations: [], unplaced: [], consolidations: [], ...over });

function setUp(prefix: string, options: { heartbeatRefreshMs?: number; pruneLiveIndex?: boolean } = {}) {
  let now = T0;
  const clock = { now: () => now };
  return (async () => {
    const tables = await ddb.createTables(prefix);
    const store = new DynamoStateStore(ddb.client, tables, { clock, ...options });
    const doc = DynamoDBDocumentClient.from(ddb.client);
    const raw = async (table: string, id: string) => (await doc.send(new GetCommand({ TableName: table, Key: { id }, ConsistentRead: true }))).Item;
    return { tables, store, doc, raw, advance: (ms: number) => (now += ms) };
  })();
}

describe('DynamoStateStore live index', () => {
  it('reads a finished copy once more, then only through GET /jobs, and keeps the live ones', async () => {
    const { tables, store, raw } = await setUp('finished');
    await store.createJob(job('b'), [task('b', 0, 1), task('b', 1, 1)]);
    await store.applyPlan(plan({ taskUpdates: [{ taskId: 'b.0.g1', from: 'PENDING', to: 'STOPPED', reason: 'test' }] }));
    expect((await store.snapshot()).tasks.map((t) => t.id).sort()).toEqual(['b.0.g1', 'b.1.g1']);
    expect((await raw(tables.tasks, 'b.0.g1'))?.[LIVE_ATTRIBUTE]).toBeUndefined();
    expect((await store.snapshot()).tasks.map((t) => t.id)).toEqual(['b.1.g1']);
    expect((await store.getJob('b'))?.tasks.map((t) => t.id).sort()).toEqual(['b.0.g1', 'b.1.g1']);
  });

  it("leaves the index as it is when the store is an API function's (pruneLiveIndex false): a GET writes nothing", async () => {
    const { tables, store } = await setUp('api-reads', { pruneLiveIndex: false });
    await store.createJob(job('b'), [task('b', 0, 1), task('b', 1, 1)]);
    await store.applyPlan(plan({ taskUpdates: [{ taskId: 'b.0.g1', from: 'PENDING', to: 'STOPPED', reason: 'test' }] }));
    await store.snapshot();
    expect((await store.snapshot()).tasks.map((t) => t.id).sort()).toEqual(['b.0.g1', 'b.1.g1']);
    // The scheduler's store, on the same tables, prunes.
    const scheduler = new DynamoStateStore(ddb.client, tables);
    await scheduler.snapshot();
    expect((await store.snapshot()).tasks.map((t) => t.id)).toEqual(['b.1.g1']);
  });

  it('keeps a finished copy of a slot whose live copy has a lower generation: the next copy must not reuse its id', async () => {
    const { store } = await setUp('slot-guard');
    const svc = job('s', { kind: 'service', restart: { mode: 'always', initialDelayMs: 1, maxDelayMs: 1, resetAfterMs: 1 } });
    await store.createJob(svc, [task('s', 0, 1), task('s', 0, 2)]);
    // The new version's copy (g2) is stopped; the old (g1) carries on.
    await store.applyPlan(plan({ taskUpdates: [{ taskId: 's.0.g2', from: 'PENDING', to: 'STOPPED', reason: 'rolled back' }] }));
    await store.snapshot();
    expect((await store.snapshot()).tasks.map((t) => `${t.id}:${t.status}`).sort()).toEqual(['s.0.g1:PENDING', 's.0.g2:STOPPED']);
  });

  it('keeps a COMPLETED copy that will restart, and drops one that will not', async () => {
    const { store } = await setUp('restart');
    await store.createJob(job('never'), [task('never', 0, 1, { status: 'COMPLETED' })]);
    await store.createJob(job('always', { kind: 'service', restart: { mode: 'always', initialDelayMs: 1, maxDelayMs: 1, resetAfterMs: 1 } }), [task('always', 0, 1, { status: 'COMPLETED' })]);
    await store.snapshot();
    expect((await store.snapshot()).tasks.map((t) => t.id)).toEqual(['always.0.g1']);
  });

  it('drops a stopped job once its copies are finished and its stop is older than the index lags, and reads back a job the index misses', async () => {
    const { tables, store, doc, raw, advance } = await setUp('jobs');
    await store.createJob(job('gone'), [task('gone', 0, 1)]);
    await store.requestStop('gone', T0);
    await store.applyPlan(plan({ taskUpdates: [{ taskId: 'gone.0.g1', from: 'PENDING', to: 'STOPPED', reason: 'job stopped' }] }));
    await store.snapshot();
    expect((await store.snapshot()).jobs.map((j) => j.id)).toEqual(['gone']);
    advance(6 * 60_000);
    await store.snapshot();
    expect((await store.snapshot()).jobs).toEqual([]);
    expect(await store.getJobRecord('gone')).toMatchObject({ id: 'gone' });
    // A live copy whose job is not in the index (written by a store without the live mark): its job is read all the same.
    await doc.send(new PutCommand({ TableName: tables.jobs, Item: job('legacy') }));
    await doc.send(new PutCommand({ TableName: tables.tasks, Item: { ...task('legacy', 0, 1), [LIVE_ATTRIBUTE]: 0 } }));
    const snap = await store.snapshot();
    expect(snap.jobs.map((j) => j.id)).toEqual(['legacy']);
    expect(snap.jobs[0]).not.toHaveProperty(LIVE_ATTRIBUTE);
    expect(snap.tasks.map((t) => t.id)).toEqual(['legacy.0.g1']);
    expect(await raw(tables.jobs, 'legacy')).not.toHaveProperty(LIVE_ATTRIBUTE);
  });

  it('reads no more with finished history than without', async () => {
    const { store, advance } = await setUp('history');
    const { store: bare } = await setUp('bare');
    for (const s of [store, bare]) await s.createJob(job('live', { count: 5 }), [0, 1, 2, 3, 4].map((i) => task('live', i, 1)));
    for (let i = 0; i < 40; i++) {
      await store.createJob(job(`old${i}`), [task(`old${i}`, 0, 1)]);
      await store.applyPlan(plan({ taskUpdates: [{ taskId: `old${i}.0.g1`, from: 'PENDING', to: 'STOPPED', reason: 'done' }] }));
    }
    // Finished batch jobs leave the index like stopped ones, once older than the index lags.
    advance(6 * 60_000);
    await store.snapshot();
    const meter = new CapacityMeter(ddb.client);
    meter.reset();
    const a = await store.snapshot();
    const withUnits = meter.totals().readUnits;
    meter.reset();
    const b = await bare.snapshot();
    expect(a.tasks).toHaveLength(5);
    expect(b.tasks).toHaveLength(5);
    expect(withUnits).toBe(meter.totals().readUnits);
  });
});

describe('DynamoStateStore steady heartbeats', () => {
  const hb = (usageCpu: number): Heartbeat => ({ nodeId: 'n1', instanceType: 'm5.large', zone: 'us-east-1a', labels: {}, capacity: { cpu: 2000, memoryMiB: 8192 }, usage: { cpu: usageCpu, memoryMiB: 1000 }, pricePerHour: 0.096, containers: [] });

  it('writes liveness no more often than heartbeatRefreshMs, and usage at once when it moved by more than 10 %', async () => {
    const { tables, store, raw, advance } = await setUp('refresh', { heartbeatRefreshMs: 25_000 });
    await store.recordHeartbeat(hb(500), T0);
    expect(await raw(tables.nodes, 'n1')).toMatchObject({ state: 'ACTIVE', lastHeartbeatAt: T0 });
    advance(10_000);
    await store.recordHeartbeat(hb(520), T0 + 10_000);
    expect(await raw(tables.nodes, 'n1')).toMatchObject({ lastHeartbeatAt: T0, usageCpu: 500 });
    await store.recordHeartbeat(hb(600), T0 + 20_000);
    expect(await raw(tables.nodes, 'n1')).toMatchObject({ lastHeartbeatAt: T0 + 20_000, usageCpu: 600, quietBeat: true });
    await store.recordHeartbeat(hb(600), T0 + 30_000);
    expect(await raw(tables.nodes, 'n1')).toMatchObject({ lastHeartbeatAt: T0 + 20_000 });
    await store.recordHeartbeat(hb(600), T0 + 46_000);
    expect(await raw(tables.nodes, 'n1')).toMatchObject({ lastHeartbeatAt: T0 + 46_000 });
  });

  it("keeps a steady node alive through one failed report with the deployed timing (refresh 1.5 periods, timeout 4), where a timeout of 3 would declare it LOST", async () => {
    const env = { [ENV.heartbeatSeconds]: '10' };
    const policy = policyFrom(env, ['us-east-1a'], ['arm64']);
    const { store } = await setUp('one-failure', { heartbeatRefreshMs: heartbeatRefreshMsFrom(env) });
    // Reports a period plus a 2 s pass apart; the third one is lost (a 5xx, a timeout).
    const gap = 12_000;
    const sent = [0, 1, 3, 4].map((i) => T0 + i * gap);
    let worst = 0;
    let last = T0;
    for (const at of sent) {
      // Just before each report lands, a pass looks at the node.
      const seen = (await store.snapshot()).nodes.find((n) => n.id === 'n1');
      if (seen) {
        expect(deathReason(seen, at - 1, policy)).toBeNull();
        worst = Math.max(worst, at - 1 - seen.lastHeartbeatAt!);
      }
      await store.recordHeartbeat(hb(500), at);
      last = at;
    }
    expect(last).toBe(T0 + 4 * gap);
    // The stored report was 36 s old when the report after the lost one landed: past three periods.
    expect(worst).toBeGreaterThan(3 * 10_000);
    expect(worst).toBeLessThan(policy.heartbeatTimeoutMs);
  });

  it('writes a report that changes the node, and every report without heartbeatRefreshMs', async () => {
    const { tables, store, raw } = await setUp('changes', { heartbeatRefreshMs: 25_000 });
    await store.recordHeartbeat(hb(500), T0);
    await store.recordHeartbeat({ ...hb(500), labels: { team: 'a' } }, T0 + 5_000);
    expect(await raw(tables.nodes, 'n1')).toMatchObject({ lastHeartbeatAt: T0 + 5_000, labels: { team: 'a' } });
    expect(await raw(tables.nodes, 'n1')).not.toHaveProperty('quietBeat');
    const every = await setUp('every');
    await every.store.recordHeartbeat(hb(500), T0);
    await every.store.recordHeartbeat(hb(500), T0 + 1_000);
    expect(await every.raw(every.tables.nodes, 'n1')).toMatchObject({ lastHeartbeatAt: T0 + 1_000, quietBeat: true });
  });
});

