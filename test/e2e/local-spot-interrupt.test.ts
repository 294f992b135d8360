import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { LocalCloud } from '../../local/local-cloud';
import { waitUntil } from '../../local/wait-until';
import { startE2eCloud, WEB_EXAMPLE, type E2eCloud } from '../support/e2e-cloud';
import { answeringReplicas, describeLoad, underLoad } from '../support/load-client';
import { ROOT } from '../support/run-cli';

/**
 * A Spot interruption on the local cloud, end to end: two nodes, the web example with
 * a replica on each behind haproxy, and `stowage local interrupt <node>` run as a user
 * runs it. The notice goes through the same handler as the Lambda's, the node drains,
 * and its replica must be serving from the other node before EC2 (the local cloud,
 * at the deadline) takes the node back; a client requesting all along must see no
 * failed request. The time from the notice to every copy running elsewhere is printed
 * as a figure, not asserted.
 */

jest.setTimeout(420_000);

/**
 * EC2's own two minutes (the local cloud's default): the requirement is that copies run
 * elsewhere before the instance is taken, and a shortened warning would make that a
 * race with the machine's load rather than the behaviour under test.
 */
const WARNING_MS = 120_000;

let e2e: E2eCloud;
let cloud: LocalCloud;
const api: E2eCloud['api'] = (method, route, body) => e2e.api(method, route, body);

interface TaskRow {
  id: string;
  nodeId?: string;
  health?: string;
  status: string;
}
const running = async (jobId: string): Promise<TaskRow[]> => ((await api('GET', `/jobs/${jobId}`)).json.tasks as TaskRow[]).filter((t) => t.status === 'RUNNING');

/** The CLI as a user runs it, in its own process (asynchronously: the cloud runs in this one and must answer it). */
function stowage(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/stowage.js', ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  e2e = await startE2eCloud('spot-interrupt', { nodes: 2, instanceTypes: ['m5.large'], maxNodes: 2, minNodes: 2, interruptionWarningMs: WARNING_MS });
  cloud = e2e.cloud;
});

afterAll(async () => {
  await e2e?.stop();
});

test('`stowage local interrupt` drains the node: its replica serves from the other node before the node is taken back, and the client sees no failed request', async () => {
  const web = await api('POST', '/jobs', { ...WEB_EXAMPLE, count: 2, spread: 'node' });
  expect(web.status).toBe(202);
  const jobId = web.json.jobId as string;
  await waitUntil('one healthy replica on each node', async () => {
    const now = await running(jobId);
    return now.filter((t) => t.health === 'healthy').length === 2 && new Set(now.map((t) => t.nodeId)).size === 2;
  }, 120_000);
  const url = `${cloud.loadBalancerUrl}/web/`;
  await waitUntil('both replicas answering through haproxy', async () => (await answeringReplicas(url)).size === 2, 60_000);
  const victim = (await running(jobId))[0].nodeId!;
  const takenBack = () => cloud.events.some((e) => e.text.includes(`took back ${victim}`));

  let noticeToMoved = 0;
  let deadline = 0;
  let reclaimedBeforeMove = true;
  const result = await underLoad(url, async () => {
    const sent = Date.now();
    const cli = await stowage('local', 'interrupt', victim, '--dir', path.dirname(cloud.credentialsFile));
    expect(cli).toMatchObject({ code: 0, stdout: expect.stringContaining(`interruption warning sent for ${victim}; it is taken back at `) });
    const node = (await cloud.store.listNodes()).find((n) => n.id === victim)!;
    expect(node).toMatchObject({ state: 'DRAINING', reclaim: { notice: 'interruption' } });
    deadline = node.reclaim!.deadline!;

    await waitUntil('both replicas healthy on the other node', async () => {
      const now = await running(jobId);
      return now.length === 2 && now.every((t) => t.health === 'healthy' && t.nodeId !== victim);
    }, WARNING_MS + 60_000);
    noticeToMoved = Date.now() - sent;
    reclaimedBeforeMove = takenBack();
    await waitUntil('both replicas answering through haproxy from the other node', async () => (await answeringReplicas(url)).size === 2, 60_000);
    // The local EC2 takes the node back at its deadline, whether or not the scheduler ended it first.
    await waitUntil('the node taken back at its deadline', async () => takenBack() && !cloud.fleet.running.includes(victim), WARNING_MS + 30_000);
  });
  console.log(describeLoad('Spot node interrupted', result));
  console.log(`notice to every copy running elsewhere: ${(noticeToMoved / 1000).toFixed(1)} s (warning ${WARNING_MS / 1000} s; EC2 gives 120 s), deadline ${new Date(deadline).toISOString()}`);
  expect(reclaimedBeforeMove).toBe(false);
  expect(result.sent).toBeGreaterThan(50);
  expect(result.failed).toBe(0);
});
