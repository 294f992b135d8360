import type Docker from 'dockerode';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LABELS } from '../../../agent/container-config';
import type { Job, Task } from '../../../core/model';
import { DEFAULT_SERVICE_RESTART } from '../../../core/policy';
import { ensureDocker, LOCAL_IMAGE } from '../../support/docker';
import { startFakeApi, type FakeApi } from '../../support/fake-api';
import { waitUntil } from '../../../local/wait-until';

/**
 * The agent as a process: `stowage-agent run` is killed with SIGKILL while its task
 * runs, started again, and must adopt the container it made (found by label) rather
 * than start a second copy; then `stowage-agent sync`, with no arguments as SSM sends
 * it, finds its configuration and converges too.
 */

jest.setTimeout(120_000);

const ROOT = path.join(__dirname, '..', '..', '..');
const NODE = `agent-proc-${process.pid}-${Date.now().toString(36)}`;

let docker: Docker;
let api: FakeApi;
let dir: string;
const children: ChildProcess[] = [];

function agentProcess(args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['bin/stowage-agent.js', ...args], {
    cwd: ROOT,
    env: { ...process.env, STOWAGE_AGENT_CONFIG: path.join(dir, 'agent.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return child;
}

function run(): ChildProcess {
  return agentProcess(['run', '--api-url', api.url, '--token-file', path.join(dir, 'token'), '--node-id', NODE, '--cpu', '2000', '--memory-mib', '2048', '--interval-s', '0.5', '--grace-s', '1']);
}

async function containers(taskId: string) {
  return docker.listContainers({ all: true, filters: { label: [`${LABELS.node}=${NODE}`, `${LABELS.task}=${taskId}`] } });
}


beforeAll(async () => {
  docker = await ensureDocker();
  api = await startFakeApi();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-agent-proc-'));
  fs.writeFileSync(path.join(dir, 'token'), api.token);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (docker) {
    const mine = await docker.listContainers({ all: true, filters: { label: [`${LABELS.node}=${NODE}`] } });
    await Promise.all(mine.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
  }
  await api?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('an agent killed with SIGKILL and started again adopts its container: never a second copy', async () => {
  const first = run();
  await waitUntil('the node to register', async () => (await api.store.listNodes()).some((n) => n.id === NODE && n.state === 'ACTIVE'));
  const job: Job = {
    id: `job-${NODE}`, name: 'proc', image: LOCAL_IMAGE, command: ['sleep', '3600'], env: {}, resources: { cpu: 100, memoryMiB: 32 },
    count: 1, kind: 'service', restart: DEFAULT_SERVICE_RESTART, constraints: {}, doNotDisrupt: false, createdAt: api.now,
  };
  const task: Task = { id: `${job.id}.0`, jobId: job.id, slot: 0, generation: 0, status: 'PENDING', resources: job.resources, restarts: 0, createdAt: api.now };
  await api.store.createJob(job, [task]);
  const applied = await api.store.applyPlan({ now: api.now, assignments: [{ taskId: task.id, jobId: job.id, nodeId: NODE, from: 'PENDING', generation: 1, resources: job.resources }], taskUpdates: [], nodeUpdates: [], launches: [], terminations: [], unplaced: [], consolidations: [] });
  expect(applied.conflicts).toEqual([]);
  await waitUntil('the task to run', async () => (await api.store.snapshot()).tasks.find((t) => t.id === task.id)?.status === 'RUNNING');
  const [before] = await containers(task.id);

  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const second = run();
  const beats = api.requests;
  // Several passes of the new process.
  await waitUntil('the restarted agent to heartbeat a few times', async () => api.requests >= beats + 4);
  const after = await containers(task.id);
  expect(after.map((c) => c.Id)).toEqual([before.Id]);
  expect(after[0].State).toBe('running');

  // What SSM runs: `stowage-agent sync`, no arguments.
  second.kill('SIGTERM');
  await new Promise((r) => second.once('exit', r));
  const sync = agentProcess(['sync']);
  const code = await new Promise<number | null>((r) => sync.once('exit', r));
  expect(code).toBe(0);
  expect((await containers(task.id)).map((c) => c.Id)).toEqual([before.Id]);
});
