import { checkCapacity, checkDeploymentBudgets, checkNothingLost, checkSingleCopy, ReplicaHistory } from './invariants';
import { job, node, NOW, res, running, snapshot, task } from '../core/fixtures';

const ctx = { seed: 42, now: NOW };

// Each invariant must fire on a state that breaks it, or a green chaos run proves nothing.
describe('chaos invariants', () => {
  describe('checkCapacity', () => {
    it('accepts a node whose copies fit and whose counter matches them', () => {
      const s = snapshot({ jobs: [job('j')], nodes: [node('n1', 'm5.large', { allocated: res(1000, 1024) })], tasks: [running('a', 'j', 'n1'), running('b', 'j', 'n1', { slot: 1 })] });
      expect(checkCapacity(s, ctx)).toEqual([]);
    });

    it('names the node, its tasks and the seed when its copies exceed its capacity', () => {
      const big = res(1500, 512);
      const s = snapshot({ jobs: [job('j')], nodes: [node('n1', 'm5.large', { allocated: res(3000, 1024) })], tasks: [running('a', 'j', 'n1', { resources: big }), running('b', 'j', 'n1', { slot: 1, resources: big })] });
      const [v] = checkCapacity(s, ctx);
      expect(v).toMatch(/node n1 holds 3000 mCPU .* over capacity 2000/);
      expect(v).toMatch(/tasks a, b/);
      expect(v).toMatch(/seed 42/);
    });

    it('fires when the allocated counter drifts from the copies that hold resources', () => {
      const s = snapshot({ jobs: [job('j')], nodes: [node('n1', 'm5.large', { allocated: res(500, 512) })], tasks: [] });
      expect(checkCapacity(s, ctx)).toEqual([expect.stringMatching(/allocated counter 500 mCPU \/ 512 MiB differs from Σ of its copies 0 \/ 0/)]);
    });
  });

  describe('checkSingleCopy', () => {
    it('allows a migration copy next to the copy it replaces', () => {
      const s = snapshot({ jobs: [job('j')], tasks: [running('j.0', 'j', 'n1'), task('j.0.g2', 'j', { status: 'ASSIGNED', nodeId: 'n2', generation: 2, replaces: 'j.0' })] });
      expect(checkSingleCopy(s, ctx)).toEqual([]);
    });

    it('fires when two copies of one slot hold resources and neither replaces the other', () => {
      const s = snapshot({ jobs: [job('j')], tasks: [running('j.0', 'j', 'n1'), running('j.0.g2', 'j', 'n2', { generation: 2 })] });
      expect(checkSingleCopy(s, ctx)).toEqual([expect.stringMatching(/slot j#0 is held by j\.0 gen 1 RUNNING on n1 and j\.0\.g2 gen 2 RUNNING on n2/)]);
    });

    it('allows a chain: a deployment superseded mid-way holds v1, its v2 copy and the v3 copy replacing that', () => {
      const s = snapshot({ jobs: [job('j')], tasks: [running('j.0', 'j', 'n1'), running('j.0.g2', 'j', 'n2', { generation: 2, replaces: 'j.0', version: 2 }), task('j.0.g3', 'j', { status: 'ASSIGNED', nodeId: 'n3', generation: 3, replaces: 'j.0.g2', version: 3 })] });
      expect(checkSingleCopy(s, ctx)).toEqual([]);
    });

    it('fires when agents run one slot and generation in two containers', () => {
      const s = snapshot({ jobs: [job('j')], tasks: [running('j.0', 'j', 'n1')] });
      const live = [
        { nodeId: 'n1', taskId: 'j.0', jobId: 'j', slot: 0, generation: 1 },
        { nodeId: 'n2', taskId: 'j.0', jobId: 'j', slot: 0, generation: 1 },
      ];
      expect(checkSingleCopy(s, ctx, live)).toEqual([expect.stringMatching(/j#0@1 runs in 2 containers \(j\.0 on n1, j\.0 on n2\)/)]);
    });
  });

  describe('checkNothingLost', () => {
    it('accepts running, waiting-with-a-reason, completed batch and given-up work', () => {
      const s = snapshot({
        jobs: [job('svc', { count: 2 }), job('b', { kind: 'batch', count: 2 })],
        tasks: [
          running('svc.0', 'svc', 'n1'),
          task('svc.1', 'svc', { slot: 1, status: 'PENDING', reason: 'no node fits' }),
          task('b.0', 'b', { status: 'COMPLETED', exitCode: 0 }),
          task('b.1', 'b', { slot: 1, status: 'FAILED', exitCode: 1, restarts: 3 }),
        ],
      });
      expect(checkNothingLost(s, { ...ctx, settled: true })).toEqual([]);
    });

    it('fires when a slot of an accepted job has no current task', () => {
      const s = snapshot({ jobs: [job('svc', { count: 2 })], tasks: [running('svc.0', 'svc', 'n1'), task('svc.1', 'svc', { slot: 1, status: 'STOPPED', reason: 'replaced' })] });
      expect(checkNothingLost(s, { ...ctx, settled: false })).toEqual([expect.stringMatching(/job svc has 1 slots with a current task, under its count 2 \(slots with none: 1: svc\.1 STOPPED "replaced"\)/)]);
    });

    it('fires, once settled, on work left LOST, pending without a reason, or an exit whose restart was never planned', () => {
      const s = snapshot({
        jobs: [job('svc', { count: 3 })],
        tasks: [
          task('svc.0', 'svc', { status: 'LOST', reason: 'node n1 lost' }),
          task('svc.1', 'svc', { slot: 1, status: 'PENDING' }),
          task('svc.2', 'svc', { slot: 2, status: 'FAILED', exitCode: 137 }),
        ],
      });
      const found = checkNothingLost(s, { ...ctx, settled: true });
      expect(found).toEqual([
        expect.stringMatching(/svc\.0 .* still LOST/),
        expect.stringMatching(/svc\.1 .* PENDING with no reason/),
        expect.stringMatching(/svc\.2 .* FAILED but its restart .* was never planned/),
      ]);
      // Mid-run a crashed pass may leave exactly this for the next pass to finish.
      expect(checkNothingLost(s, { ...ctx, settled: false })).toEqual([]);
    });

    it('ignores stopped jobs', () => {
      const s = snapshot({ jobs: [job('svc', { count: 1, stopRequestedAt: NOW })], tasks: [task('svc.0', 'svc', { status: 'LOST' })] });
      expect(checkNothingLost(s, { ...ctx, settled: true })).toEqual([]);
    });
  });

  describe('ReplicaHistory', () => {
    const twoUp = snapshot({ jobs: [job('svc', { count: 2 })], tasks: [running('svc.0', 'svc', 'n1'), running('svc.1', 'svc', 'n2', { slot: 1 })] });
    const oneUp = snapshot({ jobs: [job('svc', { count: 2 })], tasks: [running('svc.0', 'svc', 'n1'), task('svc.1', 'svc', { slot: 1, status: 'STOPPED', reason: 'replaced by svc.1.g2 on n3' }), task('svc.1.g2', 'svc', { slot: 1, generation: 2, status: 'ASSIGNED', nodeId: 'n3', replaces: 'svc.1' })] });

    it('fires when a service loses a running replica with no fault to explain it (consolidation stopped it early)', () => {
      const h = new ReplicaHistory(60_000);
      expect(h.check(twoUp, ctx)).toEqual([]);
      expect(h.check(oneUp, { ...ctx, now: NOW + 15_000 })).toEqual([expect.stringMatching(/service svc fell from 2 to 1 RUNNING \(count 2\) with no node death or container kill on its nodes n1, n2/)]);
    });

    it('forgives a drop a fault on one of its nodes explains, within the window', () => {
      const h = new ReplicaHistory(60_000);
      h.check(twoUp, ctx);
      h.recordFault({ t: NOW + 5_000, kind: 'node-death', nodeId: 'n2' });
      expect(h.check(oneUp, { ...ctx, now: NOW + 15_000 })).toEqual([]);
    });

    it('does not let a fault on another node, or an old one, explain a drop', () => {
      const h = new ReplicaHistory(60_000);
      h.check(twoUp, ctx);
      h.recordFault({ t: NOW + 5_000, kind: 'node-death', nodeId: 'n9' });
      h.recordFault({ t: NOW - 120_000, kind: 'node-death', nodeId: 'n2' });
      expect(h.check(oneUp, { ...ctx, now: NOW + 15_000 })).toHaveLength(1);
    });

    it('allows a drop back to the replica count after a migration ran both copies', () => {
      const h = new ReplicaHistory(60_000);
      const threeUp = snapshot({ jobs: [job('svc', { count: 2 })], tasks: [...twoUp.tasks, running('svc.1.g2', 'svc', 'n3', { slot: 1, generation: 2, replaces: 'svc.1' })] });
      h.check(threeUp, ctx);
      expect(h.check(twoUp, { ...ctx, now: NOW + 15_000 })).toEqual([]);
    });
  });

  describe('checkDeploymentBudgets', () => {
    const deploying = (over = {}) => job('web', { count: 2, version: 2, deployment: { id: 2, fromVersion: 1, toVersion: 2, status: 'RUNNING', startedAt: NOW }, update: { maxSurge: 1, maxUnavailable: 0, minHealthySeconds: 0, progressDeadlineSeconds: 600, autoRollback: true }, ...over });
    const v1 = (slot: number, over = {}) => running(`web.${slot}`, 'web', 'n1', { slot, version: 1, health: 'healthy', ...over });

    it('accepts a surge within maxSurge and a replacement that leaves count serving', () => {
      const before = snapshot({ jobs: [deploying()], tasks: [v1(0), v1(1), running('web.0.g2', 'web', 'n2', { generation: 2, replaces: 'web.0', version: 2, health: 'healthy' })] });
      const after = snapshot({ jobs: [deploying()], tasks: [v1(0, { stopAt: NOW + 15_000, reason: 'deregistering from the load balancer, then stopping: replaced by v2' }), v1(1), running('web.0.g2', 'web', 'n2', { generation: 2, replaces: 'web.0', version: 2, health: 'healthy' })] });
      expect(checkDeploymentBudgets(before, after, ctx)).toEqual([]);
    });

    it('fires over count + maxSurge, naming the copies', () => {
      const s = snapshot({ jobs: [deploying()], tasks: [v1(0), v1(1), task('web.0.g2', 'web', { version: 2, replaces: 'web.0' }), task('web.1.g2', 'web', { slot: 1, version: 2, replaces: 'web.1' })] });
      expect(checkDeploymentBudgets(undefined, s, ctx)).toEqual([expect.stringMatching(/job web has 4 copies staying, over count 2 \+ maxSurge 1/)]);
    });

    it('fires when a pass takes an old copy out with fewer than count − maxUnavailable left serving', () => {
      const before = snapshot({ jobs: [deploying()], tasks: [v1(0), v1(1), task('web.0.g2', 'web', { status: 'STARTING', nodeId: 'n2', version: 2, replaces: 'web.0' })] });
      const after = snapshot({ jobs: [deploying()], nodes: [node('n1'), node('n2')], tasks: [v1(0, { status: 'STOPPED', reason: 'replaced by v2' }), v1(1), task('web.0.g2', 'web', { status: 'STARTING', nodeId: 'n2', version: 2, replaces: 'web.0' })] });
      expect(checkDeploymentBudgets(before, after, ctx)).toEqual([expect.stringMatching(/took web\.0 out for replacement leaving 1 serving, under count 2 − maxUnavailable 0/)]);
      // Not when its node was lost: a copy there serves nothing, and replacing it at once is right.
      const lost = { ...after, nodes: [node('n1', 'm5.large', { state: 'LOST' }), node('n2')] };
      expect(checkDeploymentBudgets(before, lost, ctx)).toEqual([]);
    });
  });
});
