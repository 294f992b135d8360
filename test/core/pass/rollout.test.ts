import { pickTemplate, versionOfTask, type UpdatePolicy } from '../../../core/deployment';
import type { Job, Task } from '../../../core/model';
import { plan } from '../../../core/pass/plan';
import type { Snapshot } from '../../../core/pass/snapshot';
import { SCALED_IN } from '../../../core/pass/scale-in';
import { applyPlan, job, node, NOW, policy, running, SECOND, snapshot } from '../fixtures';

/**
 * Rolling deployments through whole passes: plan, apply, and agents that start what they
 * are given (healthy at once, or failing for a broken version), 5 s apart. Every step is
 * checked against the deployment's budgets: never fewer than count − maxUnavailable
 * copies serving, never more than count + maxSurge copies that are not on their way out.
 */

const STEP = 5 * SECOND;
const PORTS = [{ name: 'http', containerPort: 8080, protocol: 'tcp' as const }];

function webV1(over: Partial<Job> = {}): Job {
  return job('web', {
    count: 3,
    ports: PORTS,
    expose: { port: 'http', path: '/web/*' },
    env: { GREETING: 'v1' },
    version: 1,
    latestVersion: 1,
    stableVersion: 1,
    revision: 2,
    deployment: { id: 1, toVersion: 1, status: 'SUCCEEDED', startedAt: NOW - 60 * SECOND, finishedAt: NOW - 30 * SECOND },
    ...over,
  });
}

/** The job as an update to `env` makes it: version n+1 rolling out, the old template kept. */
function updated(j: Job, env: Record<string, string>, update?: Partial<UpdatePolicy>): Job {
  const from = j.version ?? 1;
  const to = (j.latestVersion ?? from) + 1;
  return {
    ...j,
    env,
    version: to,
    latestVersion: to,
    priorVersions: { ...j.priorVersions, [String(from)]: pickTemplate(j) },
    deployment: { id: (j.deployment?.id ?? 0) + 1, fromVersion: from, toVersion: to, status: 'RUNNING', startedAt: NOW },
    revision: (j.revision ?? 0) + 1,
    ...(update ? { update: { maxSurge: '25%', maxUnavailable: 0, minHealthySeconds: 10, progressDeadlineSeconds: 600, autoRollback: true, ...update } } : {}),
  };
}

const serving = (t: Task) => t.status === 'RUNNING' && t.health === 'healthy' && t.stopAt === undefined;
const staying = (t: Task) => ['PENDING', 'ASSIGNED', 'STARTING', 'RUNNING', 'UNSCHEDULABLE', 'LOST'].includes(t.status) && t.stopAt === undefined;

/** Agents that start every ASSIGNED copy now: healthy at once, or exiting 1 when its version is broken. */
function agents(s: Snapshot, now: number, broken: ReadonlySet<number>): Snapshot {
  const tasks = s.tasks.map((t): Task => {
    if (t.status !== 'ASSIGNED') return t;
    if (broken.has(versionOfTask(t))) return { ...t, status: 'FAILED', exitCode: 1, reason: 'exited 1', startedAt: now, finishedAt: now, nodeId: undefined };
    return { ...t, status: 'RUNNING', startedAt: now, health: 'healthy', healthySince: now, endpoints: [{ port: 'http', containerPort: 8080, hostPort: 32768 + t.slot }] };
  });
  // Every node reports: none is taken for dead while the deployment runs.
  return { ...s, tasks, nodes: s.nodes.map((n) => ({ ...n, lastHeartbeatAt: now })) };
}

interface Rolled {
  readonly s: Snapshot;
  readonly steps: number;
  readonly minServing: number;
  readonly maxStaying: number;
  readonly statuses: string[];
}

/** Passes until the job's deployment leaves RUNNING (or `maxSteps`), recording the budgets' extremes. */
function roll(start: Snapshot, jobId: string, opts: { broken?: number[]; maxSteps?: number; settle?: number } = {}): Rolled {
  let s = start;
  let now = NOW;
  let minServing = Infinity;
  let maxStaying = 0;
  const statuses: string[] = [];
  const broken = new Set(opts.broken ?? []);
  let steps = 0;
  let after = opts.settle ?? 0;
  for (; steps < (opts.maxSteps ?? 400); steps++) {
    s = agents(applyPlan(s, plan(s, now, policy())), now, broken);
    now += STEP;
    const mine = s.tasks.filter((t) => t.jobId === jobId);
    minServing = Math.min(minServing, mine.filter(serving).length);
    maxStaying = Math.max(maxStaying, mine.filter(staying).length);
    const d = s.jobs.find((j) => j.id === jobId)!.deployment!;
    if (statuses[statuses.length - 1] !== d.status) statuses.push(d.status);
    if (d.status !== 'RUNNING' && after-- <= 0) break;
  }
  return { s, steps, minServing, maxStaying, statuses };
}

function runningV1(j: Job, nodes = ['a', 'b', 'c']): Task[] {
  return nodes.map((n, slot) => running(`web.${slot}`, j.id, n, { slot, version: 1, health: 'healthy', healthySince: NOW - 60 * SECOND, endpoints: [{ port: 'http', containerPort: 8080, hostPort: 32000 + slot }] }));
}

const NODES = () => ['a', 'b', 'c'].map((id) => node(id, 'm5.xlarge', { address: '10.0.0.1' }));

describe('a rolling deployment', () => {
  it('replaces every copy make-before-break: never fewer than count serving, never more than count + surge', () => {
    const v1 = webV1();
    const v2 = updated(v1, { GREETING: 'v2' });
    // Settled: a few passes after success, so the last old copy has left the load balancer and stopped.
    const out = roll(snapshot({ jobs: [v2], tasks: runningV1(v1), nodes: NODES() }), 'web', { settle: 6 });
    const j = out.s.jobs[0];
    expect(j.deployment).toMatchObject({ id: 2, status: 'SUCCEEDED', fromVersion: 1, toVersion: 2 });
    expect(j.stableVersion).toBe(2);
    expect(j.priorVersions).toBeUndefined();
    const live = out.s.tasks.filter(staying);
    expect(live.map(versionOfTask)).toEqual([2, 2, 2]);
    expect(out.minServing).toBeGreaterThanOrEqual(3);
    // 25 % of 3, rounded up: one copy above the count.
    expect(out.maxStaying).toBeLessThanOrEqual(4);
    // Old copies end STOPPED (replaced), never FAILED and restarted.
    const old = out.s.tasks.filter((t) => versionOfTask(t) === 1);
    expect(old.map((t) => t.status)).toEqual(['STOPPED', 'STOPPED', 'STOPPED']);
    expect(old.every((t) => /replaced by v2/.test(t.reason ?? ''))).toBe(true);
  });

  it('within maxUnavailable and no surge: one copy at a time below the count, never above it', () => {
    const v1 = webV1();
    const v2 = updated(v1, { GREETING: 'v2' }, { maxSurge: 0, maxUnavailable: 1 });
    const out = roll(snapshot({ jobs: [v2], tasks: runningV1(v1), nodes: NODES() }), 'web');
    expect(out.s.jobs[0].deployment?.status).toBe('SUCCEEDED');
    expect(out.minServing).toBeGreaterThanOrEqual(2);
    expect(out.maxStaying).toBeLessThanOrEqual(3);
    expect(out.s.tasks.filter(staying).map(versionOfTask)).toEqual([2, 2, 2]);
  });

  it('counts a new copy only after minHealthySeconds of serving', () => {
    const v1 = webV1();
    const v2 = updated(v1, { GREETING: 'v2' }, { minHealthySeconds: 60 });
    const s0 = snapshot({ jobs: [v2], tasks: runningV1(v1), nodes: NODES() });
    // First pass creates and places one new copy; the agents start it.
    let s = agents(applyPlan(s0, plan(s0, NOW, policy())), NOW, new Set());
    expect(s.tasks.filter((t) => versionOfTask(t) === 2 && t.status === 'RUNNING')).toHaveLength(1);
    // 30 s later it serves but has not served long enough: no old copy goes.
    const p = plan(s, NOW + 30 * SECOND, policy());
    expect(p.taskUpdates.filter((u) => /replaced by v2/.test(u.reason ?? ''))).toEqual([]);
    s = applyPlan(s, p);
    // At 61 s (the nodes still reporting) one old copy leaves the load balancer.
    s = { ...s, nodes: s.nodes.map((n) => ({ ...n, lastHeartbeatAt: NOW + 60 * SECOND })) };
    const later = plan(s, NOW + 61 * SECOND, policy());
    expect(later.taskUpdates.filter((u) => u.stopAt !== undefined && /replaced by v2/.test(u.reason ?? ''))).toHaveLength(1);
  });

  it('lets a later update win cleanly: v3 arriving mid-way through v2 replaces the v1 and v2 copies alike', () => {
    const v1 = webV1();
    const v2 = updated(v1, { GREETING: 'v2' });
    const halfway = roll(snapshot({ jobs: [v2], tasks: runningV1(v1), nodes: NODES() }), 'web', { maxSteps: 3 });
    expect(halfway.s.jobs[0].deployment?.status).toBe('RUNNING');
    expect(halfway.s.tasks.filter(staying).map(versionOfTask)).toContain(2);
    const v3 = updated(halfway.s.jobs[0], { GREETING: 'v3' });
    const out = roll({ ...halfway.s, jobs: [v3] }, 'web', { settle: 6 });
    expect(out.s.jobs[0].deployment?.rollbackOf?.reason).toBeUndefined();
    expect(out.s.jobs[0].deployment).toMatchObject({ status: 'SUCCEEDED', fromVersion: 2, toVersion: 3 });
    expect(out.s.tasks.filter(staying).map(versionOfTask)).toEqual([3, 3, 3]);
    expect(Math.min(halfway.minServing, out.minServing)).toBeGreaterThanOrEqual(3);
    expect(Math.max(halfway.maxStaying, out.maxStaying)).toBeLessThanOrEqual(4);
  });

  it('rolls a crash-looping version back to the stable one, with count copies serving throughout', () => {
    const v1 = webV1();
    const v2 = updated(v1, { GREETING: 'v2' });
    const ok = roll(snapshot({ jobs: [v2], tasks: runningV1(v1), nodes: NODES() }), 'web');
    const v3 = updated(ok.s.jobs[0], { GREETING: 'v3' });
    const out = roll({ ...ok.s, jobs: [v3] }, 'web', { broken: [3], settle: 0 });
    const j = out.s.jobs[0];
    expect(out.statuses).toEqual(['RUNNING', 'ROLLED_BACK']);
    expect(j.version).toBe(2);
    expect(j.latestVersion).toBe(3);
    expect(j.deployment).toMatchObject({ status: 'ROLLED_BACK', fromVersion: 3, toVersion: 2, rollbackOf: { version: 3 } });
    expect(j.deployment?.rollbackOf?.reason).toMatch(/copies of v3 keep failing .*exited 1/);
    expect(j.deployment?.reason).toMatch(/^v3 failed \(.*\); v2 restored$/);
    expect(out.s.tasks.filter(staying).map(versionOfTask)).toEqual([2, 2, 2]);
    expect(out.minServing).toBeGreaterThanOrEqual(3);
  });

  it('without autoRollback, fails and leaves the copies to a person: the old ones keep serving', () => {
    const v1 = webV1();
    const v2 = updated(v1, { GREETING: 'v2' }, { autoRollback: false });
    const out = roll(snapshot({ jobs: [v2], tasks: runningV1(v1), nodes: NODES() }), 'web', { broken: [2], settle: 3 });
    const j = out.s.jobs[0];
    expect(j.deployment).toMatchObject({ status: 'FAILED', toVersion: 2 });
    expect(j.deployment?.reason).toMatch(/copies of v2 keep failing/);
    expect(out.s.tasks.filter((t) => versionOfTask(t) === 1 && serving(t))).toHaveLength(3);
    expect(out.minServing).toBeGreaterThanOrEqual(3);
  });

  it('fails at the progress deadline when the new version cannot be placed, and rolls back', () => {
    const v1 = webV1();
    // v2 asks for more than any node may be launched with (scale-up is capped at the 3 nodes).
    const v2 = { ...updated(v1, { GREETING: 'v2' }, { progressDeadlineSeconds: 60 }), resources: { cpu: 64_000, memoryMiB: 512 } };
    const s0 = snapshot({ jobs: [v2], tasks: runningV1(v1), nodes: NODES() });
    let s = s0;
    let now = NOW;
    for (let i = 0; i < 20; i++) {
      s = agents(applyPlan(s, plan(s, now, policy({ scaleUp: { maxNodes: 3 } }))), now, new Set());
      now += 10 * SECOND;
    }
    const j = s.jobs[0];
    expect(j.deployment?.rollbackOf?.version).toBe(2);
    expect(j.deployment?.rollbackOf?.reason).toMatch(/^progress deadline \(60 s\) passed with 0 of 3 copies of v2 serving/);
    expect(s.tasks.filter(serving).map(versionOfTask)).toEqual([1, 1, 1]);
  });

  it("applies a batch job's update to copies not yet finished; finished ones stay as they ended", () => {
    const b1 = job('etl', { kind: 'batch', count: 3, version: 1, latestVersion: 1, stableVersion: 1, revision: 1, deployment: { id: 1, toVersion: 1, status: 'SUCCEEDED', startedAt: NOW - 60 * SECOND } });
    const b2 = updated(b1, { MODE: 'fast' });
    const tasks: Task[] = [
      { ...running('etl.0', 'etl', 'a', { slot: 0, version: 1 }), status: 'COMPLETED', exitCode: 0, finishedAt: NOW - SECOND, nodeId: undefined },
      running('etl.1', 'etl', 'a', { slot: 1, version: 1 }),
      running('etl.2', 'etl', 'b', { slot: 2, version: 1 }),
    ];
    const out = roll(snapshot({ jobs: [b2], tasks, nodes: NODES() }), 'etl');
    expect(out.s.tasks.find((t) => t.id === 'etl.0')).toMatchObject({ status: 'COMPLETED', version: 1 });
    const live = out.s.tasks.filter(staying);
    expect(live.map((t) => [t.slot, versionOfTask(t)]).sort()).toEqual([[1, 2], [2, 2]]);
  });
});

describe('scale-in', () => {
  // Consolidation held back, so only scale-in moves anything.
  const still = () => policy({ consolidation: { disruptionBudget: 0 } });
  it('stops the least useful slots: those on the emptiest nodes; the copies that stay are untouched', () => {
    const web = webV1({ count: 2 });
    // Node a also holds a big other job: a fuller node, so its copy stays.
    const other = job('big', { resources: { cpu: 3000, memoryMiB: 8000 } });
    const tasks = [...runningV1(web), running('big.0', 'big', 'a', { resources: other.resources })];
    const p = plan(snapshot({ jobs: [web, other], tasks, nodes: NODES() }), NOW, still());
    const marked = p.taskUpdates.filter((u) => u.reason?.startsWith('deregistering from the load balancer, then stopping: ' + SCALED_IN));
    expect(marked.map((u) => u.taskId)).toEqual(['web.2']);
    expect(p.taskUpdates.find((u) => u.taskId === 'web.0')).toBeUndefined();
    expect(p.creates ?? []).toEqual([]);
    // Once out of the load balancer it ends STOPPED, never restarted.
    const s = applyPlan(snapshot({ jobs: [web, other], tasks, nodes: NODES() }), p);
    const later = plan({ ...s, nodes: s.nodes.map((n) => ({ ...n, lastHeartbeatAt: NOW + 19 * SECOND })) }, NOW + 20 * SECOND, still());
    expect(later.taskUpdates.find((u) => u.taskId === 'web.2')).toMatchObject({ to: 'STOPPED' });
  });

  it('stops a waiting slot before a serving one', () => {
    const web = webV1({ count: 3 });
    const tasks = [...runningV1(web), { ...runningV1(web)[0], id: 'web.3', slot: 3, status: 'PENDING' as const, nodeId: undefined }];
    const p = plan(snapshot({ jobs: [web], tasks, nodes: NODES() }), NOW, still());
    expect(p.taskUpdates.find((u) => u.taskId === 'web.3')).toMatchObject({ to: 'STOPPED' });
    expect(p.assignments).toEqual([]);
  });
});
