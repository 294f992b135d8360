import { jobAsOfVersion, resolveBudgets, targetVersion, updatePolicyOf, versionOfTask } from '../deployment';
import type { Job, Task } from '../model';
import type { SchedulerPolicy } from '../policy';
import { healthAllowsServing, isServing } from '../serving';
import { deploymentFailure, failedDeployment, succeededDeployment } from './deployment-outcome';
import { nodeDying, stopGracefully } from './graceful-stop';
import type { PlanBuilder } from './plan-builder';
import type { SnapshotIndex } from './snapshot';
import { isFinished } from './task-fate';

/**
 * Rolling deployments: each job's copies of other versions are replaced by copies of
 * its target version, make-before-break by default, within the job's budgets
 * (core/deployment.ts, UpdatePolicy):
 *
 * - never more than count + maxSurge copies that are not on their way out;
 * - never fewer than count − maxUnavailable copies serving, counting a new copy only
 *   once it has served for minHealthySeconds;
 * - an old copy that serves nothing (waiting, starting, unhealthy, crashed) is replaced
 *   at once, since stopping it costs no availability.
 *
 * New copies are created PENDING here and placed by this same pass like any waiting
 * copy (a copy no node takes makes scale-up launch one); each names the old copy it
 * replaces, so that copy ends STOPPED (not FAILED and restarted) once it is taken out of
 * the load balancer, and a drain of its node waits for the new copy rather than making
 * a second one. Everything is derived from the stored job and copies each pass, so a
 * scheduler that crashes mid-deployment resumes it from there.
 *
 * Runs after the restart policy (a crashed old copy is back to PENDING, and replaced
 * rather than restarted) and before drains and placement.
 */
export function progressDeployments(index: SnapshotIndex, builder: PlanBuilder, now: number, policy: SchedulerPolicy): void {
  for (const job of index.jobs.values()) {
    if (job.stopRequestedAt !== undefined) continue;
    rollJob(job, index, builder, now, policy);
  }
}

function rollJob(job: Job, index: SnapshotIndex, builder: PlanBuilder, now: number, policy: SchedulerPolicy): void {
  const target = targetVersion(job);
  // Copies an earlier stage stops or marks (scale-in, a drain) are not the deployment's to count.
  const live = (index.tasksOf.get(job.id) ?? []).filter((t) => liveAfter(t, job, builder) && !builder.stopsOrMarks(t) && t.stopAt === undefined);
  const old = live.filter((t) => versionOfTask(t) !== target);
  const fresh = live.filter((t) => versionOfTask(t) === target);
  const update = updatePolicyOf(job);
  const serving = (t: Task) => servingNow(t, job, index, builder, now, policy);
  const ready = fresh.filter((t) => serving(t) && (t.healthySince ?? t.startedAt ?? now) + update.minHealthySeconds * 1000 <= now);
  const d = job.deployment;
  // A batch job's finished slots are done for good: the floor and the goal are the slots still running work.
  const wanted = job.kind === 'batch' ? Math.min(job.count, new Set(live.map((t) => t.slot)).size) : job.count;

  if (d?.status === 'RUNNING') {
    const failure = deploymentFailure(job, d, fresh, ready.length, now);
    if (failure) {
      // The copies stay as they are this pass; the next one rolls back from the committed record.
      builder.updateJob(failedDeployment(job, d, failure, now));
      return;
    }
    if (old.length === 0 && ready.length >= wanted) {
      builder.updateJob(succeededDeployment(job, d, now));
      return;
    }
  }
  // A failed deployment without a rollback leaves the copies as they are, mixed, for a person to decide.
  if (old.length === 0 || d?.status === 'FAILED') return;

  const { surge, unavailable } = resolveBudgets(update, job.count);
  const slotsWithFresh = new Set(fresh.map((t) => t.slot));
  const replaced: Task[] = [];

  // 1. Old copies that serve nothing go now; they cost no availability.
  for (const t of old) {
    if (builder.isTouched(t.id) || serving(t)) continue;
    stopGracefully(t, index, builder, now, policy, { reason: `replaced by v${target}` });
    replaced.push(t);
  }

  // 2. Serving old copies go while enough copies serve without them (count − maxUnavailable):
  //    first those whose slot has a ready new copy, then slots holding two old copies (an
  //    update that superseded another), then the rest; a slot left without a copy gets its
  //    new one below.
  const readySlots = new Set(ready.map((t) => t.slot));
  const servingOld = old.filter((t) => !builder.isTouched(t.id) && serving(t));
  const perSlot = new Map<number, number>();
  for (const t of old) perSlot.set(t.slot, (perSlot.get(t.slot) ?? 0) + 1);
  const priority = (t: Task) => (readySlots.has(t.slot) ? 0 : (perSlot.get(t.slot) ?? 0) > 1 ? 1 : 2);
  let canStop = servingOld.length + ready.length - (wanted - unavailable);
  const order = [...servingOld].sort((a, b) => priority(a) - priority(b) || versionOfTask(a) - versionOfTask(b) || a.slot - b.slot);
  for (const t of order) {
    if (canStop <= 0) break;
    stopGracefully(t, index, builder, now, policy, { reason: `replaced by v${target}` });
    replaced.push(t);
    perSlot.set(t.slot, (perSlot.get(t.slot) ?? 1) - 1);
    canStop--;
  }

  // 3. New copies for old copies' slots, within the surge. Old copies on their way out do not count.
  // A copy a drain's migration copy (same version) already replaces is on its way out too.
  const migrating = (t: Task) => (index.copiesOf.get(t.id) ?? []).some((c) => versionOfTask(c) === versionOfTask(t) && liveAfter(c, job, builder));
  const staying = live.filter((t) => !builder.stopsOrMarks(t) && !migrating(t));
  let room = wanted + surge - staying.length;
  const going = new Set(replaced.map((t) => t.id));
  const needing = [...replaced, ...old.filter((t) => !going.has(t.id))].filter((t) => !slotsWithFresh.has(t.slot));
  const seen = new Set<number>();
  for (const t of needing) {
    if (seen.has(t.slot)) continue;
    // A slot whose last old copy just went gets its new copy whatever the surge: it replaces, it does not add.
    const isReplacement = going.has(t.id) && !old.some((o) => o.slot === t.slot && !going.has(o.id));
    if (!isReplacement && room <= 0) continue;
    seen.add(t.slot);
    const copy = newCopy(job, t, index, now);
    builder.createTask(copy);
    index.addCreated(copy);
    // Every new copy counts against the surge, a replacement included: it takes its old copy's place only once that is gone.
    room--;
  }
}

/** A copy of the target version for `old`'s slot, replacing it. */
function newCopy(job: Job, old: Task, index: SnapshotIndex, now: number): Task {
  const generation = index.nextGeneration(job.id, old.slot);
  return {
    id: `${job.id}.${old.slot}.g${generation}`,
    jobId: job.id,
    slot: old.slot,
    generation,
    status: 'PENDING',
    resources: job.resources,
    restarts: 0,
    version: targetVersion(job),
    replaces: old.id,
    createdAt: now,
  };
}

/** Still a copy of the job once this plan applies: not stopped, not finished for good. */
function liveAfter(t: Task, job: Job, builder: PlanBuilder): boolean {
  const status = builder.statusAfter(t);
  return status !== 'STOPPED' && !isFinished({ ...t, status }, job);
}

/**
 * Serving, as a deployment counts it (on a node not dying): for an exposed job, in the load balancer's sense
 * (running, healthy, reachable, not leaving); for any other job, running, healthy by
 * its own version's check, and not being stopped.
 */
function servingNow(t: Task, job: Job, index: SnapshotIndex, builder: PlanBuilder, now: number, policy: SchedulerPolicy): boolean {
  if (builder.statusAfter(t) !== 'RUNNING' || t.stopAt !== undefined || builder.stopsOrMarks(t)) return false;
  // A copy on a node dying this pass serves no more, whatever the snapshot says.
  if (nodeDying(t.nodeId !== undefined ? index.nodes.get(t.nodeId) : undefined, builder, now, policy)) return false;
  if (job.expose) return isServing(t, job, t.nodeId !== undefined ? index.nodes.get(t.nodeId) : undefined);
  return healthAllowsServing(t, jobAsOfVersion(job, versionOfTask(t)));
}
