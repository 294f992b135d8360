import type { Heartbeat } from '../../../control/state/node-report';
import type { StateStore } from '../../../control/state/state-store';
import type { Node, Reclaim } from '../../../core/model';
import { beat as fixtureBeat } from '../pass/pass-fixture';

const NOW = 1_800_000_000_000;

const launched = (id: string, over: Partial<Node> = {}): Node => ({
  id,
  instanceType: 'm5.large',
  zone: 'us-east-1a',
  labels: {},
  capacity: { cpu: 2000, memoryMiB: 8192 },
  state: 'LAUNCHING',
  launchedAt: NOW,
  pricePerHour: 0.04,
  capacityType: 'spot',
  ...over,
});
/** A Spot node's report: the pass fixture's, at a Spot price. */
const beat = (nodeId: string, over: Partial<Heartbeat> = {}): Heartbeat => ({ ...fixtureBeat(nodeId), pricePerHour: 0.04, capacityType: 'spot', ...over });
const interruption: Reclaim = { notice: 'interruption', noticedAt: NOW + 1_000, deadline: NOW + 121_000 };
const rebalance: Reclaim = { notice: 'rebalance', noticedAt: NOW + 500 };

/**
 * A cloud's reclaim notice on a node (StateStore.markReclaimed) and the capacity type a
 * node carries, held to the same rules by every store.
 */
export function describeReclaimContract(name: string, fresh: () => Promise<StateStore>): void {
  describe(`reclaim notice contract: ${name}`, () => {
    it('keeps the capacity type a launch recorded and a report states, and snapshots return it', async () => {
      const s = await fresh();
      await s.recordLaunch(launched('n1'));
      expect((await s.snapshot()).nodes).toEqual([expect.objectContaining({ id: 'n1', capacityType: 'spot' })]);
      // A report that leaves it out (an agent from before Spot) keeps what is stored.
      await s.recordHeartbeat(beat('n1', { capacityType: undefined }), NOW + 10_000);
      expect((await s.listNodes())[0]).toMatchObject({ state: 'ACTIVE', capacityType: 'spot' });
      await s.recordHeartbeat(beat('n2', { capacityType: 'on-demand' }), NOW + 10_000);
      expect((await s.listNodes()).find((n) => n.id === 'n2')).toMatchObject({ capacityType: 'on-demand' });
    });

    it('marks an active node DRAINING with the interruption and its deadline; later reports keep both', async () => {
      const s = await fresh();
      await s.recordLaunch(launched('n1'));
      await s.recordHeartbeat(beat('n1'), NOW + 10_000);

      expect(await s.markReclaimed('n1', interruption)).toBe('marked');

      expect((await s.snapshot()).nodes).toEqual([expect.objectContaining({ id: 'n1', state: 'DRAINING', reclaim: interruption, capacityType: 'spot' })]);
      await s.recordHeartbeat(beat('n1', { usage: { cpu: 5, memoryMiB: 5 } }), NOW + 20_000);
      expect((await s.listNodes())[0]).toMatchObject({ state: 'DRAINING', reclaim: interruption });
    });

    it('marks a node still LAUNCHING, and its first report does not make it ACTIVE', async () => {
      const s = await fresh();
      await s.recordLaunch(launched('n1'));
      expect(await s.markReclaimed('n1', interruption)).toBe('marked');
      await s.recordHeartbeat(beat('n1'), NOW + 5_000);
      expect((await s.listNodes())[0]).toMatchObject({ state: 'DRAINING', reclaim: interruption });
    });

    it('lets an interruption replace a rebalance recommendation, and never the reverse; a repeated notice changes nothing', async () => {
      const s = await fresh();
      await s.recordLaunch(launched('n1'));
      expect(await s.markReclaimed('n1', rebalance)).toBe('marked');
      expect((await s.listNodes())[0]).toMatchObject({ state: 'DRAINING', reclaim: rebalance });
      expect(await s.markReclaimed('n1', { ...rebalance, noticedAt: NOW + 900 })).toBe('unchanged');
      expect(await s.markReclaimed('n1', interruption)).toBe('marked');
      expect(await s.markReclaimed('n1', { ...interruption, noticedAt: NOW + 5_000, deadline: NOW + 125_000 })).toBe('unchanged');
      expect(await s.markReclaimed('n1', { notice: 'rebalance', noticedAt: NOW + 6_000 })).toBe('unchanged');
      expect((await s.listNodes())[0].reclaim).toEqual(interruption);
    });

    it('does not mark a node it does not know, a removed one, or one past draining', async () => {
      const s = await fresh();
      expect(await s.markReclaimed('i-0123456789abcdef0', interruption)).toBe('not-found');
      await s.recordLaunch(launched('gone'));
      await s.removeNode('gone');
      expect(await s.markReclaimed('gone', interruption)).toBe('not-found');
      await s.recordLaunch(launched('lost'));
      await s.applyPlan({ now: NOW, assignments: [], taskUpdates: [], nodeUpdates: [{ nodeId: 'lost', from: 'LAUNCHING', to: 'LOST' }], launches: [], terminations: [], unplaced: [], consolidations: [] });
      expect(await s.markReclaimed('lost', interruption)).toBe('gone');
      expect((await s.listNodes()).map((n) => [n.id, n.state, n.reclaim])).toEqual([['lost', 'LOST', undefined]]);
    });
  });
}
