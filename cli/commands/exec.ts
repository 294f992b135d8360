import { SSMClient } from '@aws-sdk/client-ssm';
import { InvalidArgumentError, type Command } from 'commander';
import Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import { execInTask } from '../../local/task-exec';
import { ApiClient, addApiOptions } from '../api/client';
import { resolveEndpoint, type ApiOptions, type Endpoint } from '../api/endpoint';
import { ApiConfigError, CliInputError } from '../api/errors';
import { jobRef } from '../api/job-ref';
import { checkArgv, containerNameOf, ExecExitError, pickTask, startSessionInput } from './exec-request';
import { execThroughSession, pluginRunner } from './exec-session';

interface ExecOptions extends ApiOptions {
  readonly task?: number;
  readonly document?: string;
}

/** The CfnOutput of infra/stowage-stack.ts that names the exec document. */
export const EXEC_DOCUMENT_OUTPUT = 'ExecDocumentName';

const slot = (value: string) => {
  if (!/^\d{1,6}$/.test(value)) throw new InvalidArgumentError('--task must be a replica slot number (0, 1, 2, ...) as stowage status shows it');
  return Number(value);
};

/**
 * `stowage exec <job> [--task N] -- argv…`: runs argv in one running copy of a job the
 * caller may see (the API picks the copy, so ownership holds: another principal's job
 * is not found). Locally through Docker's exec on the copy's labelled container; in AWS
 * through a Session Manager session with the stack's exec document. Argv only: never a
 * shell string.
 */
export function register(program: Command): void {
  const cmd = program
    .command('exec')
    .description("run a command in a running copy of a job: locally through Docker, in AWS through an SSM session with the stack's exec document (audited by CloudTrail)")
    .argument('<job>', "the job's name (or its id)")
    .argument('[argv...]', 'the command and its arguments, after `--` (e.g. -- ls -l /); never passed through a shell')
    .option('--task <n>', 'the replica slot to enter (default: the lowest slot with a running copy)', slot)
    .option('--document <name>', `the stack's exec document (default: $STOWAGE_EXEC_DOCUMENT, else the ${EXEC_DOCUMENT_OUTPUT} output of --outputs)`);
  addApiOptions(cmd).action(async (job: string, argv: string[], options: ExecOptions) => {
    const code = await runExec(job, argv, options);
    if (code !== 0) throw new ExecExitError(code);
  });
}

/** Where a local exec's bytes go; the process's own by default (tests pass their own). */
export interface ExecIo {
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream;
}

export async function runExec(job: string, argv: readonly string[], options: ExecOptions, env: NodeJS.ProcessEnv = process.env, io: ExecIo = process): Promise<number> {
  checkArgv(argv);
  const endpoint = resolveEndpoint(options, env);
  const client = new ApiClient({ endpoint });
  const view = await client.call('getJob', { params: { id: jobRef(job) } });
  const task = pickTask(job, view.tasks, options.task);
  if (endpoint.local) {
    // As `docker exec -i` (and -t on a terminal): input passes through, keystrokes raw.
    const tty = io.stdin.isTTY === true && io.stdout.isTTY === true;
    if (tty) io.stdin.setRawMode?.(true);
    try {
      return await execInTask(new Docker(), task.id, task.generation, argv, { stdin: io.stdin, stdout: io.stdout, stderr: io.stderr, tty });
    } finally {
      if (tty) io.stdin.setRawMode?.(false);
    }
  }
  const region = regionFor(endpoint, options, env);
  const input = startSessionInput(task.nodeId, execDocument(options, env), containerNameOf(task.id, task.generation), argv);
  return execThroughSession(new SSMClient({ region }), region, input, pluginRunner(env));
}

function regionFor(endpoint: Endpoint, options: ExecOptions, env: NodeJS.ProcessEnv): string {
  if (endpoint.auth.kind === 'sigv4') return endpoint.auth.region;
  const region = options.region ?? env.AWS_REGION;
  if (!region) throw new ApiConfigError('--region', 'stowage exec in AWS needs the region of the nodes; pass --region or set AWS_REGION');
  return region;
}

function execDocument(options: ExecOptions, env: NodeJS.ProcessEnv): string {
  if (options.document) return options.document;
  if (env.STOWAGE_EXEC_DOCUMENT && env.STOWAGE_EXEC_DOCUMENT.trim() !== '') return env.STOWAGE_EXEC_DOCUMENT.trim();
  if (options.outputs) {
    try {
      const stacks = JSON.parse(readFileSync(options.outputs, 'utf8')) as Record<string, Record<string, unknown>>;
      const names = Object.values(stacks).flatMap((o) => (typeof o?.[EXEC_DOCUMENT_OUTPUT] === 'string' ? [o[EXEC_DOCUMENT_OUTPUT] as string] : []));
      if (names.length === 1) return names[0];
    } catch (err) {
      throw new ApiConfigError('--outputs', `cannot read ${EXEC_DOCUMENT_OUTPUT} from ${options.outputs}: ${(err as Error).message}`, { cause: err });
    }
  }
  throw new CliInputError('--document', `stowage exec in AWS needs the stack's exec document: pass --document, set STOWAGE_EXEC_DOCUMENT, or pass --outputs with the stack's ${EXEC_DOCUMENT_OUTPUT} output`);
}
