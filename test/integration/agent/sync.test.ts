import { spotPricePerHour } from '../../../core/spot-prices';
import type Docker from 'dockerode';
import { bearerToken, HttpControlPlane } from '../../../agent/api-client';
import { DockerRuntime } from '../../../agent/docker-runtime';
import { LABELS } from '../../../agent/container-config';
import { ec2Identity, hostArchitecture, localIdentity, type NodeIdentity } from '../../../agent/node-identity';
import { NodeIdentityError } from '../../../agent/errors';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { syncOnce, type SyncDeps } from '../../../agent/sync';
import type { Job, Task } from '../../../core/model';
import type { Plan } from '../../../core/pass/plan-types';
import { DEFAULT_SERVICE_RESTART } from '../../../core/policy';
import { ensureDocker, LOCAL_IMAGE } from '../../support/docker';
import { startFakeApi, type FakeApi } from '../../support/fake-api';
import { waitUntil } from '../../../local/wait-until';

/**
 * The agent's sync pass end to end: a real Docker engine, the real heartbeat handler
 * over an in-memory store behind a loopback HTTP server, and the agent's HTTP client.
 * Every container made here carries this run's node id, so afterAll removes exactly them.
 */

jest.setTimeout(120_000);

const RUN = `${process.pid}-${Date.now().toString(36)}`;
const NODE = `agent-it-${RUN}`;
const OTHER = `agent-it-other-${RUN}`;

let docker: Docker;
let api: FakeApi;
let identity: NodeIdentity;

/** A fresh agent: new runtime, client and identity objects, as after a restart. */
function agent(): SyncDeps {
  return {
    runtime: new DockerRuntime({ docker, pull: false }),
    controlPlane: new HttpControlPlane({ baseUrl: api.url, sign: bearerToken(api.token), timeoutMs: 5_000 }),
    identity: localIdentity({ nodeId: NODE, cpu: 4000, memoryMiB: 4096 }),
    graceSeconds: 1,
    measureUsage: false,
  };
}

let jobs = 0;
/** A one-task service job, stored and assigned to `node` at generation 1. */
async function assignedTask(node = NODE): Promise<Task> {
  jobs += 1;
  const job: Job = {
    id: `job-${RUN}-${jobs}`,
    name: `j${jobs}`,
    image: LOCAL_IMAGE,
    command: ['sleep', '3600'],
    env: { GREETING: 'hi; $(touch /tmp/pwned) `id` && echo no' },
    resources: { cpu: 100, memoryMiB: 32 },
    count: 1,
    kind: 'service',
    restart: DEFAULT_SERVICE_RESTART,
    constraints: {},
    doNotDisrupt: false,
    createdAt: api.now,
  };
  const task: Task = { id: `${job.id}.0`, jobId: job.id, slot: 0, generation: 0, status: 'PENDING', resources: job.resources, restarts: 0, createdAt: job.createdAt };
  await api.store.createJob(job, [task]);
  const r = await api.store.applyPlan(plan({ assignments: [{ taskId: task.id, jobId: job.id, nodeId: node, from: 'PENDING', generation: 1, resources: job.resources }] }));
  expect(r.conflicts).toEqual([]);
  return storedTask(task.id);
}

function plan(over: Partial<Plan>): Plan {
  return { now: api.now, assignments: [], taskUpdates: [], nodeUpdates: [], launches: [], terminations: [], unplaced: [], consolidations: [], ...over };
}

async function storedTask(id: string): Promise<Task> {
  const t = (await api.store.snapshot()).tasks.find((x) => x.id === id);
  if (!t) throw new Error(`no task ${id}`);
  return t;
}

async function containersOf(taskId: string) {
  return docker.listContainers({ all: true, filters: { label: [`${LABELS.node}=${NODE}`, `${LABELS.task}=${taskId}`] } });
}


beforeAll(async () => {
  docker = await ensureDocker();
  api = await startFakeApi();
  identity = agent().identity;
  // The first pass registers the node (its first heartbeat makes it ACTIVE), so the store takes assignments.
  const first = await syncOnce(agent());
  expect(first).toMatchObject({ started: 0, errors: [] });
  // A second node, for copies moved elsewhere.
  await api.store.recordHeartbeat({ nodeId: OTHER, instanceType: 'local', zone: 'local', labels: {}, capacity: { cpu: 4000, memoryMiB: 4096 }, usage: { cpu: 0, memoryMiB: 0 }, pricePerHour: 0, containers: [] }, api.now);
});

afterAll(async () => {
  if (docker) {
    const mine = await docker.listContainers({ all: true, filters: { label: [`${LABELS.node}=${NODE}`] } });
    await Promise.all(mine.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
  }
  await api?.close();
});

test('the first heartbeat registers the node with its flags', async () => {
  const node = (await api.store.listNodes()).find((n) => n.id === NODE);
  expect(node).toMatchObject({ state: 'ACTIVE', instanceType: 'local', zone: 'local', capacity: identity.capacity });
});

test('(a) an assigned task gets a labelled container after one sync, and is RUNNING after the next heartbeat', async () => {
  const task = await assignedTask();
  const s1 = await syncOnce(agent());
  expect(s1).toMatchObject({ started: 1, errors: [] });
  const [c] = await containersOf(task.id);
  expect(c).toBeDefined();
  const info = await docker.getContainer(c.Id).inspect();
  expect(info.Config.Labels).toMatchObject({ [LABELS.task]: task.id, [LABELS.job]: task.jobId, [LABELS.node]: NODE, [LABELS.generation]: '1' });
  expect(info.Config.Cmd).toEqual(['sleep', '3600']);
  expect(info.Config.Env).toContain('GREETING=hi; $(touch /tmp/pwned) `id` && echo no');
  expect(info.HostConfig.Memory).toBe(32 * 1_048_576);

  const s2 = await syncOnce(agent());
  expect(s2).toMatchObject({ started: 0, stopped: 0, removed: 0, errors: [] });
  expect(s2.reported).toBeGreaterThanOrEqual(1);
  expect(await storedTask(task.id)).toMatchObject({ status: 'RUNNING', nodeId: NODE, generation: 1 });
  expect(await containersOf(task.id)).toHaveLength(1);
});

test('(b) a container killed from outside is reported exited with its code; the task FAILS with 137 and the copy is removed', async () => {
  const task = await assignedTask();
  await syncOnce(agent());
  const [c] = await containersOf(task.id);
  await docker.getContainer(c.Id).kill({ signal: 'SIGKILL' });
  await waitUntil('the container to exit', async () => (await docker.getContainer(c.Id).inspect()).State.Status === 'exited');

  const s = await syncOnce(agent());
  expect(s.errors).toEqual([]);
  expect(await storedTask(task.id)).toMatchObject({ status: 'FAILED', exitCode: 137, oomKilled: false });
  // Reported first, then, no longer desired, removed in the same pass; never restarted by the agent.
  expect(s.started).toBe(0);
  expect(await containersOf(task.id)).toHaveLength(0);
});

test('(c) a task unassigned from the node is stopped and removed on the next sync', async () => {
  const task = await assignedTask();
  await syncOnce(agent());
  await syncOnce(agent());
  expect(await storedTask(task.id)).toMatchObject({ status: 'RUNNING' });
  const r = await api.store.applyPlan(plan({ taskUpdates: [{ taskId: task.id, from: 'RUNNING', generation: 1, to: 'STOPPED', reason: 'job stopped', releaseFrom: NODE }] }));
  expect(r.conflicts).toEqual([]);

  const s = await syncOnce(agent());
  expect(s).toMatchObject({ stopped: 1, removed: 1, started: 0, errors: [] });
  expect(await containersOf(task.id)).toHaveLength(0);
});

test('(d) a restarted agent adopts its containers by label and never starts a second copy', async () => {
  const task = await assignedTask();
  const before = agent();
  await syncOnce(before);
  const [orig] = await containersOf(task.id);

  // "Restart": brand-new objects, same node id; two passes.
  const after = agent();
  const s1 = await syncOnce(after);
  const s2 = await syncOnce(after);
  expect(s1).toMatchObject({ started: 0, stopped: 0, removed: 0, errors: [] });
  expect(s2).toMatchObject({ started: 0, stopped: 0, removed: 0, errors: [] });
  const now = await containersOf(task.id);
  expect(now.map((c) => c.Id)).toEqual([orig.Id]);
  expect(await storedTask(task.id)).toMatchObject({ status: 'RUNNING', nodeId: NODE });
});

test('(e) a copy of an old generation (the task moved elsewhere at a newer generation) is stopped and removed', async () => {
  const task = await assignedTask();
  await syncOnce(agent());
  await syncOnce(agent());
  expect(await storedTask(task.id)).toMatchObject({ status: 'RUNNING', generation: 1 });
  // The scheduler moved the task while this node was unreachable: generation 2 on another node.
  const r = await api.store.applyPlan(
    plan({ assignments: [{ taskId: task.id, jobId: task.jobId, nodeId: OTHER, from: 'RUNNING', generation: 2, resources: task.resources, releaseFrom: NODE }] }),
  );
  expect(r.conflicts).toEqual([]);

  const s = await syncOnce(agent());
  expect(s).toMatchObject({ stopped: 1, removed: 1, started: 0, errors: [] });
  expect(await containersOf(task.id)).toHaveLength(0);
  // The old copy's report did not move the new copy.
  expect(await storedTask(task.id)).toMatchObject({ status: 'ASSIGNED', nodeId: OTHER, generation: 2 });
});

test('(e2) reassigned to this same node at a newer generation: the old copy is replaced by one new copy', async () => {
  const task = await assignedTask();
  await syncOnce(agent());
  const [old] = await containersOf(task.id);
  const r = await api.store.applyPlan(
    plan({ assignments: [{ taskId: task.id, jobId: task.jobId, nodeId: NODE, from: 'ASSIGNED', generation: 2, resources: task.resources, releaseFrom: NODE }] }),
  );
  expect(r.conflicts).toEqual([]);

  const s = await syncOnce(agent());
  expect(s).toMatchObject({ stopped: 1, removed: 1, started: 1, errors: [] });
  const now = await containersOf(task.id);
  expect(now).toHaveLength(1);
  expect(now[0].Id).not.toBe(old.Id);
  expect(now[0].Labels[LABELS.generation]).toBe('2');
});

describe('EC2 identity from IMDSv2 (loopback IMDS)', () => {
  async function imds(type: string, lifeCycle = 'on-demand'): Promise<{ url: string; close: () => Promise<void>; unauthenticated: number }> {
    const state = { unauthenticated: 0 };
    const server = createServer((req, res) => {
      if (req.method === 'PUT' && req.url === '/latest/api/token' && req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return void res.end('TOKEN');
      if (req.headers['x-aws-ec2-metadata-token'] !== 'TOKEN') {
        state.unauthenticated++;
        return void res.writeHead(401).end();
      }
      const answers: Record<string, string> = {
        '/latest/meta-data/instance-id': 'i-0123456789abcdef0',
        '/latest/meta-data/instance-type': type,
        '/latest/meta-data/placement/availability-zone': 'us-east-1a',
        '/latest/meta-data/local-ipv4': '10.0.1.23',
        '/latest/meta-data/instance-life-cycle': lifeCycle,
      };
      const a = answers[req.url ?? ''];
      return void (a === undefined ? res.writeHead(404).end() : res.end(a));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }),
      get unauthenticated() { return state.unauthenticated; },
    };
  }

  test('instance id, type and zone; capacity is the catalog\'s minus the reservation', async () => {
    const m = await imds('m5.large');
    try {
      expect(await ec2Identity({ imdsUrl: m.url })).toEqual({
        nodeId: 'i-0123456789abcdef0', instanceType: 'm5.large', zone: 'us-east-1a', labels: { 'stowage.io/arch': hostArchitecture() }, capacity: { cpu: 1900, memoryMiB: 8192 - 256 }, pricePerHour: 0.096, address: '10.0.1.23', capacityType: 'on-demand',
      });
      expect((await ec2Identity({ imdsUrl: m.url, address: '10.9.9.9' })).address).toBe('10.9.9.9');
      expect((await ec2Identity({ imdsUrl: m.url, reservation: { cpu: 500, memoryMiB: 1024 } })).capacity).toEqual({ cpu: 1500, memoryMiB: 7168 });
      expect(m.unauthenticated).toBe(0);
    } finally {
      await m.close();
    }
  });

  test('a Spot instance (instance-life-cycle spot) reports spot at its Spot price; an unknown life cycle is refused', async () => {
    const spot = await imds('m5.large', 'spot');
    try {
      expect(await ec2Identity({ imdsUrl: spot.url })).toMatchObject({ capacityType: 'spot', pricePerHour: spotPricePerHour({ name: 'm5.large', pricePerHour: 0.096 }) });
    } finally {
      await spot.close();
    }
    const odd = await imds('m5.large', 'barter');
    try {
      await expect(ec2Identity({ imdsUrl: odd.url })).rejects.toThrow(/unknown instance-life-cycle: "barter"/);
    } finally {
      await odd.close();
    }
  });

  test('an instance type outside the catalog, or no IMDS at all, is a NodeIdentityError', async () => {
    const m = await imds('x9.weird');
    try {
      await expect(ec2Identity({ imdsUrl: m.url })).rejects.toThrow(/not in the catalog/);
    } finally {
      await m.close();
    }
    await expect(ec2Identity({ imdsUrl: 'http://127.0.0.1:1', timeoutMs: 500 })).rejects.toBeInstanceOf(NodeIdentityError);
  });
});
