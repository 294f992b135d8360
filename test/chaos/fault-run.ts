import { DEFAULT_CATALOG } from '../../core/catalog';
import { StoreUnavailableError } from '../../control/state/errors';
import { InMemoryStateStore } from '../../control/fakes/in-memory-state-store';
import type { InstanceType } from '../../core/model';
import { defaultPolicy, type SchedulerPolicy } from '../../core/policy';
import { seededRandom } from '../../core/random';
import type { Snapshot } from '../../core/pass/snapshot';
import { runPass, type PassLogger, type SchedulerDeps } from '../../control/pass/run-pass';
import { FaultyCommander, ObservedFleet } from './faulty-cloud';
import { FaultyStore, InjectedCrashError, StaleSnapshotStore, type StoreFaults } from './faulty-store';
import { FAULT_KINDS, faultSchedule, pickOne, type FaultEvent, type FaultKind, type ScheduleShape, DEFAULT_SHAPE } from './fault-schedule';
import { checkInvariants, ReplicaHistory } from './invariants';
import type { ChaosSection } from './section';
import { SimAgent } from './sim-agent';
import { workload, type WorkloadChange } from './workload';
import { pickTemplate } from '../../core/deployment';
import { JobRevisionConflictError } from '../../control/state/errors';
import { revisionOf } from '../../control/state/job-writes';
import { applySpec } from '../../lambdas/api/job-changes';
import type { JobSpec } from '../../lambdas/api/job-defaults';

/** Simulated time steps of the run; every timer below is a multiple. */
const TICK_MS = 1_000;
/** Passes follow every committed change (DynamoDB streams), so they come often; 5 s stands for that. */
const PASS_INTERVAL_MS = 5_000;
const HEARTBEAT_INTERVAL_MS = 10_000;
const SETTLE_MS = 900_000;
/** Violations kept per schedule: the first ones say what broke; the rest repeat it. */
const KEEP_PER_SCHEDULE = 5;

/** Small, cheap types, so a schedule launches, fills and consolidates a handful of nodes. */
const TYPES: readonly InstanceType[] = DEFAULT_CATALOG.filter((t) => ['m5.large', 'm5.xlarge', 'c5.large', 'r5.large'].includes(t.name));

/** The default policy with consolidation timers short enough to act within a schedule. */
export function chaosPolicy(): SchedulerPolicy {
  const base = defaultPolicy(TYPES);
  return {
    ...base,
    launchTimeoutMs: 180_000,
    scaleUp: { ...base.scaleUp, maxNodes: 8 },
    consolidation: { ...base.consolidation, emptyGraceMs: 60_000, nodeMinAgeMs: 120_000, stableForMs: 60_000 },
  };
}

export interface ScheduleResult {
  readonly seed: number;
  readonly passes: number;
  /** Passes that died of an injected fault (crash or throttling), as they should. */
  readonly failedPasses: number;
  readonly rivalPasses: number;
  /** What the cluster did meanwhile, so a quiet run is visible: instances launched, migration copies made. */
  readonly launched: number;
  readonly migrations: number;
  /** Deployments the workload's updates started, by how the last one of each job ended (RUNNING: still going at the end). */
  readonly deployments: Record<string, number>;
  readonly faults: Record<FaultKind, number>;
  readonly violations: string[];
  /** Exceptions nobody injected: each is a bug. */
  readonly crashes: string[];
}

const SILENT: PassLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Runs one fault schedule: a seeded workload on the in-memory store, a simulated agent per
 * node, and the real scheduler pass (`runPass`) behind fault-injecting store, SSM and fleet
 * wrappers; faults fire for the schedule's window, then the cluster settles with none.
 * The invariants are checked after every pass, strictly once settled.
 */
/** What a debugging replay sees after each pass: the store's state and the agents' ids. */
export type PassObserver = (t: number, snapshot: Snapshot, agents: ReadonlyMap<string, SimAgent>) => void;

/**
 * A user's change, as the API makes it: the job as stored, the spec with the change, and
 * the API's own pure rules (lambdas/api/job-changes.ts) for what that does — a new
 * version with a deployment, or a scale — written with the store's revision check. A
 * stopped job is left alone; a racing write is retried on the job as it now is.
 */
async function applyChange(store: InMemoryStateStore, jobId: string, change: WorkloadChange, t: number): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const found = await store.getJob(jobId);
    if (!found || found.job.stopRequestedAt !== undefined) return;
    const j = found.job;
    const spec: JobSpec = { ...pickTemplate(j), name: j.name, kind: j.kind, count: change.count ?? j.count, env: change.env ?? j.env, cpu: j.resources.cpu, memoryMiB: j.resources.memoryMiB, ...(j.update ? { update: j.update } : {}) };
    const outcome = applySpec(j, found.tasks, spec, t, 'chaos');
    if (outcome.outcome === 'unchanged') return;
    try {
      await store.updateJob(outcome.job, revisionOf(j), { tasks: outcome.tasks, ...(outcome.version ? { version: outcome.version } : {}) });
      return;
    } catch (err) {
      if (!(err instanceof JobRevisionConflictError)) throw err;
    }
  }
}

export async function runSchedule(seed: number, shape: ScheduleShape = DEFAULT_SHAPE, observe?: PassObserver): Promise<ScheduleResult> {
  const schedule = faultSchedule(seed, shape);
  const items = workload(seed, Math.max(60_000, shape.faultsUntil - 120_000));
  const fates = new Map(items.filter((i) => i.fate).map((i) => [i.job.id, i.fate!]));
  const rnd = seededRandom(seed ^ 0x0a6e_7000);
  const policy = chaosPolicy();
  const base = new InMemoryStateStore();
  const clock = { t: 0, now() { return this.t; } };
  const store = new FaultyStore(base);
  const commander = new FaultyCommander(clock);
  const agents = new Map<string, SimAgent>();
  const newAgent = (id: string, type: InstanceType, zone: string, bootAt: number) => agents.set(id, new SimAgent(id, type, zone, bootAt, base, (jobId) => fates.get(jobId)));
  const fleet = new ObservedFleet(
    (id, req) => newAgent(id, TYPES.find((t) => t.name === req.instanceType)!, req.zone, clock.t + 15_000 + Math.floor(rnd() * 30) * 1_000),
    (id) => {
      agents.get(id)?.die();
      agents.delete(id);
    },
  );
  for (let i = 0; i < 2; i++) newAgent(`i-boot-${i}`, TYPES.find((t) => t.name === 'm5.large')!, 'us-east-1a', 0);
  const deps: SchedulerDeps = { store, commander, fleet, clock, policy, logger: SILENT };

  const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  const history = new ReplicaHistory(policy.heartbeatTimeoutMs + 4 * PASS_INTERVAL_MS);
  const violations: string[] = [];
  let violationCount = 0;
  const crashes: string[] = [];
  let passes = 0;
  let failedPasses = 0;
  let rivalPasses = 0;
  let pending: FaultEvent[] = [];
  let previousSnapshot: Snapshot | undefined;
  let ei = 0;
  const end = shape.faultsUntil + SETTLE_MS;
  const note = (found: string[]) => {
    violationCount += found.length;
    for (const v of found) if (violations.length < KEEP_PER_SCHEDULE) violations.push(v);
  };
  const crashed = (where: string, err: unknown) => crashes.push(`${where} at t=${clock.t} (seed ${seed}): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  const upAgents = () => [...agents.values()].filter((a) => a.up(clock.t));

  for (let t = 0; t <= end; t += TICK_MS) {
    clock.t = t;
    for (const item of items) {
      if (item.submitAt === t) await base.createJob(item.job, item.tasks);
      if (item.stopAt === t) await base.requestStop(item.job.id, t);
      for (const change of item.changes ?? []) if (change.at === t) await applyChange(base, item.job.id, change, t);
    }
    while (ei < schedule.events.length && schedule.events[ei].t <= t) {
      const e = schedule.events[ei++];
      const hit = fire(e);
      if (hit) faults[e.kind]++;
    }
    // SSM delivers what the previous tick's passes sent, then agents sync on their own timers.
    const deliveries = commander.outbox.splice(0);
    for (const id of deliveries) await syncAgent(agents.get(id));
    for (const a of agents.values()) if ((t - a.bootAt) % HEARTBEAT_INTERVAL_MS === 0) await syncAgent(a);

    if (t % PASS_INTERVAL_MS === 0) {
      const before = await base.snapshot();
      await pass(pending);
      pending = [];
      previousSnapshot = before;
      passes++;
      const settled = t >= end;
      observe?.(t, await base.snapshot(), agents);
      const live = [...agents.values()].filter((a) => !a.dead).flatMap((a) => a.live());
      note(checkInvariants(await base.snapshot(), { seed, now: t, settled }, history, live, before));
    }
  }
  if (violationCount > violations.length) violations.push(`… and ${violationCount - violations.length} more violations (seed ${seed})`);
  const final = await base.snapshot();
  const launched = fleet.inner.running.size + fleet.inner.terminated.filter((id) => !id.startsWith('i-boot')).length;
  const migrations = final.tasks.filter((t) => t.replaces !== undefined).length;
  const deployments: Record<string, number> = {};
  for (const j of final.jobs) if (j.deployment && j.deployment.id > 1) deployments[j.deployment.status] = (deployments[j.deployment.status] ?? 0) + 1;
  return { seed, passes, failedPasses, rivalPasses, launched, migrations, deployments, faults, violations, crashes };

  async function syncAgent(a: SimAgent | undefined): Promise<void> {
    if (!a) return;
    try {
      await a.sync(clock.t);
    } catch (err) {
      crashed(`agent ${a.nodeId} sync`, err);
    }
  }

  /** Applies a fault now; false when it had no target (no node up, no container running). */
  function fire(e: FaultEvent): boolean {
    switch (e.kind) {
      case 'node-death':
      case 'agent-restart':
      case 'clock-skew': {
        const a = pickOne(upAgents(), e.pick);
        if (!a) return false;
        if (e.kind === 'node-death') a.die();
        else if (e.kind === 'agent-restart') a.silentUntil = clock.t + e.silenceMs;
        else a.skewMs = e.skewMs;
        history.recordFault({ t: clock.t, kind: e.kind, nodeId: a.nodeId });
        return true;
      }
      case 'container-kill': {
        const withWork = upAgents().filter((a) => a.live().length > 0);
        const a = pickOne(withWork, e.pick);
        if (!a || !a.killOne(e.pick, clock.t)) return false;
        history.recordFault({ t: clock.t, kind: e.kind, nodeId: a.nodeId });
        return true;
      }
      case 'sync-drop':
        commander.dropUntil = Math.max(commander.dropUntil, clock.t + e.forMs);
        return true;
      case 'sync-duplicate':
        commander.duplicateUntil = Math.max(commander.duplicateUntil, clock.t + e.forMs);
        return true;
      default:
        // Pass faults wait for the next pass.
        pending.push(e);
        return true;
    }
  }

  async function pass(due: FaultEvent[]): Promise<void> {
    const armed: StoreFaults = {};
    let staleRace = false;
    for (const e of due) {
      if (e.kind === 'pass-crash') armed.crashAfterWrites = e.afterWrites;
      else if (e.kind === 'store-throttle') armed.throttleCall = e.call;
      else if (e.kind === 'conditional-conflict' && e.race === 'interleaved') armed.betweenReadAndWrite = () => rival(base);
      else if (e.kind === 'conditional-conflict' && e.race === 'heartbeats') armed.betweenReadAndWrite = () => heartbeatsNow();
      else if (e.kind === 'conditional-conflict') staleRace = true;
    }
    store.arm(armed);
    try {
      await runPass(deps);
    } catch (err) {
      if (err instanceof InjectedCrashError || err instanceof StoreUnavailableError) failedPasses++;
      else crashed('scheduler pass', err);
    } finally {
      store.disarm();
    }
    if (staleRace && previousSnapshot) await rival(new StaleSnapshotStore(base, previousSnapshot));
  }

  /** Every agent reports at once (their exits and starts land while a pass is planning). */
  async function heartbeatsNow(): Promise<void> {
    for (const a of [...agents.values()]) await syncAgent(a);
  }

  /** A second scheduler invocation racing this one (its own reads, the same store underneath). */
  async function rival(over: InMemoryStateStore | StaleSnapshotStore): Promise<void> {
    rivalPasses++;
    try {
      await runPass({ ...deps, store: over });
    } catch (err) {
      crashed('racing scheduler pass', err);
    }
  }
}

/** The seed of schedule `i` of a run: distinct per schedule, and printed so one schedule replays alone. */
export function scheduleSeed(seed: number, i: number): number {
  return (Math.imul(seed >>> 0, 0x9e37_79b1) + i) >>> 0;
}

export interface FaultRunOptions {
  readonly seed: number;
  readonly schedules: number;
  readonly log?: (line: string) => void;
  readonly shape?: ScheduleShape;
}

/** Runs `schedules` fault schedules from `seed` and sums what they injected and found. */
export async function runFaultSchedules(options: FaultRunOptions): Promise<ChaosSection> {
  const counts: Record<string, number> = { schedules: 0, passes: 0, failedPasses: 0, rivalPasses: 0, launched: 0, migrations: 0, faultsInjected: 0 };
  for (const k of FAULT_KINDS) counts[`fault:${k}`] = 0;
  const violations: string[] = [];
  const crashLines: string[] = [];
  const lines: string[] = [];
  for (let i = 0; i < options.schedules; i++) {
    const s = scheduleSeed(options.seed, i);
    const r = await runSchedule(s, options.shape);
    counts.schedules++;
    counts.passes += r.passes;
    counts.failedPasses += r.failedPasses;
    counts.rivalPasses += r.rivalPasses;
    counts.launched += r.launched;
    counts.migrations += r.migrations;
    for (const [status, n] of Object.entries(r.deployments)) counts[`deployments ${status}`] = (counts[`deployments ${status}`] ?? 0) + n;
    for (const k of FAULT_KINDS) {
      counts[`fault:${k}`] += r.faults[k];
      counts.faultsInjected += r.faults[k];
    }
    const replay = `replay: STOWAGE_CHAOS_SEED=${options.seed} (schedule ${i}, schedule seed ${s}: runSchedule(${s}))`;
    for (const v of r.violations) violations.push(`${v} — ${replay}`);
    for (const c of r.crashes) crashLines.push(`${c} — ${replay}`);
    if (r.violations.length > 0 || r.crashes.length > 0) options.log?.(`schedule ${i} (seed ${s}): ${r.violations.length} violations, ${r.crashes.length} crashes — ${replay}`);
  }
  const kinds = FAULT_KINDS.map((k) => `${k} ${counts[`fault:${k}`]}`).join(', ');
  lines.push(`fault schedules: ${counts.schedules} from seed ${options.seed}, ${counts.passes} passes (${counts.failedPasses} died of injected faults, ${counts.rivalPasses} racing passes); ${counts.launched} instances launched, ${counts.migrations} migration copies; jobs updated while faults fired, their last deployment: ${Object.entries(counts).filter(([k]) => k.startsWith('deployments ')).map(([k, n]) => `${n} ${k.slice(12)}`).join(', ') || 'none'}`);
  lines.push(`faults injected: ${counts.faultsInjected} (${kinds})`);
  lines.push(`invariant violations: ${violations.length}; crashes: ${crashLines.length}`);
  for (const v of violations.slice(0, 20)) lines.push(`  violation: ${v}`);
  for (const c of crashLines.slice(0, 5)) lines.push(`  crash: ${c}`);
  for (const l of lines) options.log?.(l);
  return { name: 'fault schedules', counts, violations, crashes: crashLines.length, lines };
}
