import type { Job, Task } from './model';

/**
 * Versions and deployments: what a job runs, and how a change of it reaches the copies.
 *
 * A job's name is its identity; every change of what its copies run (image, command,
 * env, resources, ports, checks...) is a new *version*. Its replica count and its update
 * strategy are not part of a version: changing them scales or re-paces the job without
 * restarting anything (as a Kubernetes Deployment's replicas and strategy are outside
 * its pod template). Each copy records the version it runs; a rolling *deployment*
 * replaces the copies of other versions with copies of the job's target version
 * (core/pass/rollout.ts).
 */

/** The job fields that make up a version: everything a copy runs or is placed by. */
export const TEMPLATE_FIELDS = [
  'image',
  'command',
  'env',
  'resources',
  'restart',
  'constraints',
  'doNotDisrupt',
  'ports',
  'expose',
  'healthCheck',
  'stopGraceSeconds',
  'spread',
  'cpuLimit',
  'capabilities',
  'secrets',
  // Like constraints: a job moved off Spot (or onto it) must have its copies placed again.
  'capacity',
] as const satisfies readonly (keyof Job)[];

export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

/** One version's template: what its copies run. */
export type VersionTemplate = Pick<Job, TemplateField>;

/** `maxSurge` and `maxUnavailable`: a number of copies, or a percentage of the count ("25%"). */
export type CopyBudget = number | `${number}%`;

/**
 * How a deployment paces itself (Kubernetes' RollingUpdate and progressDeadlineSeconds,
 * ECS's minimumHealthyPercent/maximumPercent and circuit breaker with rollback).
 */
export interface UpdatePolicy {
  /** Copies of the new version placed above the count at once; a percentage rounds up. */
  readonly maxSurge: CopyBudget;
  /** Copies below the count the deployment may leave serving at once; a percentage rounds down. */
  readonly maxUnavailable: CopyBudget;
  /** A new copy counts once it has served (running, healthy, in the load balancer) this long. */
  readonly minHealthySeconds: number;
  /** A deployment not finished this long after it started has failed. */
  readonly progressDeadlineSeconds: number;
  /** Roll a failed deployment back to the last version that ran in full. */
  readonly autoRollback: boolean;
}

export const DEFAULT_UPDATE: UpdatePolicy = {
  maxSurge: '25%',
  maxUnavailable: 0,
  minHealthySeconds: 10,
  progressDeadlineSeconds: 600,
  autoRollback: true,
};

/** A new copy that has restarted this often since the deployment began is crash-looping: the deployment fails. */
export const CRASH_LOOP_RESTARTS = 3;

export type DeploymentStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ROLLED_BACK';

/**
 * One deployment: the job moving from one version to another. A failed deployment with
 * autoRollback is followed by a deployment back to the last good version, whose record
 * carries `rollbackOf`; when that one finishes its status is ROLLED_BACK.
 */
export interface Deployment {
  /** Grows by one per deployment of the job. */
  readonly id: number;
  /** Absent for the job's first deployment. */
  readonly fromVersion?: number;
  readonly toVersion: number;
  readonly status: DeploymentStatus;
  readonly startedAt: number;
  readonly finishedAt?: number;
  /** Why it failed or what it rolled back; absent while RUNNING and when it succeeded. */
  readonly reason?: string;
  /** Set on a deployment that restores a version after another failed: which, and why. */
  readonly rollbackOf?: { readonly version: number; readonly reason: string };
}

/** The version a copy runs: copies from before versions existed run version 1. */
export function versionOfTask(task: Pick<Task, 'version'>): number {
  return task.version ?? 1;
}

/** The job's target version: the one its copies converge on. */
export function targetVersion(job: Pick<Job, 'version'>): number {
  return job.version ?? 1;
}

/** The template of `version`: the job's own fields for its target, else the kept template (undefined if none was kept). */
export function templateOf(job: Job, version: number): VersionTemplate | undefined {
  if (version === targetVersion(job)) return pickTemplate(job);
  return job.priorVersions?.[String(version)];
}

/**
 * The job as a copy of `version` sees it: the job with that version's template in place
 * of the target's, so every rule that reads a job (serving, health, stop grace) applies
 * the copy's own version. Falls back to the job itself when the template was not kept.
 */
export function jobAsOfVersion(job: Job, version: number): Job {
  if (version === targetVersion(job)) return job;
  const template = job.priorVersions?.[String(version)];
  return template ? withTemplate(job, template) : job;
}

/**
 * `job` running `template`: every template field (TEMPLATE_FIELDS) is the template's, and
 * every other field (id, name, kind, count, update, version, deployment, revision...) is
 * the job's own. A field the template lacks is removed rather than kept: an optional field
 * such as `healthCheck` or `expose` that one version set and the other did not would
 * otherwise carry one version's behaviour into the other.
 */
export function withTemplate(job: Job, template: VersionTemplate): Job {
  const merged: Record<string, unknown> = { ...job };
  for (const f of TEMPLATE_FIELDS) {
    if (template[f] === undefined) delete merged[f];
    else merged[f] = template[f];
  }
  return merged as unknown as Job;
}

export function pickTemplate(job: Job): VersionTemplate {
  const out: Record<string, unknown> = {};
  for (const f of TEMPLATE_FIELDS) if (job[f] !== undefined) out[f] = job[f];
  return out as VersionTemplate;
}

export function updatePolicyOf(job: Pick<Job, 'update'>): UpdatePolicy {
  return job.update ?? DEFAULT_UPDATE;
}

/** The surge and unavailability a policy allows at `count` copies: percentages of the count, surge rounded up, unavailability down (Kubernetes' rounding). */
export function resolveBudgets(policy: Pick<UpdatePolicy, 'maxSurge' | 'maxUnavailable'>, count: number): { readonly surge: number; readonly unavailable: number } {
  return { surge: resolve(policy.maxSurge, count, Math.ceil), unavailable: Math.min(count, resolve(policy.maxUnavailable, count, Math.floor)) };
}

function resolve(budget: CopyBudget, count: number, round: (x: number) => number): number {
  if (typeof budget === 'number') return budget;
  // Whole percentages: multiply first, so the product is exact and only the division can
  // round — (p / 100) * count does not: 0.07 * 100 is 7.000000000000001, whose ceil is 8.
  return round((Number(budget.slice(0, -1)) * count) / 100);
}
