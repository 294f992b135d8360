import type Docker from 'dockerode';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LABELS } from '../../../agent/container-config';
import { DEFAULT_CATALOG } from '../../../core/catalog';
import type { Job, Task } from '../../../core/model';
import { DEFAULT_SERVICE_RESTART } from '../../../core/policy';
import { LocalFleet, LocalNodeCommander } from '../../../local/local-fleet';
import { ensureDocker, LOCAL_IMAGE } from '../../support/docker';
import { startFakeApi, type FakeApi } from '../../support/fake-api';
import { waitUntil } from '../../../local/wait-until';

/** The local fleet's "instances" are agent processes; its commander runs `stowage-agent sync` for one of them. */

jest.setTimeout(120_000);

const ROOT = path.join(__dirname, '..', '..', '..');
let docker: Docker;
let api: FakeApi;
let dir: string;
let fleet: LocalFleet;
let commander: LocalNodeCommander;

beforeAll(async () => {
  docker = await ensureDocker();
  api = await startFakeApi();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-local-fleet-'));
  const tokenFile = path.join(dir, 'token');
  fs.writeFileSync(tokenFile, api.token);
  // A long interval: in these tests only the commander's sync makes the agent act.
  fleet = new LocalFleet({ apiUrl: api.url, tokenFile, stateDir: dir, catalog: DEFAULT_CATALOG, repoRoot: ROOT, intervalSeconds: 60 });
  commander = new LocalNodeCommander({ stateDir: dir, repoRoot: ROOT });
});

afterAll(async () => {
  await fleet?.stopAll();
  if (docker) {
    const mine = await docker.listContainers({ all: true, filters: { label: [`${LABELS.node}`] } });
    const ours = mine.filter((c) => (c.Labels[LABELS.node] ?? '').startsWith(`local-${process.pid}-`));
    await Promise.all(ours.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
  }
  await api?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('a launched instance is an agent process that registers with the capacity of its type, syncs on command, and stops when terminated', async () => {
  const { id } = await fleet.launch({ instanceType: 'm5.large', zone: 'local-a', labels: {} });
  await waitUntil('the agent to register', async () => (await api.store.listNodes()).some((n) => n.id === id && n.state === 'ACTIVE'));
  const node = (await api.store.listNodes()).find((n) => n.id === id)!;
  expect(node).toMatchObject({ instanceType: 'm5.large', zone: 'local-a', capacity: { cpu: 2000, memoryMiB: 8192 }, pricePerHour: 0.096 });

  const job: Job = {
    id: `job-lf-${process.pid}`, name: 'lf', image: LOCAL_IMAGE, command: ['sleep', '3600'], env: {}, resources: { cpu: 100, memoryMiB: 32 },
    count: 1, kind: 'service', restart: DEFAULT_SERVICE_RESTART, constraints: {}, doNotDisrupt: false, createdAt: api.now,
  };
  const task: Task = { id: `${job.id}.0`, jobId: job.id, slot: 0, generation: 0, status: 'PENDING', resources: job.resources, restarts: 0, createdAt: api.now };
  await api.store.createJob(job, [task]);
  await api.store.applyPlan({ now: api.now, assignments: [{ taskId: task.id, jobId: job.id, nodeId: id, from: 'PENDING', generation: 1, resources: job.resources }], taskUpdates: [], nodeUpdates: [], launches: [], terminations: [], unplaced: [], consolidations: [] });

  const { failed } = await commander.sync([id, 'local-never-launched']);
  expect(failed).toEqual(['local-never-launched']);
  // Handed over, as SendCommand is: the sync wakes the agent (its own timer is 60 s away), which starts the container.
  await commander.idle();
  const mine = { all: true, filters: { label: [`${LABELS.node}=${id}`, `${LABELS.task}=${task.id}`] } };
  await waitUntil('the woken agent to start the container', async () => (await docker.listContainers(mine)).length === 1, 15_000);
  const containers = await docker.listContainers(mine);
  expect(containers).toHaveLength(1);

  await fleet.terminate([id]);
  expect(fleet.running).toEqual([]);
});
