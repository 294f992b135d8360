import type { Job, Node, Task } from '../../../core/model';
import { plan } from '../../../core/pass/plan';
import type { Plan } from '../../../core/pass/plan-types';
import type { Snapshot } from '../../../core/pass/snapshot';
import type { SchedulerPolicy } from '../../../core/policy';
import { applyPlan, job, launching, MINUTE, node, NOW, policy, replicas, res, running, snapshot, unplacedReason } from '../fixtures';

const drained = (p: Plan) => p.nodeUpdates.filter((u) => u.to === 'DRAINING').map((u) => u.nodeId);
const targets = (p: Plan) => p.assignments.map((a) => a.nodeId).sort();

/** The launches of a plan as LAUNCHING nodes, ids `new0`…, so the next pass can place onto them. */
function launched(p: Plan, s: Snapshot): Snapshot {
  const nodes: Node[] = p.launches.map((l, i) => launching(`new${i}`, l.instanceType, MINUTE, { zone: l.zone, launchedAt: NOW }));
  return { ...s, nodes: [...s.nodes, ...nodes] };
}

describe('spread in a pass', () => {
  describe('placement and scale-up', () => {
    it('on a 1-node fleet, spreads 3 spread-node replicas over 2 nodes: 2 on the node, 1 waiting for one new node', () => {
      const web = job('web', { count: 3, spread: 'node' });
      const s = snapshot({ jobs: [web], tasks: replicas(web, 3), nodes: [node('a')] });
      const p = plan(s, NOW, policy());
      // N is at least 2 when the fleet may grow: ceil(3 / 2) = 2 per node.
      expect(targets(p)).toEqual(['a', 'a']);
      expect(p.launches).toHaveLength(1);
      expect(p.launches[0].forTasks).toHaveLength(1);
      expect(unplacedReason(p, 'web-2')).toMatch(/^no node fits: spread:node ×1; waiting for a new \S+ node in us-east-1[abc]$/);

      // The next pass puts the third replica on the launching node.
      const next = plan(launched(p, applyPlan(s, p)), NOW, policy());
      expect(targets(next)).toEqual(['new0']);
      expect(next.launches).toEqual([]);
    });

    it('does not buy a node per replica: on 3 nodes, 6 spread-node replicas go 2 per node and nothing is launched', () => {
      const web = job('web', { count: 6, spread: 'node' });
      const p = plan(snapshot({ jobs: [web], tasks: replicas(web, 6), nodes: [node('a'), node('b'), node('c')] }), NOW, policy());
      expect(targets(p)).toEqual(['a', 'a', 'b', 'b', 'c', 'c']);
      expect(p.launches).toEqual([]);
    });

    it('without spread, stacks the 3 replicas on the one node and launches nothing', () => {
      const web = job('web', { count: 3 });
      const p = plan(snapshot({ jobs: [web], tasks: replicas(web, 3), nodes: [node('a')] }), NOW, policy());
      expect(targets(p)).toEqual(['a', 'a', 'a']);
      expect(p.launches).toEqual([]);
    });

    it('counts a LAUNCHING node as available: no launch when the nodes on their way are enough', () => {
      const web = job('web', { count: 3, spread: 'node' });
      const nodes = [node('a'), launching('b'), launching('c')];
      const p = plan(snapshot({ jobs: [web], tasks: replicas(web, 3), nodes }), NOW, policy({ scaleUp: { maxNodes: 3 } }));
      expect(targets(p)).toEqual(['a', 'b', 'c']);
      expect(p.launches).toEqual([]);
    });

    it('stacks up to ceil(count / nodes) when the fleet cannot grow: 3 replicas on 2 nodes at their maximum go 2-1', () => {
      const web = job('web', { count: 3, spread: 'node' });
      const p = plan(snapshot({ jobs: [web], tasks: replicas(web, 3), nodes: [node('a'), node('b')] }), NOW, policy({ scaleUp: { maxNodes: 2 } }));
      expect(targets(p)).toEqual(['a', 'a', 'b']);
      expect(p.launches).toEqual([]);
    });

    it('counts only nodes that pass the job’s constraints', () => {
      const web = job('web', { count: 2, spread: 'node', constraints: { zones: ['us-east-1b'] } });
      const nodes = [node('a'), node('b', 'm5.large', { zone: 'us-east-1b' })];
      const p = plan(snapshot({ jobs: [web], tasks: replicas(web, 2), nodes }), NOW, policy({ scaleUp: { enabled: false } }));
      expect(targets(p)).toEqual(['b', 'b']);
    });

    it('spreads zone-spread replicas over at least 2 zones, launching into a zone the job lacks', () => {
      const web = job('web', { count: 3, spread: 'zone' });
      const s = snapshot({ jobs: [web], tasks: replicas(web, 3), nodes: [node('a', 'm5.xlarge')] });
      const p = plan(s, NOW, policy());
      expect(targets(p)).toEqual(['a', 'a']);
      expect(p.launches).toHaveLength(1);
      expect(['us-east-1b', 'us-east-1c']).toContain(p.launches[0].zone);
      expect(unplacedReason(p, 'web-2')).toMatch(/^no node fits: spread:zone ×1; /);
    });

    it('says why a spread copy waits when no new node may take it', () => {
      const web = job('web', { count: 4, spread: 'zone', constraints: { zones: ['us-east-1a', 'us-east-1b'] } });
      // 2 zones: at most 2 per zone; both zones are full for the job once 4 are placed, so a fifth copy (a migration) waits.
      const nodes = [node('a'), node('b', 'm5.large', { zone: 'us-east-1b' })];
      const tasks = [running('web-0', 'web', 'a'), running('web-1', 'web', 'a', { slot: 1 }), running('web-2', 'web', 'b', { slot: 2 }), running('web-3', 'web', 'b', { slot: 3 })];
      const extra: Task = { ...replicas(web, 5)[4], slot: 0, generation: 1, replaces: 'web-0' };
      const p = plan(snapshot({ jobs: [web], tasks: [...tasks, extra], nodes }), NOW, policy());
      expect(p.assignments).toEqual([]);
      expect(unplacedReason(p, 'web-4')).toBe('no node fits: spread:zone ×2; no new node can take it without breaking spread:zone (at most 2 copies per zone)');
    });
  });

  describe('consolidation and drains', () => {
    const calm = (over: Partial<SchedulerPolicy['consolidation']> = {}) =>
      policy({ scaleUp: { enabled: false }, consolidation: { stableForMs: 0, nodeMinAgeMs: 0, minSavingsPerHour: 0, ...over } });
    const fleet = (spread: Job['spread']) => {
      const web = job('web', { count: 2, spread, resources: res(500, 512) });
      return snapshot({
        jobs: [web],
        tasks: [running('web-0', 'web', 'a', { createdAt: NOW - MINUTE * 60 }), running('web-1', 'web', 'b', { slot: 1, createdAt: NOW - MINUTE * 60 })],
        nodes: [node('a'), node('b')],
      });
    };

    it('drains one of two half-empty nodes when the job packs freely', () => {
      expect(drained(plan(fleet('none'), NOW, calm()))).toHaveLength(1);
    });

    it('refuses the drain that would put both replicas of a spread-node job on one node', () => {
      const p = plan(fleet('node'), NOW, calm());
      expect(drained(p)).toEqual([]);
      expect(p.assignments).toEqual([]);
    });

    it('moves a zone-spread replica within its zone, never into the zone holding the other', () => {
      const web = job('web', { count: 2, spread: 'zone', resources: res(500, 512) });
      const nodes = [node('a1'), node('a2', 'm5.large', { pricePerHour: 0.05 }), node('b1', 'm5.large', { zone: 'us-east-1b', pricePerHour: 0.05 })];
      const tasks = [running('web-0', 'web', 'a1'), running('web-1', 'web', 'b1', { slot: 1 })];
      const p = plan(snapshot({ jobs: [web], tasks, nodes }), NOW, calm({ disruptionBudget: 3 }));
      // a1's copy may go to a2 (same zone) but not to b1; b1's copy may go nowhere (its zone has no other node, a's zone is full).
      expect(drained(p)).toEqual(['a1']);
      expect(targets(p)).toEqual(['a2']);
    });

    it('places a drain’s replacement where spread allows, and abandons the drain when nowhere does', () => {
      const web = job('web', { count: 2, spread: 'node' });
      const big = job('big', { resources: res(2000, 4096) });
      const tasks = [running('web-0', 'web', 'x'), running('web-1', 'web', 'a', { slot: 1 })];
      const withRoom = plan(snapshot({ jobs: [web], tasks, nodes: [node('x', 'm5.large', { state: 'DRAINING' }), node('a'), node('b')] }), NOW, calm());
      expect(targets(withRoom)).toEqual(['b']);
      // b is full: a has room, but already holds the one replica per node spread allows.
      const full = [...tasks, running('big-0', 'big', 'b', { resources: big.resources })];
      const noRoom = plan(snapshot({ jobs: [web, big], tasks: full, nodes: [node('x', 'm5.large', { state: 'DRAINING' }), node('a'), node('b')] }), NOW, calm());
      expect(noRoom.assignments).toEqual([]);
      expect(noRoom.nodeUpdates.find((u) => u.nodeId === 'x')).toMatchObject({ to: 'ACTIVE', reason: 'drain abandoned: a replacement copy does not fit (no node fits: insufficient-cpu ×1, node-not-accepting-work ×1, spread:node ×1)' });
    });
  });
});
