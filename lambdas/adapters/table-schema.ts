import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The tables' key schema, in one place: the DynamoDB store reads and writes by it,
 * and the test harness creates DynamoDB Local's tables from it. The CDK stack (issue 3)
 * must declare the same keys and indexes; once it exists, local tables are created
 * from its synthesised template instead (issue 5), and this module checks against it.
 */
export interface TableNames {
  readonly jobs: string;
  readonly tasks: string;
  readonly nodes: string;
  readonly samples: string;
}

/** Tasks by the node they are assigned to (sparse: only tasks with a node). */
export const TASKS_BY_NODE_INDEX = 'byNode';
/** Tasks by job. */
export const TASKS_BY_JOB_INDEX = 'byJob';
/** Stopped tasks carry this epoch-seconds attribute; the Tasks table's TTL removes them. */
export const TASK_TTL_ATTRIBUTE = 'expiresAt';
/** How long a stopped copy stays readable (GET /jobs/{id} shows it) before TTL removes it. */
export const STOPPED_TASK_RETENTION_SECONDS = 7 * 24 * 3600;
/** Samples are one time series per fleet. */
export const SAMPLES_SERIES = 'fleet';

export function tableDefinitions(names: TableNames): CreateTableCommandInput[] {
  const onDemand = { BillingMode: 'PAY_PER_REQUEST' as const };
  return [
    {
      TableName: names.jobs,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      ...onDemand,
    },
    {
      TableName: names.tasks,
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'jobId', AttributeType: 'S' },
        { AttributeName: 'nodeId', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        { IndexName: TASKS_BY_NODE_INDEX, KeySchema: [{ AttributeName: 'nodeId', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
        { IndexName: TASKS_BY_JOB_INDEX, KeySchema: [{ AttributeName: 'jobId', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
      ],
      ...onDemand,
    },
    {
      TableName: names.nodes,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      // Heartbeats land here; the stream is what wakes the scheduler.
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
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
  ];
}
