import { assignmentGroups } from '../../control/state/assignment-groups';
import { StoreUnavailableError } from '../../control/state/errors';
import type { LaunchTimeouts } from '../../core/launch-hold';
import type { Job, Node, Reclaim, Task } from '../../core/model';
import type { UnavailableOffering } from '../../core/offerings';
import type { Plan } from '../../core/pass/plan-types';
import type { ApplyResult, StateStore } from '../../control/state/state-store';
import type { JobVersion } from '../../control/state/job-version';
import type { Heartbeat } from '../../control/state/node-report';
import type { UtilisationSample } from '../../core/utilisation-sample';
import type { Snapshot } from '../../core/pass/snapshot';

/** The scheduler Lambda died mid-pass (injected): whatever it wrote before stays written. */
export class InjectedCrashError extends Error {
  override readonly name = 'InjectedCrashError';
  constructor(readonly afterWrites: number) {
    super(`injected crash: the scheduler pass died after ${afterWrites} store writes`);
  }
}

/** What this store does wrong during the next pass; cleared by `disarm`. */
export interface StoreFaults {
  /** Die once this many writes (node update, task update, assignment group, launch record, removal, sample) committed. */
  crashAfterWrites?: number;
  /** Throw StoreUnavailableError on this call of the pass (0-based, any method). */
  throttleCall?: number;
  /** Run between this pass's snapshot and its first write: a racing pass that commits first. */
  betweenReadAndWrite?: () => Promise<void>;
}

/**
 * The StateStore the scheduler pass sees under fault: delegates to the real store, but
 * can throttle one call, run a racing pass between the read and the writes, and crash
 * after any prefix of the writes — a plan is cut where DynamoDB would cut it, between its
 * node updates, task updates and per-node assignment transactions, never inside one.
 */
export class FaultyStore implements StateStore {
  private faults: StoreFaults = {};
  private calls = 0;
  private writes = 0;

  constructor(private readonly inner: StateStore) {}

  arm(faults: StoreFaults): void {
    this.faults = faults;
    this.calls = 0;
    this.writes = 0;
  }

  disarm(): void {
    this.faults = {};
  }

  private call(operation: string): void {
    if (this.faults.throttleCall === this.calls++) throw new StoreUnavailableError(operation, { cause: new Error('injected ProvisionedThroughputExceededException') });
  }

  /** Writes still allowed before the injected crash; Infinity without one. */
  private budget(): number {
    return this.faults.crashAfterWrites === undefined ? Infinity : this.faults.crashAfterWrites - this.writes;
  }

  private write(): void {
    if (this.budget() <= 0) throw new InjectedCrashError(this.faults.crashAfterWrites!);
    this.writes++;
  }

  async snapshot(): Promise<Snapshot> {
    this.call('snapshot');
    const s = await this.inner.snapshot();
    const race = this.faults.betweenReadAndWrite;
    if (race) {
      this.faults = { ...this.faults, betweenReadAndWrite: undefined };
      await race();
    }
    return s;
  }

  async applyPlan(plan: Plan): Promise<ApplyResult> {
    this.call('applyPlan');
    const budget = this.budget();
    const units = plan.nodeUpdates.length + plan.taskUpdates.length + assignmentGroups(plan.assignments).length;
    if (units <= budget) {
      this.writes += units;
      return this.inner.applyPlan(plan);
    }
    await this.inner.applyPlan(truncate(plan, budget));
    throw new InjectedCrashError(this.faults.crashAfterWrites!);
  }

  async createJob(job: Job, tasks: readonly Task[], version?: JobVersion) {
    return this.inner.createJob(job, tasks, version);
  }
  async updateJob(next: Job, expectRevision: number, additions?: { readonly tasks?: readonly Task[]; readonly version?: JobVersion }) {
    return this.inner.updateJob(next, expectRevision, additions);
  }
  async findLiveJobByName(name: string) {
    return this.inner.findLiveJobByName(name);
  }
  async listVersions(jobId: string) {
    return this.inner.listVersions(jobId);
  }
  async getJobRecord(jobId: string) {
    this.call('getJobRecord');
    return this.inner.getJobRecord(jobId);
  }
  async getJob(jobId: string) {
    this.call('getJob');
    return this.inner.getJob(jobId);
  }
  async listJobs() {
    this.call('listJobs');
    return this.inner.listJobs();
  }
  async requestStop(jobId: string, now: number) {
    return this.inner.requestStop(jobId, now);
  }
  async listNodes(): Promise<Node[]> {
    this.call('listNodes');
    return this.inner.listNodes();
  }
  async tasksForNode(nodeId: string) {
    return this.inner.tasksForNode(nodeId);
  }
  async recordHeartbeat(hb: Heartbeat, now: number) {
    return this.inner.recordHeartbeat(hb, now);
  }
  async recordLaunch(node: Node) {
    this.call('recordLaunch');
    this.write();
    return this.inner.recordLaunch(node);
  }
  async removeNode(nodeId: string) {
    this.call('removeNode');
    this.write();
    return this.inner.removeNode(nodeId);
  }
  async markReclaimed(nodeId: string, reclaim: Reclaim) {
    this.call('markReclaimed');
    this.write();
    return this.inner.markReclaimed(nodeId, reclaim);
  }
  async putSample(sample: UtilisationSample) {
    this.call('putSample');
    this.write();
    return this.inner.putSample(sample);
  }
  async listSamples(from: number, to: number) {
    return this.inner.listSamples(from, to);
  }
  async withLaunchLease<T>(fn: () => Promise<T>) {
    this.call('withLaunchLease');
    return this.inner.withLaunchLease(fn);
  }
  // The capacity memory is passed through without counting: the faults are numbered by the calls above.
  async capacityMemory() {
    return this.inner.capacityMemory();
  }
  async rememberUnavailable(entries: readonly UnavailableOffering[]) {
    return this.inner.rememberUnavailable(entries);
  }
  async putLaunchTimeouts(timeouts: LaunchTimeouts | undefined) {
    return this.inner.putLaunchTimeouts(timeouts);
  }
}

/** The first `units` writes of a plan in the order the stores commit them: node updates, task updates, assignment groups. */
export function truncate(plan: Plan, units: number): Plan {
  const nodeUpdates = plan.nodeUpdates.slice(0, units);
  let left = units - nodeUpdates.length;
  const taskUpdates = plan.taskUpdates.slice(0, left);
  left -= taskUpdates.length;
  const assignments = assignmentGroups(plan.assignments).slice(0, Math.max(0, left)).flatMap((g) => g.assignments);
  return { ...plan, nodeUpdates, taskUpdates, assignments };
}

/** The store a racing pass reads: every call goes to `inner`, but its snapshot is an old one. */
export class StaleSnapshotStore extends FaultyStore {
  constructor(
    inner: StateStore,
    private readonly stale: Snapshot,
  ) {
    super(inner);
  }
  override async snapshot(): Promise<Snapshot> {
    return this.stale;
  }
}
