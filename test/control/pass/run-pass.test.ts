import { createHandler } from '../../../lambdas/handlers/scheduler';
import { runPass } from '../../../control/pass/run-pass';
import type { PassWaker } from '../../../control/pass-waker';
import { beat, job, NOW, setup, tasks } from './pass-fixture';

describe('runPass', () => {
  it('commits placements, tells exactly those nodes to sync, and writes a sample', async () => {
    const { store, commander, deps } = setup();
    await store.recordHeartbeat(beat('i-00000000000000001'), NOW - 1000);
    await store.recordHeartbeat(beat('i-00000000000000002'), NOW - 1000);
    const j = job('web', 3);
    await store.createJob(j, tasks(j));
    const report = await runPass(deps);
    expect(report.assignments).toBe(3);
    expect(report.conflicts).toBe(0);
    expect(commander.calls).toEqual([['i-00000000000000001']]);
    expect((await store.tasksForNode('i-00000000000000001')).map((t) => t.id).sort()).toEqual(['web.0', 'web.1', 'web.2']);
    const [sample] = await store.listSamples(NOW, NOW);
    expect(sample).toMatchObject({ t: NOW, nodes: 2, nodesByType: { 'm5.large': 2 }, allocated: { cpu: 1500, memoryMiB: 1536 }, capacity: { cpu: 4000, memoryMiB: 16384 }, pending: 0 });
    // Three 500-millicore copies need one node of the largest type, whatever their spread.
    expect(sample.lowerBound).toBe(1);
    expect(sample.controlPlane).toMatchObject({ schedulerInvocations: 1 });
    expect(sample.controlPlane!.schedulerMs).toBeGreaterThanOrEqual(0);
    // At least one transaction of three task writes and the node's (2 WRU each), and the sample itself.
    expect(sample.controlPlane!.writeRequestUnits).toBeGreaterThanOrEqual(2 * (3 + 1) + 1);
    expect(sample.controlPlane!.readRequestUnits).toBeGreaterThan(0);
  });

  it('terminates a node it declares lost, forgets it, and places its tasks elsewhere in the same pass', async () => {
    const { store, fleet, deps, clock } = setup();
    await store.recordHeartbeat(beat('i-0000000000000000a'), NOW);
    await store.recordHeartbeat(beat('i-0000000000000000b'), NOW);
    const j = job('web', 1);
    await store.createJob(j, tasks(j));
    await runPass(deps);
    const placedOn = (await store.snapshot()).tasks[0].nodeId!;
    const survivor = placedOn === 'i-0000000000000000a' ? 'i-0000000000000000b' : 'i-0000000000000000a';
    clock.t += 60_000;
    await store.recordHeartbeat(beat(survivor), clock.t);
    const report = await runPass(deps);
    expect(report.terminated).toEqual([placedOn]);
    expect(fleet.terminated).toEqual([placedOn]);
    expect((await store.listNodes()).map((n) => n.id)).toEqual([survivor]);
    expect((await store.snapshot()).tasks[0]).toMatchObject({ status: 'ASSIGNED', nodeId: survivor, generation: 2 });
  });
});

describe('runPass: the follow-up', () => {
  const recordingWaker = (fail?: Error) => {
    const asked: Array<{ at: number; now: number }> = [];
    const waker: PassWaker = {
      wakeAt: async (at, now) => {
        asked.push({ at, now });
        if (fail) throw fail;
        return 'sent';
      },
    };
    return { asked, waker };
  };

  it('asks the waker for the pass its plan wants, after acting, and reports it', async () => {
    const { store, deps } = setup();
    await store.recordHeartbeat(beat('i-00000000000000001'), NOW - 1000);
    const j = job('web', 2);
    await store.createJob(j, tasks(j));
    const { asked, waker } = recordingWaker();
    const report = await runPass({ ...deps, waker });
    expect(report.assignments).toBe(2);
    // Copies moved: a look one follow-up interval later (the default, 10 s).
    expect(asked).toEqual([{ at: NOW + 10_000, now: NOW }]);
    expect(report.followUp).toEqual({ at: NOW + 10_000, reason: 'this pass moved 2 copies or jobs on', request: 'sent' });
  });

  it('on a settled fleet asks only for the heartbeat deadline', async () => {
    const { store, deps } = setup();
    await store.recordHeartbeat(beat('i-00000000000000001'), NOW - 1000);
    const { asked, waker } = recordingWaker();
    await runPass({ ...deps, waker });
    expect(asked).toEqual([{ at: NOW - 1000 + deps.policy.heartbeatTimeoutMs + 1, now: NOW }]);
  });

  it('logs a waker that fails and finishes the pass: the schedule runs the next one', async () => {
    const { store, deps, logs } = setup();
    await store.recordHeartbeat(beat('i-00000000000000001'), NOW - 1000);
    const { waker } = recordingWaker(new Error('queue unreachable'));
    const report = await runPass({ ...deps, waker });
    expect(report.followUp?.request).toBe('failed');
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', message: 'could not ask for a follow-up pass; the schedule runs the next one', extra: expect.objectContaining({ error: 'queue unreachable' }) }));
  });

  it('without a waker (the simulator drives its own passes) says so and asks nothing', async () => {
    const { store, deps } = setup();
    await store.recordHeartbeat(beat('i-00000000000000001'), NOW - 1000);
    expect((await runPass(deps)).followUp?.request).toBe('no-waker');
  });
});

describe('the scheduler handler', () => {
  it('builds its dependencies once and runs one pass per invocation, whatever woke it', async () => {
    const { deps, store } = setup();
    const j = job('web', 1);
    await store.createJob(j, tasks(j));
    let built = 0;
    const handler = createHandler(() => {
      built++;
      return deps;
    });
    const first = await handler({ Records: [] });
    const second = await handler({ Records: [] });
    expect(built).toBe(1);
    expect(first.launched).toHaveLength(1);
    expect(second.now).toBe(NOW);
  });
});
