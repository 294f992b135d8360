import type { Command } from 'commander';
import type { JobResponse } from '../../contract/job-view';
import type { TaskStatus } from '../../core/model';
import { addApiOptions, clientFromOptions } from '../api/client';
import type { ApiOptions } from '../api/endpoint';
import { CliInputError } from '../api/errors';
import { goalOf, waitForJob } from '../api/job-wait';
import { addWaitOptions, printJson, type WaitFlags } from '../api/output';
import { formatTable } from '../format-table';
import { Progress } from '../progress';

interface StatusOptions extends ApiOptions, WaitFlags {
  readonly json?: boolean;
}

/** The order statuses are listed in: a task's life from submitted to ended. */
const STATUS_ORDER: readonly TaskStatus[] = ['PENDING', 'UNSCHEDULABLE', 'ASSIGNED', 'STARTING', 'RUNNING', 'COMPLETED', 'FAILED', 'LOST', 'STOPPED'];

/** `stowage status [jobId]`: every job with its task counts, or one job and its tasks. */
export function register(program: Command): void {
  const cmd = program
    .command('status')
    .description('list jobs with their task counts, or show one job and its tasks')
    .argument('[jobId]', 'a job id (job-...) to show in detail')
    .option('--json', "print the API's JSON answer instead of a table");
  addWaitOptions(cmd, 'the job is running (service) or finished (batch); needs a job id');
  addApiOptions(cmd).action(async (jobId: string | undefined, options: StatusOptions) => {
    if (jobId === undefined) {
      if (options.wait) throw new CliInputError('--wait', '--wait needs a job id: stowage status <jobId> --wait');
      await listJobs(options);
    } else {
      await showJob(jobId, options);
    }
  });
}

async function listJobs(options: StatusOptions): Promise<void> {
  const client = await clientFromOptions(options);
  const res = await client.call('listJobs');
  if (options.json) return printJson(res);
  if (res.jobs.length === 0) {
    process.stdout.write('no jobs; submit one with `stowage submit -f examples/web-service.json`\n');
    return;
  }
  const rows = res.jobs.map((j) => [j.id, j.name, j.kind, String(j.count), countsText(j.tasks), j.stopRequestedAt !== undefined ? 'stopping' : '']);
  process.stdout.write(formatTable(['id', 'name', 'kind', 'replicas', 'tasks', ''], rows, ['left', 'left', 'left', 'right', 'left', 'left']));
}

async function showJob(jobId: string, options: StatusOptions): Promise<void> {
  const client = await clientFromOptions(options);
  let res = await client.call('getJob', { params: { id: jobId } });
  if (options.wait) res = await waitForJob(client, jobId, goalOf(res.job.kind), { timeoutMs: options.timeout * 1000, progress: new Progress() });
  if (options.json) return printJson(res);
  process.stdout.write(formatJob(res));
}

/** The job's one-line summary, then its tasks: every generation, so restarts and moves show. */
export function formatJob(res: JobResponse): string {
  const j = res.job;
  const counts: Partial<Record<TaskStatus, number>> = {};
  for (const t of res.tasks) counts[t.status] = (counts[t.status] ?? 0) + 1;
  const head =
    `${j.id}  ${j.name}  ${j.kind}, ${j.count} replica${j.count === 1 ? '' : 's'} of ${j.cpu}m CPU / ${j.memoryMiB} MiB` +
    `${j.stopRequestedAt !== undefined ? ', stop requested' : ''}\n` +
    `image ${j.image}, command ${JSON.stringify(j.command)}\n` +
    `tasks: ${countsText(counts) || 'none'}\n\n`;
  const rows = res.tasks.map((t) => [String(t.slot), String(t.generation), t.status, t.nodeId ?? '-', String(t.restarts), t.reason ?? (t.exitCode !== undefined ? `exited ${t.exitCode}` : '')]);
  return head + formatTable(['slot', 'gen', 'status', 'node', 'restarts', 'reason'], rows, ['right', 'right', 'left', 'left', 'right', 'left']);
}

function countsText(counts: Partial<Record<TaskStatus, number>>): string {
  return STATUS_ORDER.filter((s) => (counts[s] ?? 0) > 0)
    .map((s) => `${counts[s]} ${s.toLowerCase()}`)
    .join(', ');
}
