import Docker from 'dockerode';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LABELS } from '../../agent/container-config';
import { ensureDocker } from '../support/docker';
import { runStowage } from '../support/cli-test-api';
import { waitUntil } from '../../local/wait-until';

/**
 * `stowage local up` as a person runs it, through the real entry point: it prints where
 * the API is; the CLI finds it by the credential file alone; a crashed run (SIGKILL) is
 * cleaned up by the next start; Ctrl-C (SIGINT) leaves no agent and no container.
 */

jest.setTimeout(300_000);

const ROOT = path.join(__dirname, '..', '..');
let dir: string;
let docker: Docker;
const children: ChildProcess[] = [];

const env = () => ({ ...process.env, STOWAGE_LOCAL_DIR: dir, STOWAGE_TEMPLATE_CACHE_DIR: path.join(os.tmpdir(), 'stowage-e2e-template-cache') });

interface Running {
  readonly child: ChildProcess;
  output(): string;
}

function localUp(nodes = 1): Running {
  const child = spawn(process.execPath, ['bin/stowage.js', 'local', 'up', '--no-view', '--port', '0', '--lb-port', '0', '--nodes', String(nodes), '--max-nodes', '2'], { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  return { child, output: () => out };
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

async function containersWithPrefix(prefix: string) {
  const all = await docker.listContainers({ all: true, filters: { label: [LABELS.node] } });
  return all.filter((c) => (c.Labels[LABELS.node] ?? '').startsWith(prefix));
}

beforeAll(async () => {
  docker = await ensureDocker();
});

// Each test gets its own state directory, and whatever a failed test left running is
// ended before the next starts: a cloud still up would hold the run record the next
// test's `local up` is refused by.
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-local-up-'));
});

afterEach(async () => {
  // What a user runs after a failed run: it stops a live run, or cleans a dead one's leftovers.
  await runStowage(['local', 'down'], { env: env() });
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  // Whatever a failed run left: agents are found by the run record on the next start; here, by their config path.
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  if (docker) {
    const ours = await docker.listContainers({ all: true, filters: { label: [LABELS.node] } });
    for (const c of ours) if (fs.existsSync(path.join(dir, 'nodes', c.Labels[LABELS.node] ?? '-'))) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  children.length = 0;
});

test('local up serves the CLI by its credential file; a crashed run is cleaned up by the next; Ctrl-C leaves nothing behind', async () => {
  const first = localUp();
  await waitUntil('the first local cloud to start', async () => /API http:\/\/127\.0\.0\.1:\d+/.test(first.output()), 120_000);
  const creds = JSON.parse(fs.readFileSync(path.join(dir, 'credentials.json'), 'utf8')) as { apiUrl: string; token: string; pid: number };
  expect((fs.statSync(path.join(dir, 'credentials.json')).mode & 0o777).toString(8)).toBe('600');
  expect(first.output()).toContain(creds.apiUrl);
  expect((await fetch(`${creds.apiUrl}/jobs`)).status).toBe(401);

  const submit = await runStowage(['submit', '-f', 'examples/web-service.json', '--wait', '--timeout', '120'], { env: env() });
  expect(submit.stderr + submit.stdout).toMatch(/job-[0-9a-f]{20}/);
  expect(submit.status).toBe(0);
  const jobId = /job-[0-9a-f]{20}/.exec(submit.stdout + submit.stderr)![0];
  const prefix = `local-${first.child.pid}-`;
  expect((await containersWithPrefix(prefix)).filter((c) => c.State === 'running' && c.Labels[LABELS.job] === jobId)).toHaveLength(3);
  const status = await runStowage(['status', jobId, '--json'], { env: env() });
  expect(status.status).toBe(0);
  expect((JSON.parse(status.stdout) as { tasks: { status: string }[] }).tasks.filter((t) => t.status === 'RUNNING')).toHaveLength(3);

  // A crash: the agents and their containers outlive the killed process.
  first.child.kill('SIGKILL');
  await exited(first.child);
  expect((await containersWithPrefix(prefix)).length).toBeGreaterThan(0);
  const stale = await runStowage(['status'], { env: env() });
  expect(stale.status).toBe(1);
  expect(stale.stderr).toMatch(/not running/);

  const second = localUp();
  await waitUntil('the second local cloud to start', async () => /API http:\/\/127\.0\.0\.1:\d+/.test(second.output()), 120_000);
  expect(second.output()).toMatch(/cleaned up a previous run that did not stop cleanly: \d+ processes stopped, \d+ containers removed/);
  expect(await containersWithPrefix(prefix)).toEqual([]);

  // The second run's node picks up work, then Ctrl-C.
  const again = await runStowage(['submit', '-f', 'examples/web-service.json', '--wait', '--timeout', '120'], { env: env() });
  expect(again.status).toBe(0);
  const secondPrefix = `local-${second.child.pid}-`;
  expect((await containersWithPrefix(secondPrefix)).length).toBeGreaterThan(0);
  second.child.kill('SIGINT');
  expect(await exited(second.child)).toBe(0);
  expect(second.output()).toMatch(/stopped \d+ agents/);
  expect(await containersWithPrefix(secondPrefix)).toEqual([]);
  expect(fs.existsSync(path.join(dir, 'credentials.json'))).toBe(false);
  expect(fs.existsSync(path.join(dir, 'run.json'))).toBe(false);
});

test('Ctrl-C while it is still starting stops what had started and leaves no record or credential', async () => {
  const run = localUp(0);
  // DynamoDB Local takes seconds to answer: the signal lands while that piece is starting.
  await waitUntil('the local cloud to start DynamoDB Local', async () => /starting DynamoDB Local/.test(run.output()), 120_000);
  run.child.kill('SIGINT');
  expect(await exited(run.child)).toBe(0);
  expect(run.output()).toMatch(/stopped before it had finished starting/);
  expect(run.output()).not.toMatch(/API http/);
  expect(fs.existsSync(path.join(dir, 'credentials.json'))).toBe(false);
  expect(fs.existsSync(path.join(dir, 'run.json'))).toBe(false);
});

test('Ctrl-C with its stdout closed (EPIPE on every line) still stops everything', async () => {
  const run = localUp(1);
  await waitUntil('the local cloud to start', async () => /API http:\/\/127\.0\.0\.1:\d+/.test(run.output()), 120_000);
  const prefix = `local-${run.child.pid}-`;
  await waitUntil("the node's agent to be recorded", async () => ((JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as { agentPids: number[] }).agentPids.length > 0), 30_000);
  // The reader goes away, as when `npm run local | head` ends: each later write fails.
  run.child.stdout!.destroy();
  run.child.kill('SIGINT');
  expect(await exited(run.child)).toBe(0);
  expect(await containersWithPrefix(prefix)).toEqual([]);
  expect(fs.existsSync(path.join(dir, 'credentials.json'))).toBe(false);
  expect(fs.existsSync(path.join(dir, 'run.json'))).toBe(false);
});
