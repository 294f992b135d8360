import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoStateStore } from '../../../../lambdas/adapters/dynamo-state-store';
import { describeStateStoreContract } from '../../../control/state/state-store.contract';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../../support/dynamodb-local';

let ddb: DynamoDbLocal;
let n = 0;
beforeAll(async () => {
  ddb = await startDynamoDbLocal();
}, 60_000);
afterAll(async () => {
  await ddb?.stop();
});

describeStateStoreContract('DynamoStateStore on DynamoDB Local', async () => new DynamoStateStore(ddb.client, await ddb.createTables(`t${++n}`)), 40);

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
