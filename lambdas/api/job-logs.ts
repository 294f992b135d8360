import { DEFAULT_LOG_LIMIT, DEFAULT_LOG_WINDOW_MS, jobLogsQuerySchema, type LogLineView } from '../../contract/job-logs';
import { ROUTES } from '../../contract/routes';
import { LogReaderError, type LogReader } from '../../control/log-reader';
import type { Job, Task } from '../../core/model';
import type { Clock } from '../../control/clock';
import { ServiceUnavailableError, ValidationError } from './errors';
import { parseWith } from './request';
import { answer, type ApiEvent, type Reply } from './respond';

/** What the logs route needs beyond the jobs API's store: where logs are read from. */
export interface JobLogsDeps {
  /** Absent: this deployment reads no logs, and the route says so (503). */
  readonly logReader?: LogReader;
}

/**
 * GET /jobs/{id}/logs for a job the jobs API found (so whatever decides who may see a
 * job decides who may read its logs). `task` names a replica (slot): its copies of
 * every generation are read, so the output of a copy that was restarted or moved
 * shows beside its replacement's.
 */
export async function jobLogs(deps: JobLogsDeps & { readonly clock: Clock }, event: ApiEvent, found: { job: Job; tasks: readonly Task[] }): Promise<Reply> {
  const q = parseWith(jobLogsQuerySchema, event.queryStringParameters ?? {}, 'query', 'query');
  const { job, tasks } = found;
  if (!deps.logReader) throw new ServiceUnavailableError('this deployment has no log reader configured; containers\' output is in CloudWatch Logs under the stack\'s prefix');
  const slotOf = new Map(tasks.map((t) => [t.id, t.slot]));
  let taskIds: string[] | undefined;
  if (q.task !== undefined) {
    taskIds = tasks.filter((t) => t.slot === q.task).map((t) => t.id);
    if (taskIds.length === 0) {
      const slots = [...new Set(tasks.map((t) => t.slot))].sort((a, b) => a - b);
      throw new ValidationError([{ field: 'query.task', rule: `job ${job.name} has no replica ${q.task} (replicas: ${slots.join(', ') || 'none'})` }], 'query');
    }
  }
  const since = q.since ?? Math.max(job.createdAt, deps.clock.now() - DEFAULT_LOG_WINDOW_MS);
  const limit = q.limit ?? DEFAULT_LOG_LIMIT;
  let page;
  try {
    page = await deps.logReader.read({ jobId: job.id, ...(taskIds ? { taskIds } : {}), since, limit });
  } catch (err) {
    if (err instanceof LogReaderError) {
      throw new ServiceUnavailableError(err.retriable ? `the logs of job ${job.name} cannot be read right now (${err.message}); retry shortly` : `the logs of job ${job.name} cannot be read: ${err.message}`, { cause: err });
    }
    throw err;
  }
  // A stream named for a task the job no longer lists (a copy of a job resubmitted under
  // the same id cannot happen: ids are unique) still answers, with the slot from its id.
  const lines: LogLineView[] = page.lines.map((l) => ({ task: l.taskId, slot: slotOf.get(l.taskId) ?? slotOfTaskId(l.taskId), at: l.at, text: l.text }));
  return answer(ROUTES.jobLogs.key, { jobId: job.id, name: job.name, lines, truncated: page.truncated });
}

/** Task ids are `<job id>.<slot>` or `<job id>.<slot>.g<generation>`. */
function slotOfTaskId(taskId: string): number {
  const slot = Number(taskId.split('.')[1]);
  return Number.isSafeInteger(slot) && slot >= 0 ? slot : 0;
}
