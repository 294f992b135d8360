import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { LABELS } from '../../agent/container-config';
import { waitUntil } from '../../local/wait-until';
import { startE2eCloud, type E2eCloud } from '../support/e2e-cloud';

/**
 * `stowage logs` end to end on the local cloud: a job of two replicas that print a
 * numbered line every half second, read through the real API (the local log reader over
 * the engine's json-file logs) and through the CLI, `--since`, `-f` following new lines,
 * and a copy stopped by a scale-down still readable after its container is gone.
 */

jest.setTimeout(300_000);

const ROOT = path.join(__dirname, '../..');
const CHATTY = {
  name: 'chatty',
  image: 'stowage/busybox:local',
  command: ['sh', '-c', 'i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 0.5; done'],
  cpu: 100,
  memoryMiB: 32,
  count: 2,
  kind: 'service',
  // sh as PID 1 ignores SIGTERM: a short grace keeps the scale-down quick.
  stopGraceSeconds: 1,
};

interface Line {
  task: string;
  slot: number;
  at: number;
  text: string;
}

let e2e: E2eCloud;
let jobId = '';
const timings: string[] = [];
const cliEnv = () => ({ ...process.env, STOWAGE_API_URL: e2e.cloud.apiUrl, STOWAGE_TOKEN: e2e.cloud.token, COLUMNS: '200' });

/** The CLI as a user runs it; asynchronously, since the API it calls runs in this process. */
function stowage(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/stowage.js', ...args], { cwd: ROOT, env: cliEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function logs(query: Record<string, string> = {}): Promise<{ lines: Line[]; truncated: boolean }> {
  const res = await e2e.api('GET', `/jobs/chatty/logs?${new URLSearchParams(query).toString()}`);
  expect(res.status).toBe(200);
  return res.json as unknown as { lines: Line[]; truncated: boolean };
}

beforeAll(async () => {
  const t0 = Date.now();
  e2e = await startE2eCloud('logs', { nodes: 2, instanceTypes: ['m5.large'], maxNodes: 2, minNodes: 2 });
  timings.push(`cloud up ${Date.now() - t0} ms`);
});

afterAll(async () => {
  console.log(`local-logs timings: ${timings.join('; ')}`);
  await e2e?.stop();
});

test('the API answers the lines of both replicas, each with its task, replica and time', async () => {
  const t0 = Date.now();
  const submitted = await e2e.api('POST', '/jobs', CHATTY);
  expect(submitted.status).toBe(202);
  jobId = submitted.json.jobId as string;
  await waitUntil('lines from both replicas', async () => new Set((await logs()).lines.map((l) => l.slot)).size === 2, 120_000);
  timings.push(`first lines of both replicas ${Date.now() - t0} ms after submit`);
  const { lines } = await logs();
  for (const l of lines) {
    expect(l.task.startsWith(`${jobId}.${l.slot}`)).toBe(true);
    expect(l.text).toMatch(/^tick \d+$/);
  }
  // Oldest first.
  expect(lines.map((l) => l.at)).toEqual([...lines.map((l) => l.at)].sort((a, b) => a - b));
});

test('--since leaves out older lines, through the API and the CLI', async () => {
  await new Promise((r) => setTimeout(r, 3000));
  const all = (await logs({ task: '0' })).lines;
  expect(all.length).toBeGreaterThan(4);
  const cut = all[Math.floor(all.length / 2)].at;
  const after = (await logs({ task: '0', since: String(cut) })).lines;
  expect(after.length).toBeGreaterThan(0);
  expect(after.every((l) => l.at >= cut)).toBe(true);
  expect(after.length).toBeLessThan(all.length + 4);
  expect(all.filter((l) => l.at < cut).every((l) => !after.some((a) => a.at === l.at && a.text === l.text))).toBe(true);

  const run = await stowage('logs', 'chatty', '--task', '1', '--since', '2s');
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const printed = run.stdout.trim().split('\n');
  expect(printed.length).toBeGreaterThan(0);
  const started = Date.now();
  for (const p of printed) {
    const m = /^\[1 (job-[0-9a-f]{20}\.1\S*)\] (\S+) tick \d+$/.exec(p);
    expect(m).not.toBeNull();
    expect(started - Date.parse(m![2])).toBeLessThan(2000 + 15_000);
  }
});

test('-f prints new lines as they are written, each once', async () => {
  const child: ChildProcess = spawn(process.execPath, ['bin/stowage.js', 'logs', 'chatty', '--task', '0', '-f', '--interval-s', '1', '--since', '3s'], { cwd: ROOT, env: cliEnv() });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const t0 = Date.now();
    await waitUntil('a first line', async () => /tick \d+/.test(out), 30_000);
    const firstTick = Math.max(...[...out.matchAll(/tick (\d+)/g)].map((m) => Number(m[1])));
    // Lines written after -f started: at least four polls later.
    await waitUntil('lines written after -f started', async () => Math.max(...[...out.matchAll(/tick (\d+)/g)].map((m) => Number(m[1]))) >= firstTick + 8, 60_000);
    timings.push(`-f saw 8 new lines in ${Date.now() - t0} ms`);
  } finally {
    child.kill('SIGINT');
  }
  const texts = out.trim().split('\n').map((l) => l.replace(/^\[0 \S+\] \S+ /, ''));
  expect(texts.every((t) => /^tick \d+$/.test(t))).toBe(true);
  expect(new Set(texts).size).toBe(texts.length);
});

test('the lines of a copy that was stopped and removed remain readable', async () => {
  const before = (await logs({ task: '1' })).lines;
  expect(before.length).toBeGreaterThan(0);
  const t0 = Date.now();
  const scaled = await e2e.api('POST', '/jobs/chatty/scale', { count: 1 });
  expect(scaled.status).toBe(202);
  const containersOfSlot1 = async () => (await e2e.cloud.docker.listContainers({ all: true, filters: { label: [`${LABELS.job}=${jobId}`] } })).filter((c) => /\.1(\.g\d+)?$/.test(c.Labels[LABELS.task]));
  await waitUntil('the replica-1 container removed', async () => (await containersOfSlot1()).length === 0, 120_000);
  timings.push(`replica 1 stopped and removed ${Date.now() - t0} ms after the scale-down`);
  const after = (await logs({ task: '1', since: String(before[0].at) })).lines;
  // Everything read before the stop is still there, and the copy's last lines beyond it.
  for (const l of before) expect(after).toContainEqual(l);
  expect(after.length).toBeGreaterThanOrEqual(before.length);
  const lastAt = after.at(-1)!.at;
  await new Promise((r) => setTimeout(r, 1500));
  expect((await logs({ task: '1', since: String(lastAt + 1) })).lines).toEqual([]);
});
