import { spawnSync } from 'node:child_process';
import { LABELS } from '../../agent/container-config';
import type { LocalCloud } from '../../local/local-cloud';
import { startE2eCloud, WEB_EXAMPLE, type E2eCloud } from '../support/e2e-cloud';
import { waitUntil } from '../../local/wait-until';
import { answeringReplicas, describeLoad, underLoad } from '../support/load-client';

/**
 * A service people can reach, end to end on this machine: the web example submitted
 * through the API, its replicas spread over the local nodes, published on host ports,
 * health-checked, and registered by the scheduler in a real haproxy. A client keeps
 * requesting through the load balancer while a replica's container is killed and while
 * a node's copies are moved off it; every failed request and the longest gap between
 * two answers are counted and printed.
 */

jest.setTimeout(420_000);

const EXAMPLE = WEB_EXAMPLE;
let e2e: E2eCloud;
let cloud: LocalCloud;
const api: E2eCloud['api'] = (method, route, body) => e2e.api(method, route, body);
let jobId = '';

const webUrl = () => `${cloud.loadBalancerUrl}/web/`;
const servingReplicas = () => answeringReplicas(webUrl());

async function runningTasks(): Promise<{ id: string; nodeId?: string; health?: string; status: string }[]> {
  const res = await api('GET', `/jobs/${jobId}`);
  return (res.json.tasks as { id: string; nodeId?: string; health?: string; status: string }[]).filter((t) => t.status === 'RUNNING');
}

beforeAll(async () => {
  e2e = await startE2eCloud('services', { nodes: 3, instanceTypes: ['m5.large'], maxNodes: 4, minNodes: 3 });
  cloud = e2e.cloud;
});

afterAll(async () => {
  await e2e?.stop();
});

test('the web example answers through the load balancer from replicas on different nodes', async () => {
  const submitted = await api('POST', '/jobs', EXAMPLE);
  expect(submitted.status).toBe(202);
  jobId = submitted.json.jobId as string;
  expect(((await api('GET', `/jobs/${jobId}`)).json.job as { url?: string }).url).toBe(webUrl());
  await waitUntil('3 healthy replicas', async () => (await runningTasks()).filter((t) => t.health === 'healthy').length === 3, 120_000);
  const nodes = new Set((await runningTasks()).map((t) => t.nodeId));
  expect(nodes.size).toBeGreaterThanOrEqual(2);
  await waitUntil('answers from 2 replicas through haproxy', async () => (await servingReplicas()).size >= 2, 60_000);
  const replicas = await servingReplicas();
  expect([...replicas].every((r) => r.startsWith('hello from stowage from '))).toBe(true);
});

test('a client sees no failed request while one replica is killed and restarted', async () => {
  const running = async () => (await cloud.docker.listContainers({ filters: { label: [`${LABELS.job}=${jobId}`], status: ['running'] } })).map((c) => c.Id);
  const [victim] = await running();
  const result = await underLoad(webUrl(), async () => {
    await cloud.docker.getContainer(victim).kill();
    // Its replacement is a new container; the API shows 3 healthy copies again.
    await waitUntil('a new container for the killed replica', async () => {
      const now = await running();
      return now.length === 3 && !now.includes(victim);
    }, 120_000);
    await waitUntil('the replica back and healthy', async () => (await runningTasks()).filter((t) => t.health === 'healthy').length === 3, 120_000);
  });
  console.log(describeLoad('replica killed', result));
  expect(result.failed).toBe(0);
});

test('a client sees no failed request while a node is drained', async () => {
  const tasks = await runningTasks();
  const nodeId = tasks[0].nodeId!;
  const before = new Set(tasks.filter((t) => t.nodeId === nodeId).map((t) => t.id));
  const result = await underLoad(webUrl(), async () => {
    // What consolidation decides, applied through the store: the node goes DRAINING and
    // the passes move its copies off it make-before-break.
    const node = (await cloud.store.listNodes()).find((n) => n.id === nodeId)!;
    const applied = await cloud.store.applyPlan({ now: Date.now(), assignments: [], taskUpdates: [], nodeUpdates: [{ nodeId, from: node.state, to: 'DRAINING' }], launches: [], terminations: [], unplaced: [], consolidations: [] });
    expect(applied.conflicts).toEqual([]);
    await waitUntil('the drained copies replaced and healthy elsewhere', async () => {
      const now = await runningTasks();
      return now.filter((t) => t.health === 'healthy').length === 3 && now.every((t) => !before.has(t.id) || t.nodeId !== nodeId) && now.every((t) => t.nodeId !== nodeId);
    }, 180_000);
  });
  console.log(describeLoad('node drained', result));
  expect(result.failed).toBe(0);
});

test('a node dying (its agent killed) costs the client what the report prints, and the service recovers elsewhere', async () => {
  const tasks = await runningTasks();
  const nodeId = tasks[0].nodeId!;
  const pid = cloud.fleet.pidOf(nodeId)!;
  const result = await underLoad(webUrl(), async () => {
    process.kill(pid, 'SIGKILL');
    await waitUntil('3 healthy replicas on the other nodes', async () => {
      const now = await runningTasks();
      return now.filter((t) => t.health === 'healthy').length === 3 && now.every((t) => t.nodeId !== nodeId);
    }, 180_000);
  });
  console.log(describeLoad('node died', result));
  expect(result.sent).toBeGreaterThan(0);
  expect((await servingReplicas()).size).toBeGreaterThanOrEqual(2);
});

test('a replica whose health check fails is taken out of the load balancer within interval × retries, then restarted', async () => {
  const check = EXAMPLE.healthCheck as { intervalSeconds: number; retries: number };
  const [victim] = await cloud.docker.listContainers({ filters: { label: [`${LABELS.job}=${jobId}`], status: ['running'] } });
  const hostname = (await cloud.docker.getContainer(victim.Id).inspect()).Config.Hostname;
  await waitUntil('the replica answering through the load balancer', async () => [...(await servingReplicas())].some((r) => r.endsWith(hostname)), 60_000);
  // The health check asks for `/`: without its page, httpd answers 404 there (the /web/ page stays).
  // The docker CLI rather than dockerode's exec, whose attached stream would outlive the test.
  expect(spawnSync('docker', ['exec', victim.Id, 'rm', '/tmp/index.html']).status).toBe(0);
  const broken = Date.now();
  // Out when haproxy no longer routes to it: its own check marked it DOWN, or the scheduler
  // deregistered it once the agent's probe counted `retries` failures.
  const taskId = victim.Labels[LABELS.task];
  let how = '';
  const meanwhile = await underLoad(webUrl(), () =>
    waitUntil('the broken replica out of the load balancer', async () => {
      const target = (await cloud.loadBalancer.targets(jobId)).find((t) => t.taskId === taskId);
      how = target === undefined ? 'deregistered by the scheduler' : target.health === 'unhealthy' ? "marked DOWN by haproxy's own check" : '';
      return how !== '';
    }, 120_000),
  );
  const outAfter = Date.now() - broken;
  console.log(describeLoad('while the broken replica was taken out', meanwhile));
  await waitUntil('the replica restarted and healthy', async () => {
    const running = (await cloud.docker.listContainers({ filters: { label: [`${LABELS.job}=${jobId}`], status: ['running'] } })).map((c) => c.Id);
    return !running.includes(victim.Id) && (await runningTasks()).filter((t) => t.health === 'healthy').length === 3;
  }, 180_000);
  console.log(`unhealthy replica ${hostname}: out of the load balancer after ${outAfter} ms, ${how} (interval × retries = ${check.intervalSeconds * check.retries} s), healthy again after ${Date.now() - broken} ms`);
  // The agent's count of failures, one more pass and a haproxy reload: within an interval of the bound.
  expect(outAfter).toBeLessThanOrEqual((check.intervalSeconds * (check.retries + 1)) * 1000 + 5_000);
});
