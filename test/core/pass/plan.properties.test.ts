import { capacityChoiceOf } from '../../../core/capacity';
import { spotPricePerHour } from '../../../core/spot-prices';
import fc from 'fast-check';
import { DEFAULT_CATALOG } from '../../../core/catalog';
import { HOLDS_RESOURCES, type Constraints, type Job, type Node, type NodeState, type Task, type TaskStatus } from '../../../core/model';
import { plan } from '../../../core/pass/plan';
import type { Plan } from '../../../core/pass/plan-types';
import type { ConsolidationMode, SchedulerPolicy } from '../../../core/policy';
import { STRATEGY_NAMES } from '../../../core/placement/strategies';
import type { Snapshot } from '../../../core/pass/snapshot';
import { isFinished } from '../../../core/pass/task-fate';
import { applyPlan, instanceType, job, MINUTE, NOW, policy, res, SECOND } from '../fixtures';

/**
 * Properties of plan() over random, internally consistent snapshots: of one pass, and
 * of several passes with simulated agents. The seed is fixed so a failure replays; set
 * STOWAGE_PROP_SEED (and STOWAGE_PROP_RUNS) to explore others, STOWAGE_PROP_STATS=1 to
 * print how often each step of a pass was exercised.
 */
const SEED = Number(process.env.STOWAGE_PROP_SEED ?? 20261127);
const RUNS = Number(process.env.STOWAGE_PROP_RUNS ?? 300);

const TYPES = ['c5.large', 'm5.large', 'm5.xlarge', 'c5.xlarge', 'r5.large', 'm5.4xlarge'];
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const SHAPES = [res(250, 256), res(500, 512), res(1000, 2048), res(1500, 1024), res(3000, 6144), res(200, 7000)];
const CONSTRAINTS: Constraints[] = [{}, {}, {}, {}, {}, { zones: ['us-east-1b'] }, { nodeLabels: { disk: 'ssd' } }, { instanceTypes: ['m5.large', 'm5.xlarge', 'm5.4xlarge'] }];

const weighted = <T>(...pairs: Array<[number, T]>) => fc.oneof(...pairs.map(([weight, v]) => ({ weight, arbitrary: fc.constant(v) })));

const nodeRaw = fc.record({
  type: fc.nat(TYPES.length - 1),
  zone: fc.nat(ZONES.length - 1),
  ssd: fc.boolean(),
  state: weighted<NodeState>([12, 'ACTIVE'], [3, 'DRAINING'], [1, 'LAUNCHING'], [1, 'TERMINATING'], [1, 'LOST']),
  ageMin: fc.integer({ min: 0, max: 180 }),
  launchAgeMin: fc.integer({ min: 0, max: 14 }),
  // Mostly fresh; sometimes past the 30 s timeout.
  heartbeatAgeSec: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 25 }) }, { weight: 1, arbitrary: fc.integer({ min: 26, max: 90 }) }),
  emptySinceMin: fc.option(fc.integer({ min: 0, max: 30 })),
  underSinceMin: fc.option(fc.integer({ min: 0, max: 30 })),
});

const slotRaw = fc.record({
  status: weighted<TaskStatus>([12, 'RUNNING'], [1, 'PENDING'], [1, 'ASSIGNED'], [1, 'STARTING'], [1, 'COMPLETED'], [1, 'FAILED'], [1, 'STOPPED'], [1, 'LOST'], [1, 'UNSCHEDULABLE']),
  node: fc.nat(40),
  generation: fc.integer({ min: 1, max: 3 }),
  restarts: fc.integer({ min: 0, max: 4 }),
  notBeforeSec: fc.option(fc.integer({ min: -60, max: 60 })),
  exitCode: fc.constantFrom(0, 1, 137),
  oom: fc.boolean(),
  ranSec: fc.integer({ min: 0, max: 1200 }),
  endedAgoSec: fc.integer({ min: 0, max: 120 }),
  copy: fc.option(fc.record({ status: weighted<TaskStatus>([5, 'RUNNING'], [1, 'ASSIGNED'], [1, 'STARTING'], [1, 'PENDING'], [1, 'FAILED'], [1, 'STOPPED'], [1, 'LOST']), node: fc.nat(40) }), { freq: 4 }),
  history: fc.boolean(),
});

const jobRaw = fc.record({
  batch: weighted([4, false], [1, true]),
  doNotDisrupt: weighted([5, false], [1, true]),
  stopped: weighted([9, false], [1, true]),
  shape: fc.nat(SHAPES.length - 1),
  constraint: fc.nat(CONSTRAINTS.length - 1),
  createdMin: fc.integer({ min: 0, max: 600 }),
  slots: fc.array(slotRaw, { minLength: 1, maxLength: 5 }),
});

const policyRaw = fc.record({
  strategy: fc.constantFrom(...STRATEGY_NAMES),
  mode: weighted<ConsolidationMode>([4, 'stowage'], [1, 'empty-only'], [2, 'underutilized'], [1, 'off']),
  budget: weighted([1, 0], [3, 1], [3, 2], [2, 3]),
  minNodes: fc.integer({ min: 0, max: 3 }),
  minSavings: weighted([2, 0], [2, 0.01], [1, 0.1]),
  nodeMinAgeMs: fc.constantFrom(0, 5 * MINUTE),
  emptyGraceMs: fc.constantFrom(0, 2 * MINUTE),
  underutilizedForMs: fc.constantFrom(0, 10 * MINUTE),
  stableForMs: fc.constantFrom(0, 5 * MINUTE),
  maxNodes: fc.integer({ min: 1, max: 12 }),
  scaleUp: fc.integer({ min: 0, max: 4 }).map((n) => n !== 0),
  fullCatalog: fc.boolean(),
});

const scenarioArb = fc.record({
  nodes: fc.array(nodeRaw, { maxLength: 9 }),
  jobs: fc.array(jobRaw, { maxLength: 6 }),
  policy: policyRaw,
  nowOffsetSec: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 900 }) }),
  shuffleSeed: fc.integer(),
  // chaos: anything goes. calm: no node launching or silent, every copy running or ended —
  // where consolidation acts. packed: a calm fleet of long-running services under the
  // 'stowage' policy with the full catalog, where drains and replacements happen.
  flavour: weighted<'chaos' | 'calm' | 'packed'>([2, 'chaos'], [2, 'calm'], [2, 'packed']),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

interface Built {
  readonly snapshot: Snapshot;
  readonly now: number;
  readonly policy: SchedulerPolicy;
}

/** Turns raw numbers into a snapshot a real fleet could be in: no node over capacity, one live copy per slot (plus a migration copy off a draining or lost node). */
function build(s: Scenario): Built {
  const now = NOW + s.nowOffsetSec * SECOND;
  const calm = s.flavour !== 'chaos';
  const packed = s.flavour === 'packed';
  const calmNode = (r: Scenario['nodes'][number]) => {
    if (!calm) return r;
    const keep = r.state === 'TERMINATING' || (r.state === 'DRAINING' && !packed);
    return { ...r, state: keep ? r.state : ('ACTIVE' as const), heartbeatAgeSec: Math.min(r.heartbeatAgeSec, 25) };
  };
  const calmStatus = (st: TaskStatus): TaskStatus => (calm && st !== 'COMPLETED' && st !== 'STOPPED' ? 'RUNNING' : st);
  const nodes: Node[] = s.nodes.map(calmNode).map((r, i) => {
    const t = instanceType(TYPES[r.type]);
    const n: Node = {
      id: `n${i}`,
      instanceType: t.name,
      zone: ZONES[r.zone],
      labels: r.ssd ? { disk: 'ssd' } : {},
      capacity: t.capacity,
      state: r.state,
      launchedAt: NOW - (r.state === 'LAUNCHING' ? r.launchAgeMin : r.ageMin) * MINUTE,
      pricePerHour: t.pricePerHour,
      ...(r.state === 'LAUNCHING' ? {} : { lastHeartbeatAt: NOW - r.heartbeatAgeSec * SECOND }),
      ...(r.emptySinceMin === null ? {} : { emptySince: NOW - r.emptySinceMin * MINUTE }),
      ...(r.underSinceMin === null ? {} : { underutilizedSince: NOW - r.underSinceMin * MINUTE }),
    };
    return n;
  });
  const used = new Map(nodes.map((n) => [n.id, { cpu: 0, memoryMiB: 0 }]));
  /** A node (or, past the fleet, a node id that no longer exists) that can hold `r`; undefined when the pick is full or TERMINATING. */
  const hold = (pick: number, r: { cpu: number; memoryMiB: number }, not?: string): string | undefined => {
    const i = pick % (nodes.length + 1);
    if (i === nodes.length) return pick % 3 === 0 ? 'gone' : undefined;
    const n = nodes[i];
    if (n.id === not || n.state === 'TERMINATING') return undefined;
    const u = used.get(n.id)!;
    if (u.cpu + r.cpu > n.capacity.cpu || u.memoryMiB + r.memoryMiB > n.capacity.memoryMiB) return undefined;
    u.cpu += r.cpu;
    u.memoryMiB += r.memoryMiB;
    return n.id;
  };
  const stateOf = (id: string | undefined) => nodes.find((n) => n.id === id)?.state;
  // Only a node whose every copy is RUNNING is ever drained, and a DRAINING node takes no new copies:
  // so nothing on a DRAINING node is still ASSIGNED or STARTING.
  const settled = (status: TaskStatus, nodeId: string): TaskStatus => (stateOf(nodeId) === 'DRAINING' ? 'RUNNING' : status);

  const jobs: Job[] = [];
  const tasks: Task[] = [];
  s.jobs.forEach((raw, ji) => {
    // In a packed fleet some jobs carry twice the work, so some nodes are full and moves do not always fit.
    const r = packed ? { ...raw, batch: false, stopped: false, slots: raw.slots.length % 2 ? [...raw.slots, ...raw.slots] : raw.slots } : raw;
    const resources = SHAPES[r.shape];
    const j = job(`j${ji}`, {
      kind: r.batch ? 'batch' : 'service',
      doNotDisrupt: r.doNotDisrupt,
      resources,
      count: r.slots.length,
      constraints: CONSTRAINTS[r.constraint],
      createdAt: NOW - r.createdMin * MINUTE,
      ...(r.stopped ? { stopRequestedAt: NOW - MINUTE } : {}),
    });
    jobs.push(j);
    r.slots.forEach((sr, slot) => {
      const id = `j${ji}-s${slot}`;
      let status = calmStatus(sr.status);
      let nodeId: string | undefined;
      if (HOLDS_RESOURCES.has(status)) {
        nodeId = hold(sr.node, resources);
        // No room: a calm fleet has no waiting work, so the copy is an old, stopped one.
        if (!nodeId) status = calm ? 'STOPPED' : 'PENDING';
        else status = settled(status, nodeId);
      } else if (status === 'FAILED' || status === 'COMPLETED') {
        const i = sr.node % (nodes.length + 1);
        nodeId = i < nodes.length ? nodes[i].id : undefined;
      }
      const ended = status === 'FAILED' || status === 'COMPLETED';
      const finishedAt = NOW - sr.endedAgoSec * SECOND;
      const primary: Task = {
        id,
        jobId: j.id,
        slot,
        generation: sr.generation + 1,
        status,
        resources,
        restarts: sr.restarts,
        createdAt: j.createdAt,
        ...(nodeId ? { nodeId } : {}),
        ...(status === 'PENDING' && sr.notBeforeSec !== null ? { notBefore: NOW + sr.notBeforeSec * SECOND } : {}),
        ...(ended ? { startedAt: finishedAt - sr.ranSec * SECOND, finishedAt, exitCode: status === 'COMPLETED' ? 0 : sr.exitCode, oomKilled: status === 'FAILED' && sr.oom } : {}),
        ...(status === 'UNSCHEDULABLE' ? { reason: 'stale reason' } : {}),
      };
      tasks.push(primary);
      if (sr.history) {
        tasks.push({ id: `${id}-h`, jobId: j.id, slot, generation: 1, status: 'STOPPED', resources, restarts: 0, createdAt: j.createdAt, reason: 'old copy' });
      }
      // A migration copy exists only for a service copy that was on a draining (since perhaps lost) node.
      const onDrained = nodeId !== undefined && (nodeId === 'gone' || stateOf(nodeId) === 'DRAINING' || stateOf(nodeId) === 'LOST');
      if (sr.copy && !r.batch && onDrained && (HOLDS_RESOURCES.has(status) || ended)) {
        let cStatus = sr.copy.status;
        let cNode: string | undefined;
        if (HOLDS_RESOURCES.has(cStatus)) {
          cNode = hold(sr.copy.node, resources, nodeId);
          if (!cNode) cStatus = 'PENDING';
          else cStatus = settled(cStatus, cNode);
        }
        tasks.push({
          id: `${id}-c`,
          jobId: j.id,
          slot,
          generation: primary.generation + 1,
          status: cStatus,
          resources,
          restarts: 0,
          replaces: id,
          createdAt: NOW - 2 * MINUTE,
          ...(cNode ? { nodeId: cNode } : {}),
          ...(cStatus === 'FAILED' ? { exitCode: 1, startedAt: NOW - 90 * SECOND, finishedAt: NOW - 60 * SECOND } : {}),
        });
      }
    });
  });

  const p = packed
    ? { ...s.policy, mode: 'stowage' as const, budget: Math.max(1, s.policy.budget), nodeMinAgeMs: 0, fullCatalog: true, scaleUp: true, maxNodes: Math.max(s.policy.maxNodes, nodes.length + 2) }
    : s.policy;
  const types = p.fullCatalog ? DEFAULT_CATALOG : TYPES.map(instanceType);
  const pol = policy({
    strategy: p.strategy,
    heartbeatTimeoutMs: 30 * SECOND,
    launchTimeoutMs: 10 * MINUTE,
    scaleUp: { enabled: p.scaleUp, instanceTypes: types, maxNodes: p.maxNodes },
    consolidation: {
      mode: p.mode,
      disruptionBudget: p.budget,
      minNodes: p.minNodes,
      minSavingsPerHour: p.minSavings,
      nodeMinAgeMs: p.nodeMinAgeMs,
      emptyGraceMs: p.emptyGraceMs,
      underutilizedForMs: p.underutilizedForMs,
      stableForMs: p.stableForMs,
      underutilizedThreshold: 0.5,
    },
  });
  return { snapshot: { jobs, tasks, nodes }, now, policy: pol };
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let x = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Runs the property with the fixed seed; on failure the message carries the seed, the shrunk scenario and a replay hint. */
function check(name: string, body: (b: Built, p: Plan, s: Scenario) => void): void {
  it(name, () => {
    try {
      fc.assert(
        fc.property(scenarioArb, (s) => {
          const b = build(s);
          body(b, plan(b.snapshot, b.now, b.policy), s);
        }),
        { seed: SEED, numRuns: RUNS },
      );
    } catch (err) {
      throw new Error(`property "${name}" failed with seed ${SEED} (replay: STOWAGE_PROP_SEED=${SEED})\n${(err as Error).message}`, { cause: err });
    }
  });
}

const holding = (tasks: readonly Task[], nodeId: string) => tasks.filter((t) => t.nodeId === nodeId && HOLDS_RESOURCES.has(t.status));

describe('plan() properties over random snapshots', () => {
  it('generates snapshots that are themselves consistent (no node over capacity, unique ids)', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { snapshot } = build(s);
        for (const n of snapshot.nodes) {
          const h = holding(snapshot.tasks, n.id);
          expect(h.reduce((a, t) => a + t.resources.cpu, 0)).toBeLessThanOrEqual(n.capacity.cpu);
          expect(h.reduce((a, t) => a + t.resources.memoryMiB, 0)).toBeLessThanOrEqual(n.capacity.memoryMiB);
        }
        expect(new Set(snapshot.tasks.map((t) => t.id)).size).toBe(snapshot.tasks.length);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('exercises every step of a pass often enough for the properties below to mean something', () => {
    const seen: Record<string, number> = {};
    const count = (what: string, yes: boolean) => (seen[what] = (seen[what] ?? 0) + (yes ? 1 : 0));
    for (const s of fc.sample(scenarioArb, { seed: SEED, numRuns: RUNS })) {
      const b = build(s);
      const p = plan(b.snapshot, b.now, b.policy);
      count('placement', p.assignments.some((a) => !a.create && a.releaseFrom === undefined));
      count('loss', p.nodeUpdates.some((u) => u.to === 'LOST'));
      count('re-placement of a lost copy', p.assignments.some((a) => a.releaseFrom !== undefined));
      count('restart', p.taskUpdates.some((u) => u.from === 'FAILED' && u.to === 'PENDING'));
      count('launch', p.launches.length > 0);
      count('empty removal', p.consolidations.some((c) => c.action === 'remove-empty'));
      count('drain', p.consolidations.some((c) => c.action === 'delete'));
      count('two drains', p.consolidations.filter((c) => c.action !== 'remove-empty').length >= 2);
      count('replace', p.consolidations.some((c) => c.action === 'replace'));
      count('make-before-break stop', p.taskUpdates.some((u) => /^replaced by/.test(u.reason ?? '')));
      count('drained node terminated', p.nodeUpdates.some((u) => u.to === 'TERMINATING' && u.reason === 'drained'));
      count('job stop', p.taskUpdates.some((u) => u.reason === 'job stopped'));
      count('unschedulable', p.taskUpdates.some((u) => u.to === 'UNSCHEDULABLE'));
    }
    if (process.env.STOWAGE_PROP_STATS) console.log(seen);
    // Every step at least once; the everyday ones in at least 5 % of scenarios, drains in 3 %.
    const everyday = ['placement', 'loss', 're-placement of a lost copy', 'restart', 'launch', 'empty removal', 'job stop'];
    for (const [what, n] of Object.entries(seen)) {
      const wanted = everyday.includes(what) ? Math.ceil(RUNS / 20) : what === 'drain' ? Math.ceil(RUNS / 33) : 1;
      expect({ what, often: n >= wanted }).toEqual({ what, often: true });
    }
    expect(Object.keys(seen)).toHaveLength(13);
  });

  it('over several passes with agents that start copies late, never runs a slot twice nor overfills a node', () => {
    try {
      fc.assert(
        fc.property(scenarioArb, (s) => {
          const b = build(s);
          let snap = b.snapshot;
          let rng = (s.shuffleSeed >>> 0) || 1;
          const coin = () => {
            rng ^= rng << 13;
            rng ^= rng >>> 17;
            rng ^= rng << 5;
            return (rng >>> 0) % 10 < 6;
          };
          for (let pass = 0; pass < 8; pass++) {
            const now = b.now + pass * MINUTE;
            const p = plan(snap, now, b.policy);
            snap = applyPlan(snap, p);
            const gone = new Set(p.terminations.map((t) => t.nodeId));
            const launched: Node[] = p.launches.map((l, i) => {
              const t = b.policy.scaleUp.instanceTypes.find((x) => x.name === l.instanceType)!;
              return { id: `p${pass}-l${i}`, instanceType: t.name, zone: l.zone, labels: l.labels, capacity: t.capacity, state: 'LAUNCHING', launchedAt: now, pricePerHour: t.pricePerHour };
            });
            // Agents: every live node reports; a launched node comes up; some assigned copies start.
            snap = {
              jobs: snap.jobs,
              nodes: [
                ...snap.nodes.filter((n) => !gone.has(n.id)).map((n): Node => (n.state === 'LOST' ? n : { ...n, state: n.state === 'LAUNCHING' ? 'ACTIVE' : n.state, lastHeartbeatAt: now + MINUTE - SECOND })),
                ...launched,
              ],
              tasks: snap.tasks.map((t) => (t.status === 'ASSIGNED' && coin() ? { ...t, status: 'RUNNING' as const, startedAt: now } : t)),
            };
            for (const n of snap.nodes) {
              const h = holding(snap.tasks, n.id);
              expect(h.reduce((a, t) => a + t.resources.cpu, 0)).toBeLessThanOrEqual(n.capacity.cpu);
              expect(h.reduce((a, t) => a + t.resources.memoryMiB, 0)).toBeLessThanOrEqual(n.capacity.memoryMiB);
            }
            // A slot runs once, or twice only while a copy and the copy it replaces overlap.
            const runningBySlot = new Map<string, Task[]>();
            for (const t of snap.tasks) {
              if (t.status !== 'RUNNING' || snap.jobs.find((j) => j.id === t.jobId)?.stopRequestedAt !== undefined) continue;
              runningBySlot.set(`${t.jobId}#${t.slot}`, [...(runningBySlot.get(`${t.jobId}#${t.slot}`) ?? []), t]);
            }
            for (const [slot, copies] of runningBySlot) {
              const ok = copies.length === 1 || (copies.length === 2 && (copies[0].replaces === copies[1].id || copies[1].replaces === copies[0].id));
              expect({ pass, slot, running: copies.map((t) => `${t.id}@${t.nodeId}`), ok }).toEqual({ pass, slot, running: copies.map((t) => `${t.id}@${t.nodeId}`), ok: true });
            }
          }
        }),
        { seed: SEED, numRuns: RUNS },
      );
    } catch (err) {
      throw new Error(`multi-pass property failed with seed ${SEED} (replay: STOWAGE_PROP_SEED=${SEED})\n${(err as Error).message}`, { cause: err });
    }
  });

  check('never takes a node over capacity', ({ snapshot }, p) => {
    const after = applyPlan(snapshot, p);
    for (const n of after.nodes) {
      const h = holding(after.tasks, n.id);
      const cpu = h.reduce((a, t) => a + t.resources.cpu, 0);
      const mem = h.reduce((a, t) => a + t.resources.memoryMiB, 0);
      expect({ node: n.id, over: cpu > n.capacity.cpu || mem > n.capacity.memoryMiB }).toEqual({ node: n.id, over: false });
    }
  });

  check('touches each task at most once, assigns no task to two nodes, and creates no id that exists', ({ snapshot }, p) => {
    const ids = [...p.assignments.map((a) => a.taskId), ...p.taskUpdates.map((u) => u.taskId)];
    expect(ids.length).toBe(new Set(ids).size);
    const existing = new Set(snapshot.tasks.map((t) => t.id));
    for (const a of p.assignments) {
      if (a.create) {
        expect(existing.has(a.create.id)).toBe(false);
        expect(a.create.id).toBe(a.taskId);
        expect(a.create.nodeId).toBe(a.nodeId);
      } else {
        expect(existing.has(a.taskId)).toBe(true);
      }
    }
  });

  check('gives each slot (job, replica) at most one new copy per pass', ({ snapshot }, p) => {
    const slotOf = new Map(snapshot.tasks.map((t) => [t.id, t.slot]));
    const slots = p.assignments.map((a) => `${a.jobId}#${a.create ? a.create.slot : slotOf.get(a.taskId)}`);
    expect(slots.length).toBe(new Set(slots).size);
  });

  check('assigns only to nodes that are ACTIVE or LAUNCHING after the plan', ({ snapshot }, p) => {
    const after = new Map(applyPlan(snapshot, p).nodes.map((n) => [n.id, n.state]));
    for (const a of p.assignments) {
      expect({ assignment: a.taskId, node: a.nodeId, state: after.get(a.nodeId) }).toEqual({
        assignment: a.taskId,
        node: a.nodeId,
        state: expect.stringMatching(/^(ACTIVE|LAUNCHING)$/),
      });
    }
  });

  check('is deterministic: shuffling the snapshot arrays gives the same plan', ({ snapshot, now, policy: pol }, p, s) => {
    const shuffledSnapshot: Snapshot = {
      jobs: shuffled(snapshot.jobs, s.shuffleSeed),
      tasks: shuffled(snapshot.tasks, s.shuffleSeed + 1),
      nodes: shuffled(snapshot.nodes, s.shuffleSeed + 2),
    };
    expect(plan(shuffledSnapshot, now, pol)).toEqual(p);
  });

  check('never has more nodes DRAINING than the disruption budget allows', ({ snapshot, policy: pol }, p) => {
    const before = snapshot.nodes.filter((n) => n.state === 'DRAINING').length;
    const after = applyPlan(snapshot, p).nodes.filter((n) => n.state === 'DRAINING').length;
    expect(after).toBeLessThanOrEqual(Math.max(pol.consolidation.disruptionBudget, before));
  });

  // Make-before-break, strictly: the replacement must be RUNNING on a node that is not lost after this plan.
  check('never stops a live service copy on a healthy node unless a RUNNING replacement runs on a node still alive, or it is a replacement whose original keeps running', ({ snapshot }, p) => {
    const after = new Map(applyPlan(snapshot, p).nodes.map((n) => [n.id, n.state]));
    const jobs = new Map(snapshot.jobs.map((j) => [j.id, j]));
    const tasks = new Map(snapshot.tasks.map((t) => [t.id, t]));
    for (const u of p.taskUpdates) {
      if (u.to !== 'STOPPED' || !HOLDS_RESOURCES.has(u.from)) continue;
      const t = tasks.get(u.taskId)!;
      const j = jobs.get(t.jobId);
      if (!j || j.stopRequestedAt !== undefined) continue;
      const nodeState = t.nodeId ? after.get(t.nodeId) : undefined;
      if (nodeState === undefined || nodeState === 'LOST') continue;
      const alive = (c: Task) => c.nodeId !== undefined && after.get(c.nodeId) !== undefined && after.get(c.nodeId) !== 'LOST';
      const live = snapshot.tasks.filter((c) => c.replaces === t.id && c.status === 'RUNNING' && alive(c));
      // Or the stopped copy is itself a replacement whose original keeps running (a drain given up).
      const original = t.replaces ? tasks.get(t.replaces) : undefined;
      const originalStays = original !== undefined && original.status === 'RUNNING' && alive(original) && !p.taskUpdates.some((x) => x.taskId === original.id);
      expect({ stopped: t.id, liveReplacementOrOriginal: live.length > 0 || originalStays }).toEqual({ stopped: t.id, liveReplacementOrOriginal: true });
    }
  });

  check('leaves no copy holding resources on a node that is LOST or TERMINATING after the plan', ({ snapshot }, p) => {
    const after = applyPlan(snapshot, p);
    for (const n of after.nodes) {
      if (n.state !== 'LOST' && n.state !== 'TERMINATING') continue;
      expect({ node: n.id, holding: holding(after.tasks, n.id).map((t) => t.id) }).toEqual({ node: n.id, holding: [] });
    }
  });

  check("records each change 'from' the state the pass saw, and moves tasks only to non-holding states", ({ snapshot }, p) => {
    const tasks = new Map(snapshot.tasks.map((t) => [t.id, t]));
    const nodes = new Map(snapshot.nodes.map((n) => [n.id, n]));
    for (const a of p.assignments) if (!a.create) expect(a.from).toBe(tasks.get(a.taskId)!.status);
    for (const u of p.taskUpdates) {
      expect(u.from).toBe(tasks.get(u.taskId)!.status);
      expect(HOLDS_RESOURCES.has(u.to)).toBe(false);
    }
    for (const u of p.nodeUpdates) expect(u.from).toBe(nodes.get(u.nodeId)!.state);
  });

  check('gives every new copy a generation above any its slot had', ({ snapshot }, p) => {
    const top = new Map<string, number>();
    for (const t of snapshot.tasks) top.set(`${t.jobId}#${t.slot}`, Math.max(top.get(`${t.jobId}#${t.slot}`) ?? 0, t.generation));
    const slotOf = new Map(snapshot.tasks.map((t) => [t.id, t.slot]));
    for (const a of p.assignments) {
      const key = `${a.jobId}#${a.create ? a.create.slot : slotOf.get(a.taskId)}`;
      expect(a.generation).toBeGreaterThan(top.get(key) ?? 0);
      if (a.create) expect(a.create.generation).toBe(a.generation);
    }
  });

  check('places or explains every task waiting to be placed', ({ snapshot, now }, p) => {
    const jobs = new Map(snapshot.jobs.map((j) => [j.id, j]));
    const assigned = new Set(p.assignments.map((a) => a.taskId));
    // Explained: left unplaced with a reason, or stopped with one (a copy whose drain was abandoned).
    const explained = new Set([...p.unplaced.map((u) => u.taskId), ...p.taskUpdates.filter((u) => u.to === 'STOPPED' && u.reason).map((u) => u.taskId)]);
    for (const t of snapshot.tasks) {
      const j = jobs.get(t.jobId);
      if (!j || j.stopRequestedAt !== undefined) continue;
      if (t.status !== 'PENDING' && t.status !== 'LOST' && t.status !== 'UNSCHEDULABLE') continue;
      if (t.notBefore !== undefined && t.notBefore > now) continue;
      expect({ task: t.id, placedOrExplained: assigned.has(t.id) || explained.has(t.id) }).toEqual({ task: t.id, placedOrExplained: true });
    }
  });

  check('leaves each slot with at most one live copy, or one copy and its migration replacement', ({ snapshot }, p) => {
    const after = applyPlan(snapshot, p);
    const jobs = new Map(after.jobs.map((j) => [j.id, j]));
    const bySlot = new Map<string, Task[]>();
    for (const t of after.tasks) {
      const j = jobs.get(t.jobId);
      if (!j || isFinished(t, j)) continue;
      const key = `${t.jobId}#${t.slot}`;
      bySlot.set(key, [...(bySlot.get(key) ?? []), t]);
    }
    for (const [slot, live] of bySlot) {
      const ok = live.length === 1 || (live.length === 2 && (live[0].replaces === live[1].id || live[1].replaces === live[0].id));
      expect({ slot, live: live.map((t) => `${t.id}:${t.status}`), ok }).toEqual({ slot, live: live.map((t) => `${t.id}:${t.status}`), ok: true });
    }
  });

  check('sizes every launch to hold the tasks it names, on a type and zone they allow', ({ snapshot, policy: pol }, p) => {
    const tasks = new Map(snapshot.tasks.map((t) => [t.id, t]));
    const jobs = new Map(snapshot.jobs.map((j) => [j.id, j]));
    // A drain copy is named before it exists: `${jobId}.${slot}.g${generation}`.
    const jobOf = (id: string) => jobs.get(tasks.get(id)?.jobId ?? id.slice(0, id.indexOf('.')));
    for (const l of p.launches) {
      const type = pol.scaleUp.instanceTypes.find((t) => t.name === l.instanceType);
      expect(type).toBeDefined();
      expect(pol.scaleUp.zones).toContain(l.zone);
      // A Spot launch is priced at its Spot price, and only copies that accept Spot go on it.
      expect(l.pricePerHour).toBe(l.capacityType === 'spot' ? spotPricePerHour(type!) : type!.pricePerHour);
      let cpu = 0;
      let mem = 0;
      for (const id of l.forTasks) {
        const j = jobOf(id);
        expect({ launchFor: id, knownJob: j !== undefined }).toEqual({ launchFor: id, knownJob: true });
        const r = tasks.get(id)?.resources ?? j!.resources;
        cpu += r.cpu;
        mem += r.memoryMiB;
        const c = j!.constraints;
        if (l.capacityType === 'spot') expect({ launchFor: id, capacity: capacityChoiceOf(j!) }).not.toEqual({ launchFor: id, capacity: 'on-demand' });
        else expect({ launchFor: id, capacity: capacityChoiceOf(j!) }).not.toEqual({ launchFor: id, capacity: 'spot' });
        if (c.instanceTypes?.length) expect(c.instanceTypes).toContain(l.instanceType);
        if (c.zones?.length) expect(c.zones).toContain(l.zone);
        for (const [k, v] of Object.entries(c.nodeLabels ?? {})) expect(l.labels[k]).toBe(v);
      }
      expect(cpu).toBeLessThanOrEqual(type!.capacity.cpu);
      expect(mem).toBeLessThanOrEqual(type!.capacity.memoryMiB);
    }
  });

  check('reports each unplaced task once, and never one it placed', (_b, p) => {
    const ids = p.unplaced.map((u) => u.taskId);
    expect(ids.length).toBe(new Set(ids).size);
    const assigned = new Set(p.assignments.map((a) => a.taskId));
    expect(ids.filter((id) => assigned.has(id))).toEqual([]);
    for (const u of p.unplaced) expect(u.reason.length).toBeGreaterThan(0);
  });

  check('never grows the fleet past scaleUp.maxNodes', ({ snapshot, policy: pol }, p) => {
    const live = (ns: readonly Node[]) => ns.filter((n) => n.state !== 'LOST' && n.state !== 'TERMINATING').length;
    const before = live(snapshot.nodes);
    const after = live(applyPlan(snapshot, p).nodes) + p.launches.length;
    expect(after).toBeLessThanOrEqual(Math.max(pol.scaleUp.maxNodes, before));
  });

  check('never lets consolidation take the fleet below minNodes', ({ snapshot, policy: pol }, p) => {
    const serving = (s: NodeState) => s === 'ACTIVE' || s === 'LAUNCHING';
    const markedLost = new Set(p.nodeUpdates.filter((u) => u.to === 'LOST').map((u) => u.nodeId));
    const before = snapshot.nodes.filter((n) => serving(n.state) && !markedLost.has(n.id)).length;
    const after = applyPlan(snapshot, p).nodes.filter((n) => serving(n.state)).length + p.launches.length;
    expect(after).toBeGreaterThanOrEqual(Math.min(pol.consolidation.minNodes, before));
  });
});
