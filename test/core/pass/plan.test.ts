import { DEFAULT_CATALOG } from '../../../core/catalog';
import { plan } from '../../../core/pass/plan';
import { marketRates } from '../../../core/pass/scale-up';
import { assignmentOf, cheapestType, HOUR, instanceType, job, launching, node, NOW, policy, replicas, res, running, SECOND, snapshot, task, unplacedReason, updateOf } from '../fixtures';

describe('plan', () => {
  describe('placement', () => {
    it('assigns pending tasks to a node with room, from PENDING, at the next generation', () => {
      const web = job('web', { count: 2 });
      const p = plan(snapshot({ jobs: [web], tasks: replicas(web, 2), nodes: [node('n1')] }), NOW, policy());
      expect(p.assignments).toEqual([
        { taskId: 'web-0', jobId: 'web', nodeId: 'n1', from: 'PENDING', generation: 2, resources: web.resources, releaseFrom: undefined },
        { taskId: 'web-1', jobId: 'web', nodeId: 'n1', from: 'PENDING', generation: 2, resources: web.resources, releaseFrom: undefined },
      ]);
      expect(p.launches).toEqual([]);
      expect(p.unplaced).toEqual([]);
      expect(p.now).toBe(NOW);
    });

    it('does not place onto a node already full, and places the rest elsewhere', () => {
      const big = job('big', { resources: res(2000, 1024) });
      const web = job('web');
      const tasks = [running('big-0', 'big', 'full', { resources: big.resources }), task('web-0', 'web')];
      const p = plan(snapshot({ jobs: [big, web], tasks, nodes: [node('full'), node('roomy')] }), NOW, policy());
      expect(assignmentOf(p, 'web-0')?.nodeId).toBe('roomy');
    });

    it('gives a LAUNCHING node work rather than launching another', () => {
      const web = job('web', { count: 3 });
      const p = plan(snapshot({ jobs: [web], tasks: replicas(web, 3), nodes: [launching('booting', 'm5.large')] }), NOW, policy());
      expect(p.assignments.map((a) => a.nodeId)).toEqual(['booting', 'booting', 'booting']);
      expect(p.launches).toEqual([]);
    });

    it('never places onto a DRAINING node', () => {
      const web = job('web');
      const p = plan(snapshot({ jobs: [web], tasks: [task('web-0', 'web')], nodes: [node('d', 'm5.large', { state: 'DRAINING' })] }), NOW, policy());
      expect(p.assignments).toEqual([]);
      expect(p.launches).toHaveLength(1);
    });

    it('places a task only onto a node that satisfies its constraints', () => {
      const pinned = job('pinned', { constraints: { zones: ['us-east-1b'], nodeLabels: { disk: 'ssd' } } });
      const nodes = [node('a', 'm5.large', { zone: 'us-east-1a', labels: { disk: 'ssd' } }), node('b', 'm5.large', { zone: 'us-east-1b' }), node('c', 'm5.large', { zone: 'us-east-1b', labels: { disk: 'ssd' } })];
      const p = plan(snapshot({ jobs: [pinned], tasks: [task('pinned-0', 'pinned')], nodes }), NOW, policy());
      expect(assignmentOf(p, 'pinned-0')?.nodeId).toBe('c');
    });

    it('is deterministic: the same snapshot in any array order gives the same plan', () => {
      const web = job('web', { count: 4 });
      const nodes = [node('n1'), node('n2', 'm5.xlarge'), launching('n3')];
      const a = plan(snapshot({ jobs: [web, job('x')], tasks: replicas(web, 4), nodes }), NOW, policy());
      const b = plan(snapshot({ jobs: [job('x'), web], tasks: replicas(web, 4).reverse(), nodes: [...nodes].reverse() }), NOW, policy());
      expect(b).toEqual(a);
    });
  });

  describe('stopping a job', () => {
    const stopped = job('web', { stopRequestedAt: NOW - SECOND });
    const tasks = [
      running('web-0', 'web', 'n1', { slot: 0 }),
      task('web-1', 'web', { slot: 1, status: 'ASSIGNED', nodeId: 'n1' }),
      task('web-2', 'web', { slot: 2, status: 'PENDING' }),
      task('web-3', 'web', { slot: 3, status: 'COMPLETED', nodeId: 'n1' }),
      task('web-4', 'web', { slot: 4, status: 'FAILED', nodeId: 'n1' }),
    ];

    it('stops every live copy, releasing the node each held', () => {
      const p = plan(snapshot({ jobs: [stopped], tasks, nodes: [node('n1')] }), NOW, policy());
      expect(updateOf(p, 'web-0')).toEqual({ taskId: 'web-0', from: 'RUNNING', generation: 1, to: 'STOPPED', reason: 'job stopped', releaseFrom: 'n1' });
      expect(updateOf(p, 'web-1')).toEqual({ taskId: 'web-1', from: 'ASSIGNED', generation: 1, to: 'STOPPED', reason: 'job stopped', releaseFrom: 'n1' });
      expect(updateOf(p, 'web-2')).toEqual({ taskId: 'web-2', from: 'PENDING', generation: 1, to: 'STOPPED', reason: 'job stopped', releaseFrom: undefined });
    });

    it('leaves ended copies alone — a stopped job is not restarted — and places nothing', () => {
      const p = plan(snapshot({ jobs: [stopped], tasks, nodes: [node('n1')] }), NOW, policy());
      expect(updateOf(p, 'web-3')).toBeUndefined();
      expect(updateOf(p, 'web-4')).toBeUndefined();
      expect(p.assignments).toEqual([]);
      expect(p.launches).toEqual([]);
    });

    it('leaves tasks whose job is not stored yet alone (a submit writes tasks before its job)', () => {
      const p = plan(snapshot({ jobs: [], tasks: [task('ghost-0', 'ghost'), running('ghost-1', 'ghost', 'n1', { slot: 1 })], nodes: [node('n1', 'm5.large', { lastHeartbeatAt: NOW - HOUR })] }), NOW, policy());
      expect(updateOf(p, 'ghost-0')).toBeUndefined();
      expect(updateOf(p, 'ghost-1')).toBeUndefined();
      expect(p.assignments).toEqual([]);
      expect(p.launches).toEqual([]);
    });
  });

  describe('restarts and back-off', () => {
    const web = job('web');

    it('does not place a PENDING task whose back-off has not run out', () => {
      const p = plan(snapshot({ jobs: [web], tasks: [task('web-0', 'web', { notBefore: NOW + 1 })], nodes: [node('n1')] }), NOW, policy());
      expect(p.assignments).toEqual([]);
      expect(p.taskUpdates).toEqual([]);
      expect(p.launches).toEqual([]);
    });

    it('places it once the back-off is over', () => {
      const p = plan(snapshot({ jobs: [web], tasks: [task('web-0', 'web', { notBefore: NOW })], nodes: [node('n1')] }), NOW, policy());
      expect(assignmentOf(p, 'web-0')?.nodeId).toBe('n1');
    });

    it('turns a FAILED copy back to PENDING with its back-off, and does not place it in the same pass', () => {
      const failed = task('web-0', 'web', { status: 'FAILED', nodeId: 'n1', exitCode: 1, restarts: 2, startedAt: NOW - 20 * SECOND, finishedAt: NOW - 5 * SECOND });
      const p = plan(snapshot({ jobs: [web], tasks: [failed], nodes: [node('n1')] }), NOW, policy());
      expect(updateOf(p, 'web-0')).toEqual({
        taskId: 'web-0',
        from: 'FAILED',
        generation: 1,
        to: 'PENDING',
        notBefore: NOW - 5 * SECOND + 4_000,
        restarts: 3,
        reason: 'exited 1; restart 3 after 4000 ms back-off',
      });
      expect(p.assignments).toEqual([]);
    });

    it('leaves a FAILED batch copy that used up its restarts FAILED', () => {
      const batch = job('b', { kind: 'batch' });
      const failed = task('b-0', 'b', { status: 'FAILED', exitCode: 1, restarts: 3, finishedAt: NOW - SECOND });
      const p = plan(snapshot({ jobs: [batch], tasks: [failed], nodes: [node('n1')] }), NOW, policy());
      expect(p.taskUpdates).toEqual([]);
      expect(p.assignments).toEqual([]);
    });

    it('leaves a COMPLETED batch copy alone', () => {
      const batch = job('b', { kind: 'batch' });
      const p = plan(snapshot({ jobs: [batch], tasks: [task('b-0', 'b', { status: 'COMPLETED', exitCode: 0 })], nodes: [node('n1')] }), NOW, policy());
      expect(p.taskUpdates).toEqual([]);
    });
  });

  describe('unschedulable tasks', () => {
    it('marks a task no catalog type can hold UNSCHEDULABLE, naming the CPU shortfall', () => {
      const huge = job('huge', { resources: res(500_000, 1024) });
      const p = plan(snapshot({ jobs: [huge], tasks: [task('huge-0', 'huge', { resources: huge.resources })] }), NOW, policy());
      const reason = 'no allowed instance type can hold 500000m cpu / 1024 MiB: cpu 500000m > largest 96000m';
      expect(updateOf(p, 'huge-0')).toMatchObject({ from: 'PENDING', to: 'UNSCHEDULABLE', reason });
      expect(unplacedReason(p, 'huge-0')).toBe(reason);
      expect(p.launches).toEqual([]);
    });

    it('names the memory shortfall', () => {
      const huge = job('huge', { resources: res(1000, 1_000_000) });
      const p = plan(snapshot({ jobs: [huge], tasks: [task('huge-0', 'huge', { resources: huge.resources })] }), NOW, policy());
      expect(updateOf(p, 'huge-0')?.reason).toMatch(/memory 1000000 MiB > largest 786432 MiB$/);
    });

    it('says when each dimension fits some type but no single type has both', () => {
      const types = [instanceType('c5.24xlarge'), instanceType('r5.large')];
      const odd = job('odd', { resources: res(90_000, 500_000) });
      const p = plan(snapshot({ jobs: [odd], tasks: [task('odd-0', 'odd', { resources: odd.resources })] }), NOW, policy({ scaleUp: { instanceTypes: types } }));
      expect(updateOf(p, 'odd-0')?.reason).toMatch(/memory 500000 MiB > largest 196608 MiB/);
      const types2 = [instanceType('c5.24xlarge'), instanceType('r5.24xlarge')];
      const odd2 = job('odd', { resources: res(97_000, 1024) });
      const p2 = plan(snapshot({ jobs: [odd2], tasks: [task('odd-0', 'odd', { resources: odd2.resources })] }), NOW, policy({ scaleUp: { instanceTypes: types2 } }));
      expect(updateOf(p2, 'odd-0')?.reason).toMatch(/cpu 97000m > largest 96000m/);
    });

    it('names a zone constraint no launch zone satisfies', () => {
      const eu = job('eu', { constraints: { zones: ['eu-west-1a'] } });
      const p = plan(snapshot({ jobs: [eu], tasks: [task('eu-0', 'eu')] }), NOW, policy());
      expect(updateOf(p, 'eu-0')).toMatchObject({
        to: 'UNSCHEDULABLE',
        reason: "constraint zones [eu-west-1a] match none of the fleet's zones [us-east-1a, us-east-1b, us-east-1c]",
      });
    });

    it('names an instance-type constraint the catalog does not have', () => {
      const gpu = job('gpu', { constraints: { instanceTypes: ['p4d.24xlarge'] } });
      const p = plan(snapshot({ jobs: [gpu], tasks: [task('gpu-0', 'gpu')] }), NOW, policy());
      expect(updateOf(p, 'gpu-0')?.reason).toBe('constraint instanceTypes [p4d.24xlarge] names no type in the launch catalog');
    });

    it('names a node-label constraint no node carries', () => {
      const ssd = job('ssd', { constraints: { nodeLabels: { disk: 'ssd' } } });
      const p = plan(snapshot({ jobs: [ssd], tasks: [task('ssd-0', 'ssd')], nodes: [node('plain')] }), NOW, policy());
      expect(updateOf(p, 'ssd-0')?.reason).toBe('constraint nodeLabels match no node and new nodes do not carry them');
    });

    it('places a labelled task on an existing node that carries the label', () => {
      const ssd = job('ssd', { constraints: { nodeLabels: { disk: 'ssd' } } });
      const p = plan(snapshot({ jobs: [ssd], tasks: [task('ssd-0', 'ssd')], nodes: [node('fast', 'm5.large', { labels: { disk: 'ssd' } })] }), NOW, policy());
      expect(assignmentOf(p, 'ssd-0')?.nodeId).toBe('fast');
    });

    it('does not rewrite an UNSCHEDULABLE task whose reason is unchanged, but still reports it', () => {
      const huge = job('huge', { resources: res(500_000, 1024) });
      const reason = 'no allowed instance type can hold 500000m cpu / 1024 MiB: cpu 500000m > largest 96000m';
      const t = task('huge-0', 'huge', { resources: huge.resources, status: 'UNSCHEDULABLE', reason });
      const p = plan(snapshot({ jobs: [huge], tasks: [t] }), NOW, policy());
      expect(p.taskUpdates).toEqual([]);
      expect(unplacedReason(p, 'huge-0')).toBe(reason);
    });

    it('re-checks an UNSCHEDULABLE task and places it once a node can hold it', () => {
      const ssd = job('ssd', { constraints: { nodeLabels: { disk: 'ssd' } } });
      const t = task('ssd-0', 'ssd', { status: 'UNSCHEDULABLE', reason: 'constraint nodeLabels match no node and new nodes do not carry them' });
      const p = plan(snapshot({ jobs: [ssd], tasks: [t], nodes: [node('fast', 'm5.large', { labels: { disk: 'ssd' } })] }), NOW, policy());
      expect(assignmentOf(p, 'ssd-0')).toMatchObject({ nodeId: 'fast', from: 'UNSCHEDULABLE' });
    });
  });

  describe('scale-up', () => {
    it('launches the cheapest type for one small task that fits no node', () => {
      const tiny = job('tiny', { resources: res(100, 128) });
      const p = plan(snapshot({ jobs: [tiny], tasks: [task('tiny-0', 'tiny', { resources: tiny.resources })] }), NOW, policy());
      const cheapest = cheapestType();
      expect(p.launches).toEqual([
        { instanceType: cheapest.name, zone: 'us-east-1a', pricePerHour: cheapest.pricePerHour, labels: {}, reason: '1 pending task(s) fit no node', forTasks: ['tiny-0'] },
      ]);
      expect(unplacedReason(p, 'tiny-0')).toBe(`no nodes in the fleet; waiting for a new ${cheapest.name} node in us-east-1a`);
      expect(updateOf(p, 'tiny-0')).toMatchObject({ from: 'PENDING', to: 'PENDING' });
    });

    it('never launches a type that cannot hold the task at hand, even when cheaper types exist', () => {
      const mem = job('mem', { resources: res(1000, 100_000) }); // needs ≥ 128 GiB
      const p = plan(snapshot({ jobs: [mem], tasks: [task('mem-0', 'mem', { resources: mem.resources })] }), NOW, policy());
      expect(p.launches).toHaveLength(1);
      const chosen = instanceType(p.launches[0].instanceType);
      expect(chosen.capacity.memoryMiB).toBeGreaterThanOrEqual(100_000);
      // Among the types that hold it, it is worth the most per dollar — here the cheapest.
      const holding = DEFAULT_CATALOG.filter((t) => t.capacity.memoryMiB >= 100_000 && t.capacity.cpu >= 1000);
      expect(chosen.pricePerHour).toBe(Math.min(...holding.map((t) => t.pricePerHour)));
    });

    it('sizes a launch by value per dollar: a memory-heavy burst gets the type whose fill is worth most per dollar', () => {
      const j = job('j', { resources: res(500, 2048), count: 8 });
      const p = plan(snapshot({ jobs: [j], tasks: replicas(j, 8) }), NOW, policy());
      const rates = marketRates(DEFAULT_CATALOG);
      const value = (typeName: string) => {
        const t = instanceType(typeName);
        const n = Math.min(8, Math.floor(t.capacity.cpu / 500), Math.floor(t.capacity.memoryMiB / 2048));
        return (n * (500 * rates.perMilliCpu + 2048 * rates.perMiB)) / t.pricePerHour;
      };
      const best = Math.max(...DEFAULT_CATALOG.map((t) => value(t.name)));
      expect(value(p.launches[0].instanceType)).toBeCloseTo(best, 9);
      expect(p.launches.flatMap((l) => l.forTasks).sort()).toEqual(replicas(j, 8).map((t) => t.id).sort());
    });

    it('launches a large node for a burst of 200 tasks rather than dozens of small ones', () => {
      const j = job('burst', { resources: res(500, 512), count: 200 });
      const p = plan(snapshot({ jobs: [j], tasks: replicas(j, 200) }), NOW, policy());
      expect(p.launches.flatMap((l) => l.forTasks)).toHaveLength(200);
      // 200 × 0.5 vCPU = 100 vCPU: a handful of large nodes, as scale-up.ts promises.
      expect(p.launches.length).toBeLessThanOrEqual(4);
      expect(Math.max(...p.launches.map((l) => instanceType(l.instanceType).capacity.cpu))).toBeGreaterThanOrEqual(32_000);
    });

    it('within maxNodes, chooses types large enough to hold every task when the catalog has them', () => {
      // 20 × 0.5 vCPU fit one 16-vCPU node; two 2-vCPU nodes hold only 8 of them.
      const j = job('j', { resources: res(500, 512), count: 20 });
      const p = plan(snapshot({ jobs: [j], tasks: replicas(j, 20) }), NOW, policy({ scaleUp: { maxNodes: 2 } }));
      expect(p.launches.length).toBeLessThanOrEqual(2);
      expect(p.launches.flatMap((l) => l.forTasks)).toHaveLength(20);
      expect(p.unplaced.filter((u) => /maximum/.test(u.reason))).toEqual([]);
    });

    it('stops at maxNodes and says so on the tasks left over', () => {
      const j = job('j', { resources: res(500, 512), count: 20 });
      const p = plan(snapshot({ jobs: [j], tasks: replicas(j, 20), nodes: [node('full', 'c5.large')] }), NOW, policy({ scaleUp: { maxNodes: 3, instanceTypes: [instanceType('c5.large')] } }));
      // 1 existing + 2 launches = 3 nodes; 4 tasks fit the existing one, 8 the launches.
      expect(p.launches.map((l) => l.instanceType)).toEqual(['c5.large', 'c5.large']);
      expect(p.assignments).toHaveLength(4);
      const atMax = p.unplaced.filter((u) => u.reason.includes('no node fits and the fleet is at its maximum of 3 nodes'));
      expect(atMax).toHaveLength(8);
    });

    it('spreads launches over the allowed zones, fewest nodes first', () => {
      const j = job('j', { resources: res(2000, 4096), count: 3 });
      const full = node('a', 'c5.large', { zone: 'us-east-1a' });
      const filler = running('other-0', 'other', 'a', { resources: full.capacity });
      const p = plan(snapshot({ jobs: [j, job('other')], tasks: [...replicas(j, 3), filler], nodes: [full] }), NOW, policy({ scaleUp: { instanceTypes: [instanceType('c5.large')] } }));
      expect(p.launches.map((l) => l.zone)).toEqual(['us-east-1b', 'us-east-1c', 'us-east-1a']);
    });

    it('does not blame maxNodes when new nodes could never carry the labels a task needs', () => {
      // Only 'fast' carries disk=ssd and it is full; launched nodes carry no labels, so
      // the task waits for room on 'fast' — the fleet is nowhere near its maximum.
      const ssd = job('ssd', { constraints: { nodeLabels: { disk: 'ssd' } } });
      const fast = node('fast', 'm5.large', { labels: { disk: 'ssd' } });
      const p = plan(snapshot({ jobs: [ssd, job('filler')], tasks: [running('f-0', 'filler', 'fast', { resources: fast.capacity }), task('ssd-0', 'ssd')], nodes: [fast] }), NOW, policy());
      expect(p.launches).toEqual([]);
      expect(unplacedReason(p, 'ssd-0')).not.toMatch(/maximum/);
      expect(unplacedReason(p, 'ssd-0')).toMatch(/label/);
    });

    it('does not launch when scale-up is disabled, and says so', () => {
      const j = job('j');
      const p = plan(snapshot({ jobs: [j], tasks: [task('j-0', 'j')], nodes: [node('full', 'm5.large', { capacity: res(100, 100) })] }), NOW, policy({ scaleUp: { enabled: false } }));
      expect(p.launches).toEqual([]);
      expect(unplacedReason(p, 'j-0')).toBe('no node can hold 500m cpu / 512 MiB and scale-up is disabled');
    });

    it('sizes launches so the chosen type holds every task it is launched for', () => {
      const a = job('a', { resources: res(3000, 2048), count: 3, createdAt: NOW - 2000 });
      const b = job('b', { resources: res(250, 6000), count: 5, createdAt: NOW - 1000 });
      const p = plan(snapshot({ jobs: [a, b], tasks: [...replicas(a, 3), ...replicas(b, 5)] }), NOW, policy());
      const byId = new Map([...replicas(a, 3), ...replicas(b, 5)].map((t) => [t.id, t]));
      for (const l of p.launches) {
        const cap = instanceType(l.instanceType).capacity;
        const cpu = l.forTasks.reduce((s, id) => s + byId.get(id)!.resources.cpu, 0);
        const mem = l.forTasks.reduce((s, id) => s + byId.get(id)!.resources.memoryMiB, 0);
        expect(cpu).toBeLessThanOrEqual(cap.cpu);
        expect(mem).toBeLessThanOrEqual(cap.memoryMiB);
      }
      expect(p.launches.flatMap((l) => l.forTasks).sort()).toEqual([...byId.keys()].sort());
    });
  });
});
