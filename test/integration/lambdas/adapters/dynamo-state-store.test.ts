import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../../../control/clock';
import { LAUNCH_LEASE_MS, NODE_TOMBSTONE_MS } from '../../../../control/state/state-store';
import { DynamoStateStore } from '../../../../lambdas/adapters/dynamo-state-store';
import { describeStateStoreContract } from '../../../control/state/state-store.contract';
import { describeCapacityMemoryContract } from '../../../control/state/capacity-memory.contract';
import { describeReclaimContract } from '../../../control/state/reclaim.contract';
import { useDynamoDbLocal } from '../../../support/dynamodb-local';

const ddb = useDynamoDbLocal();

describeStateStoreContract('DynamoStateStore on DynamoDB Local', async () => new DynamoStateStore(ddb.client, await ddb.freshTables('t')), 40);
describeCapacityMemoryContract('DynamoStateStore on DynamoDB Local', async () => new DynamoStateStore(ddb.client, await ddb.freshTables('c')));
describeReclaimContract('DynamoStateStore on DynamoDB Local', async () => new DynamoStateStore(ddb.client, await ddb.freshTables('r')));

describe('DynamoStateStore housekeeping', () => {
  it('marks a stopped copy to expire a week after it stops, and keeps the mark out of the domain', async () => {
    const tables = await ddb.createTables('ttl');
    const store = new DynamoStateStore(ddb.client, tables);
    const now = 1_800_000_000_000;
    const job = { id: 'j', name: 'j', image: 'busybox', command: ['true'], env: {}, resources: { cpu: 1, memoryMiB: 1 }, count: 1, kind: 'service' as const, restart: { mode: 'always' as const, initialDelayMs: 1, maxDelayMs: 1, resetAfterMs: 1 }, constraints: {}, doNotDisrupt: false, createdAt: now };
    await store.createJob(job, [{ id: 'j.0', jobId: 'j', slot: 0, generation: 0, status: 'PENDING', resources: job.resources, restarts: 0, createdAt: now }]);
    await store.applyPlan({ now, assignments: [], taskUpdates: [{ taskId: 'j.0', from: 'PENDING', to: 'STOPPED', reason: 'job stopped' }], nodeUpdates: [], launches: [], terminations: [], unplaced: [], consolidations: [] });
    const raw = await DynamoDBDocumentClient.from(ddb.client).send(new GetCommand({ TableName: tables.tasks, Key: { id: 'j.0' } }));
    expect(raw.Item?.expiresAt).toBe(now / 1000 + 7 * 24 * 3600);
    const [task] = (await store.snapshot()).tasks;
    expect(task).toMatchObject({ id: 'j.0', status: 'STOPPED' });
    expect('expiresAt' in task).toBe(false);
  });
});

describe('DynamoStateStore time and leases', () => {
  const T0 = 1_800_000_000_000;
  /** A clock the test moves; the store reads it for everything it stamps itself. */
  const movable = () => {
    let now = T0;
    const clock: Clock = { now: () => now };
    return { clock, advance: (ms: number) => (now += ms) };
  };
  const raw = (table: string, key: Record<string, unknown>) => DynamoDBDocumentClient.from(ddb.client).send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));

  it("lets a launcher take over a crashed holder's lease once it expires, and the late holder's release does not free the new one", async () => {
    const { clock, advance } = movable();
    const store = new DynamoStateStore(ddb.client, await ddb.createTables('lease-expiry'), { clock });
    let releaseCrashed!: () => void;
    const crashedHolds = new Promise<void>((r) => (releaseCrashed = r));
    let crashedEntered!: () => void;
    const crashedInside = new Promise<void>((r) => (crashedEntered = r));
    // A holder that stops answering: it keeps the lease until LAUNCH_LEASE_MS passes.
    const crashed = store.withLaunchLease(async () => (crashedEntered(), await crashedHolds, 'late'));
    await crashedInside;

    advance(LAUNCH_LEASE_MS - 1);
    expect(await store.withLaunchLease(async () => 'too early')).toEqual({ held: false });

    advance(2);
    let releaseNext!: () => void;
    const nextHolds = new Promise<void>((r) => (releaseNext = r));
    let nextEntered!: () => void;
    const nextInside = new Promise<void>((r) => (nextEntered = r));
    const next = store.withLaunchLease(async () => (nextEntered(), await nextHolds, 'took over'));
    await nextInside;

    // The crashed holder comes back and finishes: its release must leave the new lease alone.
    releaseCrashed();
    expect(await crashed).toEqual({ held: true, value: 'late' });
    expect(await store.withLaunchLease(async () => 'third')).toEqual({ held: false });

    releaseNext();
    expect(await next).toEqual({ held: true, value: 'took over' });
    expect(await store.withLaunchLease(async () => 'after')).toEqual({ held: true, value: 'after' });
  });

  it('keeps the lease in the Leases table, expiring by TTL after it ends, and out of the samples', async () => {
    const { clock } = movable();
    const tables = await ddb.createTables('lease-table');
    const store = new DynamoStateStore(ddb.client, tables, { clock });
    let item: Record<string, unknown> | undefined;
    expect(await store.withLaunchLease(async () => (item = (await raw(tables.leases, { name: 'launch' })).Item))).toMatchObject({ held: true });
    expect(item).toMatchObject({ name: 'launch', leaseUntil: T0 + LAUNCH_LEASE_MS, holder: expect.any(String) });
    expect(item!.expiresAt).toBeGreaterThanOrEqual(Math.floor((T0 + LAUNCH_LEASE_MS) / 1000));
    expect((await raw(tables.leases, { name: 'launch' })).Item).toBeUndefined();
    expect(await store.listSamples(0, Number.MAX_SAFE_INTEGER)).toEqual([]);
  });

  it("stamps a removed node's tombstone to expire NODE_TOMBSTONE_MS after the store's clock", async () => {
    const { clock, advance } = movable();
    const tables = await ddb.createTables('tombstone');
    const store = new DynamoStateStore(ddb.client, tables, { clock });
    advance(5_000);
    await store.removeNode('gone');
    expect((await raw(tables.nodes, { id: 'gone' })).Item).toMatchObject({ expiresAt: Math.floor((T0 + 5_000 + NODE_TOMBSTONE_MS) / 1000) });
  });
});
