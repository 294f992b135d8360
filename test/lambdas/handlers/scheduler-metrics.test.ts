import type { Metrics } from '@aws-lambda-powertools/metrics';
import { createHandler } from '../../../lambdas/handlers/scheduler';
import { job, NOW, setup, tasks } from '../../control/pass/pass-fixture';

/** Records what the handler publishes, as Powertools' Metrics would receive it. */
function recordingMetrics() {
  const added: Array<{ name: string; unit: string; value: number }> = [];
  let published = 0;
  const metrics = {
    addMetric: (name: string, unit: string, value: number) => added.push({ name, unit, value }),
    publishStoredMetrics: () => published++,
  };
  return { metrics: metrics as unknown as Metrics, added, published: () => published };
}

describe('scheduler handler metrics', () => {
  it('publishes the oldest pending wait, nodes lost and whether launches are held, once per pass', async () => {
    const { store, deps, clock } = setup();
    const j = job('web', 1, { createdAt: NOW - 90_000 });
    await store.createJob(j, tasks(j));
    const rec = recordingMetrics();
    const handler = createHandler(
      () => deps,
      () => rec.metrics,
    );
    await handler({ 'detail-type': 'Scheduled Event' } as never);
    const value = (name: string) => rec.added.filter((m) => m.name === name).at(-1);
    expect(value('OldestPendingSeconds')).toEqual({ name: 'OldestPendingSeconds', unit: 'Seconds', value: 90 });
    expect(value('NodesLost')).toEqual({ name: 'NodesLost', unit: 'Count', value: 0 });
    expect(value('LaunchesHeld')).toEqual({ name: 'LaunchesHeld', unit: 'Count', value: 0 });
    expect(value('LaunchFailures')).toEqual({ name: 'LaunchFailures', unit: 'Count', value: 0 });
    expect(rec.published()).toBe(1);

    // The launched node never boots: past the launch timeout it is lost, and the metric says so.
    clock.t += deps.policy.launchTimeoutMs + 1000;
    await handler({ 'detail-type': 'Scheduled Event' } as never);
    expect(value('NodesLost')?.value).toBe(1);
    expect(value('LaunchesHeld')?.value).toBe(0);
    expect(rec.published()).toBe(2);

    // Two more launches that never boot: the third in a row holds launches.
    for (let i = 0; i < 2; i++) {
      clock.t += deps.policy.launchTimeoutMs + 1000;
      await handler({ 'detail-type': 'Scheduled Event' } as never);
    }
    expect(value('LaunchesHeld')?.value).toBe(1);
    expect(value('Launches')?.value).toBe(0);
  });
});
