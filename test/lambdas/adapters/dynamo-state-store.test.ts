import { ConditionalCheckFailedException, DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { StoreUnavailableError } from '../../../control/state/errors';
import { LAUNCH_LEASE_MS, NODE_TOMBSTONE_MS } from '../../../control/state/state-store';
import { DynamoStateStore } from '../../../lambdas/adapters/dynamo-state-store';
import { AdapterConfigError } from '../../../lambdas/adapters/errors';
import type { TableNames } from '../../../lambdas/adapters/table-schema';

/**
 * What DynamoStateStore decides without a database: which failures become
 * StoreUnavailableError, and which time it stamps. Its behaviour against DynamoDB itself
 * is the StateStore contract, run on DynamoDB Local (test/integration/lambdas/adapters).
 */

const doc = mockClient(DynamoDBDocumentClient);
const TABLES: TableNames = { jobs: 'j', tasks: 't', nodes: 'n', samples: 's', leases: 'l', versions: 'v' };
const NOW = 1_800_000_000_000;
const store = () => new DynamoStateStore(new DynamoDBClient({ region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }), TABLES, { clock: { now: () => NOW } });
const failure = (fields: Record<string, unknown>) => Object.assign(new Error('failed'), fields);

beforeEach(() => doc.reset());

describe('DynamoStateStore', () => {
  it('refuses an empty table name at construction, naming it', () => {
    expect(() => new DynamoStateStore(new DynamoDBClient({}), { ...TABLES, leases: '' })).toThrow(AdapterConfigError);
    expect(() => new DynamoStateStore(new DynamoDBClient({}), { ...TABLES, leases: '' })).toThrow(/tables\.leases/);
  });

  it.each([
    ['throttling', new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: { httpStatusCode: 400 } })],
    ['a service fault', failure({ name: 'InternalServerError', $fault: 'server', $metadata: { httpStatusCode: 500 } })],
    ['a timeout', failure({ name: 'TimeoutError' })],
    ['a dropped connection', failure({ name: 'Error', code: 'ECONNRESET' })],
  ])('reports %s as StoreUnavailableError naming the operation, with the cause', async (_what, cause) => {
    doc.on(ScanCommand).rejects(cause);
    const error = await store().listJobs().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ operation: 'scan', retriable: true, cause });
  });

  it('rethrows what a retry cannot fix (a missing table) as it is', async () => {
    const missing = failure({ name: 'ResourceNotFoundException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    doc.on(ScanCommand).rejects(missing);
    await expect(store().listJobs()).rejects.toBe(missing);
  });

  it("stamps a removed node's tombstone from its clock", async () => {
    doc.on(PutCommand).resolves({});
    await store().removeNode('n1');
    const [put] = doc.commandCalls(PutCommand);
    expect(put.args[0].input).toMatchObject({ TableName: 'n', Item: { id: 'n1', expiresAt: Math.floor((NOW + NODE_TOMBSTONE_MS) / 1000) } });
  });

  it('takes the launch lease in the Leases table, timed by its clock, and releases it as its holder only', async () => {
    doc.on(PutCommand).resolves({});
    doc.on(DeleteCommand).resolves({});
    expect(await store().withLaunchLease(async () => 'launched')).toEqual({ held: true, value: 'launched' });
    const [put] = doc.commandCalls(PutCommand);
    const item = put.args[0].input.Item!;
    expect(put.args[0].input).toMatchObject({ TableName: 'l', ExpressionAttributeValues: { ':now': NOW } });
    expect(item).toMatchObject({ name: 'launch', leaseUntil: NOW + LAUNCH_LEASE_MS });
    expect(item.expiresAt).toBeGreaterThanOrEqual((NOW + LAUNCH_LEASE_MS) / 1000);
    const [del] = doc.commandCalls(DeleteCommand);
    expect(del.args[0].input).toMatchObject({ TableName: 'l', Key: { name: 'launch' }, ExpressionAttributeValues: { ':me': item.holder } });
  });

  it('runs nothing when another holder has the lease', async () => {
    doc.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'held', $metadata: {} }));
    const fn = jest.fn(async () => 'launched');
    expect(await store().withLaunchLease(fn)).toEqual({ held: false });
    expect(fn).not.toHaveBeenCalled();
    expect(doc.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it('runs nothing and reports the store unavailable when taking the lease is throttled', async () => {
    doc.on(PutCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: { httpStatusCode: 400 } }));
    const fn = jest.fn(async () => 'launched');
    await expect(store().withLaunchLease(fn)).rejects.toMatchObject({ name: 'StoreUnavailableError', operation: 'withLaunchLease' });
    expect(fn).not.toHaveBeenCalled();
  });
});
