import { fleetCostPerHour, instanceCost, MS_PER_HOUR } from '../core/cost-model';
import { CostBound } from '../core/cost-bound';
import { spotPricePerHour } from '../core/spot-prices';
import { fluidNodeBound } from '../core/lower-bound';
import type { UtilisationSample } from '../core/utilisation-sample';
import { DEFAULT_SERVICE_RESTART, type SchedulerPolicy } from '../core/policy';
import type { CapacityChoice, InstanceType } from '../core/model';
import type { InMemoryState } from '../control/fakes/in-memory-state-store';
import { InMemoryFleet } from '../control/fakes/in-memory-fleet';
import { RecordingNodeCommander } from '../control/fakes/recording-node-commander';
import { runPass, type PassLogger } from '../control/pass/run-pass';
import { PlanRecordingStore } from './recording-store';
import { nextPassTime } from './next-pass-time';
import { SimAgents } from './sim-agents';
import type { TraceTask } from './trace-reader';
import { SpotInterruptions, type SpotModelOptions, type SpotOutcome } from './spot-model';

export interface SimOptions {
  readonly catalog: readonly InstanceType[];
  /** From RunInstances to the agent's first heartbeat. */
  readonly launchDelayMs: number;
  /** From the agent learning of a copy (the pass's sync, or its first heartbeat) to the container running. */
  readonly startDelayMs: number;
  /** Scheduler passes run on this grid while anything is in motion. */
  readonly passIntervalMs: number;
  /** Agents heartbeat on this grid; a pass sees the latest beat, as the Nodes table would. */
  readonly heartbeatIntervalMs: number;
  /** How every replayed job may be bought; absent: its kind's default (a trace's tasks are services: on-demand). */
  readonly capacity?: CapacityChoice;
  /** How Spot nodes are interrupted (sim/spot-model.ts); absent: never. */
  readonly spot?: SpotModelOptions;
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
  /**
   * From a task's arrival to its first copy running (the agent's startedAt), over the
   * tasks that ever ran, in ms: the median and the 95th percentile (nearest rank).
   */
  readonly waitingP50Ms: number;
  readonly waitingP95Ms: number;
  /** Tasks the scheduler ever declared UNSCHEDULABLE (no instance type can hold them). */
  readonly unschedulable: number;
  readonly passes: number;
  /** Σ over time of the fewest nodes that could hold the live demand (largest type, fluid). */
  readonly lowerBoundNodeHours: number;
  /** Σ over time of the least any fleet could pay for the live demand (core/cost-bound.ts). */
  readonly lowerBoundCost: number;
  /** Plan entries the store refused: one writer, so each is a bug the replay counts rather than a race. */
  readonly rejectedWrites: number;
  readonly nodeHoursByType: Record<string, number>;
  readonly samples: SimSample[];
  /**
   * One UtilisationSample per pass, written by runPass as in Lambda, for the cost
   * report. Usage is not measured in a replay (usageMeasured: false); the control
   * plane's duration is modelled (SIM_PASS_MS), so a replay stays deterministic.
   */
  readonly utilisation: UtilisationSample[];
  readonly ms: number;
  /** What Spot did: node-hours, interruptions and the copies they displaced (all 0 without Spot). */
  readonly spot: SpotOutcome;
}

/** A replay's passes log nothing: a refused write is counted in `rejectedWrites`. */
const QUIET: PassLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

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
 * Discrete-event replay of a trace through the scheduler's own pass (control/pass
 * runPass) over the in-memory store, fleet and node commander: only time is simulated.
 * Tasks arrive at creation_time and are deleted at deletion_time, through the store as
 * the jobs API would; the fleet starts empty and is whatever the policy launches; the
 * agents (sim-agents.ts) reach the store only through the heartbeat flow. Passes run on
 * a fixed grid while something is in motion and skip ahead to the next arrival,
 * departure or consolidation timer when the cluster is at rest, so months of trace
 * replay in seconds without changing any decision.
 */
export async function simulate(trace: readonly TraceTask[], policy: SchedulerPolicy, options: SimOptions): Promise<SimResult> {
  const started = performance.now();
  const byName = new Map(options.catalog.map((t) => [t.name, t]));
  const events: TraceEvent[] = [];
  trace.forEach((task, index) => {
    const t0 = Math.round((task.creationTime ?? 0) * 1000);
    events.push({ t: t0, kind: 'arrive', index });
    if (task.deletionTime !== undefined) events.push({ t: Math.max(t0, Math.round(task.deletionTime * 1000)), kind: 'depart', index });
  });
  events.sort((a, b) => a.t - b.t || (a.kind === b.kind ? a.index - b.index : a.kind === 'depart' ? -1 : 1));

  const grid = options.passIntervalMs;
  let now = events.length > 0 ? Math.ceil(events[0].t / grid) * grid : 0;
  const clock = { now: () => now };
  const store = new PlanRecordingStore();
  const state = store.state;
  const fleet = new InMemoryFleet(clock);
  const commander = new RecordingNodeCommander();
  const agents = new SimAgents(store, fleet, byName, options);
  const spot = new SpotInterruptions(options.spot ?? { interruptionsPerNodeHour: 0, seed: 0 }, store, fleet);
  const deps = {
    store,
    fleet,
    commander,
    clock,
    policy,
    logger: QUIET,
    measures: {
      schedulerMs: (snapshotItems: number) => SIM_PASS_MS.base + SIM_PASS_MS.perItem * snapshotItems,
      apiRequests: () => agents.takeRequests(),
      usageMeasured: false as const,
    },
  };

  const maxCpu = Math.max(...options.catalog.map((t) => t.capacity.cpu));
  const maxMem = Math.max(...options.catalog.map((t) => t.capacity.memoryMiB));
  // Over options.catalog: every compared policy buys from it (sim/baselines.ts), at its price.
  // The bound must stay below what any compared policy can pay: with Spot allowed, each
  // type at the cheaper of its On-Demand and Spot prices (core/spot-prices.ts).
  const spotAllowed = options.capacity !== undefined && options.capacity !== 'on-demand';
  const costBound = new CostBound(spotAllowed ? options.catalog.map((t) => ({ ...t, pricePerHour: Math.min(t.pricePerHour, spotPricePerHour(t)) })) : options.catalog);
  const everPlaced = new Set<string>();
  // Arrival time of each job not yet seen running; its first running copy records the wait.
  const awaiting = new Map<string, number>();
  const waits: number[] = [];
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
  let migrations = 0;
  let rejected = 0;
  const samples: SimSample[] = [];
  let ei = 0;
  let lastT = now;
  let lastLive = { cpu: 0, cpuCap: 0, mem: 0, memCap: 0, running: 0 };
  let lastBoundT = events.length > 0 ? events[0].t : 0;

  for (;;) {
    // Integrate what held since the previous pass.
    const dtHours = (now - lastT) / MS_PER_HOUR;
    cpuArea += lastLive.cpu * dtHours;
    cpuCapArea += lastLive.cpuCap * dtHours;
    memArea += lastLive.mem * dtHours;
    memCapArea += lastLive.memCap * dtHours;
    taskHours += lastLive.running * dtHours;
    lastT = now;

    // Trace events up to now, through the store as the jobs API would write them; the
    // lower bound integrates exactly between them.
    let boundT = lastBoundT;
    while (ei < events.length && events[ei].t <= now) {
      const e = events[ei++];
      const dt = (e.t - boundT) / MS_PER_HOUR;
      lbNodeHours += fluidNodeBound(demand, { cpu: maxCpu, memoryMiB: maxMem }) * dt;
      lbCost += costBound.perHour() * dt;
      boundT = e.t;
      const task = trace[e.index];
      const jobId = `job-${String(e.index).padStart(6, '0')}`;
      const sign = e.kind === 'arrive' ? 1 : -1;
      if (holdable(task.resources)) {
        demand.cpu += sign * task.resources.cpu;
        demand.memoryMiB += sign * task.resources.memoryMiB;
        costBound.add(task.resources, sign);
      }
      if (e.kind === 'arrive') {
        const job = { id: jobId, name: task.name, image: 'trace', command: [], env: {}, resources: task.resources, count: 1, kind: 'service' as const, restart: DEFAULT_SERVICE_RESTART, constraints: {}, doNotDisrupt: false, createdAt: e.t, ...(options.capacity ? { capacity: options.capacity } : {}) };
        awaiting.set(jobId, e.t);
        await store.createJob(job, [{ id: `${jobId}.0`, jobId, slot: 0, generation: 0, status: 'PENDING', resources: task.resources, restarts: 0, createdAt: e.t }]);
      } else {
        await store.requestStop(jobId, e.t);
      }
    }
    lastBoundT = boundT;

    // The agents' beats land before the pass reads the state (the pass sees the latest
    // beat); the syncs it sends are answered right after it, at the same instant. What
    // the replay reads of the fake's maps below is observation only; its one write past
    // the port is collectGarbage.
    await spot.beforePass(now);
    await agents.beat(now);
    const report = await runPass(deps);
    passes++;
    const { plan: p, applied } = store.lastApplied!;
    rejected += applied.conflicts.length;
    const refused = new Set(applied.conflicts.flatMap((c) => (c.kind === 'assignment-group' ? c.taskIds : [])));
    for (const a of p.assignments) {
      if (refused.has(a.taskId)) continue;
      everPlaced.add(a.jobId);
      if (a.create) migrations++;
    }
    for (const u of p.taskUpdates) if (u.to === 'UNSCHEDULABLE') everUnschedulable.add(u.taskId);
    // A copy placed again after its Spot node was taken counts as a migration too: Spot's price in moves.
    migrations += spot.afterPass(p, refused);
    agents.forget(report.terminated);
    for (const ids of commander.calls.splice(0)) await agents.sync(ids, now);
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
    for (const t of state.tasks.values()) {
      if (t.status !== 'RUNNING') continue;
      live.running++;
      const arrived = awaiting.get(t.jobId);
      if (arrived !== undefined && t.startedAt !== undefined) {
        waits.push(Math.max(0, t.startedAt - arrived));
        awaiting.delete(t.jobId);
      }
    }
    lastLive = live;
    peakNodes = Math.max(peakNodes, state.nodes.size);
    const prev = samples[samples.length - 1];
    if (!prev || prev.nodes !== state.nodes.size || now - prev.t >= MS_PER_HOUR) {
      samples.push({ t: now, nodes: state.nodes.size, cpuAllocated: ratio(live.cpu, live.cpuCap), memoryAllocated: ratio(live.mem, live.memCap), costPerHour });
    }

    const nextTrace = ei < events.length ? events[ei].t : undefined;
    // A Spot warning is an event of its own while the trace runs; after it, a fleet at rest ends the replay.
    const warning = nextTrace !== undefined ? spot.nextWarning(now) : undefined;
    const next = nextPassTime(state, p, now, policy, options, warning !== undefined && nextTrace !== undefined ? Math.min(warning, nextTrace) : nextTrace);
    if (next === undefined) break;
    now = next;
  }

  // Node-hours as the fleet bills them: from each instance's launch to its termination.
  let nodeHours = 0;
  let cost = 0;
  const nodeHoursByType: Record<string, number> = {};
  const priceOf = new Map(policy.scaleUp.instanceTypes.map((t) => [t.name, t.pricePerHour]));
  for (const [id, life] of fleet.lives) {
    const type = life.request.instanceType;
    const to = life.terminatedAt ?? now;
    const hours = (to - life.launchedAt) / MS_PER_HOUR;
    nodeHours += hours;
    // A Spot instance is billed at the price it was launched at (its Spot price).
    cost += instanceCost(store.bought.get(id)?.pricePerHour ?? priceOf.get(type)!, life.launchedAt, to);
    nodeHoursByType[type] = (nodeHoursByType[type] ?? 0) + hours;
  }
  return {
    nodeHours,
    cost,
    peakNodes,
    meanCpuAllocated: ratio(cpuArea, cpuCapArea),
    meanMemoryAllocated: ratio(memArea, memCapArea),
    migrations,
    migrationsPerTaskHour: taskHours > 0 ? migrations / taskHours : 0,
    taskHours,
    tasksNeverPlaced: trace.length - everPlaced.size,
    waitingP50Ms: percentile(waits, 0.5),
    waitingP95Ms: percentile(waits, 0.95),
    unschedulable: everUnschedulable.size,
    passes,
    lowerBoundNodeHours: lbNodeHours,
    lowerBoundCost: lbCost,
    rejectedWrites: rejected,
    nodeHoursByType,
    samples,
    utilisation: state.samples,
    ms: performance.now() - started,
    spot: spot.outcome(now),
  };
}

/**
 * Finished copies and jobs leave the state, as the store's TTL would remove them. The
 * one write a replay makes past the store's port: the port has no such method because
 * production never deletes (DynamoDB's TTL does), and without it a months-long replay
 * would scan every task that ever ran on every pass.
 */
function collectGarbage(state: InMemoryState): void {
  const live = new Set<string>();
  for (const t of state.tasks.values()) {
    if (t.status === 'STOPPED' || t.status === 'COMPLETED') state.tasks.delete(t.id);
    else live.add(t.jobId);
  }
  for (const [id, job] of state.jobs) if (job.stopRequestedAt !== undefined && !live.has(id)) state.jobs.delete(id);
}

/** Nearest-rank percentile; 0 for no values. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function ratio(a: number, b: number): number {
  return b > 0 ? a / b : 0;
}
