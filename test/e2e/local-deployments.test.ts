import { spawnSync } from 'node:child_process';
import { LABELS } from '../../agent/container-config';
import type { LocalCloud } from '../../local/local-cloud';
import { startE2eCloud, WEB_EXAMPLE, type E2eCloud } from '../support/e2e-cloud';
import { waitUntil } from '../../local/wait-until';
import { answeringReplicas, describeLoad, underLoad } from '../support/load-client';

/**
 * Deployments end to end on this machine: the web example updated in place through
 * PUT /jobs/web while a client requests through haproxy all along — v1 → v2 (changed
 * env), a broken v3 rolled back by itself, scaling up and down, the same spec twice.
 * Every failed request and the longest gap are printed; none may fail.
 */

jest.setTimeout(600_000);

const EXAMPLE = WEB_EXAMPLE;
// Short minHealthySeconds and deadline: the local clocks are short too.
const V1 = { ...EXAMPLE, env: { GREETING: 'v1' }, update: { minHealthySeconds: 3, progressDeadlineSeconds: 120 } };
let e2e: E2eCloud;
let cloud: LocalCloud;
const api: E2eCloud['api'] = (method, route, body) => e2e.api(method, route, body);
let jobId = '';

interface Deployment { id: number; status: string; fromVersion?: number; toVersion: number; reason?: string; rollbackOf?: { version: number; reason: string } }
interface JobBody { job: { id: string; version: number; count: number; deployment?: Deployment }; tasks: { id: string; status: string; version: number; health?: string; nodeId: string | null }[] }

const getJob = async () => (await api('GET', '/jobs/web')).json as unknown as JobBody;
const webUrl = () => `${cloud.loadBalancerUrl}/web/`;
const containers = async () => (await cloud.docker.listContainers({ filters: { label: [`${LABELS.job}=${jobId}`], status: ['running'] } })).map((c) => c.Id).sort();

/** Until the deployment `id` leaves RUNNING; its final record. */
async function deploymentDone(id: number): Promise<Deployment> {
  let last: Deployment | undefined;
  await waitUntil(`deployment ${id} to finish`, async () => {
    const d = (await getJob()).job.deployment;
    if (d && d.id >= id && d.status !== 'RUNNING') last = d;
    return last !== undefined;
  }, 300_000);
  return last!;
}

beforeAll(async () => {
  e2e = await startE2eCloud('deployments', { nodes: 3, instanceTypes: ['m5.large'], maxNodes: 4, minNodes: 3 });
  cloud = e2e.cloud;
});

afterAll(async () => {
  await e2e?.stop();
});

test('PUT creates the job by name; the same spec again is one version and restarts nothing', async () => {
  const created = await api('PUT', '/jobs/web', V1);
  expect(created.status).toBe(202);
  expect(created.json).toMatchObject({ outcome: 'created', version: 1 });
  jobId = created.json.jobId as string;
  expect((await deploymentDone(1)).status).toBe('SUCCEEDED');
  await waitUntil('3 replicas answering v1', async () => [...(await answeringReplicas(webUrl()))].filter((r) => r.startsWith('v1 ')).length === 3, 60_000);
  const before = await containers();
  const again = await api('PUT', '/jobs/web', V1);
  expect(again.json).toMatchObject({ outcome: 'unchanged', version: 1 });
  await new Promise((r) => setTimeout(r, 3_000));
  expect(await containers()).toEqual(before);
  expect((await api('POST', '/jobs', V1)).status).toBe(409);
});

test('v1 → v2 (changed env): answers switch to v2 with no failed request', async () => {
  const started = Date.now();
  let deployment: Deployment | undefined;
  const seen = new Set<string>();
  const result = await underLoad(webUrl(), async () => {
    const put = await api('PUT', '/jobs/web', { ...V1, env: { GREETING: 'v2' } });
    expect(put.json).toMatchObject({ outcome: 'updated', version: 2 });
    deployment = await deploymentDone(put.json.deploymentId as number);
  });
  const tookMs = Date.now() - started;
  for (const r of await answeringReplicas(webUrl())) seen.add(r.split(' ')[0]);
  console.log(`${describeLoad('v1 → v2', result)}; submit → ${deployment?.status} in ${tookMs} ms`);
  expect(deployment?.status).toBe('SUCCEEDED');
  expect([...seen]).toEqual(['v2']);
  expect(result.failed).toBe(0);
  // The last v1 copy may still be leaving the load balancer when the deployment is marked done.
  await waitUntil('only v2 copies running', async () => (await getJob()).tasks.filter((t) => t.status === 'RUNNING').every((t) => t.version === 2), 60_000);
  expect((await getJob()).tasks.filter((t) => t.status === 'RUNNING').map((t) => t.version)).toEqual([2, 2, 2]);
});

test('a broken v3 (its health check never passes) fails and is rolled back to v2 by itself, with no failed request', async () => {
  let deployment: Deployment | undefined;
  const result = await underLoad(webUrl(), async () => {
    // The page the health check asks for is never written: every v3 copy stays unhealthy.
    const broken = { ...V1, env: { GREETING: 'v3' }, command: ['sh', '-c', 'mkdir -p /tmp/web && echo "$GREETING from $(hostname)" > /tmp/web/index.html && exec httpd -f -v -p 8080 -h /tmp'] };
    const put = await api('PUT', '/jobs/web', broken);
    expect(put.json).toMatchObject({ outcome: 'updated', version: 3 });
    deployment = await deploymentDone((put.json.deploymentId as number) + 1);
  });
  console.log(`${describeLoad('broken v3, rolled back', result)}; ${deployment?.status}: ${deployment?.reason}`);
  if (result.failed > 0) console.log((await getJob()).tasks.map((t) => `${t.id} v${t.version} ${t.status} ${t.nodeId ?? '-'} ${(t as { reason?: string }).reason ?? ''}`).join('\n'));
  expect(deployment).toMatchObject({ status: 'ROLLED_BACK', toVersion: 2, rollbackOf: { version: 3 } });
  expect(result.failed).toBe(0);
  const answers = await answeringReplicas(webUrl());
  expect([...answers].every((r) => r.startsWith('v2 '))).toBe(true);
});

test('scale to 5 then 2: counts follow, and the copies that stay are never restarted', async () => {
  // The rolled-back v3 copies' containers gone: the 3 that stay are the v2 copies.
  await waitUntil('3 containers, all serving', async () => (await containers()).length === 3 && (await getJob()).tasks.filter((t) => t.status === 'RUNNING' && t.health === 'healthy').length === 3, 120_000);
  const before = await containers();
  expect((await api('POST', '/jobs/web/scale', { count: 5 })).status).toBe(202);
  await waitUntil('5 healthy replicas', async () => (await getJob()).tasks.filter((t) => t.status === 'RUNNING' && t.health === 'healthy').length === 5, 120_000);
  const five = await containers();
  expect(before.every((id) => five.includes(id))).toBe(true);
  expect((await api('POST', '/jobs/web/scale', { count: 2 })).status).toBe(202);
  await waitUntil('2 replicas left', async () => (await containers()).length === 2, 120_000);
  const two = await containers();
  expect(two.every((id) => five.includes(id))).toBe(true);
  const job = await getJob();
  expect(job.job.count).toBe(2);
  expect(job.job.deployment?.status).not.toBe('RUNNING');
  // The docker CLI agrees with dockerode: exactly the two that stayed run.
  expect(spawnSync('docker', ['ps', '-q', '--no-trunc', '--filter', `label=${LABELS.job}=${jobId}`]).stdout.toString().trim().split('\n').sort()).toEqual(two);
});
