import type { LocalCloud } from '../../local/local-cloud';
import { startE2eCloud, WEB_EXAMPLE, type E2eCloud } from '../support/e2e-cloud';
import { waitUntil } from '../../local/wait-until';
import { answeringReplicas, describeLoad, underLoad } from '../support/load-client';

/**
 * A node drained because consolidation chose to, not because a test said so: two
 * nodes each hold a large filler and one replica of the web example; once the fillers
 * stop, the two replicas fit on one node and the scheduler's own consolidation drains
 * the other, moving its replica make-before-break (the new copy serving in the load
 * balancer before the old one is deregistered and stopped). A client requesting
 * through haproxy all along counts every failed request.
 */

jest.setTimeout(300_000);

const EXAMPLE = WEB_EXAMPLE;
let e2e: E2eCloud;
let cloud: LocalCloud;
const api: E2eCloud['api'] = (method, route, body) => e2e.api(method, route, body);

interface TaskRow { id: string; nodeId?: string; health?: string; status: string }
const running = async (jobId: string): Promise<TaskRow[]> => ((await api('GET', `/jobs/${jobId}`)).json.tasks as TaskRow[]).filter((t) => t.status === 'RUNNING');

beforeAll(async () => {
  e2e = await startE2eCloud('consolidation', { nodes: 2, instanceTypes: ['m5.large'], maxNodes: 2, minNodes: 1 });
  cloud = e2e.cloud;
});

afterAll(async () => {
  await e2e?.stop();
});

test('consolidation drains a node that holds a replica, and the client sees no failed request', async () => {
  // 1,700m of each m5.large's 2,000m: what is left holds one 250m replica and no more.
  const filler = await api('POST', '/jobs', { name: 'filler', image: 'stowage/busybox:local', command: ['sleep', '3600'], cpu: 1700, memoryMiB: 32, count: 2, kind: 'service', spread: 'node', stopGraceSeconds: 2 });
  expect(filler.status).toBe(202);
  const fillerId = filler.json.jobId as string;
  await waitUntil('a filler on each node', async () => new Set((await running(fillerId)).map((t) => t.nodeId)).size === 2, 120_000);

  const web = await api('POST', '/jobs', { ...EXAMPLE, count: 2, spread: 'none' });
  expect(web.status).toBe(202);
  const webId = web.json.jobId as string;
  await waitUntil('one healthy replica on each node', async () => {
    const now = await running(webId);
    return now.filter((t) => t.health === 'healthy').length === 2 && new Set(now.map((t) => t.nodeId)).size === 2;
  }, 120_000);
  const url = `${cloud.loadBalancerUrl}/web/`;
  await waitUntil('both replicas answering through haproxy', async () => (await answeringReplicas(url)).size === 2, 60_000);
  const nodesBefore = new Set((await running(webId)).map((t) => t.nodeId!));

  const statesSeen = new Map<string, Set<string>>();
  const result = await underLoad(url, async () => {
    expect((await api('DELETE', `/jobs/${fillerId}`)).status).toBe(202);
    await waitUntil('consolidation down to one node, both replicas healthy on it', async () => {
      for (const n of await cloud.store.listNodes()) statesSeen.set(n.id, (statesSeen.get(n.id) ?? new Set()).add(n.state));
      const active = (await cloud.store.listNodes()).filter((n) => n.state === 'ACTIVE');
      const now = await running(webId);
      return active.length === 1 && now.length === 2 && now.every((t) => t.health === 'healthy' && t.nodeId === active[0].id);
    }, 180_000);
  });
  console.log(describeLoad('node drained by consolidation', result));
  const drained = [...nodesBefore].filter((id) => statesSeen.get(id)?.has('DRAINING'));
  expect(drained).toHaveLength(1);
  expect(result.sent).toBeGreaterThan(50);
  expect(result.failed).toBe(0);
});
