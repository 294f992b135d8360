import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The tables' key schema, in one place: the DynamoDB store reads and writes by it, and
 * the store's tests create DynamoDB Local's tables from it. The CDK stack declares the
 * same keys and indexes (test/infra/stack.test.ts compares them); the local cloud
 * creates its tables from the stack's synthesised template, and
 * test/integration/local/tables-from-template.test.ts checks those against this module.
 */
export interface TableNames {
  readonly jobs: string;
  readonly tasks: string;
  readonly nodes: string;
  readonly samples: string;
  /** Named leases (the scheduler's launch lease): one item per lease, expired by TTL. */
  readonly leases: string;
  /** Each job's kept versions: partition `jobId`, sort `version` (the newest KEPT_VERSIONS). */
  readonly versions: string;
}

/** Tasks by the node they are assigned to (sparse: only tasks with a node). */
export const TASKS_BY_NODE_INDEX = 'byNode';
/** Tasks by job. */
export const TASKS_BY_JOB_INDEX = 'byJob';
/**
 * Live items carry this number attribute (0 … LIVE_SHARDS − 1, from their id): tasks
 * that may still run or be placed, jobs not stopped (or stopped with copies still to
 * stop). The LIVE_INDEX of the Tasks and Jobs tables is keyed by it, so it is sparse:
 * an item leaves it when the store REMOVEs the attribute, and a pass queries only what
 * is live, whatever history the tables keep. Shards so that no index partition takes
 * every write of a busy fleet, and so a pass reads the shards side by side.
 */
export const LIVE_ATTRIBUTE = 'liveShard';
/** The sparse index of live items on the Tasks and Jobs tables (partition LIVE_ATTRIBUTE, sort `id`). */
export const LIVE_INDEX = 'live';
export const LIVE_SHARDS = 8;

/** The shard a live item is filed under: a stable hash of its id. */
export function liveShardOf(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % LIVE_SHARDS;
}

/** Stopped tasks carry this epoch-seconds attribute; the Tasks table's TTL removes them. */
export const TASK_TTL_ATTRIBUTE = 'expiresAt';
/** How long a stopped copy stays readable (GET /jobs/{id} shows it) before TTL removes it. */
export const STOPPED_TASK_RETENTION_SECONDS = 7 * 24 * 3600;
/** Samples are one time series per fleet. */
export const SAMPLES_SERIES = 'fleet';
/** A lease's item carries this epoch-seconds attribute; the Leases table's TTL removes leases whose holder died. */
export const LEASE_TTL_ATTRIBUTE = 'expiresAt';
/**
 * How long past its end an item of the Leases table (a lease, the follow-up wake's
 * dedupe mark) stays before TTL removes it. Only housekeeping: who holds a lease is
 * decided by its `leaseUntil`, since TTL deletes late (up to days).
 */
export const LEASE_TTL_GRACE_SECONDS = 3600;

export function tableDefinitions(names: TableNames): CreateTableCommandInput[] {
  const onDemand = { BillingMode: 'PAY_PER_REQUEST' as const };
  const liveIndex = {
    IndexName: LIVE_INDEX,
    KeySchema: [
      { AttributeName: LIVE_ATTRIBUTE, KeyType: 'HASH' as const },
      { AttributeName: 'id', KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  };
  return [
    {
      TableName: names.jobs,
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: LIVE_ATTRIBUTE, AttributeType: 'N' },
      ],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [liveIndex],
      ...onDemand,
    },
    {
      TableName: names.tasks,
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'jobId', AttributeType: 'S' },
        { AttributeName: 'nodeId', AttributeType: 'S' },
        { AttributeName: LIVE_ATTRIBUTE, AttributeType: 'N' },
      ],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        { IndexName: TASKS_BY_NODE_INDEX, KeySchema: [{ AttributeName: 'nodeId', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
        { IndexName: TASKS_BY_JOB_INDEX, KeySchema: [{ AttributeName: 'jobId', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
        liveIndex,
      ],
      ...onDemand,
    },
    {
      TableName: names.nodes,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      // Heartbeats land here; the stream is what wakes the scheduler. New images, because
      // the wake filter reads the quiet-heartbeat mark (scheduler-wake-filter.ts).
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      ...onDemand,
    },
    {
      TableName: names.samples,
      AttributeDefinitions: [
        { AttributeName: 'series', AttributeType: 'S' },
        { AttributeName: 't', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'series', KeyType: 'HASH' },
        { AttributeName: 't', KeyType: 'RANGE' },
      ],
      ...onDemand,
    },
    {
      TableName: names.versions,
      AttributeDefinitions: [
        { AttributeName: 'jobId', AttributeType: 'S' },
        { AttributeName: 'version', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'jobId', KeyType: 'HASH' },
        { AttributeName: 'version', KeyType: 'RANGE' },
      ],
      ...onDemand,
    },
    {
      TableName: names.leases,
      AttributeDefinitions: [{ AttributeName: 'name', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'name', KeyType: 'HASH' }],
      ...onDemand,
    },
  ];
}
