import { assignmentGroups } from '../state/assignment-groups';
import { JobExistsError, JobRevisionConflictError } from '../state/errors';
import { oldestDropped, type JobVersion } from '../state/job-version';
import { jobUpdateRefusal, revisionOf, sameJob, taskChunks } from '../state/job-writes';
import { ACCEPTS_WORK, GONE, HOLDS_RESOURCES, type Job, type Node, type Reclaim, type Task } from '../../core/model';
import type { Plan } from '../../core/pass/plan-types';
import { containerTransition, taskAfterUpdate } from '../state/task-transitions';
import type { ApplyResult, CapacityMemory, PlanConflict, ReclaimOutcome, StateStore } from '../state/state-store';
import type { LaunchTimeouts } from '../../core/launch-hold';
import { unavailableKey, type UnavailableOffering } from '../../core/offerings';
import type { Heartbeat } from '../state/node-report';
import type { UtilisationSample } from '../../core/utilisation-sample';
import { add, ZERO, type Resources } from '../../core/resources';
import { reclaimReplaces } from '../state/reclaim-notice';
import type { Snapshot } from '../../core/pass/snapshot';

/**
 * The StateStore in memory: the fake the contract suite holds to the same rules as
 * DynamoStateStore, and the store the simulator and unit tests run on. Methods are
 * synchronous underneath (`state`), so a simulation need not await every step.
 */
export class InMemoryState {
  readonly jobs = new Map<string, Job>();
  readonly tasks = new Map<string, Task>();
  readonly nodes = new Map<string, Node>();
  readonly samples: UtilisationSample[] = [];
  /** Each job's kept versions by number. */
  readonly versions = new Map<string, Map<number, JobVersion>>();
  /** Removed nodes, so a late heartbeat does not bring one back (the fake keeps them for good). */
  private readonly removed = new Set<string>();

  snapshot(): Snapshot {
    return { jobs: [...this.jobs.values()], tasks: [...this.tasks.values()], nodes: [...this.nodes.values()] };
  }

  createJob(job: Job, tasks: readonly Task[], version?: JobVersion): void {
    const existing = this.jobs.get(job.id);
    if (existing && !sameJob(existing, job)) throw new JobExistsError(job.id);
    // Tasks first, the job last (as DynamoDB must do it): a retry of the same submission
    // fills in what a crash left out, and changes nothing that exists.
    for (const t of tasks) if (!this.tasks.has(t.id)) this.tasks.set(t.id, t);
    if (version && !this.versionsOf(job.id).has(version.version)) this.putVersion(version);
    if (!existing) this.jobs.set(job.id, job);
  }

  updateJob(next: Job, expectRevision: number, additions: { readonly tasks?: readonly Task[]; readonly version?: JobVersion } = {}): void {
    const stored = this.jobs.get(next.id);
    const tasks = additions.tasks ?? [];
    // All or nothing, as the first transaction DynamoDB commits it (taskChunks[0]).
    const [first] = taskChunks(tasks);
    if (!stored || revisionOf(stored) !== expectRevision || first.some((t) => this.tasks.has(t.id))) throw new JobRevisionConflictError(next.id, expectRevision);
    this.jobs.set(next.id, next);
    if (additions.version) this.putVersion(additions.version);
    for (const t of tasks) if (!this.tasks.has(t.id)) this.tasks.set(t.id, t);
  }

  findLiveJobByName(name: string): Job | undefined {
    let found: Job | undefined;
    for (const j of this.jobs.values()) {
      if (j.name !== name || j.stopRequestedAt !== undefined) continue;
      if (!found || j.createdAt > found.createdAt || (j.createdAt === found.createdAt && j.id > found.id)) found = j;
    }
    return found;
  }

  listVersions(jobId: string): JobVersion[] {
    return [...this.versionsOf(jobId).values()].sort((a, b) => b.version - a.version);
  }

  requestStop(jobId: string, now: number): boolean {
    const job = this.jobs.get(jobId);
    if (!job) return false;
    this.jobs.set(jobId, { ...job, stopRequestedAt: job.stopRequestedAt ?? now, revision: revisionOf(job) + 1 });
    return true;
  }

  private versionsOf(jobId: string): Map<number, JobVersion> {
    let kept = this.versions.get(jobId);
    if (!kept) this.versions.set(jobId, (kept = new Map()));
    return kept;
  }

  private putVersion(v: JobVersion): void {
    const kept = this.versionsOf(v.jobId);
    kept.set(v.version, v);
    for (const n of [...kept.keys()]) if (n <= oldestDropped(v.version)) kept.delete(n);
  }

  tasksForNode(nodeId: string): Task[] {
    return [...this.tasks.values()].filter((t) => t.nodeId === nodeId && HOLDS_RESOURCES.has(t.status));
  }

  recordHeartbeat(hb: Heartbeat, now: number): void {
    if (this.removed.has(hb.nodeId)) return;
    const prev = this.nodes.get(hb.nodeId);
    this.nodes.set(hb.nodeId, {
      id: hb.nodeId,
      instanceType: hb.instanceType,
      zone: hb.zone,
      labels: hb.labels,
      capacity: hb.capacity,
      usage: hb.usage,
      allocated: prev?.allocated ?? ZERO,
      // A node's first report makes it ACTIVE; a LOST or draining one stays as the scheduler set it.
      state: !prev || prev.state === 'LAUNCHING' ? 'ACTIVE' : prev.state,
      launchedAt: prev?.launchedAt ?? now,
      lastHeartbeatAt: now,
      pricePerHour: hb.pricePerHour,
      emptySince: prev?.emptySince,
      underutilizedSince: prev?.underutilizedSince,
      // An agent that reports no address (or capacity type) leaves the last one known.
      address: hb.address ?? prev?.address,
      ...((hb.capacityType ?? prev?.capacityType) !== undefined ? { capacityType: hb.capacityType ?? prev?.capacityType } : {}),
      // A reclaim notice is the cloud's word, not the agent's: a report never clears it.
      ...(prev?.reclaim ? { reclaim: prev.reclaim } : {}),
    });
    for (const c of hb.containers) {
      const t = this.tasks.get(c.taskId);
      // Only the current copy on this node moves its task; a stale copy is the agent's to stop.
      if (!t || t.nodeId !== hb.nodeId || t.generation !== c.generation) continue;
      const next = containerTransition(t, c, now);
      if (!next) continue;
      if (!HOLDS_RESOURCES.has(next.status)) this.release(hb.nodeId, t.resources);
      this.tasks.set(t.id, next);
    }
  }

  applyPlan(plan: Plan): ApplyResult {
    const conflicts: PlanConflict[] = [];
    let nodeUpdatesCommitted = 0;
    let taskUpdatesCommitted = 0;
    let assignmentsCommitted = 0;
    for (const u of plan.nodeUpdates) {
      const n = this.nodes.get(u.nodeId);
      const busy = u.expectEmpty && ((n?.allocated?.cpu ?? 0) !== 0 || (n?.allocated?.memoryMiB ?? 0) !== 0);
      const beatSince = u.heartbeatSeen !== undefined && (n?.lastHeartbeatAt ?? null) !== u.heartbeatSeen;
      if (!n || n.state !== u.from || busy || beatSince) {
        conflicts.push({ kind: 'node-update', nodeId: u.nodeId, taskIds: [], reason: !n ? 'node not found' : busy ? 'node holds work since the plan saw it empty' : beatSince ? 'node reported since the plan judged it silent' : `node is ${n.state}, plan saw ${u.from}` });
        continue;
      }
      this.nodes.set(n.id, {
        ...n,
        state: u.to ?? n.state,
        emptySince: u.emptySince === null ? undefined : (u.emptySince ?? n.emptySince),
        underutilizedSince: u.underutilizedSince === null ? undefined : (u.underutilizedSince ?? n.underutilizedSince),
      });
      nodeUpdatesCommitted++;
    }
    for (const u of plan.taskUpdates) {
      const t = this.tasks.get(u.taskId);
      if (!t || t.status !== u.from || (u.generation !== undefined && t.generation !== u.generation)) {
        conflicts.push({ kind: 'task-update', taskIds: [u.taskId], reason: t ? `task is ${t.status} generation ${t.generation}, plan saw ${u.from} generation ${u.generation}` : 'task not found' });
        continue;
      }
      if (!HOLDS_RESOURCES.has(u.to) && HOLDS_RESOURCES.has(t.status) && t.nodeId) this.release(t.nodeId, t.resources);
      this.tasks.set(t.id, taskAfterUpdate(t, u, plan.now));
      taskUpdatesCommitted++;
    }
    for (const group of assignmentGroups(plan.assignments)) {
      const refusal = this.checkGroup(group.nodeId, group.assignments);
      if (refusal) {
        conflicts.push({ kind: 'assignment-group', nodeId: group.nodeId, taskIds: group.assignments.map((a) => a.taskId), reason: refusal });
        continue;
      }
      for (const a of group.assignments) {
        const prev = a.create ?? this.tasks.get(a.taskId)!;
        if (!a.create && a.releaseFrom && HOLDS_RESOURCES.has(prev.status)) this.release(a.releaseFrom, prev.resources);
        this.tasks.set(a.taskId, { ...prev, status: 'ASSIGNED', nodeId: a.nodeId, generation: a.generation, reason: undefined, notBefore: undefined, startedAt: undefined, stopAt: undefined });
        this.reserve(a.nodeId, a.resources);
      }
      assignmentsCommitted += group.assignments.length;
    }
    let createsCommitted = 0;
    for (const t of plan.creates ?? []) {
      if (this.tasks.has(t.id)) {
        conflicts.push({ kind: 'task-create', taskIds: [t.id], reason: 'a task with this id exists' });
        continue;
      }
      this.tasks.set(t.id, t);
      createsCommitted++;
    }
    let jobUpdatesCommitted = 0;
    for (const u of plan.jobUpdates ?? []) {
      const refusal = jobUpdateRefusal(this.jobs.get(u.jobId), u);
      if (refusal) {
        conflicts.push({ kind: 'job-update', jobId: u.jobId, taskIds: [], reason: refusal });
        continue;
      }
      this.jobs.set(u.jobId, u.job);
      jobUpdatesCommitted++;
    }
    return { assignmentsCommitted, taskUpdatesCommitted, nodeUpdatesCommitted, createsCommitted, jobUpdatesCommitted, conflicts };
  }

  recordLaunch(node: Node): void {
    if (!this.nodes.has(node.id)) this.nodes.set(node.id, { ...node, allocated: ZERO });
  }

  markReclaimed(nodeId: string, reclaim: Reclaim): ReclaimOutcome {
    const n = this.nodes.get(nodeId);
    if (!n) return 'not-found';
    if (GONE.has(n.state)) return 'gone';
    if (!reclaimReplaces(n.reclaim, reclaim)) return 'unchanged';
    this.nodes.set(nodeId, { ...n, state: 'DRAINING', reclaim });
    return 'marked';
  }

  removeNode(nodeId: string): void {
    this.nodes.delete(nodeId);
    this.removed.add(nodeId);
  }

  private checkGroup(nodeId: string, assignments: Plan['assignments']): string | null {
    const n = this.nodes.get(nodeId);
    if (!n) return 'node not found';
    if (!ACCEPTS_WORK.has(n.state)) return `node is ${n.state}`;
    const want = assignments.reduce((s, a) => add(s, a.resources), ZERO);
    const alloc = n.allocated ?? ZERO;
    if (alloc.cpu + want.cpu > n.capacity.cpu || alloc.memoryMiB + want.memoryMiB > n.capacity.memoryMiB) return 'node would exceed its capacity';
    for (const a of assignments) {
      const t = this.tasks.get(a.taskId);
      if (a.create ? t !== undefined : !t || t.status !== a.from) return `task ${a.taskId} is ${t ? t.status : 'missing'}, plan saw ${a.create ? 'no task' : a.from}`;
      if (t && !a.create) {
        // Placed again by another pass since this one looked: its generation caught up.
        if (t.generation >= a.generation) return `task ${a.taskId} is already at generation ${t.generation}`;
        if (a.releaseFrom && HOLDS_RESOURCES.has(t.status) && t.nodeId !== a.releaseFrom) return `task ${a.taskId} is on ${t.nodeId}, plan saw ${a.releaseFrom}`;
      }
    }
    return null;
  }

  private reserve(nodeId: string, r: Resources): void {
    const n = this.nodes.get(nodeId)!;
    this.nodes.set(nodeId, { ...n, allocated: add(n.allocated ?? ZERO, r) });
  }

  private release(nodeId: string, r: Resources): void {
    const n = this.nodes.get(nodeId);
    if (n) this.nodes.set(nodeId, { ...n, allocated: add(n.allocated ?? ZERO, { cpu: -r.cpu, memoryMiB: -r.memoryMiB }) });
  }
}

/** The async port over InMemoryState. */
export class InMemoryStateStore implements StateStore {
  private leaseHeld = false;
  constructor(readonly state = new InMemoryState()) {}
  async snapshot() {
    return this.state.snapshot();
  }
  async createJob(job: Job, tasks: readonly Task[], version?: JobVersion) {
    this.state.createJob(job, tasks, version);
  }
  async updateJob(next: Job, expectRevision: number, additions?: { readonly tasks?: readonly Task[]; readonly version?: JobVersion }) {
    this.state.updateJob(next, expectRevision, additions);
  }
  async findLiveJobByName(name: string) {
    return this.state.findLiveJobByName(name);
  }
  async listVersions(jobId: string) {
    return this.state.listVersions(jobId);
  }
  async getJob(jobId: string) {
    const job = this.state.jobs.get(jobId);
    return job ? { job, tasks: [...this.state.tasks.values()].filter((t) => t.jobId === jobId) } : undefined;
  }
  async getJobRecord(jobId: string) {
    return this.state.jobs.get(jobId);
  }
  async listJobs() {
    return [...this.state.jobs.values()];
  }
  async requestStop(jobId: string, now: number) {
    return this.state.requestStop(jobId, now);
  }
  async listNodes() {
    return [...this.state.nodes.values()];
  }
  async tasksForNode(nodeId: string) {
    return this.state.tasksForNode(nodeId);
  }
  async recordHeartbeat(hb: Heartbeat, now: number): Promise<Task[] | undefined> {
    this.state.recordHeartbeat(hb, now);
    return undefined;
  }
  async applyPlan(plan: Plan) {
    return this.state.applyPlan(plan);
  }
  async recordLaunch(node: Node) {
    this.state.recordLaunch(node);
  }
  async removeNode(nodeId: string) {
    this.state.removeNode(nodeId);
  }
  async markReclaimed(nodeId: string, reclaim: Reclaim) {
    return this.state.markReclaimed(nodeId, reclaim);
  }
  async putSample(sample: UtilisationSample) {
    this.state.samples.push(sample);
  }
  /**
   * One holder at a time within this process. No expiry: a holder here cannot crash
   * without its process, which takes the lease with it.
   */
  async withLaunchLease<T>(fn: () => Promise<T>): Promise<{ held: true; value: T } | { held: false }> {
    if (this.leaseHeld) return { held: false };
    this.leaseHeld = true;
    try {
      return { held: true, value: await fn() };
    } finally {
      this.leaseHeld = false;
    }
  }
  async listSamples(from: number, to: number) {
    return this.state.samples.filter((s) => s.t >= from && s.t <= to).sort((a, b) => a.t - b.t);
  }
  /** The offerings memory, keyed as the Dynamo store keys it: one entry per unavailableKey. */
  readonly unavailable = new Map<string, UnavailableOffering>();
  launchTimeouts: LaunchTimeouts | undefined;
  async capacityMemory(): Promise<CapacityMemory> {
    return { unavailable: [...this.unavailable.values()], ...(this.launchTimeouts ? { launchTimeouts: this.launchTimeouts } : {}) };
  }
  async rememberUnavailable(entries: readonly UnavailableOffering[]) {
    for (const e of entries) this.unavailable.set(unavailableKey(e), e);
  }
  async putLaunchTimeouts(timeouts: LaunchTimeouts | undefined) {
    this.launchTimeouts = timeouts;
  }
}
