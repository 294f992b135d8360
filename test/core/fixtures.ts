import { DEFAULT_CATALOG, findInstanceType } from '../../core/catalog';
import type { Constraints, InstanceType, Job, Node, Task } from '../../core/model';
import { defaultPolicy, DEFAULT_BATCH_RESTART, DEFAULT_SERVICE_RESTART, type ConsolidationPolicy, type SchedulerPolicy, type ScaleUpPolicy } from '../../core/policy';
import type { Bin, PlacementTask } from '../../core/placement/bin';
import type { Plan } from '../../core/pass/plan-types';
import type { Resources } from '../../core/resources';
import type { Snapshot } from '../../core/pass/snapshot';

/** Every test states its clock: a fixed instant, with offsets from it. */
export const NOW = 1_800_000_000_000;
export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

export function res(cpu: number, memoryMiB: number): Resources {
  return { cpu, memoryMiB };
}

export function instanceType(name: string): InstanceType {
  const t = findInstanceType(DEFAULT_CATALOG, name);
  if (!t) throw new Error(`no instance type ${name} in the catalog`);
  return t;
}

/** The cheapest type of the shipped catalog (whatever the catalog holds today). */
export function cheapestType(): InstanceType {
  return [...DEFAULT_CATALOG].sort((a, b) => a.pricePerHour - b.pricePerHour || (a.name < b.name ? -1 : 1))[0];
}

export function job(id: string, overrides: Partial<Job> = {}): Job {
  const kind = overrides.kind ?? 'service';
  return {
    id,
    name: id,
    image: 'busybox:latest',
    command: ['sleep', 'infinity'],
    env: {},
    resources: res(500, 512),
    count: 1,
    kind,
    restart: kind === 'service' ? DEFAULT_SERVICE_RESTART : DEFAULT_BATCH_RESTART,
    constraints: {},
    doNotDisrupt: false,
    createdAt: NOW - HOUR,
    ...overrides,
  };
}

/** A task of `jobId`; resources default to the usual 500m / 512 MiB. */
export function task(id: string, jobId: string, overrides: Partial<Task> = {}): Task {
  return {
    id,
    jobId,
    slot: 0,
    generation: 1,
    status: 'PENDING',
    resources: res(500, 512),
    restarts: 0,
    createdAt: NOW - HOUR,
    ...overrides,
  };
}

/** A RUNNING task on `nodeId`. */
export function running(id: string, jobId: string, nodeId: string, overrides: Partial<Task> = {}): Task {
  return task(id, jobId, { status: 'RUNNING', nodeId, startedAt: NOW - 30 * MINUTE, ...overrides });
}

/** An ACTIVE node of a catalog type, old enough to be drained, that reported a moment ago. */
export function node(id: string, typeName = 'm5.large', overrides: Partial<Node> = {}): Node {
  const t = instanceType(typeName);
  return {
    id,
    instanceType: t.name,
    zone: 'us-east-1a',
    labels: {},
    capacity: t.capacity,
    state: 'ACTIVE',
    launchedAt: NOW - 2 * HOUR,
    lastHeartbeatAt: NOW - 5 * SECOND,
    pricePerHour: t.pricePerHour,
    ...overrides,
  };
}

/** A node launched `ageMs` ago whose agent has not reported yet. */
export function launching(id: string, typeName = 'm5.large', ageMs = MINUTE, overrides: Partial<Node> = {}): Node {
  const n: { -readonly [K in keyof Node]: Node[K] } = { ...node(id, typeName, { state: 'LAUNCHING', launchedAt: NOW - ageMs }), ...overrides };
  if (!('lastHeartbeatAt' in overrides)) delete n.lastHeartbeatAt;
  return n;
}

export function policy(
  overrides: Partial<Omit<SchedulerPolicy, 'scaleUp' | 'consolidation'>> & {
    scaleUp?: Partial<ScaleUpPolicy>;
    consolidation?: Partial<ConsolidationPolicy>;
  } = {},
): SchedulerPolicy {
  const base = defaultPolicy(DEFAULT_CATALOG);
  const { scaleUp, consolidation, ...rest } = overrides;
  return {
    ...base,
    ...rest,
    scaleUp: { ...base.scaleUp, ...scaleUp },
    consolidation: { ...base.consolidation, ...consolidation },
  };
}

export function snapshot(parts: Partial<Snapshot>): Snapshot {
  return { ...parts, jobs: parts.jobs ?? [], tasks: parts.tasks ?? [], nodes: parts.nodes ?? [] };
}

/** A placement bin with `free` left of `capacity`. */
export function bin(id: string, capacity: Resources, free: Resources = capacity, overrides: Partial<Bin> = {}): Bin {
  return {
    id,
    instanceType: 'm5.large',
    zone: 'us-east-1a',
    labels: {},
    capacity,
    state: 'ACTIVE',
    freeCpu: free.cpu,
    freeMemoryMiB: free.memoryMiB,
    rank: 0,
    ...overrides,
  };
}

export function ptask(id: string, resources: Resources, constraints: Constraints = {}, arrival = 0): PlacementTask {
  return { id, jobId: `job-of-${id}`, resources, constraints, arrival };
}

/** Small lookups over a plan, so assertions read as sentences. */
export function assignmentOf(p: Plan, taskId: string) {
  return p.assignments.find((a) => a.taskId === taskId);
}

export function updateOf(p: Plan, taskId: string) {
  return p.taskUpdates.find((u) => u.taskId === taskId);
}

export function nodeUpdateOf(p: Plan, nodeId: string) {
  return p.nodeUpdates.find((u) => u.nodeId === nodeId);
}

export function unplacedReason(p: Plan, taskId: string): string | undefined {
  return p.unplaced.find((u) => u.taskId === taskId)?.reason;
}

/** `n` PENDING replicas of a job, slots 0…n-1, ids `${jobId}-${slot}`. */
export function replicas(j: Job, n: number, overrides: Partial<Task> = {}): Task[] {
  return Array.from({ length: n }, (_, slot) => task(`${j.id}-${slot}`, j.id, { slot, resources: j.resources, ...overrides }));
}

/**
 * The snapshot as the store would hold it once every entry of the plan committed:
 * assignments make copies ASSIGNED on their node (creating migration copies), task
 * updates set status and back-off, node updates set state. Launches are not nodes yet.
 */
export function applyPlan(s: Snapshot, p: Plan): Snapshot {
  const tasks = new Map(s.tasks.map((t) => [t.id, { ...t }] as [string, Task]));
  for (const a of p.assignments) {
    if (a.create) tasks.set(a.create.id, { ...a.create, status: 'ASSIGNED', nodeId: a.nodeId });
    else tasks.set(a.taskId, { ...tasks.get(a.taskId)!, status: 'ASSIGNED', nodeId: a.nodeId, generation: a.generation });
  }
  for (const c of p.creates ?? []) if (!tasks.has(c.id)) tasks.set(c.id, c);
  for (const u of p.taskUpdates) {
    const t = tasks.get(u.taskId)!;
    const next: Task = {
      ...t,
      status: u.to,
      ...(u.reason !== undefined ? { reason: u.reason } : {}),
      ...(u.notBefore !== undefined ? { notBefore: u.notBefore } : {}),
      ...(u.restarts !== undefined ? { restarts: u.restarts } : {}),
    };
    // A graceful-stop mark is set by the update carrying it and cleared by any other, as the stores do.
    const marked: { -readonly [K in keyof Task]: Task[K] } = { ...next };
    delete marked.stopAt;
    if (u.stopAt !== undefined) marked.stopAt = u.stopAt;
    tasks.set(u.taskId, marked);
  }
  const jobUpdates = new Map((p.jobUpdates ?? []).map((u) => [u.jobId, u]));
  const jobs = s.jobs.map((j) => {
    const u = jobUpdates.get(j.id);
    return u && u.revision === (j.revision ?? 0) ? u.job : j;
  });
  const updates = new Map(p.nodeUpdates.map((u) => [u.nodeId, u]));
  const nodes = s.nodes.map((n) => {
    const u = updates.get(n.id);
    if (!u) return n;
    const next: Node = { ...n, ...(u.to ? { state: u.to } : {}) };
    const marks: { -readonly [K in keyof Node]: Node[K] } = { ...next };
    if (u.emptySince === null) delete marks.emptySince;
    else if (u.emptySince !== undefined) marks.emptySince = u.emptySince;
    if (u.underutilizedSince === null) delete marks.underutilizedSince;
    else if (u.underutilizedSince !== undefined) marks.underutilizedSince = u.underutilizedSince;
    return marks;
  });
  return { jobs, tasks: [...tasks.values()], nodes };
}
