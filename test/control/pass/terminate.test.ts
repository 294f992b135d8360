import { FleetError } from '../../../control/fleet';
import { runPass } from '../../../control/pass/run-pass';
import { beat, NOW, setup } from './pass-fixture';

describe('terminating', () => {
  it('forgets nodes the fleet refused to terminate (not ours) along with the ones it terminated, so one stray id blocks nothing', async () => {
    const { store, fleet, logs, deps } = setup();
    await store.recordHeartbeat(beat('i-0000000000000000d'), NOW - 120_000);
    await store.recordHeartbeat(beat('i-0000000000000000e'), NOW - 120_000);
    fleet.terminate = async (ids) => {
      throw new FleetError('refused', { operation: 'terminate', instanceIds: ids.filter((id) => id.endsWith('e')), retriable: false });
    };
    const report = await runPass(deps);
    expect([...report.terminated].sort()).toEqual(['i-0000000000000000d', 'i-0000000000000000e']);
    expect(await store.listNodes()).toEqual([]);
    expect(logs.some((l) => l.level === 'error' && /does not own/.test(l.message))).toBe(true);
  });

  it('keeps the nodes when termination failed for a reason a retry may fix', async () => {
    const { store, fleet, deps } = setup();
    await store.recordHeartbeat(beat('i-0000000000000000f'), NOW - 120_000);
    fleet.terminate = async (ids) => {
      throw new FleetError('throttled', { operation: 'terminate', instanceIds: ids, retriable: true });
    };
    expect((await runPass(deps)).terminated).toEqual([]);
    expect((await store.listNodes()).map((n) => n.state)).toEqual(['LOST']);
  });
});
