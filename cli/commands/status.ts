import type { Command } from 'commander';
import type { JobResponse } from '../../contract/job-view';
import type { TaskView } from '../../contract/task-view';
import type { TaskStatus } from '../../core/model';
import { addApiOptions, clientFromOptions } from '../api/client';
import type { ApiOptions } from '../api/endpoint';
import { copiesText, deploymentHead } from '../api/deployment-text';
import { CliInputError } from '../api/errors';
import { jobRef } from '../api/job-ref';
import { goalOf, waitForJob } from '../api/job-wait';
import { addWaitOptions, age, printJson, type WaitFlags } from '../api/output';
import { formatTable, type Align } from '../format-table';
import { Progress } from '../progress';

interface StatusOptions extends ApiOptions, WaitFlags {
  readonly json?: boolean;
}

/** The order statuses are listed in: a task's life from submitted to ended. */
const STATUS_ORDER: readonly TaskStatus[] = ['PENDING', 'UNSCHEDULABLE', 'ASSIGNED', 'STARTING', 'RUNNING', 'COMPLETED', 'FAILED', 'LOST', 'STOPPED'];

/** `stowage status [job]`: every job with its task counts, or one job (by name or id), its deployment and its tasks. */
export function register(program: Command): void {
  const cmd = program
    .command('status')
    .description('list jobs with their task counts, or show one job: its version, deployment and tasks')
    .argument('[job]', "a job's name (or its id) to show in detail")
    .option('--json', "print the API's JSON answer instead of a table");
  addWaitOptions(cmd, 'the job is running (service) or finished (batch); needs a job');
  addApiOptions(cmd).action(async (job: string | undefined, options: StatusOptions) => {
    if (job === undefined) {
      if (options.wait) throw new CliInputError('--wait', '--wait needs a job: stowage status <name> --wait');
      await listJobs(options);
    } else {
      await showJob(jobRef(job), options);
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

async function showJob(job: string, options: StatusOptions): Promise<void> {
  const client = await clientFromOptions(options);
  let res = await client.call('getJob', { params: { id: job } });
  if (options.wait) res = await waitForJob(client, res.job.id, goalOf(res.job.kind), { timeoutMs: options.timeout * 1000, progress: new Progress() });
  if (options.json) return printJson(res);
  process.stdout.write(formatJob(res));
}

/**
 * The job's one-line summary, its version and deployment, its service settings when it
 * has any, then its tasks: every generation, so restarts and moves show, each with the
 * version it runs. The endpoints and health columns appear only for a job that publishes
 * ports or is health-checked, so batch work reads as before.
 */
export function formatJob(res: JobResponse): string {
  const j = res.job;
  const counts: Partial<Record<TaskStatus, number>> = {};
  for (const t of res.tasks) counts[t.status] = (counts[t.status] ?? 0) + 1;
  const head =
    `${j.id}  ${j.name}  ${j.kind}, ${j.count} replica${j.count === 1 ? '' : 's'} of ${j.cpu}m CPU / ${j.memoryMiB} MiB` +
    `${j.stopRequestedAt !== undefined ? ', stop requested' : ''}\n` +
    `image ${j.image}, command ${JSON.stringify(j.command)}\n` +
    versionText(j) +
    serviceText(j) +
    `tasks: ${countsText(counts) || 'none'}\n\n`;
  const service = (j.ports?.length ?? 0) > 0 || j.healthCheck !== undefined || res.tasks.some((t) => t.endpoints !== undefined || t.health !== undefined);
  const rows = res.tasks.map((t) => [
    String(t.slot),
    String(t.generation),
    `v${t.version}`,
    t.status,
    t.nodeId ?? '-',
    String(t.restarts),
    ...(service ? [endpointsText(t.endpoints), t.health ?? '-'] : []),
    t.reason ?? (t.exitCode !== undefined ? `exited ${t.exitCode}` : ''),
  ]);
  const columns = ['slot', 'gen', 'version', 'status', 'node', 'restarts', ...(service ? ['endpoints', 'health'] : []), 'reason'];
  const align: Align[] = ['right', 'right', 'left', 'left', 'left', 'right', ...(service ? (['left', 'left'] as const) : []), 'left'];
  return head + formatTable(columns, rows, align);
}

/**
 * `version v3 (latest v4), stable v2`, then the latest deployment: its status, the move,
 * why it ended so (or what it rolls back), and its copies per version while it runs.
 */
function versionText(j: JobResponse['job']): string {
  const latest = j.latestVersion !== j.version ? ` (latest v${j.latestVersion})` : '';
  const stable = j.stableVersion !== undefined ? `, stable v${j.stableVersion}` : ', no stable version yet';
  const lines = [`version v${j.version}${latest}${stable}`];
  const d = j.deployment;
  if (d) {
    const when = d.finishedAt !== undefined ? `, ended ${age(Date.now() - d.finishedAt)} ago` : `, started ${age(Date.now() - d.startedAt)} ago`;
    lines.push(`${deploymentHead(d)}${when}: ${copiesText(d, j.count)}`);
    if (d.rollbackOf) lines.push(`  rolls back v${d.rollbackOf.version}, which failed: ${d.rollbackOf.reason}`);
    if (d.reason !== undefined) lines.push(`  reason: ${d.reason}`);
  }
  return lines.map((l) => `${l}\n`).join('');
}

/** `http 8080 -> host 32768`, one per published port; `-` for a copy with none reported. */
function endpointsText(endpoints: TaskView['endpoints']): string {
  if (endpoints === undefined || endpoints.length === 0) return '-';
  return endpoints.map((e) => `${e.port} ${e.containerPort}->${e.hostPort}`).join(', ');
}

/** Ports, the expose rule, the health check and the CPU cap, a line each, when the job has them. */
function serviceText(j: JobResponse['job']): string {
  const lines: string[] = [];
  if (j.ports && j.ports.length > 0) lines.push(`ports ${j.ports.map((p) => `${p.name} ${p.containerPort}/${p.protocol}`).join(', ')}`);
  if (j.expose) {
    const rule = [j.expose.host, j.expose.path].filter((x) => x !== undefined).join('');
    lines.push(`exposed: port ${j.expose.port} at ${rule}${j.url !== undefined ? `, url ${j.url}` : ' (this deployment has no load balancer)'}`);
  }
  const h = j.healthCheck;
  if (h) {
    const probe = 'http' in h ? `http ${h.http.port} ${h.http.path}` : 'tcp' in h ? `tcp ${h.tcp.port}` : `command ${JSON.stringify(h.command)}`;
    lines.push(`health check ${probe} every ${h.intervalSeconds}s, timeout ${h.timeoutSeconds}s, ${h.retries} retries, start period ${h.startPeriodSeconds}s`);
  }
  if (j.cpuLimit !== undefined) lines.push(`CPU capped at ${j.cpuLimit}m`);
  return lines.map((l) => `${l}\n`).join('');
}

function countsText(counts: Partial<Record<TaskStatus, number>>): string {
  return STATUS_ORDER.filter((s) => (counts[s] ?? 0) > 0)
    .map((s) => `${counts[s]} ${s.toLowerCase()}`)
    .join(', ');
}
