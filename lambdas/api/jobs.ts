import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Job, Task, TaskStatus } from '../../core/model';
import type { ApiDeps } from './deps';
import { NotFoundError } from './errors';
import { pathParam } from './request';
import { route, type ApiHandler, type ApiEvent, type Reply } from './respond';

/** Ids the submit handler makes: `job-` and 20 lowercase hex characters. */
export const JOB_ID = /^job-[0-9a-f]{20}$/;

/** Statuses whose reason a user needs to see: why it is not running. */
const EXPLAINED: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['PENDING', 'UNSCHEDULABLE', 'FAILED', 'LOST', 'STOPPED']);

export type JobsDeps = ApiDeps;

/** GET /jobs, GET /jobs/{id}, DELETE /jobs/{id}: one function, routed on API Gateway's route key. */
export function createHandler(deps: JobsDeps): ApiHandler {
  return route(deps, async (event) => {
    const method = event.requestContext.http.method.toUpperCase();
    const hasId = event.pathParameters?.id !== undefined;
    if (method === 'GET' && !hasId) return listJobs(deps);
    if (method === 'GET') return getJob(deps, event);
    if (method === 'DELETE' && hasId) return stopJob(deps, event);
    throw new NotFoundError('route', `${method} ${event.rawPath}`);
  });
}

async function listJobs(deps: JobsDeps): Promise<Reply> {
  // One snapshot rather than a query per job: the list needs every job's task statuses.
  const snap = await deps.store.snapshot();
  const byJob = new Map<string, Partial<Record<TaskStatus, number>>>();
  for (const t of snap.tasks) {
    const counts = byJob.get(t.jobId) ?? {};
    counts[t.status] = (counts[t.status] ?? 0) + 1;
    byJob.set(t.jobId, counts);
  }
  const jobs = [...snap.jobs]
    .sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id))
    .map((j) => ({
      id: j.id,
      name: j.name,
      kind: j.kind,
      count: j.count,
      createdAt: j.createdAt,
      ...(j.stopRequestedAt !== undefined ? { stopRequestedAt: j.stopRequestedAt } : {}),
      tasks: byJob.get(j.id) ?? {},
    }));
  return { status: 200, body: { jobs } };
}

async function getJob(deps: JobsDeps, event: ApiEvent): Promise<Reply> {
  const id = pathParam(event, 'id', JOB_ID, 'a job id: "job-" and 20 lowercase hex characters');
  const found = await deps.store.getJob(id);
  if (!found) throw new NotFoundError('job', id);
  return { status: 200, body: { job: jobView(found.job), tasks: [...found.tasks].sort(bySlotThenGeneration).map(taskView) } };
}

async function stopJob(deps: JobsDeps, event: ApiEvent): Promise<Reply> {
  const id = pathParam(event, 'id', JOB_ID, 'a job id: "job-" and 20 lowercase hex characters');
  const stopped = await deps.store.requestStop(id, deps.clock.now());
  if (!stopped) throw new NotFoundError('job', id);
  deps.metrics.addMetric('JobsStopped', MetricUnit.Count, 1);
  deps.log.info('job stop requested', { jobId: id });
  // 202: the next scheduling pass stops the copies; GET /jobs/{id} shows them go.
  return { status: 202, body: { jobId: id, stopRequested: true } };
}

function jobView(j: Job) {
  return {
    id: j.id,
    name: j.name,
    image: j.image,
    command: j.command,
    env: j.env,
    cpu: j.resources.cpu,
    memoryMiB: j.resources.memoryMiB,
    count: j.count,
    kind: j.kind,
    restart: j.restart,
    constraints: j.constraints,
    doNotDisrupt: j.doNotDisrupt,
    createdAt: j.createdAt,
    ...(j.stopRequestedAt !== undefined ? { stopRequestedAt: j.stopRequestedAt } : {}),
  };
}

function taskView(t: Task) {
  const reason = EXPLAINED.has(t.status) ? (t.reason ?? (t.status === 'PENDING' ? 'waiting for the next scheduling pass' : undefined)) : undefined;
  return {
    id: t.id,
    slot: t.slot,
    generation: t.generation,
    status: t.status,
    nodeId: t.nodeId ?? null,
    restarts: t.restarts,
    ...(reason !== undefined ? { reason } : {}),
    ...(t.notBefore !== undefined ? { notBefore: t.notBefore } : {}),
    ...(t.startedAt !== undefined ? { startedAt: t.startedAt } : {}),
    ...(t.finishedAt !== undefined ? { finishedAt: t.finishedAt } : {}),
    ...(t.exitCode !== undefined ? { exitCode: t.exitCode } : {}),
    ...(t.oomKilled ? { oomKilled: true } : {}),
  };
}

function bySlotThenGeneration(a: Task, b: Task): number {
  return a.slot - b.slot || a.generation - b.generation;
}
