import { nodeArchitecture } from '../../../core/catalog';
import { plan } from '../../../core/pass/plan';
import type { Plan } from '../../../core/pass/plan-types';
import type { ConsolidationPolicy } from '../../../core/policy';
import { instanceType, job, node, NOW, policy, res, running, snapshot } from '../fixtures';

const drained = (p: Plan) => p.nodeUpdates.filter((u) => u.to === 'DRAINING').map((u) => u.nodeId).sort();
const stowage = (c: Partial<ConsolidationPolicy> = {}) => policy({ consolidation: c });

describe('Stowage consolidation beyond one node for one', () => {
  it('replaces a dear node with two cheaper ones when no single cheaper type holds what is left', () => {
    // 80 vCPU of copies on a c5.24xlarge (96 vCPU, $4.08/h): no cheaper single type holds
    // 80 vCPU, but an m6g.16xlarge and an m6g.4xlarge (80 vCPU, $3.08/h) do.
    const wide = job('wide', { resources: res(20000, 40960), count: 4 });
    const tasks = [0, 1, 2, 3].map((i) => running(`w-${i}`, 'wide', 'dear', { slot: i, resources: res(20000, 40960) }));
    // A second node, pinned, so the fleet never drops below one node while the drain runs.
    const pinned = job('pinned', { doNotDisrupt: true });
    const fleet = [node('dear', 'c5.24xlarge'), node('keep', 'm6g.large')];
    const p = plan(snapshot({ jobs: [wide, pinned], tasks: [...tasks, running('p', 'pinned', 'keep')], nodes: fleet }), NOW, stowage());
    expect(drained(p)).toEqual(['dear']);
    expect(p.launches).toHaveLength(2);
    const price = p.launches.reduce((s, l) => s + l.pricePerHour, 0);
    expect(price).toBeLessThan(instanceType('c5.24xlarge').pricePerHour);
    expect(p.consolidations[0]).toMatchObject({ nodeId: 'dear', action: 'replace' });
    expect(p.consolidations[0].replacementType).toContain('+');
  });

  it('merges nodes whose copies fit no other node and no cheaper node one by one', () => {
    // Four m6g.xlarge (4 vCPU, $0.154/h) each hold one 2500m copy: 1500m left on each, so no
    // copy moves alone and no cheaper type holds 2500m. Three together (7500m) fit one
    // 8-vCPU node (an m6g.2xlarge at $0.308/h, or a c7g.2xlarge, cheaper still, < 3 × $0.154/h).
    const svc = job('svc', { resources: res(2500, 2048), count: 4 });
    const nodes = ['a', 'b', 'c', 'd'].map((id) => node(id, 'm6g.xlarge'));
    const tasks = nodes.map((n, i) => running(`s-${i}`, 'svc', n.id, { slot: i, resources: res(2500, 2048) }));
    const p = plan(snapshot({ jobs: [svc], tasks, nodes }), NOW, stowage({ disruptionBudget: 4 }));
    expect(drained(p)).toHaveLength(3);
    expect(p.launches).toHaveLength(1);
    const merged = instanceType(p.launches[0].instanceType);
    expect(merged.capacity.cpu).toBeGreaterThanOrEqual(7500);
    expect(merged.pricePerHour).toBeLessThanOrEqual(instanceType('m6g.2xlarge').pricePerHour);
    // With a budget of one node at a time there is no merge: the fleet stays as it is.
    const one = plan(snapshot({ jobs: [svc], tasks, nodes }), NOW, stowage({ disruptionBudget: 1 }));
    expect(drained(one)).toEqual([]);
  });

  it('never merges do-not-disrupt copies', () => {
    const svc = job('svc', { resources: res(2500, 2048), count: 4, doNotDisrupt: true });
    const nodes = ['a', 'b', 'c', 'd'].map((id) => node(id, 'm6g.xlarge'));
    const tasks = nodes.map((n, i) => running(`s-${i}`, 'svc', n.id, { slot: i, resources: res(2500, 2048) }));
    const p = plan(snapshot({ jobs: [svc], tasks, nodes }), NOW, stowage({ disruptionBudget: 4 }));
    expect(drained(p)).toEqual([]);
  });

  it('replaces a node for a job that requires an architecture with a cheaper type of that architecture', () => {
    // Two 1000m copies that must run on x86 sit alone on a dear x86 node: a cheaper x86 type holds them.
    const x86 = job('x86', { resources: res(1000, 1024), count: 2, constraints: { arch: 'x86_64' } });
    const tasks = [0, 1].map((i) => running(`x-${i}`, 'x86', 'dear', { slot: i, resources: res(1000, 1024) }));
    const pinned = job('pinned', { doNotDisrupt: true });
    const fleet = [node('dear', 'c5.24xlarge'), node('keep', 'm6g.large')];
    const p = plan(snapshot({ jobs: [x86, pinned], tasks: [...tasks, running('p', 'pinned', 'keep')], nodes: fleet }), NOW, stowage());
    expect(p.consolidations[0]).toMatchObject({ nodeId: 'dear', action: 'replace' });
    const replacement = p.consolidations[0].replacementType!;
    expect(nodeArchitecture({ instanceType: replacement, labels: {} })).toBe('x86_64');
    expect(instanceType(replacement).pricePerHour).toBeLessThan(instanceType('c5.24xlarge').pricePerHour);
  });
});
