import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { InMemoryStateStore } from '../../../control/fakes/in-memory-state-store';
import type { PassWaker } from '../../../control/pass-waker';
import { StoreUnavailableError } from '../../../control/state/errors';
import type { Node } from '../../../core/model';
import { reclaimEvent } from '../../../lambdas/adapters/reclaim-event';
import { createHandler, type InterruptionDeps } from '../../../lambdas/handlers/interruptions';

const NOW = Date.parse('2026-12-02T14:00:30Z');
const ISSUED = Date.parse('2026-12-02T14:00:00Z');

/** The documented example events (spot-instance-termination-notices.html, rebalance-recommendations.html), for our node. */
const interruption = (nodeId: string, action = 'terminate') => ({
  version: '0',
  id: '12345678-1234-1234-1234-123456789012',
  'detail-type': 'EC2 Spot Instance Interruption Warning',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2026-12-02T14:00:00Z',
  region: 'us-east-2',
  resources: [`arn:aws:ec2:us-east-2:123456789012:instance/${nodeId}`],
  detail: { 'instance-id': nodeId, 'instance-action': action },
});
const rebalance = (nodeId: string) => ({
  version: '0',
  id: '12345678-1234-1234-1234-123456789012',
  'detail-type': 'EC2 Instance Rebalance Recommendation',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2026-12-02T14:00:00Z',
  region: 'us-east-2',
  resources: [`arn:aws:ec2:us-east-2:123456789012:instance/${nodeId}`],
  detail: { 'instance-id': nodeId },
});
const sqs = (...bodies: unknown[]): SQSEvent => ({
  Records: bodies.map((b, i) => ({ messageId: `m${i}`, body: typeof b === 'string' ? b : JSON.stringify(b) }) as SQSRecord),
});
const node = (id: string): Node => ({ id, instanceType: 'm5.large', zone: 'us-east-1a', labels: {}, capacity: { cpu: 2000, memoryMiB: 8192 }, state: 'ACTIVE', launchedAt: NOW - 600_000, pricePerHour: 0.04, capacityType: 'spot' });

function setup() {
  const store = new InMemoryStateStore();
  const wakes: number[] = [];
  const waker: PassWaker = { wakeAt: async (at) => (wakes.push(at), 'sent') };
  const logs: Array<{ level: string; message: string; extra?: Record<string, unknown> }> = [];
  const logger = {
    info: (message: string, extra?: Record<string, unknown>) => logs.push({ level: 'info', message, extra }),
    warn: (message: string, extra?: Record<string, unknown>) => logs.push({ level: 'warn', message, extra }),
    error: (message: string, extra?: Record<string, unknown>) => logs.push({ level: 'error', message, extra }),
  };
  const deps: InterruptionDeps = { store, waker, clock: { now: () => NOW }, logger };
  return { store, wakes, logs, deps, handler: createHandler(() => deps) };
}

describe('interruptions handler', () => {
  it('marks the node DRAINING with the deadline two minutes after the warning was issued, and asks for a pass at once', async () => {
    const { store, wakes, handler } = setup();
    await store.recordLaunch(node('i-0123456789abcdef0'));

    expect(await handler(sqs(interruption('i-0123456789abcdef0')))).toEqual({ batchItemFailures: [] });

    expect((await store.listNodes())[0]).toMatchObject({ state: 'DRAINING', reclaim: { notice: 'interruption', noticedAt: NOW, deadline: ISSUED + 120_000 } });
    expect(wakes).toEqual([NOW]);
  });

  it('takes a hibernation as due at once: EC2 gives it no two minutes', async () => {
    const { store, handler } = setup();
    await store.recordLaunch(node('i-0123456789abcdef0'));
    await handler(sqs(interruption('i-0123456789abcdef0', 'hibernate')));
    expect((await store.listNodes())[0].reclaim).toEqual({ notice: 'interruption', noticedAt: NOW, deadline: ISSUED });
  });

  it('marks a rebalance recommendation without a deadline', async () => {
    const { store, handler } = setup();
    await store.recordLaunch(node('i-0123456789abcdef0'));
    await handler(sqs(rebalance('i-0123456789abcdef0')));
    expect((await store.listNodes())[0]).toMatchObject({ state: 'DRAINING', reclaim: { notice: 'rebalance', noticedAt: NOW } });
    expect((await store.listNodes())[0].reclaim?.deadline).toBeUndefined();
  });

  it('ignores, with a log line, an instance that is not a node of this deployment, and asks for no pass', async () => {
    const { store, wakes, logs, handler } = setup();
    await store.recordLaunch(node('i-0aaaaaaaaaaaaaaaa'));
    expect(await handler(sqs(interruption('i-0123456789abcdef0')))).toEqual({ batchItemFailures: [] });
    expect(wakes).toEqual([]);
    expect((await store.listNodes())[0]).toMatchObject({ state: 'ACTIVE' });
    expect(logs).toContainEqual(expect.objectContaining({ level: 'info', message: expect.stringMatching(/not a node of this deployment/), extra: expect.objectContaining({ nodeId: 'i-0123456789abcdef0' }) }));
  });

  it.each([
    ['not JSON', '{oops', 'body'],
    ['another source', { ...interruption('i-0123456789abcdef0'), source: 'aws.autoscaling' }, 'source'],
    ['another event', { ...interruption('i-0123456789abcdef0'), 'detail-type': 'EC2 Instance State-change Notification' }, 'detail-type'],
    ['no time', { ...interruption('i-0123456789abcdef0'), time: 'soon' }, 'time'],
    ['a bad instance id', interruption('i-0123; rm -rf /'), 'detail.instance-id'],
    ['an unknown action', interruption('i-0123456789abcdef0', 'explode'), 'detail.instance-action'],
  ])('drops a malformed message (%s) with a log line naming the field, and still handles the others', async (_what, body, field) => {
    const { store, logs, handler } = setup();
    await store.recordLaunch(node('i-0aaaaaaaaaaaaaaaa'));

    expect(await handler(sqs(body, interruption('i-0aaaaaaaaaaaaaaaa')))).toEqual({ batchItemFailures: [] });

    expect(logs).toContainEqual(expect.objectContaining({ level: 'error', message: expect.stringMatching(/malformed reclaim event dropped/), extra: expect.objectContaining({ messageId: 'm0', field }) }));
    expect((await store.listNodes())[0]).toMatchObject({ state: 'DRAINING' });
  });

  it('reports a message whose write the store could not make as a batch item failure, for SQS to deliver again', async () => {
    const { store, deps } = setup();
    await store.recordLaunch(node('i-0aaaaaaaaaaaaaaaa'));
    const failing = { ...deps, store: { markReclaimed: async () => Promise.reject(new StoreUnavailableError('markReclaimed')) } };
    const handler = createHandler(() => failing);
    expect(await handler(sqs(interruption('i-0aaaaaaaaaaaaaaaa')))).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
  });

  it('reads the event the local cloud builds exactly as EC2\'s', async () => {
    const { store, handler } = setup();
    await store.recordLaunch(node('local-1-2'));
    await handler(sqs(reclaimEvent({ nodeId: 'local-1-2', notice: 'interruption', issuedAt: ISSUED, id: 'e1' })));
    expect((await store.listNodes())[0].reclaim).toEqual({ notice: 'interruption', noticedAt: NOW, deadline: ISSUED + 120_000 });
  });
});
