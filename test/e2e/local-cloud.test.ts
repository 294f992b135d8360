import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LABELS } from '../../agent/container-config';
import type { Task } from '../../core/model';
import { startLocalCloud, type LocalCloud } from '../../local/local-cloud';
import { LOCAL_IMAGE } from '../support/docker';
import { waitUntil } from '../../local/wait-until';

/**
 * The whole of Stowage on this machine, end to end: DynamoDB Local with the template's
 * tables, the API handlers behind the local server, the Nodes stream driving the
 * scheduler handler, agent processes running real containers. Every check goes through
 * the API a user calls or through Docker itself; the store is read only to observe.
 *
 * One story, in order, because each step starts from the state the last one left (as a
 * person trying Stowage would see it): submit → packed → a container killed → an agent
 * killed → a job too big → a burst → the burst stopped → the fleet shrinks back.
 */

jest.setTimeout(420_000);

const CACHE = path.join(os.tmpdir(), 'stowage-e2e-template-cache');
let dir: string;
let cloud: LocalCloud;
const AGENT_INTERVAL_S = 1;

type Json = Record<string, unknown>;

async function api(method: string, route: string, options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {}): Promise<{ status: number; json: Json }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  const token = options.token === undefined ? cloud.token : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${cloud.apiUrl}${route}`, { method, headers, ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}) });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Json) : {} };
}

const job = (name: string, replicas: number, cpu: number, extra: Json = {}) => ({
  name,
  image: LOCAL_IMAGE,
  command: ['sleep', '3600'],
  cpu,
  memoryMiB: 64,
  count: replicas,
  kind: 'service',
  restart: { mode: 'always', initialDelayMs: 200, maxDelayMs: 2000 },
  // `sleep` as PID 1 ignores SIGTERM: every stop would wait out the grace period.
  stopGraceSeconds: 2,
  ...extra,
});

async function tasksOf(jobId: string): Promise<Task[]> {
  const res = await api('GET', `/jobs/${jobId}`);
  expect(res.status).toBe(200);
  return res.json.tasks as Task[];
}

/** Copies of the job's current generation that are RUNNING, per the API. */
async function runningOf(jobId: string): Promise<Task[]> {
  return (await tasksOf(jobId)).filter((t) => t.status === 'RUNNING');
}

async function containersOf(jobId: string) {
  return cloud.docker.listContainers({ filters: { label: [`${LABELS.job}=${jobId}`], status: ['running'] } });
}

async function liveNodes() {
  const res = await api('GET', '/nodes');
  return (res.json.nodes as { id: string; state: string }[]).filter((n) => n.state === 'ACTIVE' || n.state === 'LAUNCHING' || n.state === 'DRAINING');
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-e2e-'));
  cloud = await startLocalCloud({
    dir,
    templateCacheDir: CACHE,
    nodes: 3,
    instanceTypes: ['m5.large'],
    maxNodes: 6,
    // The default (the starting size): spare room for a dead node's tasks without a launch.
    minNodes: 3,
    port: 0,
    lbPort: 0,
    agentIntervalSeconds: AGENT_INTERVAL_S,
    batchWindowMs: 250,
    tickMs: 5_000,
  });
});

afterAll(async () => {
  if (cloud) {
    const stopped = await cloud.stop();
    // Ctrl-C's promise: no agent left, no container of this run left.
    const left = await cloud.docker.listContainers({ all: true, filters: { label: [LABELS.node] } });
    expect(left.filter((c) => (c.Labels[LABELS.node] ?? '').startsWith(`local-${process.pid}-`))).toEqual([]);
    expect(cloud.fleet.running).toEqual([]);
    expect(stopped.agents).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(dir, 'credentials.json'))).toBe(false);
  }
  if (dir) {
    // Kept for a failed run: what the scheduler, the API and every agent said.
    fs.copyFileSync(path.join(dir, 'logs', 'local.log'), path.join(os.tmpdir(), 'stowage-e2e-local.log'));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

let web = '';

test('the API refuses requests without the start-up token, and malformed jobs naming the field', async () => {
  expect((await api('GET', '/jobs', { token: null })).status).toBe(401);
  expect((await api('POST', '/jobs', { token: 'not-the-token', body: job('x', 1, 100) })).status).toBe(401);
  const bad = await api('POST', '/jobs', { body: { ...job('x', 1, 100), cpu: -5 } });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.json)).toContain('cpu');
  const notJson = await api('POST', '/jobs', { body: '{"name": ' });
  expect(notJson.status).toBe(400);
  expect((await api('GET', '/jobs')).json.jobs).toEqual([]);
});

test('a 6-replica service sent twice with one Idempotency-Key is one job, packed onto as few nodes as fit it, with labels and limits', async () => {
  // Packing is what this checks: spread (a service's default) would put 2 per node on 3.
  const body = job('web', 6, 500, { spread: 'none' });
  const first = await api('POST', '/jobs', { body, headers: { 'idempotency-key': 'e2e-web-1' } });
  const again = await api('POST', '/jobs', { body, headers: { 'idempotency-key': 'e2e-web-1' } });
  expect(first.status).toBe(202);
  expect(again.status).toBe(202);
  expect(again.json.jobId).toBe(first.json.jobId);
  web = first.json.jobId as string;
  expect(((await api('GET', '/jobs')).json.jobs as unknown[]).length).toBe(1);

  await waitUntil('6 web replicas running', async () => (await runningOf(web)).length === 6 && (await containersOf(web)).length === 6, 60_000);
  const containers = await containersOf(web);
  const nodes = new Set(containers.map((c) => c.Labels[LABELS.node]));
  // 6 × 500 millicores on 2000-millicore nodes: 2 nodes, not 3.
  expect(nodes.size).toBe(2);
  for (const c of containers) {
    expect(c.Labels[LABELS.task]).toMatch(new RegExp(`^${web}\\.\\d$`));
    const info = await cloud.docker.getContainer(c.Id).inspect();
    // The request is a share of the CPU (1024 per core), not a cap: no cpuLimit, no quota.
    expect(info.HostConfig.CpuShares).toBe(512);
    expect(info.HostConfig.NanoCpus ?? 0).toBe(0);
    expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024);
  }
});

test('a container killed from outside is running again within 15 s', async () => {
  const [victim] = await containersOf(web);
  const taskId = victim.Labels[LABELS.task];
  const t0 = Date.now();
  await cloud.docker.getContainer(victim.Id).kill();
  await waitUntil(
    'the killed task to run again',
    async () => {
      const again = (await containersOf(web)).find((c) => c.Labels[LABELS.task] === taskId && c.Id !== victim.Id);
      return again !== undefined && (await runningOf(web)).length === 6;
    },
    20_000,
  );
  const took = Date.now() - t0;
  process.stdout.write(`e2e: killed container replaced in ${took} ms\n`);
  expect(took).toBeLessThan(15_000);
});

test('a node agent killed with SIGKILL has its tasks running on other nodes within the heartbeat timeout + 10 s', async () => {
  const containers = await containersOf(web);
  const counts = new Map<string, number>();
  for (const c of containers) counts.set(c.Labels[LABELS.node], (counts.get(c.Labels[LABELS.node]) ?? 0) + 1);
  const [busiest] = [...counts].sort((a, b) => b[1] - a[1])[0];
  const pid = cloud.fleet.pidOf(busiest);
  expect(pid).toBeDefined();
  const t0 = Date.now();
  process.kill(pid!, 'SIGKILL');
  const bound = cloud.policy.heartbeatTimeoutMs + 10_000;
  await waitUntil(
    'the dead node\'s tasks to run elsewhere',
    async () => {
      const running = await runningOf(web);
      return running.length === 6 && running.every((t) => t.nodeId !== busiest);
    },
    bound + 15_000,
  );
  const took = Date.now() - t0;
  process.stdout.write(`e2e: tasks of a SIGKILLed agent running elsewhere after ${took} ms (bound ${bound} ms)\n`);
  expect(took).toBeLessThan(bound);
  // The LOST machine is terminated: its agent and containers are gone.
  await waitUntil('the lost node to be terminated', async () => (await cloud.docker.listContainers({ filters: { label: [`${LABELS.node}=${busiest}`] } })).length === 0, 20_000);
});

test('a job too big for any instance type is UNSCHEDULABLE with the reason', async () => {
  const res = await api('POST', '/jobs', { body: job('huge', 1, 4000) });
  expect(res.status).toBe(202);
  const id = res.json.jobId as string;
  await waitUntil('the huge job to be marked', async () => (await tasksOf(id)).every((t) => t.status === 'UNSCHEDULABLE'), 20_000);
  const [t] = await tasksOf(id);
  expect(t.reason).toMatch(/cpu|instance type|larger/i);
  expect((await api('DELETE', `/jobs/${id}`)).status).toBeLessThan(300);
});

test('a burst larger than the fleet launches nodes; stopping it drains the fleet back to the packing bound without web ever below 6 running', async () => {
  const before = (await liveNodes()).length;
  const burst = await api('POST', '/jobs', { body: job('burst', 8, 500, { spread: 'none' }) });
  expect(burst.status).toBe(202);
  const burstId = burst.json.jobId as string;
  await waitUntil('the burst to run', async () => (await runningOf(burstId)).length === 8, 90_000);
  const during = (await liveNodes()).length;
  process.stdout.write(`e2e: burst grew the fleet from ${before} to ${during} nodes\n`);
  expect(during).toBeGreaterThan(before);
  // 6 + 8 copies of 500 millicores need at least 4 nodes of 2000.
  expect(during).toBeGreaterThanOrEqual(4);

  expect((await api('DELETE', `/jobs/${burstId}`)).status).toBeLessThan(300);
  // From here on web must never drop below its 6 running replicas, however nodes move.
  let lowest = 6;
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      lowest = Math.min(lowest, (await runningOf(web)).length);
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  try {
    // web's 6 × 500 millicores need 2 nodes; the minimum is 3.
    await waitUntil('the fleet to shrink to its minimum of 3 nodes', async () => (await liveNodes()).length === 3 && (await runningOf(web)).length === 6, 180_000);
  } finally {
    watching = false;
    await watcher;
  }
  process.stdout.write(`e2e: fleet back to 3 nodes; web's lowest running count during the moves: ${lowest}\n`);
  expect(lowest).toBeGreaterThanOrEqual(6);
  // The copies a drain replaced are stopped by their agents (after the grace period):
  // then exactly web's 6 containers are left, all on live nodes, and none of the burst's.
  const live = new Set((await liveNodes()).map((n) => n.id));
  await waitUntil('the replaced copies\' containers to stop', async () => (await containersOf(web)).length === 6 && (await containersOf(burstId)).length === 0, 30_000);
  expect((await containersOf(web)).every((c) => live.has(c.Labels[LABELS.node]))).toBe(true);
});
