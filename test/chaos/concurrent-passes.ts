import { DEFAULT_CATALOG } from '../../core/catalog';
import { InMemoryFleet } from '../../control/fakes/in-memory-fleet';
import { RecordingNodeCommander } from '../../control/fakes/recording-node-commander';
import { DEFAULT_BATCH_RESTART, DEFAULT_SERVICE_RESTART, defaultPolicy, type SchedulerPolicy } from '../../core/policy';
import { GONE, HOLDS_RESOURCES, type Job, type Node, type Task } from '../../core/model';
import type { ContainerReport, Heartbeat } from '../../control/state/node-report';
import type { StateStore } from '../../control/state/state-store';
import { seededRandom } from '../../core/random';
import type { Snapshot } from '../../core/pass/snapshot';
import { isFinished } from '../../core/pass/task-fate';
import { runPass, type PassLogger } from '../../control/pass/run-pass';
import { acceptHeartbeat, type DesiredCopy } from '../../control/heartbeat';
import { DynamoStateStore } from '../../lambdas/adapters/dynamo-state-store';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local';
import type { ChaosSection } from './section';

/**
 * Several scheduler passes at once against one DynamoStateStore on DynamoDB Local, over
 * a workload that changes between rounds: submits, stops, heartbeats reporting the
 * assigned copies running (or exiting), nodes that die by going silent, launches that
 * boot (or never do). Some heartbeats land while the passes run, so the store's
 * conditions race agents as well as passes. After each round the store's snapshot is
 * checked against the invariants below; a violation names the seed and the round.
 *
 * The workload is a function of the seed; the interleaving of the concurrent writes is
 * not (it is real concurrency), so a replay runs the same schedule and races it again.
 */
export interface ConcurrentPassesOptions {
  readonly seed: number;
  readonly rounds: number;
  readonly concurrency: number;
  readonly log?: (line: string) => void;
  /** Rounds per set of fresh tables (stopped copies pile up; scans grow with them). Default 150. */
  readonly roundsPerEpoch?: number;
  /** A DynamoDB Local already started (tests share one); otherwise one is started and stopped. */
  readonly dynamo?: DynamoDbLocal;
}

/** Small types, so a few tasks fill a node and placements compete. */
const CATALOG = DEFAULT_CATALOG.filter((t) => t.name === 'm5.large' || t.name === 'c5.large' || t.name === 'm5.xlarge');
const MAX_NODES = 6;
const ZONES = ['us-east-1a', 'us-east-1b'];
/** 1.5 × the harness's mean report period of 10 s, as the deployed function's refresh is 1.5 periods. */
const CHAOS_HEARTBEAT_REFRESH_MS = 15_000;
/** A state that persists this many rounds is stuck, not transient. */
const STUCK_ROUNDS = 4;

export function chaosPolicy(): SchedulerPolicy {
  const base = defaultPolicy(CATALOG);
  return defaultPolicy(CATALOG, {
    heartbeatTimeoutMs: 30_000,
    launchTimeoutMs: 90_000,
    scaleUp: { ...base.scaleUp, maxNodes: MAX_NODES, zones: ZONES },
    consolidation: { ...base.consolidation, emptyGraceMs: 20_000, nodeMinAgeMs: 40_000, stableForMs: 30_000, disruptionBudget: 1 },
  });
}

export function replayHint(seed: number, rounds: number, concurrency: number): string {
  return `replay: STOWAGE_CHAOS_SEED=${seed} STOWAGE_CHAOS_ROUNDS=${rounds} STOWAGE_CHAOS_CONCURRENCY=${concurrency} npx jest test/chaos/concurrent-passes`;
}

export async function runConcurrentPasses(options: ConcurrentPassesOptions): Promise<ChaosSection> {
  const log = options.log ?? (() => undefined);
  const perEpoch = options.roundsPerEpoch ?? 150;
  const counts: Record<string, number> = {
    rounds: 0,
    passes: 0,
    passesConcurrent: options.concurrency,
    assignmentsCommitted: 0,
    refusedWrites: 0,
    launches: 0,
    terminations: 0,
    submits: 0,
    stops: 0,
    heartbeats: 0,
    heartbeatsDuringPasses: 0,
    nodeDeaths: 0,
    neverBooted: 0,
    epochs: 0,
    violations: 0,
  };
  const violations: string[] = [];
  const lines: string[] = [];
  let crashes = 0;
  const say = (line: string) => {
    lines.push(line);
    log(line);
  };
  const dynamo = options.dynamo ?? (await startDynamoDbLocal());
  const policy = chaosPolicy();
  const random = seededRandom(options.seed);
  const started = Date.now();
  try {
    for (let first = 0; first < options.rounds; first += perEpoch) {
      const rounds = Math.min(perEpoch, options.rounds - first);
      const tables = await dynamo.createTables(`chaos-${options.seed}-${counts.epochs++}-${Date.now().toString(36)}`);
      // Steady reports skip the liveness write as the deployed heartbeat function's do: 1.5
      // report periods (lambdas/config.ts), the harness's reports coming every 5-15 s.
      const world = new World(new DynamoStateStore(dynamo.client, tables, { heartbeatRefreshMs: CHAOS_HEARTBEAT_REFRESH_MS }), random, policy);
      for (let r = 0; r < rounds; r++) {
        const round = first + r;
        const found = await world.round(round, options.concurrency, counts, (err) => {
          crashes++;
          const line = `crash in round ${round}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
          violations.push(line);
          say(line);
        });
        counts.rounds++;
        for (const v of found) {
          const line = `round ${round}: ${v}`;
          violations.push(line);
          say(`VIOLATION ${line}`);
        }
        if (violations.length > 50) break;
      }
      if (violations.length > 50) break;
    }
  } finally {
    if (!options.dynamo) await dynamo.stop();
  }
  counts.violations = violations.length - crashes;
  say(
    `concurrent passes: seed ${options.seed}, ${counts.rounds} rounds × ${options.concurrency} passes = ${counts.passes} passes in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
      `${counts.assignmentsCommitted} assignments committed, ${counts.refusedWrites} writes refused, ${counts.launches} launches, ${counts.terminations} terminations, ` +
      `${counts.submits} submits, ${counts.stops} stops, ${counts.heartbeats} heartbeats (${counts.heartbeatsDuringPasses} during passes), ${counts.nodeDeaths} node deaths; ` +
      `${counts.violations} violations, ${crashes} crashes`,
  );
  if (violations.length > 0) say(replayHint(options.seed, options.rounds, options.concurrency));
  return { name: 'concurrent passes', counts, violations, crashes, lines };
}

const silent: PassLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The simulated world around the store: agents, the fleet, users, and the clock. */
class World {
  private now = 1_800_000_000_000;
  private readonly fleet = new InMemoryFleet();
  private readonly commander = new RecordingNodeCommander();
  /** Nodes whose agents no longer report (dead machines). */
  private readonly dead = new Set<string>();
  /** Launched instances that will never boot. */
  private readonly duds = new Set<string>();
  /** Launched instances whose agent has reported at least once. */
  private readonly booted = new Set<string>();
  private readonly seenLaunches = new Set<string>();
  /** Each agent's last heartbeat answer: the copies it runs and reports next time. */
  private readonly answers = new Map<string, readonly DesiredCopy[]>();
  private jobSeq = 0;
  /** How many rounds in a row a condition has held, by key: transient states clear, stuck ones do not. */
  private streaks = new Map<string, number>();

  constructor(
    private readonly store: StateStore,
    private readonly random: () => number,
    private readonly policy: SchedulerPolicy,
  ) {}

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  async round(round: number, concurrency: number, counts: Record<string, number>, crash: (err: unknown) => void): Promise<string[]> {
    this.now += 5_000 + Math.floor(this.random() * 10_000);
    const guard = (p: Promise<unknown>) => p.catch(crash);

    // Users: submit and stop.
    const before = await this.store.snapshot();
    const liveJobs = before.jobs.filter((j) => j.stopRequestedAt === undefined);
    if (round < 3 || this.random() < 0.2) {
      const submits = 1 + Math.floor(this.random() * 2);
      for (let i = 0; i < submits && liveJobs.length + i < 14; i++) {
        await guard(this.submit());
        counts.submits++;
      }
    }
    if (liveJobs.length > 3 && this.random() < 0.1) {
      await guard(this.store.requestStop(this.pick(liveJobs).id, this.now));
      counts.stops++;
    }

    // Machines: a few start by themselves (as `local up` does), some die, launches boot.
    if (round === 0) for (let i = 0; i < 3; i++) this.booted.add(`n-${i}`);
    for (const id of this.fleet.running.keys()) {
      if (this.seenLaunches.has(id)) continue;
      this.seenLaunches.add(id);
      if (this.random() < 0.08) {
        this.duds.add(id);
        counts.neverBooted++;
      }
    }
    const reporting = before.nodes.filter((n) => !GONE.has(n.state) && this.booted.has(n.id) && !this.dead.has(n.id));
    if (reporting.length > 1 && this.random() < 0.06) {
      this.dead.add(this.pick(reporting).id);
      counts.nodeDeaths++;
    }
    for (const n of before.nodes) {
      if (n.state === 'LAUNCHING' && !this.booted.has(n.id) && !this.duds.has(n.id) && this.random() < 0.6) this.booted.add(n.id);
    }
    const agents = [...this.booted].filter((id) => !this.dead.has(id) && !this.fleet.terminated.includes(id));
    const early: string[] = [];
    const during: string[] = [];
    for (const id of agents) {
      const x = this.random();
      if (x < 0.55) early.push(id);
      else if (x < 0.9) during.push(id);
    }
    for (const id of early) await guard(this.heartbeat(id, before));
    counts.heartbeats += early.length;

    // The race: `concurrency` passes from the same moment (clocks a little apart), with agents reporting meanwhile.
    const passes = Array.from({ length: concurrency }, (_, i) =>
      runPass({ store: this.store, commander: this.commander, fleet: this.fleet, clock: { now: () => this.now + i * 7 }, policy: this.policy, logger: silent }).then((report) => {
        counts.passes++;
        counts.assignmentsCommitted += report.assignments;
        counts.refusedWrites += report.conflicts;
        counts.launches += report.launched.length;
        counts.terminations += report.terminated.length;
      }, crash),
    );
    const beats = during.map((id) => guard(this.heartbeat(id, before)));
    await Promise.all([...passes, ...beats]);
    counts.heartbeats += during.length;
    counts.heartbeatsDuringPasses += during.length;

    return this.check(await this.withFinished(await this.store.snapshot()));
  }

  /**
   * The snapshot holds live copies only: a slot that ran to its end may show none. Its
   * finished copies are read through the job (GET /jobs/{id}'s read), so the check
   * below still tells a slot that finished from one that lost its copy.
   */
  private async withFinished(snap: Snapshot): Promise<Snapshot> {
    const seen = new Set(snap.tasks.map((t) => `${t.jobId}#${t.slot}`));
    const ids = new Set(snap.tasks.map((t) => t.id));
    const extra: Task[] = [];
    for (const job of snap.jobs) {
      if (Array.from({ length: job.count }, (_, slot) => seen.has(`${job.id}#${slot}`)).every(Boolean)) continue;
      for (const t of (await this.store.getJob(job.id))?.tasks ?? []) if (!ids.has(t.id) && !HOLDS_RESOURCES.has(t.status)) extra.push(t);
    }
    return extra.length ? { ...snap, tasks: [...snap.tasks, ...extra] } : snap;
  }

  private async submit(): Promise<void> {
    const id = `job-${(this.jobSeq++).toString().padStart(5, '0')}`;
    const kind = this.random() < 0.7 ? 'service' : 'batch';
    const count = 1 + Math.floor(this.random() * 4);
    const resources = { cpu: this.pick([250, 500, 750, 1000, 1500]), memoryMiB: this.pick([256, 512, 1024, 2048, 3072]) };
    const job: Job = {
      id,
      name: id,
      image: 'stowage/busybox:local',
      command: ['sleep', '3600'],
      env: {},
      resources,
      count,
      kind,
      restart: kind === 'service' ? DEFAULT_SERVICE_RESTART : DEFAULT_BATCH_RESTART,
      constraints: {},
      doNotDisrupt: this.random() < 0.1,
      createdAt: this.now,
    };
    const tasks: Task[] = Array.from({ length: count }, (_, slot) => ({ id: `${id}.${slot}`, jobId: id, slot, generation: 0, status: 'PENDING', resources, restarts: 0, createdAt: this.now }));
    await this.store.createJob(job, tasks);
  }

  /**
   * One agent's report, through the heartbeat flow every agent uses (acceptHeartbeat):
   * the copies its previous answer gave it run; now and then one exits (batch: done;
   * service: crashed) or is still starting. The answer is what it runs from then on.
   */
  private async heartbeat(nodeId: string, snap: Snapshot): Promise<void> {
    const known = snap.nodes.find((n) => n.id === nodeId);
    const launch = this.fleet.running.get(nodeId);
    const typeName = known?.instanceType ?? launch?.instanceType ?? 'm5.large';
    const type = CATALOG.find((t) => t.name === typeName) ?? CATALOG[0];
    const containers: ContainerReport[] = (this.answers.get(nodeId) ?? []).map(({ task: t, job }): ContainerReport => {
      const x = this.random();
      if (t.status === 'RUNNING' && x < 0.04) return { taskId: t.id, generation: t.generation, state: 'exited', exitCode: job.kind === 'batch' ? 0 : 1, finishedAt: this.now };
      if (t.status === 'ASSIGNED' && x < 0.3) return { taskId: t.id, generation: t.generation, state: 'starting' };
      return { taskId: t.id, generation: t.generation, state: 'running', startedAt: this.now };
    });
    const hb: Heartbeat = {
      nodeId,
      instanceType: type.name,
      zone: known?.zone ?? launch?.zone ?? ZONES[0],
      labels: {},
      capacity: type.capacity,
      usage: { cpu: 50, memoryMiB: 200 },
      pricePerHour: type.pricePerHour,
      containers,
    };
    const { desired } = await acceptHeartbeat(this.store, hb, this.now);
    this.answers.set(nodeId, desired);
  }

  /** Counts a condition one more round; true once it has held STUCK_ROUNDS in a row. */
  private stuck(next: Map<string, number>, key: string): boolean {
    const n = (this.streaks.get(key) ?? 0) + 1;
    next.set(key, n);
    return n >= STUCK_ROUNDS;
  }

  check(snap: Snapshot): string[] {
    const v: string[] = [];
    const next = new Map<string, number>();
    const jobs = new Map(snap.jobs.map((j) => [j.id, j]));
    const nodes = new Map(snap.nodes.map((n) => [n.id, n]));
    const holding = snap.tasks.filter((t) => HOLDS_RESOURCES.has(t.status));

    // 1. Capacity, and the store's allocation counter agrees with the copies.
    for (const n of snap.nodes) {
      const held = holding.filter((t) => t.nodeId === n.id);
      const cpu = held.reduce((s, t) => s + t.resources.cpu, 0);
      const mem = held.reduce((s, t) => s + t.resources.memoryMiB, 0);
      if (cpu > n.capacity.cpu || mem > n.capacity.memoryMiB) v.push(`node ${n.id} over capacity: holds ${cpu}m/${mem}MiB of ${n.capacity.cpu}m/${n.capacity.memoryMiB}MiB (${held.map((t) => t.id).join(', ')})`);
      const a = n.allocated ?? { cpu: 0, memoryMiB: 0 };
      if (a.cpu !== cpu || a.memoryMiB !== mem) v.push(`node ${n.id} (${n.state}) allocated ${a.cpu}m/${a.memoryMiB}MiB but its copies hold ${cpu}m/${mem}MiB (${held.map((t) => `${t.id}@${t.status}`).join(', ') || 'none'})`);
    }
    // A copy holding a node that no longer exists is counted nowhere: the next pass must place it again.
    for (const t of holding) {
      if (t.nodeId !== undefined && !nodes.has(t.nodeId) && jobs.has(t.jobId) && this.stuck(next, `orphan:${t.id}:${t.generation}`)) {
        v.push(`${t.id} (gen ${t.generation}) has held removed node ${t.nodeId} for ${STUCK_ROUNDS} rounds`);
      }
    }

    // 2. One copy per slot holds resources, unless one replaces the other (make-before-break).
    const bySlot = new Map<string, Task[]>();
    for (const t of snap.tasks) {
      const key = `${t.jobId}#${t.slot}`;
      bySlot.set(key, [...(bySlot.get(key) ?? []), t]);
    }
    for (const [slot, copies] of bySlot) {
      const held = copies.filter((t) => HOLDS_RESOURCES.has(t.status));
      for (let i = 0; i < held.length; i++) {
        for (let k = i + 1; k < held.length; k++) {
          const [a, b] = [held[i], held[k]];
          if (a.replaces !== b.id && b.replaces !== a.id) v.push(`slot ${slot} held twice: ${a.id} (gen ${a.generation}, ${a.status} on ${a.nodeId}) and ${b.id} (gen ${b.generation}, ${b.status} on ${b.nodeId})`);
        }
      }
    }

    // 3. No accepted task lost: every slot of every job not stopped has a copy that will run, or ran to its end.
    for (const job of snap.jobs) {
      if (job.stopRequestedAt !== undefined) continue;
      for (let slot = 0; slot < job.count; slot++) {
        const copies = bySlot.get(`${job.id}#${slot}`) ?? [];
        const live = copies.filter((t) => !isFinished(t, job));
        if (copies.length === 0) {
          v.push(`job ${job.id} slot ${slot} has no task`);
          continue;
        }
        if (live.length === 0) {
          // Finished for good is fine only when it ran to its end (batch done, or out of restarts): not when stopped.
          if (!copies.some((t) => t.status === 'COMPLETED' || t.status === 'FAILED')) {
            v.push(`job ${job.id} slot ${slot} lost: every copy stopped (${copies.map((t) => `${t.id}@${t.status}: ${t.reason ?? ''}`).join('; ')})`);
          }
          continue;
        }
        for (const t of live) {
          if (t.status === 'UNSCHEDULABLE' && !t.reason) v.push(`${t.id} is UNSCHEDULABLE without a reason`);
          // Fresh submits and copies whose update lost a race are PENDING without a reason for a round or so.
          if (t.status === 'PENDING' && !t.reason && this.stuck(next, `noreason:${t.id}:${t.generation}`)) v.push(`${t.id} PENDING without a reason for ${STUCK_ROUNDS} rounds`);
          // An exit waiting for its restart is picked up by the next pass.
          if ((t.status === 'FAILED' || t.status === 'COMPLETED') && this.stuck(next, `exited:${t.id}:${t.generation}:${t.status}`)) v.push(`${t.id} ${t.status} and due a restart for ${STUCK_ROUNDS} rounds`);
        }
      }
    }

    // 4. The fleet never exceeds maxNodes.
    const fleet = snap.nodes.filter((n: Node) => !GONE.has(n.state));
    if (fleet.length > this.policy.scaleUp.maxNodes) v.push(`${fleet.length} nodes in service (${fleet.map((n) => `${n.id}:${n.state}`).join(', ')}), maxNodes is ${this.policy.scaleUp.maxNodes}`);

    this.streaks = next;
    return v;
  }
}
