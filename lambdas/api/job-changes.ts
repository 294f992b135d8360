import type { JobVersion } from '../../control/state/job-version';
import { revisionOf } from '../../control/state/job-writes';
import { canonicalJson } from '../../core/canonical-json';
import { pickTemplate, resolveBudgets, targetVersion, updatePolicyOf, versionOfTask, withTemplate, type VersionTemplate } from '../../core/deployment';
import type { Job, Task } from '../../core/model';
import { ValidationError } from './errors';
import type { JobSpec } from './job-defaults';
import { principalOf } from './ownership';
import { versionDiff } from './version-diff';

/**
 * How a request changes a stored job: a new job, a new version of one, a scale, a
 * rollback. Pure: the routes read the job and its copies, call these, and write what
 * they return with one revision-checked store write.
 *
 * Every write moves the revision by one, so a scheduler JobUpdate computed before it is
 * refused. A change of any template field is a new version with a new RUNNING
 * deployment; a change of count or update alone is not (scaling restarts nothing).
 */

/** What a PUT of `spec` does to the stored job. */
export type SpecChange =
  | { readonly outcome: 'unchanged' }
  | { readonly outcome: 'scaled' | 'updated'; readonly job: Job; readonly tasks: readonly Task[]; readonly version?: JobVersion };

/**
 * The job `spec` describes, as its first version: version 1, deployment 1 RUNNING,
 * revision 1, owned by the caller's principal (a later PUT, scale or rollback, by the
 * owner or an admin, never changes the owner).
 */
export function newJob(spec: JobSpec, id: string, now: number, caller: string): Job {
  return {
    id,
    name: spec.name,
    owner: principalOf(caller),
    kind: spec.kind,
    count: spec.count,
    ...templateOfSpec(spec),
    ...(spec.update !== undefined ? { update: spec.update } : {}),
    createdAt: now,
    version: 1,
    latestVersion: 1,
    versionedAt: now,
    versionedBy: caller,
    deployment: { id: 1, toVersion: 1, status: 'RUNNING', startedAt: now },
    revision: 1,
  };
}

/** A new job's copies: one PENDING per slot, on version 1. */
export function firstCopies(job: Job, now: number): Task[] {
  return Array.from({ length: job.count }, (_, slot) => copy(job, slot, now));
}

/** A new job's version record. */
export function firstVersion(job: Job, now: number, caller: string): JobVersion {
  return { jobId: job.id, version: 1, changedAt: now, changedBy: caller, changes: [], template: pickTemplate(job) };
}

/**
 * PUT of `spec` over the stored job: unchanged (the same template, count and update),
 * scaled (only count or update changed) or updated (a new version). `kind` cannot change:
 * a service and a batch job finish differently, so switching would strand copies.
 */
export function applySpec(current: Job, tasks: readonly Task[], spec: JobSpec, now: number, caller: string): SpecChange {
  if (spec.kind !== current.kind) {
    throw new ValidationError([{ field: 'kind', rule: `cannot change from ${current.kind} to ${spec.kind} in an update; stop job ${current.name} and submit the new one` }], 'job');
  }
  const template = templateOfSpec(spec);
  const sameTemplate = canonicalJson(pickTemplate(current)) === canonicalJson(template);
  const sameUpdate = canonicalJson(updatePolicyOf(current)) === canonicalJson(updatePolicyOf(spec));
  if (sameTemplate && sameUpdate && current.count === spec.count) return { outcome: 'unchanged' };

  const { update: _update, ...rest } = current;
  void _update;
  let job: Job = { ...rest, count: spec.count, ...(spec.update !== undefined ? { update: spec.update } : {}), revision: revisionOf(current) + 1 };
  let version: JobVersion | undefined;
  if (!sameTemplate) {
    const v = (current.latestVersion ?? targetVersion(current)) + 1;
    job = retarget(job, current, tasks, template, v, now, caller);
    job = { ...job, latestVersion: v };
    version = { jobId: current.id, version: v, changedAt: now, changedBy: caller, changes: versionDiff(pickTemplate(current), template), template };
  }
  return { outcome: sameTemplate ? 'scaled' : 'updated', job, tasks: newReplicas(job, tasks, now), ...(version ? { version } : {}) };
}

/** POST /jobs/{id}/scale: the job wanting `count` copies, and the new copies that takes. */
export function scaleJob(current: Job, tasks: readonly Task[], count: number, now: number): { job: Job; tasks: Task[] } {
  const budgets = resolveBudgets(updatePolicyOf(current), count);
  if (count > 0 && budgets.surge === 0 && budgets.unavailable === 0) {
    throw new ValidationError([{ field: 'count', rule: `at ${count} copies the job's update strategy allows no copy above or below the count, so no deployment could progress; raise maxSurge or maxUnavailable first (PUT the spec)` }], 'body');
  }
  const job: Job = { ...current, count, revision: revisionOf(current) + 1 };
  return { job, tasks: newReplicas(job, tasks, now) };
}

/**
 * POST /jobs/{id}/rollback to a kept version: the job's template becomes that version's,
 * its target that number (latestVersion stays: versions are never renumbered), and a new
 * deployment rolls the copies back the way any update rolls out.
 */
export function rollbackJob(current: Job, tasks: readonly Task[], to: JobVersion, now: number, caller: string): Job {
  if (to.version === targetVersion(current)) {
    throw new ValidationError([{ field: 'version', rule: `is already the version job ${current.name} runs (v${to.version}); name another (GET /jobs/${current.name}/versions)` }], 'body');
  }
  return retarget({ ...current, revision: revisionOf(current) + 1 }, current, tasks, to.template, to.version, now, caller);
}

/**
 * `job` moved to version `v` with `template`: a new RUNNING deployment from the current
 * target, and priorVersions holding the templates copies still run or auto-rollback may
 * need (the stable version).
 */
function retarget(job: Job, current: Job, tasks: readonly Task[], template: VersionTemplate, v: number, now: number, caller: string): Job {
  const from = targetVersion(current);
  const live = new Set(tasks.filter((t) => t.status !== 'STOPPED' && t.status !== 'COMPLETED').map(versionOfTask));
  const needed = (n: number) => n !== v && (live.has(n) || n === current.stableVersion);
  const priors: Record<string, VersionTemplate> = {};
  if (needed(from)) priors[String(from)] = pickTemplate(current);
  for (const [k, tpl] of Object.entries(current.priorVersions ?? {})) if (needed(Number(k)) && !(k in priors)) priors[k] = tpl;

  const { priorVersions: _stale, ...rest } = withTemplate(job, template);
  void _stale;
  return {
    ...rest,
    version: v,
    versionedAt: now,
    versionedBy: caller,
    ...(Object.keys(priors).length > 0 ? { priorVersions: priors } : {}),
    deployment: { id: (current.deployment?.id ?? 0) + 1, fromVersion: from, toVersion: v, status: 'RUNNING', startedAt: now },
  };
}

/**
 * New PENDING copies for a count above the slots in use, on the job's target version.
 * A slot is in use while a copy of it is not stopped and not being stopped (a slot a
 * scale-in is taking out counts as free). New slots are numbered above every slot the
 * job ever had, so no new copy's id is an old copy's.
 */
function newReplicas(job: Job, tasks: readonly Task[], now: number): Task[] {
  const inUse = new Set(tasks.filter((t) => t.status !== 'STOPPED' && t.stopAt === undefined).map((t) => t.slot));
  const missing = job.count - inUse.size;
  if (missing <= 0) return [];
  const first = tasks.reduce((m, t) => Math.max(m, t.slot), -1) + 1;
  return Array.from({ length: missing }, (_, i) => copy(job, first + i, now));
}

function copy(job: Job, slot: number, now: number): Task {
  return { id: `${job.id}.${slot}`, jobId: job.id, slot, generation: 0, status: 'PENDING', resources: job.resources, restarts: 0, version: targetVersion(job), createdAt: now };
}

/** The template fields of a spec, as a job stores them (optional fields absent rather than undefined). */
export function templateOfSpec(spec: JobSpec): VersionTemplate {
  return pickTemplate({
    image: spec.image,
    command: spec.command,
    env: spec.env,
    resources: { cpu: spec.cpu, memoryMiB: spec.memoryMiB },
    restart: spec.restart,
    constraints: spec.constraints,
    doNotDisrupt: spec.doNotDisrupt,
    capacity: spec.capacity,
    ports: spec.ports,
    expose: spec.expose,
    healthCheck: spec.healthCheck,
    stopGraceSeconds: spec.stopGraceSeconds,
    spread: spec.spread,
    cpuLimit: spec.cpuLimit,
    capabilities: spec.capabilities,
    secrets: spec.secrets,
  } as Job);
}
