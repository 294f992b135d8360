import { fleetCostPerHour, instanceCost, MS_PER_HOUR } from '../core/cost-model';
import { lastFleetChange } from '../core/pass/consolidation';
import { boundNodeSize, fluidNodeBound, packingLowerBound } from '../core/lower-bound';
import { HOLDS_RESOURCES } from '../core/model';
import type { UtilisationSample } from '../core/utilisation-sample';
import { add, ZERO, type Resources } from '../core/resources';
import { estimatePassRequestUnits } from '../control/pass/request-units';
import { DEFAULT_SERVICE_RESTART, type SchedulerPolicy } from '../core/policy';
import type { InstanceType } from '../core/model';
import { plan } from '../core/pass/plan';
import { SimState } from './sim-state';
import type { TraceTask } from './trace-reader';

export interface SimOptions {
  readonly catalog: readonly InstanceType[];
  /** From RunInstances to the agent's first heartbeat. */
  readonly launchDelayMs: number;
  /** From assignment to the container running. */
  readonly startDelayMs: number;
  /** Scheduler passes run on this grid while anything is in motion. */
  readonly passIntervalMs: number;
  /** Agents heartbeat on this grid; a pass sees the latest beat, as the Nodes table would. */
  readonly heartbeatIntervalMs: number;
}

export const DEFAULT_SIM_OPTIONS: Omit<SimOptions, 'catalog'> = { launchDelayMs: 60_000, startDelayMs: 5_000, passIntervalMs: 15_000, heartbeatIntervalMs: 10_000 };

export interface SimSample {
  readonly t: number;
  readonly nodes: number;
  readonly cpuAllocated: number;
  readonly memoryAllocated: number;
  readonly costPerHour: number;
}

export interface SimResult {
  readonly nodeHours: number;
  readonly cost: number;
  readonly peakNodes: number;
  /** Time-weighted Σ requests ÷ Σ capacity over the replay, in [0, 1]. */
  readonly meanCpuAllocated: number;
  readonly meanMemoryAllocated: number;
  readonly migrations: number;
  readonly migrationsPerTaskHour: number;
  readonly taskHours: number;
  readonly tasksNeverPlaced: number;
  /** Tasks the scheduler ever declared UNSCHEDULABLE (no instance type can hold them). */
  readonly unschedulable: number;
  readonly passes: number;
  /** Σ over time of the fewest nodes that could hold the live demand (largest type, fluid). */
  readonly lowerBoundNodeHours: number;
  /** Σ over time of the least any fleet could pay for the live demand. */
  readonly lowerBoundCost: number;
  readonly rejectedWrites: number;
  readonly nodeHoursByType: Record<string, number>;
  readonly samples: SimSample[];
  /**
   * One UtilisationSample per pass, as the scheduler Lambda writes them, for the cost
   * report. Usage is not measured in a replay (usageMeasured: false); the control
   * plane's duration is modelled (SIM_PASS_MS), so a replay stays deterministic.
   */
  readonly utilisation: UtilisationSample[];
  readonly ms: number;
}

/**
 * A modelled scheduler invocation: DynamoDB round trips (scan, transactions, sample)
 * plus plan() at about 0.01 ms per item, from `stowage bench` (100 000 tasks in ~0.9 s).
 * Measured wall time would make two replays of one trace differ.
 */
export const SIM_PASS_MS = { base: 150, perItem: 0.01 } as const;

interface TraceEvent {
  readonly t: number;
  readonly kind: 'arrive' | 'depart';
  readonly index: number;
}

/**
 * Discrete-event replay of a trace through plan(): tasks arrive at creation_time and
 * are deleted at deletion_time; the fleet starts empty and is whatever the policy
 * launches. Passes run on a fixed grid while something is in motion and skip ahead
 * to the next arrival, departure or consolidation timer when the cluster is at rest,
 * so months of trace replay in seconds without changing any decision.
 */
export function simulate(trace: readonly TraceTask[], policy: SchedulerPolicy, options: SimOptions): SimResult {
  const started = performance.now();
  const byName = new Map(options.catalog.map((t) => [t.name, t]));
  const state = new SimState((type) => byName.get(type)!.capacity);
  const events: TraceEvent[] = [];
  trace.forEach((task, index) => {
    const t0 = Math.round((task.creationTime ?? 0) * 1000);
    events.push({ t: t0, kind: 'arrive', index });
    if (task.deletionTime !== undefined) events.push({ t: Math.max(t0, Math.round(task.deletionTime * 1000)), kind: 'depart', index });
  });
  events.sort((a, b) => a.t - b.t || (a.kind === b.kind ? a.index - b.index : a.kind === 'depart' ? -1 : 1));

  const grid = options.passIntervalMs;
  const maxCpu = Math.max(...options.catalog.map((t) => t.capacity.cpu));
  const maxMem = Math.max(...options.catalog.map((t) => t.capacity.memoryMiB));
  const largest: Resources = { cpu: maxCpu, memoryMiB: maxMem };
  const cheapestCpu = Math.min(...options.catalog.map((t) => t.pricePerHour / t.capacity.cpu));
  const cheapestMem = Math.min(...options.catalog.map((t) => t.pricePerHour / t.capacity.memoryMiB));
  const assignedAt = new Map<string, number>();
  const everPlaced = new Set<string>();
  const everUnschedulable = new Set<string>();
  // The bound counts only demand some instance type can hold: the rest is never placed by anyone.
  const holdable = (r: { cpu: number; memoryMiB: number }) => options.catalog.some((t) => r.cpu <= t.capacity.cpu && r.memoryMiB <= t.capacity.memoryMiB);
  const demand = { cpu: 0, memoryMiB: 0 };
  let lbNodeHours = 0;
  let lbCost = 0;
  let cpuArea = 0;
  let cpuCapArea = 0;
  let memArea = 0;
  let memCapArea = 0;
  let taskHours = 0;
  let peakNodes = 0;
  let passes = 0;
  const samples: SimSample[] = [];
  let ei = 0;
  let now = events.length > 0 ? Math.ceil(events[0].t / grid) * grid : 0;
  let lastT = now;
  let lastLive = { cpu: 0, cpuCap: 0, mem: 0, memCap: 0, running: 0 };
  let lastBoundT = events.length > 0 ? events[0].t : 0;
  let lastPassT: number | undefined;

  for (;;) {
    // Integrate what held since the previous pass.
    const dtHours = (now - lastT) / MS_PER_HOUR;
    cpuArea += lastLive.cpu * dtHours;
    cpuCapArea += lastLive.cpuCap * dtHours;
    memArea += lastLive.mem * dtHours;
    memCapArea += lastLive.memCap * dtHours;
    taskHours += lastLive.running * dtHours;
    lastT = now;

    // Trace events up to now; the lower bound integrates exactly between them.
    let boundT = lastBoundT;
    while (ei < events.length && events[ei].t <= now) {
      const e = events[ei++];
      const dt = (e.t - boundT) / MS_PER_HOUR;
      lbNodeHours += fluidNodeBound(demand, { cpu: maxCpu, memoryMiB: maxMem }) * dt;
      lbCost += Math.max(demand.cpu * cheapestCpu, demand.memoryMiB * cheapestMem) * dt;
      boundT = e.t;
      const task = trace[e.index];
      const jobId = `job-${String(e.index).padStart(6, '0')}`;
      const counted = holdable(task.resources);
      if (e.kind === 'arrive') {
        if (counted) {
          demand.cpu += task.resources.cpu;
          demand.memoryMiB += task.resources.memoryMiB;
        }
        state.jobs.set(jobId, {
          id: jobId,
          name: task.name,
          image: 'trace',
          command: [],
          env: {},
          resources: task.resources,
          count: 1,
          kind: 'service',
          restart: DEFAULT_SERVICE_RESTART,
          constraints: {},
          doNotDisrupt: false,
          createdAt: e.t,
        });
        state.tasks.set(`${jobId}.0`, { id: `${jobId}.0`, jobId, slot: 0, generation: 0, status: 'PENDING', resources: task.resources, restarts: 0, createdAt: e.t });
      } else {
        if (counted) {
          demand.cpu -= task.resources.cpu;
          demand.memoryMiB -= task.resources.memoryMiB;
        }
        const job = state.jobs.get(jobId);
        if (job) state.jobs.set(jobId, { ...job, stopRequestedAt: e.t });
      }
    }
    lastBoundT = boundT;

    const heartbeats = heartbeatsSince(state, lastPassT, now, options);
    lastPassT = now;
    advanceCluster(state, now, options, assignedAt);
    const snapshot = state.snapshot();
    const p = plan(snapshot, now, policy);
    passes++;
    for (const a of state.applyAndAct(p, now)) {
      assignedAt.set(a.create?.id ?? a.taskId, now);
      everPlaced.add(a.jobId);
    }
    for (const u of p.taskUpdates) if (u.to === 'UNSCHEDULABLE') everUnschedulable.add(u.taskId);
    collectGarbage(state);

    // What holds until the next pass.
    const live = { cpu: 0, cpuCap: 0, mem: 0, memCap: 0, running: 0 };
    const costPerHour = fleetCostPerHour([...state.nodes.values()]);
    for (const n of state.nodes.values()) {
      live.cpu += n.allocated?.cpu ?? 0;
      live.mem += n.allocated?.memoryMiB ?? 0;
      live.cpuCap += n.capacity.cpu;
      live.memCap += n.capacity.memoryMiB;
    }
    for (const t of state.tasks.values()) if (t.status === 'RUNNING') live.running++;
    lastLive = live;
    peakNodes = Math.max(peakNodes, state.nodes.size);
    const prev = samples[samples.length - 1];
    if (!prev || prev.nodes !== state.nodes.size || now - prev.t >= MS_PER_HOUR) {
      samples.push({ t: now, nodes: state.nodes.size, cpuAllocated: ratio(live.cpu, live.cpuCap), memoryAllocated: ratio(live.mem, live.memCap), costPerHour });
    }

    state.samples.push(utilisationSample(state, p, now, largest, snapshot.jobs.length + snapshot.tasks.length + snapshot.nodes.length, heartbeats));

    const next = nextPassTime(state, p, now, policy, options, ei < events.length ? events[ei].t : undefined);
    if (next === undefined) break;
    now = next;
  }

  let nodeHours = 0;
  let cost = 0;
  const nodeHoursByType: Record<string, number> = {};
  for (const life of state.nodeLife.values()) {
    const hours = ((life.to ?? now) - life.from) / MS_PER_HOUR;
    nodeHours += hours;
    cost += instanceCost(life.price, life.from, life.to ?? now);
    nodeHoursByType[life.type] = (nodeHoursByType[life.type] ?? 0) + hours;
  }
  return {
    nodeHours,
    cost,
    peakNodes,
    meanCpuAllocated: ratio(cpuArea, cpuCapArea),
    meanMemoryAllocated: ratio(memArea, memCapArea),
    migrations: state.migrations,
    migrationsPerTaskHour: taskHours > 0 ? state.migrations / taskHours : 0,
    taskHours,
    tasksNeverPlaced: trace.length - everPlaced.size,
    unschedulable: everUnschedulable.size,
    passes,
    lowerBoundNodeHours: lbNodeHours,
    lowerBoundCost: lbCost,
    rejectedWrites: state.rejected,
    nodeHoursByType,
    samples,
    utilisation: state.samples,
    ms: performance.now() - started,
  };
}
/** Heartbeats the agents sent in (previous pass, now]: API requests, for the control plane's cost. */
function heartbeatsSince(state: SimState, prev: number | undefined, now: number, options: SimOptions): number {
  let n = 0;
  for (const node of state.nodes.values()) {
    const up = node.launchedAt + options.launchDelayMs;
    if (now < up) continue;
    const beatsBy = (t: number) => (t < up ? 0 : Math.floor((t - up) / options.heartbeatIntervalMs) + 1);
    n += beatsBy(now) - (prev === undefined ? 0 : beatsBy(prev));
  }
  return n;
}

/** The sample the scheduler Lambda would write after this pass (lambdas/scheduler/scheduler-pass.ts). */
function utilisationSample(state: SimState, p: ReturnType<typeof plan>, now: number, largest: Resources, snapshotItems: number, apiRequests: number): UtilisationSample {
  const nodesByType: Record<string, number> = {};
  let capacity = ZERO;
  let allocated = ZERO;
  for (const n of state.nodes.values()) {
    nodesByType[n.instanceType] = (nodesByType[n.instanceType] ?? 0) + 1;
    capacity = add(capacity, n.capacity);
    allocated = add(allocated, n.allocated ?? ZERO);
  }
  // The packing bound is in nodes the size of the largest in use (boundNodeSize); the
  // cost bound above keeps the catalog's largest, since it asks what any fleet could pay.
  const size = boundNodeSize([...state.nodes.values()].map((n) => n.capacity), [largest]);
  const requests: Resources[] = [];
  for (const t of state.tasks.values()) {
    if (HOLDS_RESOURCES.has(t.status) && t.resources.cpu <= size.cpu && t.resources.memoryMiB <= size.memoryMiB) requests.push(t.resources);
  }
  const units = estimatePassRequestUnits({
    snapshotItems,
    nodesListed: state.nodes.size,
    assignments: p.assignments.length,
    assignmentGroups: new Set(p.assignments.map((a) => a.nodeId)).size,
    taskUpdates: p.taskUpdates.length,
    nodeUpdates: p.nodeUpdates.length,
    launches: p.launches.length,
    terminations: p.terminations.length,
  });
  return {
    t: now,
    nodes: state.nodes.size,
    nodesByType,
    capacity,
    allocated,
    usage: ZERO,
    usageMeasured: false,
    costPerHour: fleetCostPerHour([...state.nodes.values()]),
    pending: p.unplaced.length,
    lowerBound: packingLowerBound(requests, size),
    lowerBoundNodeSize: size,
    controlPlane: { schedulerInvocations: 1, schedulerMs: SIM_PASS_MS.base + SIM_PASS_MS.perItem * snapshotItems, ...units, apiRequests },
  };
}

/** What the agents would have done since the last pass: boot, heartbeat, start containers. */
function advanceCluster(state: SimState, now: number, options: SimOptions, assignedAt: Map<string, number>): void {
  for (const n of state.nodes.values()) {
    const up = n.launchedAt + options.launchDelayMs;
    if (now < up) continue;
    // The last beat on the agent's own grid, counted from when it came up.
    const beat = up + Math.floor((now - up) / options.heartbeatIntervalMs) * options.heartbeatIntervalMs;
    if (n.state === 'LAUNCHING') state.nodes.set(n.id, { ...n, state: 'ACTIVE', lastHeartbeatAt: beat });
    else if (n.state === 'ACTIVE' || n.state === 'DRAINING') state.nodes.set(n.id, { ...n, lastHeartbeatAt: beat });
  }
  for (const t of state.tasks.values()) {
    if (t.status !== 'ASSIGNED' || !t.nodeId) continue;
    const node = state.nodes.get(t.nodeId);
    if (node && node.state !== 'LAUNCHING' && now - (assignedAt.get(t.id) ?? now) >= options.startDelayMs) {
      state.tasks.set(t.id, { ...t, status: 'RUNNING', startedAt: now });
    }
  }
}

/** Finished copies and jobs leave the state, as the store's TTL would remove them. */
function collectGarbage(state: SimState): void {
  const live = new Set<string>();
  for (const t of state.tasks.values()) {
    if (t.status === 'STOPPED' || t.status === 'COMPLETED') state.tasks.delete(t.id);
    else live.add(t.jobId);
  }
  for (const [id, job] of state.jobs) if (job.stopRequestedAt !== undefined && !live.has(id)) state.jobs.delete(id);
}

function nextPassTime(
  state: SimState,
  p: ReturnType<typeof plan>,
  now: number,
  policy: SchedulerPolicy,
  options: SimOptions,
  nextEvent: number | undefined,
): number | undefined {
  const grid = options.passIntervalMs;
  const inMotion =
    p.assignments.length > 0 ||
    p.launches.length > 0 ||
    p.terminations.length > 0 ||
    p.unplaced.length > 0 ||
    p.taskUpdates.length > 0 ||
    p.nodeUpdates.some((u) => u.to !== undefined) ||
    [...state.nodes.values()].some((n) => n.state !== 'ACTIVE') ||
    [...state.tasks.values()].some((t) => t.status === 'ASSIGNED' || t.status === 'PENDING' || t.status === 'LOST');
  if (inMotion) return now + grid;
  const c = policy.consolidation;
  const timers: number[] = [];
  if (nextEvent !== undefined) timers.push(nextEvent);
  // Every clock plan() reads, or a skip-ahead would change its decisions: back-off ends,
  // and the quiet period consolidation waits for after the last launch or copy.
  for (const t of state.tasks.values()) if (t.notBefore !== undefined) timers.push(t.notBefore);
  if (c.mode === 'stowage' || c.mode === 'underutilized') timers.push(lastFleetChange(state.snapshot()) + c.stableForMs);
  for (const n of state.nodes.values()) {
    if (n.emptySince !== undefined) timers.push(n.emptySince + (c.mode === 'underutilized' ? c.underutilizedForMs : c.emptyGraceMs));
    if (n.underutilizedSince !== undefined) timers.push(n.underutilizedSince + c.underutilizedForMs);
    if (c.mode === 'stowage' || c.mode === 'underutilized') timers.push(n.launchedAt + c.nodeMinAgeMs);
  }
  const future = timers.filter((t) => t > now);
  if (future.length === 0) return undefined;
  const t = Math.min(...future);
  return Math.max(now + grid, Math.ceil(t / grid) * grid);
}

function ratio(a: number, b: number): number {
  return b > 0 ? a / b : 0;
}
