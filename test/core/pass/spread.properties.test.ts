import fc from 'fast-check';
import { ACCEPTS_WORK, HOLDS_RESOURCES, type Constraints, type Job, type Node, type NodeState } from '../../../core/model';
import { plan } from '../../../core/pass/plan';
import type { Plan } from '../../../core/pass/plan-types';
import type { Snapshot } from '../../../core/pass/snapshot';
import type { SchedulerPolicy } from '../../../core/policy';
import { STRATEGY_NAMES } from '../../../core/placement/strategies';
import { applyPlan, job, launching, MINUTE, node, NOW, policy, replicas, res, SECOND } from '../fixtures';

/**
 * After any pass, no spread job holds more than ceil(count / N) copies on a node (or in
 * a zone) that received one of its copies in that pass, N being what the job's spread
 * is measured over: nodes that accept work, pass its constraints and could hold one
 * copy — or their zones — and never fewer than two (nodes or zones) when scale-up may
 * still launch one the job fits. Written from the definition, not from the code, over
 * several passes with simulated agents.
 */
const SEED = Number(process.env.STOWAGE_PROP_SEED ?? 20261212);
const RUNS = Number(process.env.STOWAGE_PROP_RUNS ?? 150);

const TYPES = ['c5.large', 'm5.large', 'm5.xlarge'];
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const SHAPES = [res(250, 256), res(500, 512), res(1000, 2048), res(1500, 3000)];
const CONSTRAINTS: Constraints[] = [{}, {}, {}, { zones: ['us-east-1a', 'us-east-1b'] }, { nodeLabels: { disk: 'ssd' } }, { instanceTypes: ['m5.large', 'm5.xlarge'] }];

const scenarioArb = fc.record({
  nodes: fc.array(fc.record({ type: fc.nat(TYPES.length - 1), zone: fc.nat(ZONES.length - 1), ssd: fc.boolean(), launching: fc.boolean() }), { maxLength: 6 }),
  jobs: fc.array(
    fc.record({ count: fc.integer({ min: 1, max: 6 }), spread: fc.constantFrom('node' as const, 'zone' as const, 'none' as const), shape: fc.nat(SHAPES.length - 1), constraint: fc.nat(CONSTRAINTS.length - 1) }),
    { minLength: 1, maxLength: 4 },
  ),
  strategy: fc.constantFrom(...STRATEGY_NAMES),
  maxNodes: fc.integer({ min: 1, max: 10 }),
  scaleUp: fc.boolean(),
  passes: fc.integer({ min: 1, max: 4 }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function start(s: Scenario): { snapshot: Snapshot; policy: SchedulerPolicy } {
  const nodes: Node[] = s.nodes.map((r, i) => {
    const over: Partial<Node> = { zone: ZONES[r.zone], labels: r.ssd ? { disk: 'ssd' } : {} };
    return r.launching ? launching(`n${i}`, TYPES[r.type], MINUTE, over) : node(`n${i}`, TYPES[r.type], over);
  });
  const jobs: Job[] = s.jobs.map((r, i) => job(`j${i}`, { count: r.count, spread: r.spread, resources: SHAPES[r.shape], constraints: CONSTRAINTS[r.constraint], createdAt: NOW - 60 * MINUTE + i }));
  const tasks = jobs.flatMap((j) => replicas(j, j.count));
  const p = policy({
    strategy: s.strategy,
    scaleUp: { enabled: s.scaleUp, maxNodes: s.maxNodes },
    consolidation: { stableForMs: 0, nodeMinAgeMs: 0, minSavingsPerHour: 0, emptyGraceMs: 0, disruptionBudget: 2 },
  });
  return { snapshot: { jobs, tasks, nodes }, policy: p };
}

/** The most copies of `j` per node or zone in `s`, from the definition. */
function allowed(j: Job, s: Snapshot, p: SchedulerPolicy): number {
  const c = j.constraints;
  const ok = (type: string, zone: string, labels: Readonly<Record<string, string>>) =>
    (!c.instanceTypes?.length || c.instanceTypes.includes(type)) && (!c.zones?.length || c.zones.includes(zone)) && Object.entries(c.nodeLabels ?? {}).every(([k, v]) => labels[k] === v);
  const available = s.nodes.filter((n) => ACCEPTS_WORK.has(n.state) && ok(n.instanceType, n.zone, n.labels) && j.resources.cpu <= n.capacity.cpu && j.resources.memoryMiB <= n.capacity.memoryMiB);
  const launchable =
    p.scaleUp.enabled &&
    p.scaleUp.zones.some((z) => !c.zones?.length || c.zones.includes(z)) &&
    Object.entries(c.nodeLabels ?? {}).every(([k, v]) => p.scaleUp.nodeLabels[k] === v) &&
    p.scaleUp.instanceTypes.some((t) => (!c.instanceTypes?.length || c.instanceTypes.includes(t.name)) && j.resources.cpu <= t.capacity.cpu && j.resources.memoryMiB <= t.capacity.memoryMiB);
  const fleet = s.nodes.filter((n) => n.state !== 'LOST' && n.state !== 'TERMINATING').length;
  const headroom = launchable ? Math.max(0, p.scaleUp.maxNodes - fleet) : 0;
  const zones = new Set(available.map((x) => x.zone));
  const newZones = headroom > 0 ? p.scaleUp.zones.filter((z) => (!c.zones?.length || c.zones.includes(z)) && !zones.has(z)).length : 0;
  const n = j.spread === 'node' ? Math.max(available.length, Math.min(2, available.length + headroom)) : Math.max(zones.size, Math.min(2, zones.size + newZones));
  return Math.ceil(j.count / Math.max(1, Math.min(j.count, n)));
}

/** Agents start every assigned copy; launches arrive as LAUNCHING nodes; terminated nodes go. */
function advance(s: Snapshot, p: Plan, pass: number): Snapshot {
  const applied = applyPlan(s, p);
  const gone = new Set(p.terminations.map((t) => t.nodeId));
  const fresh = p.launches.map((l, i) => launching(`p${pass}-${i}`, l.instanceType, 0, { zone: l.zone, labels: l.labels, launchedAt: NOW + pass * SECOND }));
  return {
    jobs: applied.jobs,
    tasks: applied.tasks.map((t) => (t.status === 'ASSIGNED' ? { ...t, status: 'RUNNING' as const, startedAt: NOW } : t)),
    nodes: [...applied.nodes.filter((n) => !gone.has(n.id)).map((n) => (n.state === 'LAUNCHING' ? { ...n, state: 'ACTIVE' as NodeState, lastHeartbeatAt: NOW } : n)), ...fresh],
  };
}

describe('spread over any plan', () => {
  it('never puts more than ceil(count / available) copies of a spread job on a node or zone it places onto', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const first = start(scenario);
        const p = first.policy;
        let snapshot = first.snapshot;
        for (let pass = 0; pass < scenario.passes; pass++) {
          const result = plan(snapshot, NOW + pass * SECOND, p);
          const after = applyPlan(snapshot, result);
          const nodes = new Map(after.nodes.map((n) => [n.id, n]));
          for (const j of snapshot.jobs) {
            if ((j.spread ?? 'none') === 'none') continue;
            const max = allowed(j, snapshot, p);
            const key = (nodeId: string) => (j.spread === 'node' ? nodeId : nodes.get(nodeId)!.zone);
            const counts = new Map<string, number>();
            for (const t of after.tasks) {
              if (t.jobId !== j.id || !HOLDS_RESOURCES.has(t.status) || !t.nodeId) continue;
              const n = nodes.get(t.nodeId);
              if (n && ACCEPTS_WORK.has(n.state)) counts.set(key(n.id), (counts.get(key(n.id)) ?? 0) + 1);
            }
            for (const a of result.assignments) {
              if (a.jobId !== j.id) continue;
              expect(counts.get(key(a.nodeId))!).toBeLessThanOrEqual(max);
            }
          }
          snapshot = advance(snapshot, result, pass);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('places every copy of a spread job on a 1-node fleet that may grow: over 2 nodes (1 launched), ceil(count / 2) on each at most', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.constantFrom(...STRATEGY_NAMES), (count, strategy) => {
        const web = job('web', { count, spread: 'node' });
        let snapshot: Snapshot = { jobs: [web], tasks: replicas(web, count), nodes: [node('a')] };
        const p = policy({ strategy });
        for (let pass = 0; pass < 2; pass++) snapshot = advance(snapshot, plan(snapshot, NOW + pass * SECOND, p), pass);
        const on = snapshot.tasks.filter((t) => t.status === 'RUNNING').map((t) => t.nodeId);
        expect(on).toHaveLength(count);
        const perNode = new Map<string | undefined, number>();
        for (const n of on) perNode.set(n, (perNode.get(n) ?? 0) + 1);
        expect(new Set(on).size).toBe(Math.min(count, 2));
        expect(Math.max(...perNode.values())).toBeLessThanOrEqual(Math.ceil(count / Math.min(count, 2)));
      }),
      { seed: SEED + 1, numRuns: 30 },
    );
  });
});
