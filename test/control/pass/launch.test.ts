import { runPass } from '../../../control/pass/run-pass';
import { job, NOW, setup, tasks } from './pass-fixture';

describe('launching', () => {
  it('launches a node for work that fits none and records it LAUNCHING; the next pass assigns to it without a sync', async () => {
    const { store, fleet, commander, deps, clock } = setup();
    const j = job('web', 2);
    await store.createJob(j, tasks(j));
    const first = await runPass(deps);
    expect(first.launched).toHaveLength(1);
    const [id] = first.launched;
    expect(fleet.running.get(id)).toMatchObject({ zone: 'us-east-1a' });
    expect((await store.listNodes())[0]).toMatchObject({ id, state: 'LAUNCHING', launchedAt: NOW });
    clock.t += 15_000;
    const second = await runPass(deps);
    expect(second.assignments).toBe(2);
    expect(second.launched).toEqual([]);
    // Its agent reads its tasks at boot: SSM does not know the instance yet.
    expect(commander.calls).toEqual([]);
  });

  it('keeps going when a launch fails, logging it, and plans it again next pass', async () => {
    const { store, fleet, logs, deps, clock } = setup();
    fleet.failLaunches.push(new Error('InsufficientInstanceCapacity'));
    const j = job('web', 1);
    await store.createJob(j, tasks(j));
    const first = await runPass(deps);
    expect(first).toMatchObject({ launched: [], launchFailures: 1 });
    expect(logs.some((l) => l.level === 'error' && /launch failed/.test(l.message))).toBe(true);
    clock.t += 15_000;
    expect((await runPass(deps)).launched).toHaveLength(1);
  });
});
