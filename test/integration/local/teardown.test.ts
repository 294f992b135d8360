import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LABELS } from '../../../agent/container-config';
import { processAlive } from '../../../local/credentials';
import { ensureDocker } from '../../../local/docker-engine';
import { readRunRecord, type RunRecord } from '../../../local/run-record';
import { waitUntil } from '../../../local/wait-until';

/**
 * Teardown as a user meets it, through the real entry point with real containers:
 * Ctrl-C from a terminal whose reader has gone (`npm run local | tee`, then Ctrl-C: the
 * pipe is closed and the whole process group gets SIGINT) still removes every
 * container; and `stowage local down` after a run was SIGKILLed removes everything that
 * run left. Docker is asked through its CLI (spawnSync), which leaves no stream open to
 * keep jest alive.
 */

jest.setTimeout(300_000);

const ROOT = path.join(__dirname, '..', '..', '..');
const CACHE = path.join(os.tmpdir(), 'stowage-e2e-template-cache');
const dirs: string[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  await ensureDocker();
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const dir of dirs) {
    // Whatever a failed test left: processes by the state directory on their command line, containers by prefix.
    for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const c of children) if (c.pid !== undefined) for (const id of containersOf(`local-${c.pid}-`)) spawnSync('docker', ['rm', '-f', id], { stdio: 'ignore' });
});

const env = (dir: string) => ({ ...process.env, STOWAGE_LOCAL_DIR: dir, STOWAGE_TEMPLATE_CACHE_DIR: CACHE });

/** Ids of the containers whose node label starts with `prefix`. */
function containersOf(prefix: string): string[] {
  const r = spawnSync('docker', ['ps', '-a', '--filter', `label=${LABELS.node}`, '--format', `{{.ID}} {{.Label "${LABELS.node}"}}`], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`docker ps failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(' '))
    .filter(([id, node]) => id && (node ?? '').startsWith(prefix))
    .map(([id]) => id);
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve({ code: child.exitCode, signal: child.signalCode }) : child.once('exit', (code, signal) => resolve({ code, signal })),
  );

/**
 * `stowage local up` with one node, in its own process group (as a terminal's foreground
 * job), and the web example's three replicas running on it.
 */
async function upWithContainers(): Promise<{ dir: string; child: ChildProcess; output: () => string; record: RunRecord }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-teardown-'));
  dirs.push(dir);
  const child = spawn(process.execPath, ['bin/stowage.js', 'local', 'up', '--no-view', '--port', '0', '--lb-port', '0', '--nodes', '1', '--max-nodes', '1'], {
    cwd: ROOT,
    env: env(dir),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  await waitUntil('the local cloud to start', async () => /API http:\/\/127\.0\.0\.1:\d+/.test(out), 150_000);
  const submit = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const s = spawn(process.execPath, ['bin/stowage.js', 'submit', '-f', 'examples/web-service.json', '--wait', '--timeout', '120'], { cwd: ROOT, env: env(dir), stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    s.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
    s.stderr.setEncoding('utf8').on('data', (d: string) => (text += d));
    s.once('exit', (code) => resolve({ code, text }));
  });
  expect(submit).toMatchObject({ code: 0 });
  expect(containersOf(`local-${child.pid}-`)).toHaveLength(3);
  const record = readRunRecord(dir)!;
  expect(record.agentPids).toHaveLength(1);
  expect(record.dynamoPid).toBeDefined();
  expect(record.haproxyPid).toBeDefined();
  return { dir, child, output: () => out, record };
}

const pidsOf = (r: RunRecord) => [...r.agentPids, r.dynamoPid!, r.haproxyPid!];

test('Ctrl-C with the reader of its output gone still removes every container, process and file', async () => {
  const { dir, child, output, record } = await upWithContainers();
  // `npm run local | tee run.log`, then Ctrl-C: tee is gone (every later write fails with
  // EPIPE), and the terminal signals the whole foreground group, agents and all.
  child.stdout!.destroy();
  child.stderr!.destroy();
  const started = Date.now();
  process.kill(-child.pid!, 'SIGINT');
  expect(await exited(child)).toEqual({ code: 0, signal: null });
  const teardownMs = Date.now() - started;
  expect(containersOf(`local-${child.pid}-`)).toEqual([]);
  expect(pidsOf(record).filter(processAlive)).toEqual([]);
  expect(fs.existsSync(path.join(dir, 'credentials.json'))).toBe(false);
  expect(fs.existsSync(path.join(dir, 'run.json'))).toBe(false);
  expect(output()).not.toMatch(/unexpected error|EPIPE/);
  process.stdout.write(`teardown with the pipe closed took ${teardownMs} ms\n`);
});

test('`local down` after a SIGKILLed run removes its agents, DynamoDB Local, haproxy, containers, credential and record, saying so', async () => {
  const { dir, child, record } = await upWithContainers();
  child.kill('SIGKILL');
  await exited(child);
  // The crash left everything: the processes run on, orphaned, and so do the containers.
  expect(pidsOf(record).filter(processAlive)).toEqual(pidsOf(record));
  expect(containersOf(`local-${child.pid}-`)).toHaveLength(3);
  expect(fs.existsSync(path.join(dir, 'credentials.json'))).toBe(true);

  const started = Date.now();
  const down = spawnSync(process.execPath, ['bin/stowage.js', 'local', 'down'], { cwd: ROOT, env: env(dir), encoding: 'utf8', timeout: 120_000 });
  const downMs = Date.now() - started;
  expect(down.stderr).toBe('');
  expect(down.status).toBe(0);
  expect(down.stdout).toContain(`pid ${child.pid}`);
  // The agent may end on its own once its parent's pipe is gone: it is counted only if still running.
  expect(down.stdout).toMatch(/removed what it left: [23] processes \((1 agent, )?DynamoDB Local, haproxy\), 3 containers \(node ids local-\d+-\*\), the credential and the run record\n$/);
  expect(containersOf(`local-${child.pid}-`)).toEqual([]);
  expect(pidsOf(record).filter(processAlive)).toEqual([]);
  expect(fs.existsSync(path.join(dir, 'credentials.json'))).toBe(false);
  expect(fs.existsSync(path.join(dir, 'run.json'))).toBe(false);

  const again = spawnSync(process.execPath, ['bin/stowage.js', 'local', 'down'], { cwd: ROOT, env: env(dir), encoding: 'utf8', timeout: 60_000 });
  expect(again.status).toBe(0);
  expect(again.stdout).toMatch(/no local cloud recorded in .*; nothing to do/);
  process.stdout.write(`local down after SIGKILL took ${downMs} ms\n`);
});
