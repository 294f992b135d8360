import { runPass } from '../../../control/pass/run-pass';
import { beat, job, NOW, setup, tasks } from './pass-fixture';

describe('the pass sample', () => {
  it('takes what a replay models from the measures hook: duration from the items read, API requests, usage not measured', async () => {
    const { store, deps } = setup();
    await store.recordHeartbeat(beat('i-00000000000000001'), NOW - 1000);
    const j = job('web', 2);
    await store.createJob(j, tasks(j));
    let asked = 0;
    await runPass({ ...deps, measures: { schedulerMs: (items) => 100 + items, apiRequests: () => ++asked * 7, usageMeasured: false } });
    const [sample] = await store.listSamples(NOW, NOW);
    // The snapshot read one job, two tasks and one node.
    expect(sample.controlPlane).toMatchObject({ schedulerInvocations: 1, schedulerMs: 104, apiRequests: 7 });
    expect(sample.usageMeasured).toBe(false);
    expect(asked).toBe(1);
  });

  it('without the hook, measures the duration and leaves out what it cannot know', async () => {
    const { store, deps } = setup();
    await runPass(deps);
    const [sample] = await store.listSamples(NOW, NOW);
    expect(sample.controlPlane!.schedulerMs).toBeGreaterThanOrEqual(0);
    expect(sample.controlPlane).not.toHaveProperty('apiRequests');
    expect(sample).not.toHaveProperty('usageMeasured');
  });
});
