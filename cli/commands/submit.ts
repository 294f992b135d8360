import { InvalidArgumentError, Option, type Command } from 'commander';
import type { PutJobResponse } from '../../contract/deployment-spec';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { addApiOptions, clientFromOptions } from '../api/client';
import type { ApiOptions } from '../api/endpoint';
import { CliInputError } from '../api/errors';
import { followDeployment } from '../api/deployment-wait';
import { waitForJob } from '../api/job-wait';
import { addWaitOptions, printJson, type WaitFlags } from '../api/output';
import { positiveInteger } from '../option-parsers';
import { Progress } from '../progress';

interface SubmitOptions extends ApiOptions, WaitFlags {
  readonly file?: string;
  readonly name?: string;
  readonly image?: string;
  readonly cpu?: number;
  readonly memoryMib?: number;
  readonly count?: number;
  readonly kind?: 'service' | 'batch';
  readonly env: Readonly<Record<string, string>>;
  readonly restart?: 'always' | 'on-failure' | 'never';
  readonly maxRestarts?: number;
  readonly doNotDisrupt?: boolean;
  readonly create?: boolean;
  readonly idempotencyKey?: string;
  readonly json?: boolean;
}

/**
 * `stowage submit`: send a job (a file, or flags and a command) by name to PUT /jobs/{name},
 * which creates it or rolls out the change; `--create` POSTs it instead (a new job only).
 */
export function register(program: Command): void {
  const cmd = program
    .command('submit')
    .description('create or update a job by name from a JSON file (-f) or from flags; prints what changed (created, updated to vN, scaled, unchanged)')
    .argument('[command...]', 'the container command and its arguments, after `--` (e.g. -- httpd -f -p 8080)')
    .option('-f, --file <path>', 'the job as JSON (fields of contract/job-spec.ts), or - for stdin; flags below override its fields')
    .option('--name <name>', 'job name: lowercase letters, digits and "-"; a live job with this name is updated in place')
    .option('--image <ref>', 'container image, e.g. stowage/busybox:local')
    .option('--cpu <millicores>', 'CPU per replica in millicores (1000 = one core)', positiveInteger('millicores'))
    .option('--memory-mib <mib>', 'memory per replica in MiB', positiveInteger('MiB'))
    .option('--count <n>', 'number of replicas (default 1 when no -f file)', positiveInteger('replicas'))
    .addOption(new Option('--kind <kind>', 'service (kept running) or batch (runs to completion); default service').choices(['service', 'batch']))
    .addOption(new Option('--env <NAME=value>', 'an environment variable; repeat for more').argParser(collectPair('--env')).default({}, 'none'))
    .addOption(new Option('--restart <mode>', 'restart policy: default always for services, on-failure for batch').choices(['always', 'on-failure', 'never']))
    .option('--max-restarts <n>', 'give up after this many restarts', nonNegativeInteger)
    .option('--do-not-disrupt', 'never move this job to consolidate nodes')
    .option('--create', 'only create: POST /jobs, refused if a live job already has the name (default: PUT /jobs/<name>, create or update)')
    .option('--idempotency-key <key>', 'with --create: retries with the same key make one job (default: a fresh key per invocation)')
    .option('--json', "print the API's JSON answer instead of a sentence");
  addWaitOptions(cmd, 'the deployment SUCCEEDED (exit 1 if it FAILED or was rolled back); a batch job: until every replica finished');
  addApiOptions(cmd).action(async (command: string[], options: SubmitOptions, self: Command) => {
    // Without --timeout, a deployment is waited for as long as its own progress deadline.
    const explicitTimeoutMs = self.getOptionValueSource('timeout') === 'default' ? undefined : options.timeout * 1000;
    await submit(command, options, explicitTimeoutMs);
  });
}

async function submit(command: readonly string[], options: SubmitOptions, explicitTimeoutMs: number | undefined): Promise<void> {
  const job = assembleJob(command, options);
  if (options.create) return create(job, options, explicitTimeoutMs);
  if (options.idempotencyKey !== undefined) {
    throw new CliInputError('--idempotency-key', '--idempotency-key applies only with --create (POST /jobs); PUT /jobs/<name> needs none: the same spec sent again changes nothing');
  }
  const name = job.name;
  if (typeof name !== 'string' || name === '') {
    throw new CliInputError('--name', 'the job has no name: submit creates or updates a job by name (PUT /jobs/<name>); add "name" to the job file or pass --name');
  }
  const client = await clientFromOptions(options);
  const res = await client.call('putJob', { params: { id: name }, body: job });
  if (options.json) printJson(res);
  else process.stdout.write(`${res.name} (${res.jobId}): ${outcomeText(res, job)}
see it: stowage status ${res.name}
`);
  if (!options.wait) return;
  const progress = new Progress();
  if (job.kind === 'batch') {
    await waitForJob(client, res.jobId, 'finished', { timeoutMs: options.timeout * 1000, progress });
  } else if (res.outcome === 'scaled') {
    await waitForJob(client, res.jobId, 'running', { timeoutMs: options.timeout * 1000, progress });
  } else {
    await followDeployment(client, res.name, { deploymentId: res.deploymentId, version: res.version }, { timeoutMs: explicitTimeoutMs, progress });
  }
}

/** POST /jobs: a new job only; the API refuses a live job's name with 409, pointing at PUT. */
async function create(job: Record<string, unknown>, options: SubmitOptions, explicitTimeoutMs: number | undefined): Promise<void> {
  const client = await clientFromOptions(options);
  // A key per invocation makes the client's own retry of a lost answer safe.
  const key = options.idempotencyKey ?? randomUUID();
  const res = await client.call('submitJob', { body: job, headers: { 'Idempotency-Key': key } });
  const label = typeof job.name === 'string' ? job.name : res.jobId;
  if (options.json) printJson(res);
  else process.stdout.write(`${label} (${res.jobId}): created v1\nsee it: stowage status ${label}\n`);
  if (!options.wait) return;
  const progress = new Progress();
  if (job.kind === 'batch') await waitForJob(client, res.jobId, 'finished', { timeoutMs: options.timeout * 1000, progress });
  else await followDeployment(client, res.jobId, { version: 1 }, { timeoutMs: explicitTimeoutMs, progress });
}

/** What PUT did, in the words of its outcome: `updated to v2 (deployment 2)`. */
export function outcomeText(res: PutJobResponse, job: Readonly<Record<string, unknown>>): string {
  const deployment = res.deploymentId === undefined ? '' : ` (deployment ${res.deploymentId})`;
  switch (res.outcome) {
    case 'created':
      return `created v${res.version}${deployment}`;
    case 'updated':
      return `updated to v${res.version}${deployment}`;
    case 'scaled':
      return typeof job.count === 'number'
        ? `scaled to ${job.count} replica${job.count === 1 ? '' : 's'}, still v${res.version} (no new version: nothing restarts)`
        : `scaled: the update strategy changed, still v${res.version} (no new version: nothing restarts)`;
    case 'unchanged':
      return `unchanged, still v${res.version} (the same spec as the current version)`;
  }
}

/**
 * The request body: the file's object (if any) with the flags laid over it. Only the
 * shape is the CLI's business; every rule (names, limits, image references) is the
 * API's, so the CLI and a deployed API cannot disagree about what is valid.
 */
export function assembleJob(command: readonly string[], options: SubmitOptions): Record<string, unknown> {
  const job: Record<string, unknown> = options.file !== undefined ? readJobFile(options.file) : {};
  const set = (field: string, value: unknown) => {
    if (value !== undefined) job[field] = value;
  };
  set('name', options.name);
  set('image', options.image);
  set('cpu', options.cpu);
  set('memoryMiB', options.memoryMib);
  set('count', options.count);
  set('kind', options.kind);
  if (options.doNotDisrupt) job.doNotDisrupt = true;
  if (command.length > 0) job.command = [...command];
  if (Object.keys(options.env).length > 0) job.env = { ...(isRecord(job.env) ? job.env : {}), ...options.env };
  if (options.restart !== undefined || options.maxRestarts !== undefined) {
    const restart = isRecord(job.restart) ? { ...job.restart } : {};
    if (options.restart !== undefined) restart.mode = options.restart;
    if (options.maxRestarts !== undefined) restart.maxRestarts = options.maxRestarts;
    if (restart.mode === undefined) throw new CliInputError('--max-restarts', '--max-restarts needs a restart mode: add --restart always|on-failure|never (or a restart.mode in the job file)');
    job.restart = restart;
  }
  if (options.file === undefined && Object.keys(job).length === 0) {
    throw new CliInputError('submit', 'nothing to submit: give a job file with -f job.json (see examples/), or flags: --name --image --cpu --memory-mib --count -- command args...');
  }
  // One container is what a person typing flags means when they give no count; a job file says it itself.
  if (options.file === undefined && job.count === undefined) job.count = 1;
  return job;
}

function readJobFile(file: string): Record<string, unknown> {
  const label = file === '-' ? 'the job on stdin' : `the job file ${file}`;
  if (file === '-' && process.stdin.isTTY) throw new CliInputError('--file', '-f - reads the job from stdin, but stdin is a terminal; pipe the JSON in (stowage submit -f - < job.json)');
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new CliInputError('--file', `cannot read ${label} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the path given to -f`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CliInputError('--file', `${label} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!isRecord(parsed)) throw new CliInputError('--file', `${label} must hold one JSON object (a job), got ${Array.isArray(parsed) ? 'an array' : typeof parsed}`);
  return parsed;
}

function collectPair(flag: string): (value: string, previous: Readonly<Record<string, string>>) => Record<string, string> {
  return (value, previous) => {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`Expected NAME=value for ${flag}, e.g. ${flag} PORT=8080.`);
    return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
  };
}

function nonNegativeInteger(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('Expected a whole number (0 or more).');
  return n;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
