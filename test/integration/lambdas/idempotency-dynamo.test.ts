import { CreateTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { createHandler } from '../../../lambdas/api/submit';
import { DynamoStateStore } from '../../../lambdas/adapters/dynamo-state-store';
import { apiEvent, json, lambdaContext, testDeps } from '../../lambdas/api/events';
import { useDynamoDbLocal, type TestDynamoDb } from '../../support/dynamodb-local';

/** Powertools' idempotency table as the stack declares it: partition key `id` (string), default attribute names. */
async function createIdempotencyTable(ddb: TestDynamoDb, name: string): Promise<string> {
  await ddb.client.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return name;
}

const BODY = { name: 'web', image: 'nginx:1.25', command: ['nginx', '-g', 'daemon off;'], cpu: 250, memoryMiB: 128, count: 2 };

describe('POST /jobs on DynamoDB Local with Powertools DynamoDBPersistenceLayer', () => {
  const ddb = useDynamoDbLocal();
  let n = 0;

  async function setup() {
    const prefix = `idem${++n}`;
    const tables = await ddb.createTables(prefix);
    const idempotencyTable = await createIdempotencyTable(ddb, `${prefix}-idempotency`);
    const store = new DynamoStateStore(ddb.client, tables);
    const deps = { ...testDeps(), store, idempotencyStore: new DynamoDBPersistenceLayer({ tableName: idempotencyTable, awsSdkV3Client: ddb.client }) };
    const handler = createHandler(deps);
    const submit = (body: unknown, key: string) => handler(apiEvent('POST', '/jobs', { body, headers: { 'Idempotency-Key': key } }), lambdaContext());
    return { store, submit, idempotencyTable };
  }

  it('creates one job for a retried submit and answers both with the same body', async () => {
    const { store, submit, idempotencyTable } = await setup();
    const first = await submit(BODY, 'retry-me');
    const second = await submit(BODY, 'retry-me');
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(json(second)).toEqual(json(first));
    const jobs = await store.listJobs();
    expect(jobs.map((j) => j.id)).toEqual([json(first).jobId]);
    expect((await store.snapshot()).tasks).toHaveLength(2);
    const records = await ddb.client.send(new ScanCommand({ TableName: idempotencyTable }));
    expect(records.Items).toHaveLength(1);
    expect(records.Items?.[0].status?.S).toBe('COMPLETED');
  });

  it('refuses the same key with a different body and creates no second job', async () => {
    const { store, submit } = await setup();
    expect((await submit(BODY, 'once')).statusCode).toBe(202);
    const res = await submit({ ...BODY, count: 3 }, 'once');
    expect(res.statusCode).toBe(422);
    expect(await store.listJobs()).toHaveLength(1);
  });

  it('creates one job when the same submit races itself', async () => {
    const { store, submit } = await setup();
    const answers = await Promise.all(Array.from({ length: 5 }, () => submit(BODY, 'race')));
    const ok = answers.filter((a) => a.statusCode === 202);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const a of answers) expect([202, 409]).toContain(a.statusCode);
    expect(new Set(ok.map((a) => json(a).jobId)).size).toBe(1);
    expect(await store.listJobs()).toHaveLength(1);
  });
});
