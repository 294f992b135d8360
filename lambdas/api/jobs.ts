import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { rollbackBodySchema, scaleBodySchema, type VersionView } from '../../contract/deployment-spec';
import { JobRevisionConflictError } from '../../control/state/errors';
import type { JobVersion } from '../../control/state/job-version';
import { revisionOf } from '../../control/state/job-writes';
import type { JobSummaryView } from '../../contract/job-list';
import type { JobView } from '../../contract/job-view';
import { ROUTES } from '../../contract/routes';
import type { TaskStatusView, TaskView } from '../../contract/task-view';
import { inParallel } from '../../control/in-parallel';
import { exposedUrl } from '../../control/load-balancer';
import { targetVersion, updatePolicyOf, versionOfTask } from '../../core/deployment';
import { healthAllowsServing } from '../../core/serving';
import { capacityChoiceOf } from '../../core/capacity';
import type { JobStore, SchedulerStore } from '../../control/state/state-store';
import { HOLDS_RESOURCES, type Job, type Task, type TaskStatus } from '../../core/model';
import type { ContainerHealth, Endpoint, ExposeRule, PortSpec, Spread } from '../../core/service';
import type { ApiDeps } from './deps';
import { ConflictError, NotFoundError, ValidationError } from './errors';
import { rollbackJob, scaleJob } from './job-changes';
import { findVisibleJob, visibleTo } from './ownership';
import { jobLogs, type JobLogsDeps } from './job-logs';
import { parseWith, readJsonBody } from './request';
import { answer, callerOf, route, routeKeyOf, type ApiEvent, type ApiHandler, type Reply } from './respond';
import { specOfTemplate } from './version-diff';
import type { Assert, Same } from './type-checks';

/** Compile-time: the statuses the API shows are exactly the scheduler's. */
export type TaskStatusesInStep = Assert<Same<TaskStatus, TaskStatusView>>;
/** Compile-time: a task's endpoints and health, and a job's service fields, are shown as the model holds them. */
export type TaskEndpointsInStep = Assert<Same<NonNullable<TaskView['endpoints']>[number], Endpoint>>;
export type TaskHealthInStep = Assert<Same<NonNullable<TaskView['health']>, ContainerHealth>>;
export type JobPortsInStep = Assert<Same<NonNullable<JobView['ports']>[number], PortSpec>>;
export type JobExposeInStep = Assert<Same<NonNullable<JobView['expose']>, ExposeRule>>;
export type JobSpreadInStep = Assert<Same<NonNullable<JobView['spread']>, Spread>>;

/** Statuses whose reason a user needs to see: why it is not running. */
const EXPLAINED: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['PENDING', 'UNSCHEDULABLE', 'FAILED', 'LOST', 'STOPPED']);

/**
 * The jobs API's store, and the scheduler's snapshot: the list needs every job's task
 * statuses, and one snapshot read gives them all where a query per job would not.
 */
export type JobsDeps = ApiDeps<JobStore & Pick<SchedulerStore, 'snapshot'>> & JobLogsDeps & {
  /** Where the deployment's load balancer answers (`http(s)://name[:port]`); absent: it has none, and exposed jobs show no URL. */
  readonly loadBalancerUrl?: string;
  /** Principals that see and change every job (lambdas/api/ownership.ts); absent: none. */
  readonly admins?: readonly string[];
};

/** A scale or rollback that lost a race with the scheduler's own writes reads again and reapplies, this many times at most. */
const WRITE_ATTEMPTS = 5;

/**
 * GET /jobs, GET /jobs/{id}, DELETE /jobs/{id}, GET /jobs/{id}/versions, POST
 * /jobs/{id}/scale and /rollback: one function, routed on API Gateway's route key.
 * `{id}` is a job's id or the name of a live job.
 */
export function createHandler(deps: JobsDeps): ApiHandler {
  return route(deps, async (event) => {
    switch (routeKeyOf(event)) {
      case ROUTES.listJobs.key:
        return listJobs(deps, event);
      case ROUTES.getJob.key:
        return getJob(deps, event);
      case ROUTES.stopJob.key:
        return stopJob(deps, event);
      case ROUTES.listVersions.key:
        return listVersions(deps, event);
      case ROUTES.scaleJob.key:
        return scale(deps, event);
      case ROUTES.rollbackJob.key:
        return rollback(deps, event);
      case ROUTES.jobLogs.key:
        return jobLogs(deps, event, await findJob(deps, event));
      default:
        throw new NotFoundError('route', `${event.requestContext.http.method.toUpperCase()} ${event.rawPath}`);
    }
  });
}

/**
 * Jobs whose copies are all finished are left out of the scheduler's live snapshot (the
 * store's live index); the list reads the Jobs table for them and counts their copies
 * with one query each, for the newest FINISHED_COUNTED of them (older ones are listed
 * with no counts: `stowage status <job>` reads one in full).
 */
const FINISHED_COUNTED = 50;

async function listJobs(deps: JobsDeps, event: ApiEvent): Promise<Reply> {
  const [snap, stored] = await Promise.all([deps.store.snapshot(), deps.store.listJobs()]);
  const caller = callerOf(event);
  const byJob = new Map<string, Partial<Record<TaskStatus, number>>>();
  const count = (tasks: readonly Task[]) => {
    for (const t of tasks) {
      const counts = byJob.get(t.jobId) ?? {};
      counts[t.status] = (counts[t.status] ?? 0) + 1;
      byJob.set(t.jobId, counts);
    }
  };
  count(snap.tasks);
  const live = new Map(snap.jobs.map((j) => [j.id, j]));
  const all = [...live.values(), ...stored.filter((j) => !live.has(j.id))]
    .filter((j) => visibleTo(j, caller, deps.admins ?? []))
    .sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
  const finished = all.filter((j) => !live.has(j.id)).slice(0, FINISHED_COUNTED);
  await inParallel(finished, 10, async (j) => count((await deps.store.getJob(j.id))?.tasks ?? []));
  const jobs = all.map(
    (j): JobSummaryView => ({
      id: j.id,
      name: j.name,
      kind: j.kind,
      count: j.count,
      createdAt: j.createdAt,
      ...(j.stopRequestedAt !== undefined ? { stopRequestedAt: j.stopRequestedAt } : {}),
      tasks: byJob.get(j.id) ?? {},
    }),
  );
  return answer(ROUTES.listJobs.key, { jobs });
}

async function getJob(deps: JobsDeps, event: ApiEvent): Promise<Reply> {
  const found = await findJob(deps, event);
  return answer(ROUTES.getJob.key, { job: jobView(found.job, deps.loadBalancerUrl, found.tasks), tasks: [...found.tasks].sort(bySlotThenGeneration).map(taskView) });
}

async function stopJob(deps: JobsDeps, event: ApiEvent): Promise<Reply> {
  const { job } = await findJob(deps, event);
  const stopped = await deps.store.requestStop(job.id, deps.clock.now());
  if (!stopped) throw new NotFoundError('job', job.id);
  deps.metrics.addMetric('JobsStopped', MetricUnit.Count, 1);
  deps.log.info('job stop requested', { jobId: job.id, name: job.name });
  return answer(ROUTES.stopJob.key, { jobId: job.id, stopRequested: true });
}

async function listVersions(deps: JobsDeps, event: ApiEvent): Promise<Reply> {
  const { job } = await findJob(deps, event);
  const versions = await deps.store.listVersions(job.id);
  return answer(ROUTES.listVersions.key, { jobId: job.id, name: job.name, current: targetVersion(job), versions: versions.map(versionView) });
}

async function scale(deps: JobsDeps, event: ApiEvent): Promise<Reply> {
  const { count } = parseWith(scaleBodySchema, readJsonBody(event), 'body');
  return retried(async () => {
    const { job, tasks } = await findJob(deps, event);
    refuseStopped(job);
    const next = scaleJob(job, tasks, count, deps.clock.now());
    if (count !== job.count) await deps.store.updateJob(next.job, revisionOf(job), { tasks: next.tasks });
    deps.metrics.addMetric('JobsScaled', MetricUnit.Count, 1);
    deps.log.info('job scaled', { jobId: job.id, name: job.name, count, previousCount: job.count, newTasks: next.tasks.length });
    return answer(ROUTES.scaleJob.key, { jobId: job.id, name: job.name, count, previousCount: job.count });
  });
}

async function rollback(deps: JobsDeps, event: ApiEvent): Promise<Reply> {
  const body = parseWith(rollbackBodySchema, readJsonBody(event), 'body');
  return retried(async () => {
    const { job, tasks } = await findJob(deps, event);
    refuseStopped(job);
    const kept = await deps.store.listVersions(job.id);
    const current = targetVersion(job);
    // Without a version: the newest kept one below the target (what ran before it).
    const to = body.version !== undefined ? kept.find((v) => v.version === body.version) : kept.find((v) => v.version < current);
    if (!to) {
      if (body.version === undefined) throw new ValidationError([{ field: 'version', rule: `job ${job.name} keeps no version before v${current} to roll back to; name one (GET /jobs/${job.name}/versions)` }], 'body');
      throw new VersionNotFoundError(job, body.version, kept);
    }
    const next = rollbackJob(job, tasks, to, deps.clock.now(), callerOf(event));
    await deps.store.updateJob(next, revisionOf(job));
    deps.metrics.addMetric('JobsRolledBack', MetricUnit.Count, 1);
    deps.log.info('job rolled back', { jobId: job.id, name: job.name, from: current, to: to.version });
    return answer(ROUTES.rollbackJob.key, { jobId: job.id, name: job.name, version: to.version, fromVersion: current, deploymentId: next.deployment!.id });
  });
}

/** 404 naming `version`: the rollback names a version the job does not keep. */
class VersionNotFoundError extends NotFoundError {
  constructor(job: Job, version: number, kept: readonly JobVersion[]) {
    super('version', `${version}`);
    this.message = `version: job ${job.name} keeps no version ${version} (kept: ${kept.map((v) => v.version).join(', ') || 'none'}); list them with GET /jobs/${job.name}/versions`;
  }
}

/** A write computed from a read that the scheduler (or another user) overtook is recomputed from a fresh read. */
async function retried(fn: () => Promise<Reply>): Promise<Reply> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof JobRevisionConflictError) || attempt >= WRITE_ATTEMPTS) throw err;
    }
  }
}

function refuseStopped(job: Job): void {
  if (job.stopRequestedAt !== undefined) throw new ConflictError('job-stopped', `job ${job.name} (${job.id}) is stopped; submit it again (PUT /jobs/${job.name}) to run it`);
}

/** The job `{id}` names, if the caller may see it (ownership.ts findVisibleJob); 404 otherwise. */
async function findJob(deps: JobsDeps, event: ApiEvent): Promise<{ job: Job; tasks: Task[] }> {
  return findVisibleJob(deps.store, event.pathParameters?.id, callerOf(event), deps.admins ?? []);
}

function versionView(v: JobVersion): VersionView {
  return { version: v.version, changedAt: v.changedAt, changedBy: v.changedBy, changes: v.changes, spec: specOfTemplate(v.template) };
}

function jobView(j: Job, loadBalancerUrl: string | undefined, tasks: readonly Task[]): JobView {
  return {
    id: j.id,
    name: j.name,
    ...(j.owner !== undefined ? { owner: j.owner } : {}),
    image: j.image,
    command: j.command,
    env: j.env,
    ...(j.secrets !== undefined ? { secrets: j.secrets } : {}),
    cpu: j.resources.cpu,
    memoryMiB: j.resources.memoryMiB,
    count: j.count,
    kind: j.kind,
    restart: j.restart,
    constraints: j.constraints,
    doNotDisrupt: j.doNotDisrupt,
    capacity: capacityChoiceOf(j),
    ...(j.ports !== undefined && j.ports.length > 0 ? { ports: j.ports } : {}),
    ...(j.expose !== undefined ? { expose: j.expose } : {}),
    ...(j.expose !== undefined && loadBalancerUrl !== undefined ? { url: exposedUrl(loadBalancerUrl, j.expose) } : {}),
    ...(j.healthCheck !== undefined ? { healthCheck: j.healthCheck } : {}),
    ...(j.stopGraceSeconds !== undefined ? { stopGraceSeconds: j.stopGraceSeconds } : {}),
    ...(j.spread !== undefined ? { spread: j.spread } : {}),
    ...(j.cpuLimit !== undefined ? { cpuLimit: j.cpuLimit } : {}),
    ...(j.capabilities !== undefined && j.capabilities.length > 0 ? { capabilities: j.capabilities } : {}),
    createdAt: j.createdAt,
    ...(j.stopRequestedAt !== undefined ? { stopRequestedAt: j.stopRequestedAt } : {}),
    version: targetVersion(j),
    latestVersion: j.latestVersion ?? targetVersion(j),
    ...(j.stableVersion !== undefined ? { stableVersion: j.stableVersion } : {}),
    update: updatePolicyOf(j),
    ...(j.deployment !== undefined ? { deployment: { ...j.deployment, copies: copiesByVersion(j, tasks) } } : {}),
  };
}

/** Live copies per version, and how many serve (for a job that is not exposed: run and are healthy by their check). */
function copiesByVersion(j: Job, tasks: readonly Task[]): Record<string, { total: number; serving: number }> {
  const out: Record<string, { total: number; serving: number }> = {};
  for (const t of tasks) {
    if (!HOLDS_RESOURCES.has(t.status) && t.status !== 'PENDING' && t.status !== 'UNSCHEDULABLE' && t.status !== 'LOST') continue;
    const key = String(versionOfTask(t));
    const entry = (out[key] ??= { total: 0, serving: 0 });
    entry.total++;
    if (t.status === 'RUNNING' && t.stopAt === undefined && healthAllowsServing(t, j)) entry.serving++;
  }
  return out;
}

function taskView(t: Task): TaskView {
  const reason = EXPLAINED.has(t.status) ? (t.reason ?? (t.status === 'PENDING' ? 'waiting for the next scheduling pass' : undefined)) : undefined;
  return {
    id: t.id,
    slot: t.slot,
    generation: t.generation,
    version: versionOfTask(t),
    status: t.status,
    nodeId: t.nodeId ?? null,
    restarts: t.restarts,
    ...(reason !== undefined ? { reason } : {}),
    ...(t.notBefore !== undefined ? { notBefore: t.notBefore } : {}),
    ...(t.startedAt !== undefined ? { startedAt: t.startedAt } : {}),
    ...(t.finishedAt !== undefined ? { finishedAt: t.finishedAt } : {}),
    ...(t.exitCode !== undefined ? { exitCode: t.exitCode } : {}),
    ...(t.oomKilled ? { oomKilled: true } : {}),
    // Only a copy that holds its node has endpoints and health worth showing: the store
    // clears them when it ends, and this keeps an old record from showing stale ones.
    ...(HOLDS_RESOURCES.has(t.status) && t.endpoints !== undefined && t.endpoints.length > 0 ? { endpoints: t.endpoints } : {}),
    ...(HOLDS_RESOURCES.has(t.status) && t.health !== undefined ? { health: t.health } : {}),
  };
}

function bySlotThenGeneration(a: Task, b: Task): number {
  return a.slot - b.slot || a.generation - b.generation;
}
