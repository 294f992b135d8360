import type { LaunchTimeouts } from '../../core/launch-hold';
import type { Job, Node, Reclaim, Task } from '../../core/model';
import type { UnavailableOffering } from '../../core/offerings';
import type { Plan } from '../../core/pass/plan-types';
import type { Snapshot } from '../../core/pass/snapshot';
import type { UtilisationSample } from '../../core/utilisation-sample';
import type { JobVersion } from './job-version';
import type { Heartbeat } from './node-report';

/** One entry of a plan the store refused, and why: the next pass re-plans from fresh state. */
export interface PlanConflict {
  readonly kind: 'assignment-group' | 'task-update' | 'node-update' | 'task-create' | 'job-update';
  /** The node whose group of assignments (or whose update) was refused. */
  readonly nodeId?: string;
  /** The job whose JobUpdate was refused. */
  readonly jobId?: string;
  readonly taskIds: readonly string[];
  readonly reason: string;
}

export interface ApplyResult {
  readonly assignmentsCommitted: number;
  readonly taskUpdatesCommitted: number;
  readonly nodeUpdatesCommitted: number;
  /** New PENDING copies (plan.creates) written. */
  readonly createsCommitted: number;
  /** Job records (plan.jobUpdates) replaced. */
  readonly jobUpdatesCommitted: number;
  readonly conflicts: readonly PlanConflict[];
}

/**
 * The state port, cut by who calls it, so each caller depends on the methods it uses
 * and a fake for one caller need not fake the rest. `StateStore` is all of them: what
 * an adapter (DynamoStateStore) and the fake (InMemoryStateStore) implement, and one
 * contract suite holds both to the same rules.
 *
 * Every method throws `StoreUnavailableError` when the backing service failed in a way
 * a retry may fix, and nothing else on bad luck; `createJob` also throws `JobExistsError`,
 * `updateJob` `JobRevisionConflictError`.
 */

/** The jobs API: submit, update, scale, roll back, list, read, stop. */
export interface JobStore {
  /**
   * Writes the tasks (each only if absent) and the job's first version (if absent), then
   * the job, so the scheduler (which ignores tasks without a job) never sees half a
   * submission. The same job offered again — equal but for the times it was stamped
   * with, a retry — fills in what is missing and succeeds; a different job under the
   * same id throws JobExistsError.
   */
  createJob(job: Job, tasks: readonly Task[], version?: JobVersion): Promise<void>;
  /**
   * Replaces the job with `next` (whose revision is `expectRevision + 1`) only if the
   * stored job is still at `expectRevision`, writing with it the new copies (each
   * PENDING, under an id no task has) and the new version, if any, in one transaction:
   * either all of it or none (JobRevisionConflictError). Past DynamoDB's transaction
   * size (job-writes.ts taskChunks), later copies follow in further transactions, each
   * only while the job still wants them. Versions beyond the newest KEPT_VERSIONS are
   * then deleted.
   */
  updateJob(next: Job, expectRevision: number, additions?: { readonly tasks?: readonly Task[]; readonly version?: JobVersion }): Promise<void>;
  getJob(jobId: string): Promise<{ job: Job; tasks: Task[] } | undefined>;
  /**
   * The live (not stopped) job with this name: a name is a job's identity among live
   * jobs. Where several live jobs share one (made before names were unique) the newest.
   */
  findLiveJobByName(name: string): Promise<Job | undefined>;
  listJobs(): Promise<Job[]>;
  /** The job's kept versions, newest first. */
  listVersions(jobId: string): Promise<JobVersion[]>;
  /**
   * Marks the job stopped and bumps its revision (so a scheduler JobUpdate computed
   * before the stop is refused); the next pass stops its copies. False when no such job.
   */
  requestStop(jobId: string, now: number): Promise<boolean>;
}

/** The heartbeat route: record what a node reports, answer what it should run. */
export interface NodeReportStore {
  /**
   * Upserts the node from its report and moves its copies' statuses from what its
   * containers did. Returns the node's copies holding resources as the store read them
   * to record the report when none of them moved (so they are what tasksForNode would
   * read now), else undefined: a store that had to read them anyway saves the caller
   * the second read.
   */
  recordHeartbeat(hb: Heartbeat, now: number): Promise<Task[] | undefined>;
  /** What an agent should run: copies assigned to the node, current generation. */
  tasksForNode(nodeId: string): Promise<Task[]>;
  /** The job's record alone (one read, no tasks): what a heartbeat needs for each task's spec. */
  getJobRecord(jobId: string): Promise<Job | undefined>;
}

/** The fleet as the nodes route and the report read it. */
export interface FleetStateReader {
  listNodes(): Promise<Node[]>;
  listSamples(from: number, to: number): Promise<UtilisationSample[]>;
}

/**
 * The scheduler's pass. `applyPlan` is the optimistic-concurrency applier: node updates
 * commit only from the state the plan saw; each node's group of assignments commits in
 * one transaction, only while the node is ACTIVE or LAUNCHING and stays within
 * capacity, and each task moves only from the status the plan saw; a refused entry is
 * reported in `conflicts`, never thrown, and the rest still applies.
 */
export interface SchedulerStore {
  /**
   * What a pass plans from: every live copy (one that may run or be placed again), every
   * job with a live copy or not long stopped, every node. A store may leave out copies
   * that core/pass/task-fate.ts calls finished and jobs with none live, so that a pass
   * costs what the live work costs (DynamoStateStore does; lambdas/README.md says what
   * it keeps and why its reads may lag); finished copies stay readable through getJob.
   */
  snapshot(): Promise<Snapshot>;
  applyPlan(plan: Plan): Promise<ApplyResult>;
  listNodes(): Promise<Node[]>;
  /** Records a node the fleet just launched (state LAUNCHING). */
  recordLaunch(node: Node): Promise<void>;
  /**
   * Forgets a node once the fleet terminated it. A heartbeat already in flight from it
   * must not bring it back: the store remembers the id as terminated for a while
   * (NODE_TOMBSTONE_MS) and ignores reports from it.
   */
  removeNode(nodeId: string): Promise<void>;
  putSample(sample: UtilisationSample): Promise<void>;
  /**
   * Runs `fn` as the one launcher of the moment, or not at all. Passes that overlap plan
   * from the same count of nodes and would each launch for the same pending tasks; the
   * lease makes one of them the launcher (the others launch nothing and re-plan). A
   * lease left by a crashed holder expires after LAUNCH_LEASE_MS.
   */
  withLaunchLease<T>(fn: () => Promise<T>): Promise<{ held: true; value: T } | { held: false }>;
  /**
   * What the fleet learnt launching: offerings EC2 refused (expired entries may still be
   * there; the core ignores them) and the launches that never heartbeated. Kept apart
   * from the nodes, so writing it wakes no scheduler.
   */
  capacityMemory(): Promise<CapacityMemory>;
  /** Remembers refused offerings; an entry replaces the one with the same key (unavailableKey). */
  rememberUnavailable(entries: readonly UnavailableOffering[]): Promise<void>;
  /** Replaces the launch-timeout count; undefined clears it. */
  putLaunchTimeouts(timeouts: LaunchTimeouts | undefined): Promise<void>;
}

/** The part of a snapshot the store keeps beside jobs, tasks and nodes. */
export interface CapacityMemory {
  readonly unavailable: readonly UnavailableOffering[];
  readonly launchTimeouts?: LaunchTimeouts;
}

/**
 * What a cloud's notice that it will take a node back did to the node:
 * - `marked`: the node is DRAINING with the notice (a pass moves its work away);
 * - `unchanged`: it already holds this notice or a firmer one (an interruption's
 *   deadline is never replaced by a later rebalance recommendation, nor by a repeat
 *   of the interruption: EventBridge and SQS deliver at least once);
 * - `not-found`: no such node (another deployment's instance, or one long gone);
 * - `gone`: the node is LOST or TERMINATING, past draining.
 */
export type ReclaimOutcome = 'marked' | 'unchanged' | 'not-found' | 'gone';

/** The interruption notices' handler (lambdas/handlers/interruptions.ts). */
export interface ReclaimStore {
  /**
   * Marks a LAUNCHING, ACTIVE or DRAINING node DRAINING with `reclaim`, in one
   * conditional write, unless it holds a notice at least as firm: an interruption
   * outranks a rebalance recommendation. The write wakes a pass like any scheduler
   * node write (the quiet-heartbeat mark is cleared).
   */
  markReclaimed(nodeId: string, reclaim: Reclaim): Promise<ReclaimOutcome>;
}

export type StateStore = JobStore & NodeReportStore & FleetStateReader & SchedulerStore & ReclaimStore;

/**
 * How long a launch lease lasts when its holder never releases it (a pass that crashed
 * mid-launch). Longer than the scheduler function's timeout (test/infra checks it), so
 * a pass still launching cannot lose its lease to the next pass and launch twice.
 */
export const LAUNCH_LEASE_MS = 90_000;

/** How long a removed node's id is remembered as terminated (its last reports are ignored). */
export const NODE_TOMBSTONE_MS = 3_600_000;
