import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { RUNTIME_ENV } from './runtime-env';

/** Must equal TASKS_BY_NODE_INDEX / TASKS_BY_JOB_INDEX in lambdas/adapters/table-schema.ts (the test compares). */
const TASKS_BY_NODE_INDEX = 'byNode';
const TASKS_BY_JOB_INDEX = 'byJob';
/** Must equal TASK_TTL_ATTRIBUTE in lambdas/adapters/table-schema.ts (the test compares). */
const TASK_TTL_ATTRIBUTE = 'expiresAt';
/** Must equal LEASE_TTL_ATTRIBUTE in lambdas/adapters/table-schema.ts (the test compares). */
const LEASE_TTL_ATTRIBUTE = 'expiresAt';
/** Must equal LIVE_INDEX / LIVE_ATTRIBUTE in lambdas/adapters/table-schema.ts (the test compares). */
const LIVE_INDEX = 'live';
const LIVE_ATTRIBUTE = 'liveShard';

const S = dynamodb.AttributeType.STRING;

/**
 * The control plane's state: the key schema of lambdas/adapters/table-schema.ts, plus what a
 * CreateTable input cannot say — TTL, point-in-time recovery, retention. Every table keeps
 * its data when the stack is deleted: losing the jobs table loses users' work, and a
 * deleted stack can be redeployed over retained tables by importing them.
 */
export class StateTables extends Construct {
  readonly jobs: dynamodb.Table;
  readonly tasks: dynamodb.Table;
  readonly nodes: dynamodb.Table;
  /** Utilisation samples; expire through TTL on `expiresAt` (epoch seconds). */
  readonly samples: dynamodb.Table;
  /** Named leases (the scheduler's launch lease), keyed by `name`; a dead holder's item expires through TTL. */
  readonly leases: dynamodb.Table;
  /** Each job's kept versions: partition `jobId`, sort `version` (the store keeps the newest 20). */
  readonly versions: dynamodb.Table;
  /** Powertools Idempotency's table for POST /jobs: its default key `id` and TTL `expiration`. */
  readonly idempotency: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const common: Partial<dynamodb.TableProps> = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    };

    this.jobs = new dynamodb.Table(this, 'Jobs', { ...common, partitionKey: { name: 'id', type: S } });
    // Sparse: only live items carry the shard attribute, so a pass reads live work only,
    // whatever history the table keeps (lambdas/README.md, "What a pass reads").
    const liveIndex = { indexName: LIVE_INDEX, partitionKey: { name: LIVE_ATTRIBUTE, type: dynamodb.AttributeType.NUMBER }, sortKey: { name: 'id', type: S } };
    this.jobs.addGlobalSecondaryIndex(liveIndex);

    // Stopped copies expire a week after they stop (the store sets `expiresAt`), so the
    // table (and GET /jobs/{id}) does not keep every copy ever run; a pass reads only the
    // live index, whatever the table holds.
    this.tasks = new dynamodb.Table(this, 'Tasks', { ...common, partitionKey: { name: 'id', type: S }, timeToLiveAttribute: TASK_TTL_ATTRIBUTE });
    // Sparse: only assigned tasks carry nodeId, so the index holds exactly the placed work.
    this.tasks.addGlobalSecondaryIndex({ indexName: TASKS_BY_NODE_INDEX, partitionKey: { name: 'nodeId', type: S } });
    this.tasks.addGlobalSecondaryIndex({ indexName: TASKS_BY_JOB_INDEX, partitionKey: { name: 'jobId', type: S } });
    this.tasks.addGlobalSecondaryIndex(liveIndex);

    // NEW_IMAGE: the scheduler reads a fresh snapshot anyway, but the event source
    // mapping's filter must see whether a write was a quiet heartbeat (the mark named in
    // infra/scheduler.ts), so that a steady fleet's heartbeats wake no pass. Lambda reads
    // the stream at no charge, so the larger records cost nothing.
    this.nodes = new dynamodb.Table(this, 'Nodes', {
      ...common,
      partitionKey: { name: 'id', type: S },
      stream: dynamodb.StreamViewType.NEW_IMAGE,
      // A removed node leaves a tombstone for an hour (late heartbeats must not revive it).
      timeToLiveAttribute: 'expiresAt',
    });

    this.samples = new dynamodb.Table(this, 'Samples', {
      ...common,
      partitionKey: { name: 'series', type: S },
      sortKey: { name: 't', type: dynamodb.AttributeType.NUMBER },
      timeToLiveAttribute: 'expiresAt',
    });

    // Users' history: kept with the stack like the jobs. No stream: nothing wakes on it.
    this.versions = new dynamodb.Table(this, 'Versions', {
      ...common,
      partitionKey: { name: 'jobId', type: S },
      sortKey: { name: 'version', type: dynamodb.AttributeType.NUMBER },
    });

    // No stream: taking or releasing a lease must not wake the scheduler.
    this.leases = new dynamodb.Table(this, 'Leases', {
      ...common,
      partitionKey: { name: 'name', type: S },
      timeToLiveAttribute: LEASE_TTL_ATTRIBUTE,
      // A lease lasts a minute and is taken afresh by the next pass: nothing is lost with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.idempotency = new dynamodb.Table(this, 'Idempotency', {
      ...common,
      partitionKey: { name: 'id', type: S },
      timeToLiveAttribute: 'expiration',
      // Idempotency records are a retry window, not state: nothing is lost with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /**
   * `grantReadData`/`grantReadWriteData` on a table with indexes name `<table ARN>/index/*`,
   * which cdk-nag reports as a wildcard. Acknowledged on the grantee only, for the Tasks
   * and Jobs tables only: each wildcard stays inside that table's own indexes.
   */
  acknowledgeIndexGrant(grantee: Construct): void {
    const indexes: [dynamodb.Table, string][] = [
      [this.tasks, `${TASKS_BY_NODE_INDEX}, ${TASKS_BY_JOB_INDEX}, ${LIVE_INDEX}`],
      [this.jobs, LIVE_INDEX],
    ];
    for (const [table, names] of indexes) {
      const logicalId = Stack.of(this).resolve((table.node.defaultChild as dynamodb.CfnTable).logicalId) as string;
      Validations.of(grantee).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/index/*]`,
        reason: `The grant covers that table's own indexes (${names}), which the store queries; no other table or account resource matches.`,
      });
    }
  }

  /**
   * The table-name variables every handler reads (`tableNamesFrom` needs all six): each
   * handler builds the whole DynamoDB store, so each is told every name; the grants
   * decide what it may touch (only the scheduler may use the Leases table, only the
   * submit and jobs functions the Versions table).
   */
  get environment(): Record<string, string> {
    return {
      [RUNTIME_ENV.jobsTable]: this.jobs.tableName,
      [RUNTIME_ENV.tasksTable]: this.tasks.tableName,
      [RUNTIME_ENV.nodesTable]: this.nodes.tableName,
      [RUNTIME_ENV.samplesTable]: this.samples.tableName,
      [RUNTIME_ENV.leasesTable]: this.leases.tableName,
      [RUNTIME_ENV.versionsTable]: this.versions.tableName,
    };
  }
}
