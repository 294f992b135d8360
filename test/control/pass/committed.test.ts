import { runPass } from '../../../control/pass/run-pass';
import { beat, NOW, setup } from './pass-fixture';

describe('acting only on what committed', () => {
  it('does not terminate a node whose state change the store refused', async () => {
    const { store, fleet, deps } = setup();
    await store.recordHeartbeat(beat('i-0000000000000000c'), NOW - 120_000);
    // A racing writer: the node reports again between snapshot and apply.
    const snapshot = store.snapshot.bind(store);
    store.snapshot = async () => {
      const s = await snapshot();
      await store.applyPlan({ now: NOW, assignments: [], taskUpdates: [], nodeUpdates: [{ nodeId: 'i-0000000000000000c', from: 'ACTIVE', to: 'DRAINING' }], launches: [], terminations: [], unplaced: [], consolidations: [] });
      return s;
    };
    const report = await runPass(deps);
    expect(report.conflicts).toBeGreaterThan(0);
    expect(report.terminated).toEqual([]);
    expect(fleet.terminated).toEqual([]);
  });
});
