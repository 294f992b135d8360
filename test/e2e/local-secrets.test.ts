import { ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { waitUntil } from '../../local/wait-until';
import { startE2eCloud, type E2eCloud } from '../support/e2e-cloud';

/**
 * Secrets end to end on the local cloud: `stowage secret put` writes the local secrets
 * file from stdin, a job names the value by ARN, the container sees it in its env (it
 * prints the value's SHA-256 and length, never the value), and the value is nowhere
 * else: not in any table, not in any API answer, not in the local cloud's own log.
 */

jest.setTimeout(300_000);

const ROOT = path.join(__dirname, '../..');
const VALUE = `s3cr3t-${Date.now().toString(36)}-value with spaces`;
const ARN = 'arn:aws:ssm:local:000000000000:parameter/stowage/local/DB_PASSWORD';
const JOB = {
  name: 'secret-check',
  image: 'stowage/busybox:local',
  command: ['sh', '-c', 'printf %s "$DB_PASSWORD" | sha256sum; echo "len=${#DB_PASSWORD}"'],
  cpu: 100,
  memoryMiB: 32,
  count: 1,
  kind: 'batch',
  restart: { mode: 'never' },
  secrets: { DB_PASSWORD: ARN },
};

let e2e: E2eCloud;
let dir = '';
const timings: string[] = [];

function stowage(args: string[], stdin: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/stowage.js', ...args], { cwd: ROOT, env: { ...process.env, STOWAGE_LOCAL_DIR: dir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** Every file under `root`, recursively. */
function filesUnder(root: string): string[] {
  return readdirSync(root).flatMap((f) => {
    const p = path.join(root, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

beforeAll(async () => {
  const t0 = Date.now();
  e2e = await startE2eCloud('secrets', { nodes: 1, instanceTypes: ['m5.large'], maxNodes: 1, minNodes: 1 });
  dir = path.dirname(e2e.cloud.credentialsFile);
  timings.push(`cloud up ${Date.now() - t0} ms`);
});

afterAll(async () => {
  console.log(`local-secrets timings: ${timings.join('; ')}`);
  await e2e?.stop();
});

test('stowage secret put keeps the value from stdin in a 0600 file and prints the ARN to name', async () => {
  const run = await stowage(['secret', 'put', 'DB_PASSWORD'], `${VALUE}\n`);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toContain(`"DB_PASSWORD": "${ARN}"`);
  expect(run.stdout).not.toContain(VALUE);
  const file = path.join(dir, 'secrets.json');
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ DB_PASSWORD: VALUE });
});

test('an ARN outside the stack\'s prefix is refused at submit, with the rule', async () => {
  const res = await e2e.api('POST', '/jobs', { ...JOB, name: 'foreign', secrets: { DB_PASSWORD: 'arn:aws:ssm:local:000000000000:parameter/team/db' } });
  expect(res.status).toBe(400);
  expect(JSON.stringify(res.json)).toContain('parameters under /stowage/local/ only');
});

test('the container sees the value in its env, and it is nowhere in the tables, the API\'s answers or the local cloud\'s log', async () => {
  const t0 = Date.now();
  const submitted = await e2e.api('POST', '/jobs', JOB);
  expect(submitted.status).toBe(202);
  const jobId = submitted.json.jobId as string;
  const answers: unknown[] = [submitted.json];
  await waitUntil('the batch copy completed', async () => {
    const job = await e2e.api('GET', `/jobs/${jobId}`);
    answers.push(job.json);
    const tasks = job.json.tasks as Array<{ status: string }>;
    return tasks.length === 1 && tasks[0].status === 'COMPLETED';
  }, 120_000);
  timings.push(`secret job completed ${Date.now() - t0} ms after submit`);

  const logs = await e2e.api('GET', `/jobs/${jobId}/logs?since=0`);
  answers.push(logs.json);
  expect({ status: logs.status, body: logs.json }).toMatchObject({ status: 200, body: { lines: expect.any(Array) } });
  const texts = (logs.json.lines as Array<{ text: string }>).map((l) => l.text);
  const sha = createHash('sha256').update(VALUE).digest('hex');
  expect(texts).toEqual([`${sha}  -`, `len=${VALUE.length}`]);

  for (const route of ['/jobs', `/jobs/${jobId}`, `/jobs/${jobId}/versions`, '/nodes']) answers.push((await e2e.api('GET', route)).json);
  expect(JSON.stringify(answers)).toContain(ARN);
  expect(JSON.stringify(answers)).not.toContain(VALUE);

  const { TableNames = [] } = await e2e.cloud.dynamodb.send(new ListTablesCommand({}));
  expect(TableNames.length).toBeGreaterThanOrEqual(6);
  let items = 0;
  for (const table of TableNames) {
    const scan = await e2e.cloud.dynamodb.send(new ScanCommand({ TableName: table }));
    items += scan.Count ?? 0;
    expect({ table, holdsValue: JSON.stringify(scan.Items ?? []).includes(VALUE) }).toEqual({ table, holdsValue: false });
  }
  expect(items).toBeGreaterThan(0);

  // What the local cloud itself writes: its log (API, agents, scheduler), node configs and kept logs.
  const written = filesUnder(dir).filter((f) => path.basename(f) !== 'secrets.json' && !f.includes(`${path.sep}template`));
  expect(written.some((f) => f.endsWith('local.log'))).toBe(true);
  for (const f of written) expect({ f, holdsValue: readFileSync(f).includes(VALUE) }).toEqual({ f, holdsValue: false });
});
