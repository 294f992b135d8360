import { resolveBudgets, updatePolicyOf, versionOfTask } from '../../core/deployment';
import { GONE, HOLDS_RESOURCES, type Job, type Task } from '../../core/model';
import type { Snapshot } from '../../core/pass/snapshot';
import { decideRestart } from '../../core/pass/restart-policy';

/**
 * The invariants a fault schedule must never break, as pure checks over what the store
 * holds (and, for the replica floor, a little history kept between passes). Each returns
 * readable violations naming the task, node and seed, never throws: a run collects them
 * all and reports the first few.
 */

/** Where a violation was seen, so its message says how to replay it. */
export interface CheckContext {
  readonly seed: number;
  readonly now: number;
}

/** A live container an agent really runs (the fleet's truth, not the store's). */
export interface LiveContainer {
  readonly nodeId: string;
  readonly taskId: string;
  readonly jobId: string;
  readonly slot: number;
  readonly generation: number;
}

const at = (ctx: CheckContext) => `(seed ${ctx.seed}, t=${ctx.now})`;

/**
 * (a) No node over capacity: Σ requests of the copies holding resources there fits its
 * capacity, and the store's `allocated` counter (what its capacity checks read) equals
 * that Σ — a drifted counter lets a later assignment through, or blocks one forever.
 */
export function checkCapacity(s: Snapshot, ctx: CheckContext): string[] {
  const out: string[] = [];
  for (const n of s.nodes) {
    let cpu = 0;
    let mem = 0;
    const holders: string[] = [];
    for (const t of s.tasks) {
      if (t.nodeId !== n.id || !HOLDS_RESOURCES.has(t.status)) continue;
      cpu += t.resources.cpu;
      mem += t.resources.memoryMiB;
      holders.push(t.id);
    }
    if (cpu > n.capacity.cpu || mem > n.capacity.memoryMiB) {
      out.push(`capacity: node ${n.id} holds ${cpu} mCPU / ${mem} MiB over capacity ${n.capacity.cpu} / ${n.capacity.memoryMiB} (tasks ${holders.join(', ')}) ${at(ctx)}`);
    }
    const a = n.allocated;
    if (a && (a.cpu !== cpu || a.memoryMiB !== mem)) {
      out.push(`capacity: node ${n.id} allocated counter ${a.cpu} mCPU / ${a.memoryMiB} MiB differs from Σ of its copies ${cpu} / ${mem} (tasks ${holders.join(', ') || 'none'}) ${at(ctx)}`);
    }
  }
  return out;
}

/**
 * (b) No slot runs twice: at most one copy of a job's slot holds resources, except a
 * make-before-break migration copy whose `replaces` names the other. With `containers`,
 * the same for what agents really run: one live container per slot and generation.
 */
export function checkSingleCopy(s: Snapshot, ctx: CheckContext, containers: readonly LiveContainer[] = []): string[] {
  const out: string[] = [];
  // By slot and version: a deployment runs a slot's old and new version side by side by
  // design (its surge, checked by checkDeploymentBudgets); within one version, only a
  // drain's replacement may run beside the copy it replaces.
  const bySlot = new Map<string, Task[]>();
  for (const t of s.tasks) {
    if (!HOLDS_RESOURCES.has(t.status)) continue;
    const key = `${t.jobId}#${t.slot}${versionOfTask(t) === 1 ? '' : `@v${versionOfTask(t)}`}`;
    bySlot.set(key, [...(bySlot.get(key) ?? []), t]);
  }
  for (const [slot, copies] of bySlot) {
    if (copies.length < 2) continue;
    if (!replacementChain(copies)) {
      out.push(`single copy: slot ${slot} is held by ${copies.map((c) => `${c.id} gen ${c.generation} ${c.status} on ${c.nodeId}`).join(' and ')} ${at(ctx)}`);
    }
  }
  const live = new Map<string, LiveContainer[]>();
  for (const c of containers) {
    const key = `${c.jobId}#${c.slot}@${c.generation}`;
    live.set(key, [...(live.get(key) ?? []), c]);
  }
  for (const [key, list] of live) {
    if (list.length > 1) out.push(`single copy: ${key} runs in ${list.length} containers (${list.map((c) => `${c.taskId} on ${c.nodeId}`).join(', ')}) ${at(ctx)}`);
  }
  return out;
}

/**
 * Copies of one slot that may hold resources together: each but the oldest replaces
 * another of them (a drain's migration copy; a deployment's new-version copy, and a
 * newer one still when an update supersedes another mid-way).
 */
function replacementChain(copies: readonly Task[]): boolean {
  const ids = new Set(copies.map((c) => c.id));
  const roots = copies.filter((c) => c.replaces === undefined || !ids.has(c.replaces));
  return roots.length === 1;
}

/**
 * (e) A deployment keeps its budgets: a job mid-deployment never has more than count +
 * maxSurge copies staying (live and not leaving the load balancer), and a pass never
 * takes an old copy out for replacement unless count − maxUnavailable copies still
 * serve after it. `before` is the state the pass read; copies a fault took away in the
 * same pass (their node lost) are not the deployment's doing and are not counted as
 * serving either way.
 */
export function checkDeploymentBudgets(before: Snapshot | undefined, s: Snapshot, ctx: CheckContext): string[] {
  const out: string[] = [];
  for (const job of s.jobs) {
    if (job.deployment?.status !== 'RUNNING' || job.stopRequestedAt !== undefined) continue;
    const mine = s.tasks.filter((t) => t.jobId === job.id);
    const { surge, unavailable } = resolveBudgets(updatePolicyOf(job), job.count);
    const live = (t: Task) => (HOLDS_RESOURCES.has(t.status) || t.status === 'PENDING' || t.status === 'UNSCHEDULABLE') && t.stopAt === undefined;
    // A copy a drain's migration copy of the same version replaces is on its way out.
    const migrating = new Set(mine.filter((c) => live(c) && c.replaces !== undefined && mine.some((o) => o.id === c.replaces && versionOfTask(o) === versionOfTask(c))).map((c) => c.replaces));
    const staying = mine.filter((t) => live(t) && !migrating.has(t.id));
    if (staying.length > job.count + surge) {
      out.push(`deployment: job ${job.id} has ${staying.length} copies staying, over count ${job.count} + maxSurge ${surge} (${staying.map((t) => `${t.id} v${versionOfTask(t)} ${t.status}`).join(', ')}) ${at(ctx)}`);
    }
    if (!before) continue;
    const was = new Map(before.tasks.filter((t) => t.jobId === job.id).map((t) => [t.id, t]));
    // Only copies whose node still stands: one on a node lost or going serves nothing, and replacing it at once is right.
    const standing = (nodeId: string | undefined) => s.nodes.some((n) => n.id === nodeId && !GONE.has(n.state));
    const takenOut = mine.filter((t) => {
      const prior = was.get(t.id);
      return /replaced by v\d+/.test(t.reason ?? '') && prior?.status === 'RUNNING' && prior.stopAt === undefined && standing(prior.nodeId) && (t.stopAt !== undefined || t.status === 'STOPPED');
    });
    if (takenOut.length === 0) continue;
    const serving = mine.filter((t) => t.status === 'RUNNING' && t.stopAt === undefined && (t.health === undefined || t.health === 'healthy' || t.health === 'none')).length;
    if (serving < job.count - unavailable) {
      out.push(`deployment: job ${job.id} took ${takenOut.map((t) => t.id).join(', ')} out for replacement leaving ${serving} serving, under count ${job.count} − maxUnavailable ${unavailable} ${at(ctx)}`);
    }
  }
  return out;
}

/**
 * (c) Nothing accepted is lost: every slot of every job not stopped has a current copy,
 * and each copy is running or on its way (ASSIGNED, STARTING, RUNNING), finished for good
 * (COMPLETED batch work, FAILED with restarts exhausted), or waiting with a reason
 * (PENDING, UNSCHEDULABLE). Mid-run (`settled` false) a crashed pass may have left work
 * one pass from its next state — a LOST copy, an exit whose restart is not yet planned, a
 * new task without a reason — and that is allowed; once faults stop and the schedule
 * settles, it is not.
 */
export function checkNothingLost(s: Snapshot, ctx: CheckContext & { readonly settled: boolean }): string[] {
  const out: string[] = [];
  const tasksByJob = new Map<string, Task[]>();
  for (const t of s.tasks) tasksByJob.set(t.jobId, [...(tasksByJob.get(t.jobId) ?? []), t]);
  for (const job of s.jobs) {
    if (job.stopRequestedAt !== undefined) continue;
    const tasks = tasksByJob.get(job.id) ?? [];
    // Slots are numbered as they are made (scaling adds new numbers, scale-in ends some), so
    // what counts is how many slots have a current task, not which numbers.
    const current = new Set(tasks.filter((t) => t.status !== 'STOPPED').map((t) => t.slot));
    if (current.size < job.count) {
      const gone = [...new Set(tasks.map((t) => t.slot))].filter((slot) => !current.has(slot));
      out.push(`lost: job ${job.id} has ${current.size} slots with a current task, under its count ${job.count} (slots with none: ${gone.map((slot) => `${slot}: ${tasks.filter((t) => t.slot === slot).map((t) => `${t.id} ${t.status}${t.reason ? ` "${t.reason}"` : ''}`).join('; ')}`).join(' | ') || 'none ever made'}) ${at(ctx)}`);
    }
    for (const t of tasks) {
      const why = lostReason(t, job, ctx.settled);
      if (why) out.push(`lost: task ${t.id} of job ${job.id} ${why} ${at(ctx)}`);
    }
  }
  return out;
}

function lostReason(t: Task, job: Job, settled: boolean): string | null {
  switch (t.status) {
    case 'ASSIGNED':
    case 'STARTING':
    case 'RUNNING':
      return t.nodeId ? null : `is ${t.status} on no node`;
    case 'STOPPED':
      return null;
    case 'PENDING':
    case 'UNSCHEDULABLE':
      return t.reason || !settled ? null : `is ${t.status} with no reason`;
    case 'LOST':
      return settled ? `is still LOST after the schedule settled (${t.reason ?? 'no reason'})` : null;
    case 'COMPLETED':
    case 'FAILED': {
      const restart = decideRestart(t, job);
      if (!restart.restart) return null;
      if (t.status === 'COMPLETED' && job.kind === 'batch') return null;
      return settled ? `is ${t.status} but its restart (${restart.reason}) was never planned` : null;
    }
  }
}

/** A fault that can take a replica away on its own: the replica floor does not count drops it explains. */
export interface RecordedFault {
  readonly t: number;
  readonly kind: string;
  readonly nodeId?: string;
}

/**
 * (d) History for the replica floor: per service, how many copies RUNNING at the last
 * check and on which nodes its copies were, plus the faults so far.
 */
export class ReplicaHistory {
  private readonly running = new Map<string, number>();
  private readonly nodesOf = new Map<string, Set<string>>();
  readonly faults: RecordedFault[] = [];

  /**
   * @param windowMs how far back a fault still explains a drop: a dead node's copies
   * leave RUNNING only when the scheduler declares it lost, a heartbeat timeout later.
   */
  constructor(private readonly windowMs: number) {}

  recordFault(f: RecordedFault): void {
    this.faults.push(f);
  }

  /**
   * A service whose RUNNING count fell below min(its previous count, its replica count)
   * with no fault on one of the nodes its copies held in the window: the scheduler took
   * replicas away on its own (consolidation stopping an original before its copy runs).
   */
  check(s: Snapshot, ctx: CheckContext): string[] {
    const out: string[] = [];
    const running = new Map<string, number>();
    const nodes = new Map<string, Set<string>>();
    const services = new Map(s.jobs.filter((j) => j.kind === 'service' && j.stopRequestedAt === undefined).map((j) => [j.id, j]));
    for (const t of s.tasks) {
      if (!services.has(t.jobId)) continue;
      if (t.status === 'RUNNING') running.set(t.jobId, (running.get(t.jobId) ?? 0) + 1);
      if (t.nodeId && HOLDS_RESOURCES.has(t.status)) nodes.set(t.jobId, new Set([...(nodes.get(t.jobId) ?? []), t.nodeId]));
    }
    for (const [id, job] of services) {
      const now = running.get(id) ?? 0;
      const before = this.running.get(id);
      if (before !== undefined && now < Math.min(before, job.count)) {
        const where = this.nodesOf.get(id) ?? new Set<string>();
        const explained = this.faults.some((f) => f.t >= ctx.now - this.windowMs && f.t <= ctx.now && (f.nodeId === undefined || where.has(f.nodeId)));
        if (!explained) {
          out.push(`replica floor: service ${id} fell from ${before} to ${now} RUNNING (count ${job.count}) with no node death or container kill on its nodes ${[...where].join(', ') || '(none)'} since t=${ctx.now - this.windowMs} ${at(ctx)}`);
        }
      }
    }
    this.running.clear();
    for (const [id, n] of running) this.running.set(id, n);
    for (const id of services.keys()) if (!running.has(id)) this.running.set(id, 0);
    // Nodes accumulate per service: a drop may come a few passes after the copy moved.
    for (const [id, set] of nodes) this.nodesOf.set(id, new Set([...(this.nodesOf.get(id) ?? []), ...set]));
    return out;
  }
}

/** Every check a pass must pass, in one call. */
export function checkInvariants(s: Snapshot, ctx: CheckContext & { readonly settled: boolean }, history: ReplicaHistory, containers: readonly LiveContainer[] = [], before?: Snapshot): string[] {
  return [...checkCapacity(s, ctx), ...checkSingleCopy(s, ctx, containers), ...checkNothingLost(s, ctx), ...history.check(s, ctx), ...checkDeploymentBudgets(before, s, ctx)];
}
