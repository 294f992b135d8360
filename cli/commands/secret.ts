import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Command } from 'commander';
import { localDir } from '../../local/credentials';
import { localSecretArn, putLocalSecret, secretNameProblem } from '../../local/secrets-file';
import { CliInputError } from '../api/errors';

interface PutOptions {
  readonly stack?: string;
  readonly region?: string;
}

const STACK = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

/** Most bytes read from stdin: SSM's advanced-tier limit (8 KB) is the largest value either store takes. */
const MAX_VALUE_BYTES = 8192;

/**
 * `stowage secret put NAME`: the value from stdin, never from argv (argv is visible to
 * every user of the machine in `ps` and kept in shell history). Locally, into the local
 * cloud's secrets file; with `--stack`, into SSM Parameter Store as a SecureString under
 * the stack's prefix, where its nodes may read it. Prints the ARN a job names.
 */
export function register(program: Command): void {
  const secret = program.command('secret').description('keep values jobs read as env through `secrets` (the value never goes in a job)');
  secret
    .command('put')
    .description('store a secret read from stdin, e.g. `printf %s "$PW" | stowage secret put DB_PASSWORD`; prints the ARN a job names in `secrets`')
    .argument('<name>', 'the secret\'s name under the stack\'s prefix (DB_PASSWORD, or db/password)')
    .option('--stack <name>', 'a deployed stack: write SSM parameter /stowage/<stack>/<name> (SecureString) instead of the local secrets file')
    .option('--region <region>', 'with --stack: the stack\'s region (default: the AWS SDK\'s)')
    .action(async (name: string, options: PutOptions) => {
      const problem = secretNameProblem(name);
      if (problem !== undefined) throw new CliInputError('<name>', problem);
      const value = await readStdin();
      if (value === '') throw new CliInputError('stdin', 'the secret value is read from stdin, which was empty; pipe it in: printf %s "$VALUE" | stowage secret put NAME');
      if (options.stack === undefined) {
        const file = putLocalSecret(localDir(), name, value);
        process.stdout.write(`secret ${name} written to ${file} (mode 600)\nname it in a job: "secrets": { "${envNameOf(name)}": "${localSecretArn(name)}" }\n`);
        return;
      }
      const ssm = new SSMClient(options.region ? { region: options.region } : {});
      const parameter = await putDeployedSecret(ssm, options.stack, name, value);
      const region = await ssm.config.region();
      process.stdout.write(`parameter ${parameter} written (SecureString)\nname it in a job: "secrets": { "${envNameOf(name)}": "arn:aws:ssm:${region}:<account>:parameter${parameter}" }\n`);
    });
}

/**
 * Writes the value as SSM parameter `/stowage/<stack>/<name>`, a SecureString (encrypted
 * with the account's aws/ssm key, which the node role may use through SSM), replacing
 * an older value; returns the parameter's name.
 */
export async function putDeployedSecret(ssm: Pick<SSMClient, 'send'>, stack: string, name: string, value: string): Promise<string> {
  if (!STACK.test(stack)) throw new CliInputError('--stack', `--stack must be a CloudFormation stack name, got ${JSON.stringify(stack)}`);
  const problem = secretNameProblem(name);
  if (problem !== undefined) throw new CliInputError('<name>', problem);
  const parameter = `/stowage/${stack}/${name}`;
  await ssm.send(new PutParameterCommand({ Name: parameter, Value: value, Type: 'SecureString', Overwrite: true }));
  return parameter;
}

/** The env name a person would likely give it: the last part, in env-name characters. */
function envNameOf(name: string): string {
  return (name.split('/').pop() ?? name).replace(/[^A-Za-z0-9_]/g, '_');
}

/** All of stdin (at most MAX_VALUE_BYTES), with one trailing newline dropped: `echo` adds one the value does not have. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > MAX_VALUE_BYTES) throw new CliInputError('stdin', `a secret value may be at most ${MAX_VALUE_BYTES} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
