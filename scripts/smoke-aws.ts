/**
 * A smoke test a user runs after `cdk deploy`, with their own AWS credentials:
 *
 *   npx cdk deploy --outputs-file cdk-outputs.json
 *   npm run smoke:aws -- --outputs cdk-outputs.json
 *
 * It submits a small batch job, waits for it to be placed, run and completed (on AWS
 * that includes launching a first node: minutes), checks that the report answers, stops
 * the job, and prints what it saw with timings. Requests are SigV4-signed by the CLI's
 * own API client (cli/api), so this also proves the caller's IAM access to the API.
 * Against the local cloud: `--api-url http://127.0.0.1:8080` with STOWAGE_TOKEN, or no
 * URL at all (the local credential file of `npm run local`).
 */
import { Command, InvalidArgumentError } from 'commander';
import { randomUUID } from 'node:crypto';
import type { JobResponse } from '../contract/job-view';
import type { TaskView } from '../contract/task-view';
import type { TaskStatus } from '../core/model';
import { addApiOptions, clientFromOptions, type ApiClient } from '../cli/api/client';
import type { ApiOptions } from '../cli/api/endpoint';
import { assess, currentCopies } from '../cli/api/job-wait';

/** Public, multi-architecture, pullable by a node with no registry credentials. */
export const DEFAULT_SMOKE_IMAGE = 'public.ecr.aws/docker/library/busybox:stable';

export interface SmokeOptions {
  readonly image: string;
  /** How long the job may take from submission to completion (a first node's launch included). */
  readonly timeoutMs: number;
  /** Between two looks at the job. */
  readonly intervalMs: number;
  /** The job's name; default `smoke-<time>`. */
  readonly name?: string;
}

/** What the smoke test saw, each time in ms since the submission was sent. */
export interface SmokeResult {
  readonly jobId: string;
  readonly submittedMs: number;
  /** First seen in each status (the current copy of slot 0). */
  readonly firstSeen: Partial<Record<TaskStatus, number>>;
  readonly completedMs: number;
  readonly nodeId: string | null;
  readonly nodes: number;
  readonly report: { readonly samples: number; readonly peakNodes: number; readonly nodeHours: number; readonly cost: number };
  readonly stoppedMs: number;
}

/** The smoke test did not see what it expected; the message says what and where to look. */
export class SmokeTestError extends Error {
  override readonly name = 'SmokeTestError';
  constructor(
    message: string,
    readonly stage: 'submit' | 'run' | 'report' | 'stop',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type Say = (line: string) => void;

/** Runs the smoke test through `client`; the job is stopped whatever happens once it was submitted. */
export async function smoke(client: ApiClient, options: SmokeOptions, say: Say): Promise<SmokeResult> {
  const start = Date.now();
  const since = () => Date.now() - start;
  const name = options.name ?? `smoke-${new Date(start).toISOString().replace(/[^0-9]/g, '').slice(0, 14)}`;
  say(`API: ${client.endpoint.baseUrl} (${client.endpoint.auth.kind === 'sigv4' ? `SigV4, ${client.endpoint.auth.region}` : client.endpoint.auth.kind})`);

  const submitted = await client
    .call('submitJob', {
      body: { name, image: options.image, command: ['sh', '-c', 'echo stowage smoke test; sleep 2'], cpu: 250, memoryMiB: 64, count: 1, kind: 'batch', restart: { mode: 'never' } },
      headers: { 'idempotency-key': randomUUID() },
    })
    .catch((err: unknown) => {
      throw new SmokeTestError(`submitting the smoke job failed: ${(err as Error).message}`, 'submit', { cause: err });
    });
  const jobId = submitted.jobId;
  const submittedMs = since();
  say(`submitted ${name} as ${jobId} in ${submittedMs} ms`);

  let stage: SmokeTestError['stage'] = 'run';
  try {
    const firstSeen: Partial<Record<TaskStatus, number>> = {};
    // A finished copy no longer names its node; the node it ran on is the last one seen.
    let nodeId: string | null = null;
    await watch(client, jobId, options, (task) => {
      nodeId = task.nodeId ?? nodeId;
      if (firstSeen[task.status] !== undefined) return;
      firstSeen[task.status] = since();
      say(`  ${task.status.toLowerCase().padEnd(10)} after ${seconds(firstSeen[task.status]!)}${task.nodeId ? ` on ${task.nodeId}` : ''}`);
    });
    const completedMs = since();
    say(`completed after ${seconds(completedMs)}${nodeId ? ` on ${nodeId}` : ''}`);

    stage = 'report';
    const { nodes } = await client.call('listNodes');
    const report = await client.call('getReport', { query: { from: String(start - 3_600_000), to: String(Date.now()) } });
    if (report.kind !== 'stowage-report' || report.to < report.from) throw new SmokeTestError(`the report answered, but not with a report for the last hour (kind ${report.kind}, from ${report.from}, to ${report.to})`, 'report');
    if (report.samples === 0) throw new SmokeTestError('the report holds no samples for the last hour, though the scheduler ran: is the scheduler writing to the Samples table?', 'report');
    say(`report: ${report.samples} samples, peak ${report.peakNodes} node(s), ${report.nodeHours.toFixed(3)} node-hours, $${report.cost.toFixed(4)}; ${nodes.length} node(s) now`);

    stage = 'stop';
    const stoppedMs = await stop(client, jobId, since, say);
    return { jobId, submittedMs, firstSeen, completedMs, nodeId, nodes: nodes.length, report: { samples: report.samples, peakNodes: report.peakNodes, nodeHours: report.nodeHours, cost: report.cost }, stoppedMs };
  } catch (err) {
    if (stage !== 'stop') await stop(client, jobId, since, say).catch((e: unknown) => say(`could not stop ${jobId}: ${(e as Error).message}; stop it with \`stowage stop ${jobId}\``));
    if (err instanceof SmokeTestError) throw err;
    throw new SmokeTestError(`${stage} failed for ${jobId}: ${(err as Error).message}`, stage, { cause: err });
  }
}

/** Polls the job until its copy completes; throws when it cannot (failed, unschedulable) or time runs out. */
async function watch(client: ApiClient, jobId: string, options: SmokeOptions, seen: (task: TaskView) => void): Promise<JobResponse> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const res = await client.call('getJob', { params: { id: jobId } });
    for (const t of currentCopies(res.tasks)) seen(t);
    const a = assess(res, 'finished');
    if (a.failures.length > 0) throw new SmokeTestError(`the smoke job will not complete:\n  ${a.failures.join('\n  ')}`, 'run');
    if (a.done) return res;
    if (Date.now() + options.intervalMs > deadline) {
      throw new SmokeTestError(
        `the smoke job did not complete within ${Math.round(options.timeoutMs / 1000)} s (${a.progress}); waiting on:\n  ${a.waitingOn.join('\n  ')}\n` +
          'a first node takes minutes to launch and boot: look at the scheduler log group and `stowage nodes`, or pass a longer --timeout',
        'run',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}

async function stop(client: ApiClient, jobId: string, since: () => number, say: Say): Promise<number> {
  await client.call('stopJob', { params: { id: jobId } });
  const res = await client.call('getJob', { params: { id: jobId } });
  if (res.job.stopRequestedAt === undefined) throw new SmokeTestError(`stopping ${jobId} was accepted but the job shows no stop request`, 'stop');
  const ms = since();
  say(`stopped ${jobId} after ${seconds(ms)}`);
  return ms;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

/** The command line: the CLI's API options (--api-url, --outputs, --region) and the smoke test's own. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, say: Say = (line) => process.stdout.write(`${line}\n`)): Promise<SmokeResult> {
  const program = addApiOptions(new Command('smoke-aws'))
    .description('submit a small batch job to a deployed Stowage, wait for it, check the report, stop it')
    .option('--image <ref>', 'the image the smoke job runs', DEFAULT_SMOKE_IMAGE)
    .option('--timeout <seconds>', 'how long the job may take, a first node launch included', positiveSeconds, 900)
    .option('--interval <seconds>', 'between two looks at the job', positiveSeconds, 2)
    .option('--name <name>', 'the smoke job name (default smoke-<time>)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => say(s.trimEnd()), writeErr: (s) => say(s.trimEnd()) });
  program.parse([...argv], { from: 'user' });
  const o = program.opts<ApiOptions & { image: string; timeout: number; interval: number; name?: string }>();
  const client = await clientFromOptions(o, env);
  const result = await smoke(client, { image: o.image, timeoutMs: o.timeout * 1000, intervalMs: o.interval * 1000, ...(o.name ? { name: o.name } : {}) }, say);
  say('smoke test passed');
  return result;
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`smoke test failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
