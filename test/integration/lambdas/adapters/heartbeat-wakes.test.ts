import type { DynamoDBRecord } from 'aws-lambda';
import type { Heartbeat } from '../../../../control/state/node-report';
import type { Job, Task } from '../../../../core/model';
import { DEFAULT_SERVICE_RESTART } from '../../../../core/policy';
import { DynamoStateStore } from '../../../../lambdas/adapters/dynamo-state-store';
import { wakesScheduler } from '../../../../lambdas/adapters/scheduler-wake-filter';
import { StreamPoller } from '../../../../local/stream-poller';
import { waitUntil } from '../../../../local/wait-until';
import { useDynamoDbLocal } from '../../../support/dynamodb-local';

/**
 * What the Nodes stream wakes, end to end on DynamoDB Local: the store's real writes, the
 * table's real stream (new images), and the wake filter as the local poller applies it
 * (the same patterns the deployed event source mapping carries; test/infra compares).
 */
const ddb = useDynamoDbLocal();

const NOW = 1_800_000_000_000;
const beat = (over: Partial<Heartbeat> = {}): Heartbeat => ({
  nodeId: 'n1',
  instanceType: 'm5.large',
  zone: 'us-east-1a',
  labels: { team: 'search', disk: 'ssd' },
  capacity: { cpu: 2000, memoryMiB: 8192 },
  usage: { cpu: 10, memoryMiB: 100 },
  pricePerHour: 0.096,
  address: '10.0.1.17',
  // A Spot node: its steady reports must stay quiet like an On-Demand node's.
  capacityType: 'spot',
  containers: [],
  ...over,
});
const job: Job = {
  id: 'web',
  name: 'web',
  image: 'stowage/busybox:local',
  command: ['sleep', '3600'],
  env: {},
  resources: { cpu: 500, memoryMiB: 512 },
  count: 1,
  kind: 'service',
  restart: DEFAULT_SERVICE_RESTART,
  constraints: {},
  doNotDisrupt: false,
  createdAt: NOW - 60_000,
};
const pending: Task = { id: 'web.0', jobId: 'web', slot: 0, generation: 0, status: 'PENDING', resources: job.resources, restarts: 0, createdAt: NOW - 60_000 };

describe('Heartbeats and scheduler wake-ups on DynamoDB Local', () => {
  let store: DynamoStateStore;
  let poller: StreamPoller;
  const woken: DynamoDBRecord[] = [];
  const errors: unknown[] = [];
  /** Every record reaching onBatch, by the time the stream has delivered `expectRead` records in all. */
  const settle = async (expectRead: number): Promise<number> => {
    await waitUntil(`${expectRead} stream records read`, async () => poller.records.read >= expectRead, 15_000);
    // The dispatcher hands a kept record over within its batch window.
    await new Promise((r) => setTimeout(r, 300));
    return woken.length;
  };

  beforeAll(async () => {
    const tables = await ddb.createTables('wakes');
    store = new DynamoStateStore(ddb.client, tables);
    poller = new StreamPoller({
      dynamodb: ddb.client,
      streams: ddb.streams,
      tableName: tables.nodes,
      batchWindowMs: 50,
      pollMs: 50,
      // No tick in this test: only stream records count as wake-ups.
      tickMs: 600_000,
      filter: wakesScheduler,
      onBatch: async (event) => void woken.push(...event.Records),
      onError: (err) => errors.push(err),
    });
    await poller.start();
    await store.createJob(job, [pending]);
  }, 30_000);
  afterAll(async () => {
    await poller?.stop();
    // DynamoDB Local may trim a shard under a live iterator; the poller starts again after
    // the last record it saw (the exact counts above show none was lost or repeated).
    expect(errors.filter((e) => (e as Error).name !== 'TrimmedDataAccessException')).toEqual([]);
  });

  it('wakes on a new node, not on 100 heartbeats that change only the time and usage, and again on each change', async () => {
    await store.recordHeartbeat(beat(), NOW);
    expect(await settle(1)).toBe(1);
    expect(woken[0].eventName).toBe('INSERT');

    for (let i = 1; i <= 100; i++) await store.recordHeartbeat(beat({ usage: { cpu: 10 + i, memoryMiB: 100 + i } }), NOW + i * 10_000);
    expect(await settle(101)).toBe(1);
    expect(poller.records).toEqual({ read: 101, filtered: 100 });
    // Quiet beats still keep the node alive and its usage current.
    const [n] = await store.listNodes();
    expect(n).toMatchObject({ state: 'ACTIVE', lastHeartbeatAt: NOW + 1_000_000, usage: { cpu: 110, memoryMiB: 200 } });

    // Each meaningful change wakes once; the steady beat after it is quiet again.
    const changes: Partial<Heartbeat>[] = [
      { labels: { team: 'search', disk: 'hdd' } },
      { capacity: { cpu: 1900, memoryMiB: 8192 } },
      { address: '10.0.1.18' },
      { pricePerHour: 0.05 },
      { capacityType: 'on-demand' },
    ];
    let read = 101;
    let current = beat();
    for (const [i, change] of changes.entries()) {
      current = { ...current, ...change };
      await store.recordHeartbeat(current, NOW + 2_000_000 + i * 20_000);
      await store.recordHeartbeat(current, NOW + 2_000_000 + i * 20_000 + 10_000);
      read += 2;
      expect(await settle(read)).toBe(2 + i);
    }
    // A beat that leaves the address out keeps the known one and is still quiet.
    await store.recordHeartbeat({ ...current, address: undefined }, NOW + 3_000_000);
    expect(await settle(read + 1)).toBe(1 + changes.length);
    expect((await store.listNodes())[0].address).toBe('10.0.1.18');
  });

  it("wakes when a copy's container state changes, and not while it stays the same", async () => {
    const before = woken.length;
    let read = poller.records.read;
    const t = NOW + 4_000_000;
    const current = { ...(await store.listNodes())[0] };
    const steady = beat({ labels: current.labels, capacity: current.capacity, address: current.address, pricePerHour: current.pricePerHour });

    // The scheduler's assignment grows the node's allocation: its own write wakes as before.
    await store.applyPlan({ now: t, assignments: [{ taskId: 'web.0', jobId: 'web', nodeId: 'n1', from: 'PENDING', generation: 1, resources: job.resources }], taskUpdates: [], nodeUpdates: [], launches: [], terminations: [], unplaced: [], consolidations: [] });
    expect(await settle(++read)).toBe(before + 1);

    const running = { containers: [{ taskId: 'web.0', generation: 1, state: 'running' as const, startedAt: t + 1 }] };
    await store.recordHeartbeat({ ...steady, ...running }, t + 10_000);
    expect(await settle(++read)).toBe(before + 2);
    for (let i = 2; i <= 11; i++) await store.recordHeartbeat({ ...steady, ...running }, t + i * 10_000);
    read += 10;
    expect(await settle(read)).toBe(before + 2);

    // The copy exits: its task ends and the node's room is released; that wakes.
    await store.recordHeartbeat({ ...steady, containers: [{ taskId: 'web.0', generation: 1, state: 'exited', exitCode: 1, finishedAt: t + 120_000 }] }, t + 120_000);
    // Two records, both waking: the release in the copy's transaction, then the node's report.
    expect(await settle(read + 2)).toBe(before + 4);
    expect((await store.listNodes())[0].allocated).toEqual({ cpu: 0, memoryMiB: 0 });
  });

  it('wakes when a quiet node is drained by the scheduler, and on the first report of a lost node', async () => {
    let read = poller.records.read;
    const before = woken.length;
    const n = (await store.listNodes())[0];
    const steady = beat({ labels: n.labels, capacity: n.capacity, address: n.address, pricePerHour: n.pricePerHour });
    const t = NOW + 5_000_000;
    await store.recordHeartbeat(steady, t);
    expect(await settle(++read)).toBe(before);

    await store.applyPlan({ now: t, assignments: [], taskUpdates: [], nodeUpdates: [{ nodeId: 'n1', from: 'ACTIVE', to: 'LOST' }], launches: [], terminations: [], unplaced: [], consolidations: [] });
    expect(await settle(++read)).toBe(before + 1);
    // A node the scheduler gave up on reporting again is news, however steady its report.
    await store.recordHeartbeat(steady, t + 10_000);
    expect(await settle(read + 1)).toBe(before + 2);
  });
});
