import { StartSessionCommand, TerminateSessionCommand, type SSMClient, type StartSessionCommandInput } from '@aws-sdk/client-ssm';
import { spawn } from 'node:child_process';
import { CliInputError } from '../api/errors';

/**
 * `stowage exec` in AWS: a Session Manager session through the stack's exec document
 * (infra/node-documents.ts), so the command is CloudTrail-audited (StartSession names the
 * caller, the document, the instance and the parameters) and needs ssm:StartSession on
 * that document, which the operators grant to whom they choose.
 *
 * StartSession only opens the session; the bytes flow over a WebSocket that AWS's
 * session-manager-plugin speaks (as `aws ssm start-session` does, the CLI hands it the
 * StartSession answer). Without the plugin the session is terminated at once, not left
 * open, and the error says how to install it.
 */

export const SESSION_PLUGIN = 'session-manager-plugin';

export interface SessionRunner {
  /** Runs the plugin with these arguments, stdio inherited; answers its exit code, or 'missing' when it is not installed. */
  (args: readonly string[]): Promise<number | 'missing'>;
}

/** The plugin found on `env`'s PATH (the process's own by default). */
export const pluginRunner = (env: NodeJS.ProcessEnv = process.env): SessionRunner => (args) =>
  new Promise((resolve, reject) => {
    const child = spawn(SESSION_PLUGIN, [...args], { stdio: 'inherit', env });
    child.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? resolve('missing') : reject(err)));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });

/** Starts the session and hands it to the plugin; answers the plugin's exit code. */
export async function execThroughSession(ssm: SSMClient, region: string, input: StartSessionCommandInput, run: SessionRunner = pluginRunner()): Promise<number> {
  const started = await ssm.send(new StartSessionCommand(input));
  const { $metadata: _meta, ...session } = started;
  void _meta;
  // The plugin's own argument order: the StartSession answer, the region, the operation,
  // a profile (none: the plugin uses only the answer's token), the request's target, the endpoint.
  const code = await run([JSON.stringify(session), region, 'StartSession', '', JSON.stringify({ Target: input.Target }), `https://ssm.${region}.amazonaws.com`]);
  if (code !== 'missing') return code;
  if (session.SessionId) await ssm.send(new TerminateSessionCommand({ SessionId: session.SessionId }));
  throw new CliInputError(
    SESSION_PLUGIN,
    `stowage exec in AWS needs AWS's ${SESSION_PLUGIN} on PATH (https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html); session ${session.SessionId ?? '?'} was terminated unused`,
  );
}
