import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LABELS } from '../../agent/container-config';
import type { Task } from '../../core/model';
import type { NodeCommander } from '../../control/node-commander';
import { seededRandom } from '../../core/random';
import { startLocalCloud, type LocalCloud } from '../../local/local-cloud';
import { LOCAL_IMAGE } from '../support/docker';
import { waitUntil } from '../../local/wait-until';

/**
 * A seeded fault schedule against the local cloud — real agents, real containers,
 * DynamoDB Local: agents crash and restart (adopting their containers), containers are
 * killed from outside, SSM commands are dropped and duplicated, and one node dies for
 * good. After the faults stop, the fleet must settle into a state where every service
 * runs exactly its replica count, each running task in exactly one container of its
 * current generation, no container is left for anything stopped, and no node holds
 * more than its capacity. (The simulator runs hundreds of such schedules: test/chaos.)
 */

jest.setTimeout(300_000);

const SEED = Number(process.env.STOWAGE_CHAOS_SEED ?? 20261127);
const CACHE = path.join(os.tmpdir(), 'stowage-e2e-template-cache');
let dir: string;
let cloud: LocalCloud;
const injected: Record<string, number> = { agentRestart: 0, containerKill: 0, syncDropped: 0, syncDuplicated: 0, nodeDeath: 0 };
let random: () => number;

/** The local SSM with faults: a third of the commands lost, a third sent twice. */
function faultySsm(inner: NodeCommander): NodeCommander {
  return {
    async sync(ids) {
      const kept: string[] = [];
      for (const id of ids) {
        const r = random();
        if (r < 1 / 3) injected.syncDropped++;
        else kept.push(id);
        if (r > 2 / 3) {
          injected.syncDuplicated++;
          kept.push(id);
        }
      }
      const out = await inner.sync(kept);
      return { failed: out.failed.filter((id, i, all) => all.indexOf(id) === i) };
    },
  };
}

async function api(method: string, route: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${cloud.apiUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${cloud.token}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as Record<string, unknown>;
}

const service = (name: string, count: number, cpu: number) => ({ name, image: LOCAL_IMAGE, command: ['sleep', '3600'], cpu, memoryMiB: 32, count, kind: 'service', restart: { mode: 'always', initialDelayMs: 200, maxDelayMs: 2000 }, stopGraceSeconds: 2 });

beforeAll(async () => {
  random = seededRandom(SEED);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-faults-'));
  cloud = await startLocalCloud({
    dir,
    templateCacheDir: CACHE,
    nodes: 3,
    instanceTypes: ['m5.large'],
    maxNodes: 5,
    minNodes: 3,
    port: 0,
    lbPort: 0,
    agentIntervalSeconds: 1,
    batchWindowMs: 250,
    tickMs: 5_000,
    wrapCommander: faultySsm,
  });
});

afterAll(async () => {
  if (cloud) await cloud.stop();
  if (dir) {
    fs.copyFileSync(path.join(dir, 'logs', 'local.log'), path.join(os.tmpdir(), 'stowage-faults-local.log'));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test(`a seeded fault schedule (seed ${SEED}) settles with every invariant holding`, async () => {
  const jobs = [
    (await api('POST', '/jobs', service('front', 4, 300))).jobId as string,
    (await api('POST', '/jobs', service('back', 3, 400))).jobId as string,
    (await api('POST', '/jobs', service('gone', 2, 200))).jobId as string,
  ];
  const running = async (id: string) => ((await api('GET', `/jobs/${id}`)).tasks as Task[]).filter((t) => t.status === 'RUNNING');
  await waitUntil('the services to run', async () => (await running(jobs[0])).length === 4 && (await running(jobs[1])).length === 3 && (await running(jobs[2])).length === 2, 90_000);

  // Twelve faults, a second or two apart, chosen by the seed.
  for (let i = 0; i < 12; i++) {
    const live = cloud.fleet.running;
    const r = random();
    if (i === 6) {
      // One node dies for good, once: its agent is gone and never comes back.
      const victim = live[Math.floor(random() * live.length)];
      process.kill(cloud.fleet.pidOf(victim)!, 'SIGKILL');
      injected.nodeDeath++;
    } else if (r < 0.5) {
      await cloud.fleet.restartAgent(live[Math.floor(random() * live.length)]);
      injected.agentRestart++;
    } else {
      const containers = await cloud.docker.listContainers({ filters: { label: [LABELS.job], status: ['running'] } });
      const mine = containers.filter((c) => live.includes(c.Labels[LABELS.node] ?? ''));
      if (mine.length > 0) {
        await cloud.docker.getContainer(mine[Math.floor(random() * mine.length)].Id).kill().catch(() => undefined);
        injected.containerKill++;
      }
    }
    if (i === 8) await api('DELETE', `/jobs/${jobs[2]}`);
    await new Promise((r2) => setTimeout(r2, 1000 + Math.floor(random() * 1000)));
  }

  // Settle: faults off (SSM is still lossy: agents converge on their own timer regardless).
  await waitUntil(
    'the fleet to settle',
    async () => {
      const front = await running(jobs[0]);
      const back = await running(jobs[1]);
      if (front.length !== 4 || back.length !== 3) return false;
      const containers = await cloud.docker.listContainers({ all: true, filters: { label: [LABELS.job] } });
      const live = new Set(cloud.fleet.running);
      const ours = containers.filter((c) => live.has(c.Labels[LABELS.node] ?? ''));
      return ours.filter((c) => c.State === 'running').length === 7 && ours.every((c) => c.State === 'running');
    },
    120_000,
  );

  const expected = [...(await running(jobs[0])), ...(await running(jobs[1]))];
  const containers = (await cloud.docker.listContainers({ filters: { label: [LABELS.job], status: ['running'] } })).filter((c) => cloud.fleet.running.includes(c.Labels[LABELS.node] ?? ''));
  for (const t of expected) {
    const copies = containers.filter((c) => c.Labels[LABELS.task] === t.id);
    // Exactly one container per running task, of its current generation, on its node.
    expect(copies.map((c) => [c.Labels[LABELS.generation], c.Labels[LABELS.node]])).toEqual([[String(t.generation), t.nodeId]]);
  }
  expect(containers.filter((c) => c.Labels[LABELS.job] === jobs[2])).toEqual([]);
  const { nodes } = (await api('GET', '/nodes')) as { nodes: { state: string; allocated: { cpu: number; memoryMiB: number }; capacity: { cpu: number; memoryMiB: number } }[] };
  for (const n of nodes) {
    expect(n.allocated.cpu).toBeLessThanOrEqual(n.capacity.cpu);
    expect(n.allocated.memoryMiB).toBeLessThanOrEqual(n.capacity.memoryMiB);
  }
  process.stdout.write(`local faults (seed ${SEED}): ${JSON.stringify(injected)}; settled with 7 tasks in 7 containers\n`);
  expect(injected.agentRestart + injected.containerKill).toBeGreaterThan(0);
  expect(injected.syncDropped + injected.syncDuplicated).toBeGreaterThan(0);
});
