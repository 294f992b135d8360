import { DeleteTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startLocalCloud } from '../../../local/local-cloud';
import { useDynamoDbLocal } from '../../support/dynamodb-local';

/**
 * `--endpoint`: the local cloud on a DynamoDB it did not start (LocalStack's, for a
 * user who has it; here a separately started DynamoDB Local stands in, as no LocalStack
 * image can be pulled). Its tables are made from the template on first use and kept —
 * with their jobs — for the next run; a half-made set is refused.
 */

jest.setTimeout(180_000);

const CACHE = path.join(os.tmpdir(), 'stowage-e2e-template-cache');
const external = useDynamoDbLocal();
let dir: string;

beforeAll(async () => {
  // DynamoDB Local keeps one database per access key and region: the local cloud must
  // use the same ones as this test's client (LocalStack has no such split).
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-endpoint-'));
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const start = () =>
  startLocalCloud({
    dir,
    templateCacheDir: CACHE,
    endpoint: external.endpoint,
    region: 'local',
    nodes: 0,
    instanceTypes: ['m5.large'],
    maxNodes: 0,
    minNodes: 0,
    port: 0,
    lbPort: 0,
    agentIntervalSeconds: 1,
    batchWindowMs: 250,
    tickMs: 60_000,
  });

test('tables are created on the external DynamoDB, then reused with their jobs by the next run', async () => {
  const first = await start();
  let jobId: string;
  try {
    const res = await fetch(`${first.apiUrl}/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${first.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'kept', image: 'stowage/busybox:local', command: ['true'], cpu: 100, memoryMiB: 32, count: 1, kind: 'batch' }),
    });
    expect(res.status).toBe(202);
    jobId = ((await res.json()) as { jobId: string }).jobId;
  } finally {
    await first.stop();
  }
  // The external DynamoDB outlives the run (the embedded one would not).
  expect((await external.client.send(new ListTablesCommand({}))).TableNames).toEqual(
    expect.arrayContaining(['stowage-local-jobs', 'stowage-local-tasks', 'stowage-local-nodes', 'stowage-local-samples', 'stowage-local-leases', 'stowage-local-versions', 'stowage-local-idempotency']),
  );

  const second = await start();
  try {
    expect(second.tables.jobs).toBe('stowage-local-jobs');
    const res = await fetch(`${second.apiUrl}/jobs/${jobId}`, { headers: { authorization: `Bearer ${second.token}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { job: { name: string } }).job.name).toBe('kept');
  } finally {
    await second.stop();
  }
});

test('a half-made set of tables is refused, naming the missing ones', async () => {
  await external.client.send(new DeleteTableCommand({ TableName: 'stowage-local-samples' }));
  await expect(start()).rejects.toThrow(/missing: stowage-local-samples/);
});
