import { MS_PER_HOUR } from '../core/cost-model';
import { HOLDS_RESOURCES } from '../core/model';
import type { Plan } from '../core/pass/plan-types';
import { seededRandom } from '../core/random';
import type { InMemoryFleet } from '../control/fakes/in-memory-fleet';
import type { PlanRecordingStore } from './recording-store';

/**
 * How often the replay's Spot nodes are interrupted. AWS's Spot Instance Advisor
 * (https://aws.amazon.com/ec2/spot/instance-advisor/) buckets each type's "frequency of
 * interruption" over the trailing month; its lowest bucket, "<5%", is where the large
 * general-purpose pools of the catalog (m5, c5, m6g, m7g...) usually sit. Read as "5 % of
 * instances interrupted per month of running", that is 0.05 / 730 interruptions per
 * node-hour — the upper end of the bucket, so the default errs towards more
 * interruptions, not fewer. Interruptions are modelled as a Poisson process per node
 * (memoryless: a node's age does not change its risk), which is what a monthly rate
 * alone can say.
 */
export const DEFAULT_SPOT_INTERRUPTIONS_PER_NODE_HOUR = 0.05 / 730;

/** EC2 warns two minutes before it takes a Spot instance (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-instance-termination-notices.html). */
export const SPOT_NOTICE_MS = 120_000;

export const DEFAULT_SPOT_SEED = 20261202;

export interface SpotModelOptions {
  /** Expected interruptions per Spot node-hour. */
  readonly interruptionsPerNodeHour: number;
  /** The seed of every interruption time: the same seed, trace and policy replay the same interruptions. */
  readonly seed: number;
}

/** What Spot did in a replay. */
export interface SpotOutcome {
  /** Hours Spot nodes ran, launch to termination. */
  readonly spotNodeHours: number;
  /** Interruption warnings the replay sent. */
  readonly interruptions: number;
  /** Copies started again elsewhere because their node was interrupted (moved before the deadline or lost at it). */
  readonly interruptionMigrations: number;
}

/**
 * The cloud's side of Spot in a replay: each Spot node gets an interruption time drawn
 * when it is first seen (exponential with the configured rate, from a generator seeded
 * by the seed and the node's id, so a node's fate does not depend on the order nodes
 * are looked at); at that time the node gets its warning (the interruption handler's
 * write: DRAINING with a reclaim notice, deadline two minutes on), and at the deadline
 * the instance is gone — its agent stops, and whatever still ran there is lost. The
 * scheduler sees only what it would see in AWS: the notice, then a silent node.
 */
export class SpotInterruptions {
  private readonly at = new Map<string, number>();
  private readonly deadlines = new Map<string, number>();
  /** Copies holding resources on a node when its warning came: what the interruption displaces. */
  private readonly displaced = new Set<string>();
  /** Copies created to carry a displaced copy's slot, until they are placed. */
  private readonly carriers = new Set<string>();
  private interruptions = 0;
  private migrations = 0;

  constructor(
    private readonly options: SpotModelOptions,
    private readonly store: PlanRecordingStore,
    private readonly fleet: InMemoryFleet,
  ) {
    if (!(options.interruptionsPerNodeHour >= 0) || !Number.isFinite(options.interruptionsPerNodeHour)) {
      throw new RangeError(`interruptionsPerNodeHour must be a finite number ≥ 0, got ${options.interruptionsPerNodeHour}`);
    }
  }

  /** Sends the warnings due by `now` and takes the instances whose deadline has come. Runs before the agents beat. */
  async beforePass(now: number): Promise<void> {
    for (const [id, deadline] of this.deadlines) {
      if (deadline > now) continue;
      await this.fleet.terminate([id]);
      this.deadlines.delete(id);
    }
    for (const id of this.spotNodes()) {
      const at = this.interruptionTime(id);
      if (at > now || this.deadlines.has(id) || this.store.state.nodes.get(id)?.reclaim) continue;
      const deadline = at + SPOT_NOTICE_MS;
      if ((await this.store.markReclaimed(id, { notice: 'interruption', noticedAt: at, deadline })) !== 'marked') continue;
      this.interruptions++;
      this.deadlines.set(id, deadline);
      for (const t of this.store.state.tasks.values()) if (t.nodeId === id && HOLDS_RESOURCES.has(t.status)) this.displaced.add(t.id);
    }
  }

  /**
   * Counts the copies this pass started again for displaced ones (`refused`: assignments
   * the store did not commit). Returns how many of them were not migration copies made
   * in this pass (a copy placed again after its node was lost, or one created PENDING by
   * an earlier pass): the replay counts those as migrations too, on top of `create`s.
   */
  afterPass(plan: Plan, refused: ReadonlySet<string>): number {
    for (const c of plan.creates ?? []) if (c.replaces !== undefined && this.displaced.has(c.replaces)) this.carriers.add(c.id);
    let uncounted = 0;
    for (const a of plan.assignments) {
      if (refused.has(a.taskId)) continue;
      if (a.create?.replaces !== undefined && this.displaced.has(a.create.replaces)) this.migrations++;
      else if (((a.releaseFrom !== undefined || a.from === 'LOST') && this.displaced.has(a.taskId)) || this.carriers.delete(a.taskId)) {
        this.migrations++;
        uncounted++;
      }
    }
    return uncounted;
  }

  /** The next warning still to come, for the replay's skip-ahead; undefined when none. */
  nextWarning(after: number): number | undefined {
    let next: number | undefined;
    for (const id of this.spotNodes()) {
      const at = this.interruptionTime(id);
      if (at > after && !this.deadlines.has(id) && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  /** Node-hours of the Spot instances the fleet ran, up to `end` for those still running. */
  outcome(end: number): SpotOutcome {
    let hours = 0;
    for (const [id, life] of this.fleet.lives) if (this.store.bought.get(id)?.capacityType === 'spot') hours += ((life.terminatedAt ?? end) - life.launchedAt) / MS_PER_HOUR;
    return { spotNodeHours: hours, interruptions: this.interruptions, interruptionMigrations: this.migrations };
  }

  private *spotNodes(): Iterable<string> {
    for (const id of this.fleet.running.keys()) if (this.store.bought.get(id)?.capacityType === 'spot') yield id;
  }

  private interruptionTime(id: string): number {
    let at = this.at.get(id);
    if (at === undefined) {
      const rate = this.options.interruptionsPerNodeHour;
      const launchedAt = this.fleet.lives.get(id)?.launchedAt ?? 0;
      const u = seededRandom(hash(`${this.options.seed}:${id}`))();
      at = rate > 0 ? launchedAt + Math.round((-Math.log(1 - u) / rate) * MS_PER_HOUR) : Infinity;
      this.at.set(id, at);
    }
    return at;
  }
}

/** FNV-1a, 32 bits: a stable number from a string. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
