import { ScanCommand, type DynamoDBClient, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, type BatchWriteCommandOutput } from '@aws-sdk/lib-dynamodb';
import { acceptHeartbeat } from '../control/heartbeat';
import { JobRecordCache } from '../control/job-record-cache';
import { InMemoryFleet } from '../control/fakes/in-memory-fleet';
import { RecordingNodeCommander } from '../control/fakes/recording-node-commander';
import { runPass } from '../control/pass/run-pass';
import type { Heartbeat } from '../control/state/node-report';
import { DEFAULT_CATALOG } from '../core/catalog';
import type { Job, Task } from '../core/model';
import { DEFAULT_BATCH_RESTART, DEFAULT_SERVICE_RESTART, defaultPolicy } from '../core/policy';
import { DynamoStateStore } from '../lambdas/adapters/dynamo-state-store';
import { HEARTBEAT_REFRESH_PERIODS } from '../lambdas/config';
import { toNodeItem } from '../lambdas/adapters/node-item';
import { LIVE_ATTRIBUTE, liveShardOf, type TableNames } from '../lambdas/adapters/table-schema';
import { CapacityMeter } from './consumed-capacity';
import { startDynamoDbLocal } from './dynamodb-local';
import { inParallel } from '../control/in-parallel';
import { percentile } from './percentile';

/**
 * `stowage bench --store dynamodb`: what a scheduler pass and a heartbeat cost against
 * the real store on DynamoDB Local. The state is built straight into the tables (as the
 * store leaves it): `nodes` ACTIVE nodes, `tasks` RUNNING copies spread over them (jobs
 * of 10 replicas, nodes about 90 % allocated so no consolidation starts), and `history`
 * finished copies of stopped batch jobs, already out of the live index as the store
 * leaves them. Then `passes` passes through the real runPass (fleet and node commander
 * in memory) and `heartbeats` steady reports through the heartbeat route's own function,
 * every DynamoDB call metered by DynamoDB's ReturnConsumedCapacity.
 */
export interface DynamoBenchOptions {
  readonly nodes: number;
  readonly tasks: number;
  readonly history: number;
  readonly passes: number;
  readonly heartbeats: number;
  /** Passed to the store (DynamoStateStoreOptions.heartbeatRefreshMs); default what the deployed function uses, 1.5 periods. */
  readonly heartbeatRefreshMs?: number;
  /** Seconds between one node's reports: the bench's clock moves this much over one round of the fleet. Default 10. */
  readonly heartbeatPeriodS?: number;
  readonly say?: (line: string) => void;
}

export interface Stats {
  readonly p50: number;
  readonly p95: number;
  readonly mean: number;
}

export interface DynamoBenchResult {
  readonly nodes: number;
  readonly liveTasks: number;
  readonly history: number;
  readonly passes: number;
  readonly passMs: Stats;
  /** Per pass, as DynamoDB reported them (ReturnConsumedCapacity TOTAL). */
  readonly passReadUnits: Stats;
  readonly passWriteUnits: Stats;
  readonly heartbeats: number;
  readonly heartbeatMs: Stats;
  readonly heartbeatReadUnits: Stats;
  readonly heartbeatWriteUnits: Stats;
  readonly buildMs: number;
  /**
   * What reading the same state as strongly consistent scans of Jobs, Tasks and Nodes
   * costs: a snapshot without the live index, for comparison.
   */
  readonly fullScanReadUnits: number;
}

export const NOW = 1_800_000_000_000;
const NODE_TYPE = DEFAULT_CATALOG.find((t) => t.name === 'm5.xlarge')!;
const REPLICAS = 10;

export async function runDynamoBench(o: DynamoBenchOptions): Promise<DynamoBenchResult> {
  for (const [field, v, min] of [
    ['nodes', o.nodes, 1],
    ['tasks', o.tasks, 0],
    ['history', o.history, 0],
    ['passes', o.passes, 1],
    ['heartbeats', o.heartbeats, 0],
    ['heartbeatPeriodS', o.heartbeatPeriodS ?? 10, 1],
  ] as const) {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`--${field} must be a whole number ≥ ${min}, got ${v}`);
  }
  const say = o.say ?? (() => undefined);
  const ddb = await startDynamoDbLocal();
  try {
    const tables = await ddb.createTables('bench');
    const built = Date.now();
    say(`building ${o.nodes} nodes, ${o.tasks} live copies, ${o.history} finished copies`);
    const state = benchState(o);
    await writeAll(ddb.client, tables, state);
    const buildMs = Date.now() - built;

    const meter = new CapacityMeter(ddb.client);
    let now = NOW;
    const clock = { now: () => now };
    const heartbeatRefreshMs = o.heartbeatRefreshMs ?? (o.heartbeatPeriodS ?? 10) * HEARTBEAT_REFRESH_PERIODS * 1000;
    const store = new DynamoStateStore(ddb.client, tables, { clock, heartbeatRefreshMs });
    const policy = defaultPolicy([NODE_TYPE], { consolidation: { ...defaultPolicy([NODE_TYPE]).consolidation, minNodes: o.nodes } });
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const passMs: number[] = [];
    const passRead: number[] = [];
    const passWrite: number[] = [];
    for (let i = 0; i < o.passes; i++) {
      now += 1_000;
      meter.reset();
      const t0 = performance.now();
      await runPass({ store, commander: new RecordingNodeCommander(), fleet: new InMemoryFleet(clock), clock, policy, logger: quiet });
      passMs.push(performance.now() - t0);
      passRead.push(meter.totals().readUnits);
      passWrite.push(meter.totals().writeUnits);
      say(`pass ${i + 1}: ${passMs[i].toFixed(0)} ms, ${passRead[i]} read units, ${passWrite[i]} write units`);
    }

    const beatMs: number[] = [];
    const beatRead: number[] = [];
    const beatWrite: number[] = [];
    // Round the fleet, one report a node, each node once a period: steady reports. One
    // kept set of job records, as one warm heartbeat function has (control/job-record-cache.ts).
    const step = ((o.heartbeatPeriodS ?? 10) * 1000) / state.heartbeats.length;
    const jobRecords = new JobRecordCache();
    for (let i = 0; i < o.heartbeats; i++) {
      now += step;
      const hb = state.heartbeats[i % state.heartbeats.length];
      meter.reset();
      const t0 = performance.now();
      await acceptHeartbeat(store, hb, now, jobRecords);
      beatMs.push(performance.now() - t0);
      beatRead.push(meter.totals().readUnits);
      beatWrite.push(meter.totals().writeUnits);
    }
    meter.reset();
    for (const table of [tables.jobs, tables.tasks, tables.nodes]) await scanAll(ddb.client, table);
    const fullScanReadUnits = meter.totals().readUnits;
    return {
      nodes: o.nodes,
      liveTasks: o.tasks,
      history: o.history,
      passes: o.passes,
      passMs: stats(passMs),
      passReadUnits: stats(passRead),
      passWriteUnits: stats(passWrite),
      heartbeats: o.heartbeats,
      heartbeatMs: stats(beatMs),
      heartbeatReadUnits: stats(beatRead),
      heartbeatWriteUnits: stats(beatWrite),
      buildMs,
      fullScanReadUnits,
    };
  } finally {
    await ddb.stop();
  }
}

async function scanAll(client: DynamoDBClient, table: string): Promise<void> {
  let start: ScanCommandOutput['LastEvaluatedKey'];
  do {
    const out: ScanCommandOutput = await client.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    start = out.LastEvaluatedKey;
  } while (start);
}

function stats(values: readonly number[]): Stats {
  if (!values.length) return { p50: 0, p95: 0, mean: 0 };
  const r = (v: number) => Math.round(v * 10) / 10;
  return { p50: r(percentile(values, 50)), p95: r(percentile(values, 95)), mean: r(values.reduce((s, v) => s + v, 0) / values.length) };
}

interface BenchState {
  readonly jobs: object[];
  readonly tasks: object[];
  readonly nodes: object[];
  readonly heartbeats: Heartbeat[];
}

/** The items, as the store writes them: live ones with their shard, finished history without. */
export function benchState(o: Pick<DynamoBenchOptions, 'nodes' | 'tasks' | 'history'>): BenchState {
  const live = <T extends { id: string }>(x: T) => ({ ...x, [LIVE_ATTRIBUTE]: liveShardOf(x.id) });
  const perNode = Math.ceil(o.tasks / o.nodes);
  // Each node about 90 % allocated: full enough that consolidation finds nothing to move.
  const resources = { cpu: Math.max(1, Math.floor((NODE_TYPE.capacity.cpu * 0.9) / Math.max(1, perNode))), memoryMiB: Math.max(1, Math.floor((NODE_TYPE.capacity.memoryMiB * 0.9) / Math.max(1, perNode))) };
  const job = (id: string, kind: Job['kind'], count: number, stopped: boolean): Job => ({
    id,
    name: id,
    image: 'bench:latest',
    command: ['sleep', '3600'],
    env: {},
    resources,
    count,
    kind,
    restart: kind === 'service' ? DEFAULT_SERVICE_RESTART : DEFAULT_BATCH_RESTART,
    constraints: {},
    doNotDisrupt: false,
    createdAt: NOW - 86_400_000,
    ...(stopped ? { stopRequestedAt: NOW - 3_600_000 } : {}),
  });
  const jobs: object[] = [];
  const tasks: object[] = [];
  const alloc = new Map<string, number>();
  const onNode = new Map<string, Task[]>();
  const nodeId = (i: number) => `i-${String(i).padStart(8, '0')}`;
  for (let i = 0; i < o.tasks; i += REPLICAS) {
    const id = `svc-${String(i / REPLICAS).padStart(7, '0')}`;
    const count = Math.min(REPLICAS, o.tasks - i);
    jobs.push(live(job(id, 'service', count, false)));
    for (let slot = 0; slot < count; slot++) {
      const node = nodeId((i + slot) % o.nodes);
      const t: Task = { id: `${id}.${slot}.g1`, jobId: id, slot, generation: 1, status: 'RUNNING', nodeId: node, resources, restarts: 0, createdAt: NOW - 86_400_000, startedAt: NOW - 86_000_000, health: 'none' };
      tasks.push(live(t));
      alloc.set(node, (alloc.get(node) ?? 0) + 1);
      onNode.set(node, [...(onNode.get(node) ?? []), t]);
    }
  }
  for (let i = 0; i < o.history; i += REPLICAS) {
    const id = `batch-${String(i / REPLICAS).padStart(7, '0')}`;
    const count = Math.min(REPLICAS, o.history - i);
    jobs.push(job(id, 'batch', count, true));
    for (let slot = 0; slot < count; slot++) {
      const status = slot % 2 ? 'COMPLETED' : 'STOPPED';
      tasks.push({ id: `${id}.${slot}.g1`, jobId: id, slot, generation: 1, status, resources, restarts: 0, createdAt: NOW - 86_400_000, startedAt: NOW - 86_000_000, finishedAt: NOW - 85_000_000, ...(status === 'STOPPED' ? { expiresAt: Math.floor(NOW / 1000) + 86_400 } : {}) });
    }
  }
  const nodes: object[] = [];
  const heartbeats: Heartbeat[] = [];
  for (let i = 0; i < o.nodes; i++) {
    const id = nodeId(i);
    const n = alloc.get(id) ?? 0;
    const usage = { cpu: Math.round(n * resources.cpu * 0.6), memoryMiB: Math.round(n * resources.memoryMiB * 0.6) };
    const zone = ['us-east-1a', 'us-east-1b', 'us-east-1c'][i % 3];
    nodes.push({
      ...toNodeItem({
        id,
        instanceType: NODE_TYPE.name,
        zone,
        labels: {},
        capacity: NODE_TYPE.capacity,
        allocated: { cpu: n * resources.cpu, memoryMiB: n * resources.memoryMiB },
        usage,
        state: 'ACTIVE',
        launchedAt: NOW - 86_400_000,
        lastHeartbeatAt: NOW,
        pricePerHour: NODE_TYPE.pricePerHour,
        address: `10.0.${Math.floor(i / 250)}.${i % 250}`,
      }),
      usageAt: NOW,
    });
    heartbeats.push({
      nodeId: id,
      instanceType: NODE_TYPE.name,
      zone,
      labels: {},
      capacity: NODE_TYPE.capacity,
      usage,
      pricePerHour: NODE_TYPE.pricePerHour,
      address: `10.0.${Math.floor(i / 250)}.${i % 250}`,
      containers: (onNode.get(id) ?? []).map((t) => ({ taskId: t.id, generation: t.generation, state: 'running' as const, startedAt: t.startedAt, health: 'none' as const })),
    });
  }
  return { jobs, tasks, nodes, heartbeats };
}

/** Straight into the tables, 25 items a request (BatchWriteItem's limit), unprocessed ones again. */
async function writeAll(client: DynamoDBClient, tables: TableNames, s: BenchState): Promise<void> {
  const batches: { table: string; items: object[] }[] = [];
  for (const [table, items] of [
    [tables.jobs, s.jobs],
    [tables.tasks, s.tasks],
    [tables.nodes, s.nodes],
  ] as const) {
    for (let i = 0; i < items.length; i += 25) batches.push({ table, items: items.slice(i, i + 25) });
  }
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  await inParallel(batches, 8, async (b) => {
    let requests = b.items.map((item) => ({ PutRequest: { Item: item as Record<string, unknown> } }));
    while (requests.length) {
      const out: BatchWriteCommandOutput = await doc.send(new BatchWriteCommand({ RequestItems: { [b.table]: requests } }));
      requests = (out.UnprocessedItems?.[b.table] ?? []) as typeof requests;
    }
  });
}
