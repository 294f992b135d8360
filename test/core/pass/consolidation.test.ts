import type { Job, Node, Task } from '../../../core/model';
import { plan } from '../../../core/pass/plan';
import type { Plan } from '../../../core/pass/plan-types';
import type { ConsolidationPolicy, SchedulerPolicy } from '../../../core/policy';
import type { Snapshot } from '../../../core/pass/snapshot';
import { applyPlan, cheapestType, instanceType, job, launching, MINUTE, node, nodeUpdateOf, NOW, policy, res, running, SECOND, snapshot, task, updateOf } from '../fixtures';

const HALF_CPU = res(500, 512);

function pass(parts: { jobs: Job[]; tasks: Task[]; nodes: Node[] }, consolidation: Partial<ConsolidationPolicy> = {}, now = NOW): Plan {
  return plan(snapshot(parts), now, policy({ consolidation }));
}

/** Drains recorded in the plan: node ids that go DRAINING. */
const drained = (p: Plan) => p.nodeUpdates.filter((u) => u.to === 'DRAINING').map((u) => u.nodeId);

describe('consolidation', () => {
  describe('empty nodes', () => {
    it('marks a node that holds no work with emptySince, and does not terminate it yet', () => {
      const p = pass({ jobs: [], tasks: [], nodes: [node('idle')] });
      expect(nodeUpdateOf(p, 'idle')).toEqual({ nodeId: 'idle', from: 'ACTIVE', emptySince: NOW });
      expect(p.terminations).toEqual([]);
    });

    it('keeps it through the grace period', () => {
      const p = pass({ jobs: [], tasks: [], nodes: [node('idle', 'm5.large', { emptySince: NOW - 2 * MINUTE + 1 })] }, { emptyGraceMs: 2 * MINUTE });
      expect(p.nodeUpdates).toEqual([]);
      expect(p.terminations).toEqual([]);
    });

    it('terminates it once empty for the grace period', () => {
      const p = pass({ jobs: [], tasks: [], nodes: [node('idle', 'm5.large', { emptySince: NOW - 2 * MINUTE })] }, { emptyGraceMs: 2 * MINUTE });
      expect(nodeUpdateOf(p, 'idle')).toMatchObject({ from: 'ACTIVE', to: 'TERMINATING', reason: 'empty past its grace period' });
      expect(p.terminations).toEqual([{ nodeId: 'idle', reason: 'empty for 120 s' }]);
      expect(p.consolidations).toEqual([{ nodeId: 'idle', action: 'remove-empty', savingsPerHour: instanceType('m5.large').pricePerHour, moves: 0 }]);
    });

    it('clears the marker when work arrives', () => {
      const web = job('web');
      const p = pass({ jobs: [web], tasks: [running('web-0', 'web', 'n')], nodes: [node('n', 'm5.large', { emptySince: NOW - MINUTE })] });
      expect(nodeUpdateOf(p, 'n')).toEqual({ nodeId: 'n', from: 'ACTIVE', emptySince: null });
    });

    it('does not count a node that this pass fills as empty', () => {
      const web = job('web');
      const p = pass({ jobs: [web], tasks: [task('web-0', 'web')], nodes: [node('n', 'm5.large', { emptySince: NOW - 60 * MINUTE })] });
      expect(p.assignments.map((a) => a.nodeId)).toEqual(['n']);
      expect(p.terminations).toEqual([]);
      expect(nodeUpdateOf(p, 'n')).toEqual({ nodeId: 'n', from: 'ACTIVE', emptySince: null });
    });

    it('does not terminate a node this pass just gave a zero-request task', () => {
      // Nothing in the model forbids requesting 0 cpu and 0 MiB; such a copy leaves the
      // node's free capacity untouched, but the node is no longer empty.
      const z = job('z', { resources: res(0, 0) });
      const p = pass({ jobs: [z], tasks: [task('z-0', 'z', { resources: res(0, 0) })], nodes: [node('idle', 'm5.large', { emptySince: NOW - 60 * MINUTE })] });
      expect(p.assignments.map((a) => a.nodeId)).toEqual(['idle']);
      expect(p.terminations).toEqual([]);
      expect(nodeUpdateOf(p, 'idle')?.to).toBeUndefined();
    });

    it('never takes the fleet below minNodes', () => {
      const nodes = ['a', 'b', 'c'].map((id) => node(id, 'm5.large', { emptySince: NOW - 60 * MINUTE }));
      expect(pass({ jobs: [], tasks: [], nodes }, { minNodes: 2 }).terminations).toHaveLength(1);
      expect(pass({ jobs: [], tasks: [], nodes }, { minNodes: 3 }).terminations).toHaveLength(0);
      expect(pass({ jobs: [], tasks: [], nodes }, { minNodes: 0 }).terminations).toHaveLength(3);
    });

    it('leaves LAUNCHING nodes alone however long they have been empty', () => {
      const p = pass({ jobs: [], tasks: [], nodes: [launching('boot', 'm5.large', 5 * MINUTE, { emptySince: NOW - 60 * MINUTE })] });
      expect(p.nodeUpdates).toEqual([]);
      expect(p.terminations).toEqual([]);
    });
  });

  describe('draining a lightly loaded node (make-before-break)', () => {
    const web = job('web', { count: 3, resources: HALF_CPU });
    const light = node('light', 'm5.large');
    const busy = node('busy', 'm5.xlarge');
    const tasks = [
      running('web-0', 'web', 'light', { slot: 0, generation: 1 }),
      running('web-1', 'web', 'busy', { slot: 1, generation: 1 }),
      running('web-2', 'web', 'busy', { slot: 2, generation: 1 }),
    ];

    it('drains it with a migration copy of each task onto the rest of the fleet', () => {
      const p = pass({ jobs: [web], tasks, nodes: [light, busy] });
      expect(drained(p)).toEqual(['light']);
      expect(nodeUpdateOf(p, 'light')?.reason).toBe('its 1 task(s) fit on other nodes');
      expect(p.assignments).toEqual([
        {
          taskId: 'web.0.g2',
          jobId: 'web',
          nodeId: 'busy',
          generation: 2,
          resources: HALF_CPU,
          create: { id: 'web.0.g2', jobId: 'web', slot: 0, generation: 2, status: 'ASSIGNED', nodeId: 'busy', resources: HALF_CPU, restarts: 0, replaces: 'web-0', createdAt: NOW },
        },
      ]);
      expect(p.consolidations).toEqual([{ nodeId: 'light', action: 'delete', savingsPerHour: light.pricePerHour, moves: 1, replacementType: undefined }]);
    });

    it('does not stop the old copy in the same pass', () => {
      const p = pass({ jobs: [web], tasks, nodes: [light, busy] });
      expect(p.taskUpdates).toEqual([]);
      expect(p.terminations).toEqual([]);
    });

    const drainingLight = { ...light, state: 'DRAINING' as const };
    const copy = (status: Task['status']) => task('web.0.g2', 'web', { slot: 0, generation: 2, status, nodeId: 'busy', replaces: 'web-0', createdAt: NOW - MINUTE });

    it('waits while the replacement is not yet RUNNING', () => {
      for (const status of ['ASSIGNED', 'STARTING'] as const) {
        const p = pass({ jobs: [web], tasks: [...tasks, copy(status)], nodes: [drainingLight, busy] });
        expect(p.taskUpdates).toEqual([]);
        expect(nodeUpdateOf(p, 'light')).toBeUndefined();
        expect(p.assignments).toEqual([]);
      }
    });

    it('stops the old copy once its replacement is RUNNING, then terminates the empty node', () => {
      const p = pass({ jobs: [web], tasks: [...tasks, copy('RUNNING')], nodes: [drainingLight, busy] });
      expect(updateOf(p, 'web-0')).toEqual({ taskId: 'web-0', from: 'RUNNING', generation: 1, to: 'STOPPED', reason: 'replaced by web.0.g2 on busy', releaseFrom: 'light' });
      expect(nodeUpdateOf(p, 'light')).toMatchObject({ from: 'DRAINING', to: 'TERMINATING', reason: 'drained' });
      expect(p.terminations).toEqual([{ nodeId: 'light', reason: 'drained: every task runs elsewhere' }]);
    });

    it('does not stop the old copy when its RUNNING replacement sits on a node this very pass declares LOST', () => {
      // The replacement is about to be re-placed from scratch; the old copy is the only
      // one still serving, so stopping it now breaks before anything is made.
      const dying = node('dying', 'm5.large', { lastHeartbeatAt: NOW - 2 * MINUTE });
      const p = pass({ jobs: [web], tasks: [tasks[0], { ...copy('RUNNING'), nodeId: 'dying' }], nodes: [drainingLight, dying, node('spare', 'm5.large')] });
      expect(nodeUpdateOf(p, 'dying')).toMatchObject({ to: 'LOST' });
      expect(updateOf(p, 'web-0')).toBeUndefined();
      expect(nodeUpdateOf(p, 'light')?.to).not.toBe('TERMINATING');
    });

    it('makes a new replacement when the previous one died', () => {
      const deadCopy = { ...copy('STOPPED'), nodeId: undefined };
      const p = pass({ jobs: [web], tasks: [...tasks, deadCopy], nodes: [drainingLight, busy] });
      expect(p.assignments).toHaveLength(1);
      expect(p.assignments[0]).toMatchObject({ taskId: 'web.0.g3', nodeId: 'busy', generation: 3, create: { replaces: 'web-0', status: 'ASSIGNED' } });
      expect(updateOf(p, 'web-0')).toBeUndefined();
    });

    it('terminates a DRAINING node with nothing left on it', () => {
      const p = pass({ jobs: [web], tasks: tasks.slice(1), nodes: [drainingLight, busy] });
      expect(nodeUpdateOf(p, 'light')).toMatchObject({ to: 'TERMINATING' });
      expect(p.terminations.map((t) => t.nodeId)).toEqual(['light']);
    });
  });

  describe('what may not be drained', () => {
    const two = (j: Job) => ({
      // The anchor cannot move, so 'busy' is never a candidate itself.
      jobs: [j, job('anchor', { doNotDisrupt: true })],
      tasks: [running('x-0', j.id, 'light'), running('anchor-0', 'anchor', 'busy', { resources: res(1000, 1024) })],
      nodes: [node('light', 'm5.large'), node('busy', 'm5.xlarge')],
    });

    it('drains the baseline (so the cases below are meaningful)', () => {
      expect(drained(pass(two(job('svc'))))).toEqual(['light']);
    });

    it('never moves a doNotDisrupt job', () => {
      expect(drained(pass(two(job('svc', { doNotDisrupt: true }))))).toEqual([]);
    });

    it('never moves a batch job', () => {
      expect(drained(pass(two(job('b', { kind: 'batch' }))))).toEqual([]);
    });

    it('never drains a node younger than nodeMinAgeMs', () => {
      const parts = two(job('svc'));
      // The fleet's quiet window (stableForMs) no longer than the age rule, so the age decides.
      const rules = { nodeMinAgeMs: 5 * MINUTE, stableForMs: 5 * MINUTE };
      parts.nodes[0] = node('light', 'm5.large', { launchedAt: NOW - 5 * MINUTE + 1 });
      expect(drained(pass(parts, rules))).toEqual([]);
      parts.nodes[0] = node('light', 'm5.large', { launchedAt: NOW - 5 * MINUTE });
      expect(drained(pass(parts, rules))).toEqual(['light']);
    });

    it('never moves a copy that is not yet RUNNING', () => {
      const parts = two(job('svc'));
      parts.tasks[0] = task('x-0', 'svc', { status: 'STARTING', nodeId: 'light' });
      expect(drained(pass(parts))).toEqual([]);
    });

    it('does not drain when the move saves less than minSavingsPerHour', () => {
      const price = instanceType('m5.large').pricePerHour;
      expect(drained(pass(two(job('svc')), { minSavingsPerHour: price + 0.001 }))).toEqual([]);
      expect(drained(pass(two(job('svc')), { minSavingsPerHour: price }))).toEqual(['light']);
    });

    it('does not drain while a task is waiting for a node', () => {
      const parts = two(job('svc'));
      const huge = job('huge', { resources: res(30_000, 1024) });
      const p = pass({ ...parts, jobs: [...parts.jobs, huge], tasks: [...parts.tasks, task('huge-0', 'huge', { resources: huge.resources })] });
      expect(p.launches).toHaveLength(1);
      expect(drained(p)).toEqual([]);
    });

    it('waits until the fleet has been quiet for stableForMs (no launch, no new copy)', () => {
      const parts = two(job('svc'));
      const withFreshCopy = (ageMs: number) => ({ ...parts, tasks: [...parts.tasks, running('anchor-1', 'anchor', 'busy', { slot: 1, createdAt: NOW - ageMs })] });
      expect(drained(pass(withFreshCopy(5 * MINUTE - 1), { stableForMs: 5 * MINUTE }))).toEqual([]);
      expect(drained(pass(withFreshCopy(5 * MINUTE), { stableForMs: 5 * MINUTE }))).toEqual(['light']);
      const freshNode = { ...parts, nodes: [...parts.nodes, node('new', 'm5.large', { launchedAt: NOW - MINUTE })] };
      expect(drained(pass(freshNode, { stableForMs: 5 * MINUTE, nodeMinAgeMs: 0 }))).toEqual([]);
      expect(drained(pass(freshNode, { stableForMs: 0, nodeMinAgeMs: 0 })).length).toBeGreaterThan(0);
    });

    it('does not drain while a node is LAUNCHING', () => {
      const parts = two(job('svc'));
      expect(drained(pass({ ...parts, nodes: [...parts.nodes, launching('boot')] }))).toEqual([]);
    });

    it('does not drain when its tasks fit nowhere else and no cheaper type holds them', () => {
      const parts = two(job('svc', { resources: res(1900, 1024) }));
      parts.tasks[0] = running('x-0', 'svc', 'light', { resources: res(1900, 1024) });
      parts.tasks[1] = running('anchor-0', 'anchor', 'busy', { resources: res(3000, 1024) });
      parts.nodes[0] = node('light', cheapestType().name); // the cheapest type already
      const p = pass(parts);
      expect(drained(p)).toEqual([]);
      expect(p.launches).toEqual([]);
    });

    it('never drains the last node', () => {
      const web = job('web');
      const p = pass({ jobs: [web], tasks: [running('web-0', 'web', 'only')], nodes: [node('only', 'm5.24xlarge')] });
      expect(drained(p)).toEqual([]);
    });
  });

  describe('the disruption budget', () => {
    // Four light nodes whose single tasks all fit the big one.
    const web = job('web', { count: 4 });
    const lights = ['l1', 'l2', 'l3', 'l4'].map((id) => node(id, 'm5.large'));
    const big = node('big', 'm5.4xlarge');
    const tasks = lights.map((n, slot) => running(`web-${slot}`, 'web', n.id, { slot }));
    const anchor = job('anchor', { doNotDisrupt: true });
    const anchorTask = running('anchor-0', 'anchor', 'big', { resources: res(8000, 8192) });
    const parts = { jobs: [web, anchor], tasks: [...tasks, anchorTask], nodes: [...lights, big] };

    it('drains at most disruptionBudget nodes in one pass', () => {
      expect(drained(pass(parts, { disruptionBudget: 1 }))).toHaveLength(1);
      expect(drained(pass(parts, { disruptionBudget: 2 }))).toHaveLength(2);
    });

    it('counts nodes already DRAINING against the budget', () => {
      const already = { ...parts, nodes: [{ ...lights[0], state: 'DRAINING' as const }, ...lights.slice(1), big] };
      expect(drained(pass(already, { disruptionBudget: 1 }))).toEqual([]);
      expect(drained(pass(already, { disruptionBudget: 2 }))).toHaveLength(1);
    });
  });

  describe('chained drains', () => {
    it('never drains a node it just moved another drained node’s work onto', () => {
      // With budget for two drains, light-a's copy goes to light-b (best fit); light-b
      // must then not be drained itself, or the copy lands on a DRAINING node.
      const web = job('web', { count: 3 });
      const tasks = [running('web-0', 'web', 'light-a', { slot: 0 }), running('web-1', 'web', 'light-b', { slot: 1 }), running('web-2', 'web', 'big', { slot: 2 }), running('web-3', 'web', 'big', { slot: 3 })];
      const p = pass({ jobs: [web], tasks, nodes: [node('light-a', 'm5.large'), node('light-b', 'm5.large'), node('big', 'm5.xlarge')] }, { disruptionBudget: 2 });
      const draining = new Set(drained(p));
      expect(draining.size).toBeGreaterThan(0);
      for (const a of p.assignments) expect(draining.has(a.nodeId)).toBe(false);
    });
  });

  describe('over several passes', () => {
    /** Runs passes a minute apart; between them agents heartbeat and start what was assigned, except on `slow` nodes until `slowUntil`. */
    function simulate(start: Snapshot, pol: SchedulerPolicy, passes: number, slow: { node: string; until: number }) {
      let s = start;
      for (let i = 0; i < passes; i++) {
        const now = NOW + i * MINUTE;
        s = applyPlan(s, plan(s, now, pol));
        s = {
          ...s,
          nodes: s.nodes.filter((n) => n.state !== 'TERMINATING').map((n) => ({ ...n, lastHeartbeatAt: now + MINUTE - SECOND })),
          tasks: s.tasks.map((t) => (t.status === 'ASSIGNED' && (t.nodeId !== slow.node || i >= slow.until) ? { ...t, status: 'RUNNING' as const, startedAt: now } : t)),
        };
      }
      return s;
    }

    it('converges to one RUNNING copy per slot even when drains chain and one node is slow to start its copy', () => {
      const web = job('web', { count: 4 });
      const tasks = [running('web-0', 'web', 'light-a', { slot: 0 }), running('web-1', 'web', 'light-b', { slot: 1 }), running('web-2', 'web', 'big', { slot: 2 }), running('web-3', 'web', 'big', { slot: 3 })];
      const start = snapshot({ jobs: [web], tasks, nodes: [node('light-a', 'm5.large'), node('light-b', 'm5.large'), node('big', 'm5.xlarge')] });
      const end = simulate(start, policy({ consolidation: { disruptionBudget: 2 } }), 8, { node: 'light-b', until: 2 });
      const runningSlots = end.tasks.filter((t) => t.status === 'RUNNING').map((t) => t.slot).sort();
      expect(runningSlots).toEqual([0, 1, 2, 3]);
    });
  });

  describe("the 'replace' action", () => {
    it('drains an expensive node whose tasks fit nowhere else and launches the cheapest type that holds them', () => {
      const svc = job('svc', { resources: res(3000, 4096) });
      const pinned = job('pinned', { doNotDisrupt: true, resources: res(2000, 8192) });
      const nodes = [node('pricey', 'm5.4xlarge'), node('small', 'm5.large')];
      const tasks = [running('svc-0', 'svc', 'pricey', { resources: svc.resources }), running('pinned-0', 'pinned', 'small', { resources: pinned.resources })];
      const p = pass({ jobs: [svc, pinned], tasks, nodes });
      const cheapest = [...policy().scaleUp.instanceTypes]
        .filter((t) => t.capacity.cpu >= 3000 && t.capacity.memoryMiB >= 4096)
        .sort((a, b) => a.pricePerHour - b.pricePerHour)[0];
      expect(drained(p)).toEqual(['pricey']);
      expect(p.launches).toEqual([
        {
          instanceType: cheapest.name,
          zone: 'us-east-1a',
          pricePerHour: cheapest.pricePerHour,
          labels: {},
          reason: `replaces pricey (m5.4xlarge), saving $${(instanceType('m5.4xlarge').pricePerHour - cheapest.pricePerHour).toFixed(4)}/hour`,
          forTasks: ['svc-0'],
        },
      ]);
      expect(p.consolidations).toEqual([
        { nodeId: 'pricey', action: 'replace', savingsPerHour: instanceType('m5.4xlarge').pricePerHour - cheapest.pricePerHour, moves: 1, replacementType: cheapest.name },
      ]);
      expect(p.assignments).toEqual([]);
      expect(p.taskUpdates).toEqual([]);
    });

    it('does not launch a replacement past scaleUp.maxNodes', () => {
      const svc = job('svc', { resources: res(3000, 4096) });
      const pinned = job('pinned', { doNotDisrupt: true, resources: res(2000, 8192) });
      const nodes = [node('pricey', 'm5.4xlarge'), node('small', 'm5.large')];
      const tasks = [running('svc-0', 'svc', 'pricey', { resources: svc.resources }), running('pinned-0', 'pinned', 'small', { resources: pinned.resources })];
      const p = plan(snapshot({ jobs: [svc, pinned], tasks, nodes }), NOW, policy({ scaleUp: { maxNodes: 2 } }));
      // Two nodes not LOST or TERMINATING plus launches must stay within the maximum of 2.
      const live = nodes.length - p.nodeUpdates.filter((u) => u.to === 'TERMINATING' || u.to === 'LOST').length;
      expect(live + p.launches.length).toBeLessThanOrEqual(2);
    });

    it('does not replace a node with one that costs as much or more', () => {
      const svc = job('svc', { resources: res(1500, 1024) });
      const pinned = job('pinned', { doNotDisrupt: true, resources: res(1500, 1024) });
      const nodes = [node('cheap', cheapestType().name), node('other', cheapestType().name)];
      const tasks = [running('svc-0', 'svc', 'cheap', { resources: svc.resources }), running('pinned-0', 'pinned', 'other', { resources: pinned.resources })];
      const p = pass({ jobs: [svc, pinned], tasks, nodes });
      expect(drained(p)).toEqual([]);
      expect(p.launches).toEqual([]);
    });
  });

  describe('modes', () => {
    const web = job('web');
    const anchor = job('anchor', { doNotDisrupt: true });
    const base = {
      jobs: [web, anchor],
      tasks: [running('web-0', 'web', 'light', { slot: 0 }), running('anchor-0', 'anchor', 'busy', { resources: res(1000, 1024) })],
      nodes: [node('light', 'm5.large'), node('busy', 'm5.xlarge'), node('idle', 'm5.large', { emptySince: NOW - 60 * MINUTE })],
    };

    it("'stowage' removes empty nodes and drains light ones", () => {
      const p = pass(base, { mode: 'stowage' });
      expect(p.terminations.map((t) => t.nodeId)).toEqual(['idle']);
      expect(drained(p)).toEqual(['light']);
    });

    it("'empty-only' removes empty nodes but never drains a node with work", () => {
      const p = pass(base, { mode: 'empty-only' });
      expect(p.terminations.map((t) => t.nodeId)).toEqual(['idle']);
      expect(drained(p)).toEqual([]);
      expect(p.assignments).toEqual([]);
    });

    it("'off' removes nothing, though it still keeps the empty markers", () => {
      const p = pass({ ...base, nodes: [...base.nodes, node('fresh-idle', 'm5.large')] }, { mode: 'off' });
      expect(p.terminations).toEqual([]);
      expect(drained(p)).toEqual([]);
      expect(p.nodeUpdates.filter((u) => u.to !== undefined)).toEqual([]);
      expect(nodeUpdateOf(p, 'fresh-idle')).toEqual({ nodeId: 'fresh-idle', from: 'ACTIVE', emptySince: NOW });
    });

    describe("'underutilized'", () => {
      const under = { mode: 'underutilized' as const, underutilizedThreshold: 0.5, underutilizedForMs: 10 * MINUTE };

      it('marks a node under the threshold first, without draining it', () => {
        const p = pass(base, under);
        expect(nodeUpdateOf(p, 'light')).toEqual({ nodeId: 'light', from: 'ACTIVE', underutilizedSince: NOW });
        expect(drained(p)).toEqual([]);
      });

      it('drains it only after it stayed under the threshold for underutilizedForMs', () => {
        const marked = (since: number) => ({ ...base, nodes: [node('light', 'm5.large', { underutilizedSince: since }), base.nodes[1]] });
        expect(drained(pass(marked(NOW - 10 * MINUTE + 1), under))).toEqual([]);
        expect(drained(pass(marked(NOW - 10 * MINUTE), under))).toEqual(['light']);
      });

      it('clears the marker of a node back over the threshold and never drains it', () => {
        const full = { ...base, tasks: [running('web-0', 'web', 'light', { slot: 0, resources: res(1500, 1024) }), base.tasks[1]], nodes: [node('light', 'm5.large', { underutilizedSince: NOW - 60 * MINUTE }), base.nodes[1]] };
        const p = pass(full, under);
        expect(nodeUpdateOf(p, 'light')).toEqual({ nodeId: 'light', from: 'ACTIVE', underutilizedSince: null });
        expect(drained(p)).toEqual([]);
      });

      it('uses underutilizedForMs as the empty-node grace period', () => {
        const idle = (since: number) => ({ jobs: [], tasks: [], nodes: [node('idle', 'm5.large', { emptySince: since })] });
        expect(pass(idle(NOW - 5 * MINUTE), { ...under, emptyGraceMs: MINUTE }).terminations).toEqual([]);
        expect(pass(idle(NOW - 10 * MINUTE), { ...under, emptyGraceMs: MINUTE }).terminations).toHaveLength(1);
      });
    });
  });

  it('emits no decision at all for a steady, well-packed fleet', () => {
    // Each node exactly full, and no catalog type cheaper than m6g.large holds 2 vCPU / 8 GiB.
    const web = job('web', { count: 2, resources: res(2000, 8192) });
    const tasks = [running('web-0', 'web', 'a', { slot: 0, resources: web.resources }), running('web-1', 'web', 'b', { slot: 1, resources: web.resources })];
    const p = pass({ jobs: [web], tasks, nodes: [node('a', 'm6g.large'), node('b', 'm6g.large')] });
    expect(p.assignments).toEqual([]);
    expect(p.taskUpdates).toEqual([]);
    expect(p.nodeUpdates).toEqual([]);
    expect(p.consolidations).toEqual([]);
  });
});
