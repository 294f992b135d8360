import { Command, CommanderError } from 'commander';
import { CatalogFormatError, TraceFormatError } from '../sim/errors';
import { register as registerBench } from './commands/bench';
import { register as registerPack } from './commands/pack';
import { register as registerSim } from './commands/sim';
import { register as registerSubmit } from './commands/submit';
import { register as registerStatus } from './commands/status';
import { register as registerHistory } from './commands/history';
import { register as registerScale } from './commands/scale';
import { register as registerRollback } from './commands/rollback';
import { register as registerNodes } from './commands/nodes';
import { register as registerStop } from './commands/stop';
import { register as registerExec } from './commands/exec';
import { ExecExitError } from './commands/exec-request';
import { TaskContainerNotFoundError } from '../local/task-exec';
import { register as registerLocal } from './commands/local';
import { register as registerReport } from './commands/report';
import { register as registerLogs } from './commands/logs';
import { register as registerSecret } from './commands/secret';
import { LocalOptionError } from '../local/local-policy';
import { AlreadyRunningError } from '../local/run-record';
import { LocalDownError } from '../local/local-down';
import { ApiConfigError, ApiConnectionError, ApiCredentialsError, ApiRequestError, ApiResponseError, CliInputError } from './api/errors';
import { JobWaitError } from './api/job-wait';
import { LocalCredentialsError, LocalUserNameError } from '../local/credentials';
import { packageVersion } from './version';

/**
 * The `stowage` program, apart from the process that runs it (cli/main.ts), so tests
 * run a command in-process and read its exit code as a user's shell would.
 *
 * Every command lives in cli/commands/<name>.ts and exports `register(program)`.
 * To add one: import { register as registerSim } from './commands/sim'; then list it here.
 */
const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  registerPack,
  registerSim,
  registerBench,
  registerSubmit,
  registerStatus,
  registerHistory,
  registerScale,
  registerRollback,
  registerNodes,
  registerStop,
  registerReport,
  registerExec,
  registerLocal,
  registerLogs,
  registerSecret,
];

/**
 * Errors whose message already tells the user what to fix (file, line, field, rule):
 * printed as one line, no stack. Add a module's domain errors here as they appear.
 */
const KNOWN_ERRORS: ReadonlyArray<abstract new (...args: never[]) => Error> = [
  TraceFormatError,
  CatalogFormatError,
  LocalCredentialsError,
  ApiConfigError,
  ApiRequestError,
  ApiConnectionError,
  ApiResponseError,
  ApiCredentialsError,
  CliInputError,
  JobWaitError,
  LocalOptionError,
  AlreadyRunningError,
  LocalDownError,
  LocalUserNameError,
  TaskContainerNotFoundError,
];

export function createProgram(): Command {
  const program = new Command('stowage')
    .description('Stowage: packs containers onto the fewest machines that fit them')
    // Throw instead of exiting inside commander, so every exit goes through one place.
    // Set before registering: subcommands copy these settings when created.
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .version(`stowage ${packageVersion()} (node ${process.version})`, '-V, --version', 'print the version of stowage and of Node.js');
  for (const register of COMMANDS) register(program);
  return program;
}

/** Runs `argv` (node, script, command, args...) and answers the exit code; never throws. */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await createProgram().parseAsync([...argv]);
    return 0;
  } catch (err) {
    // Commander has printed its own usage message (or help) already; keep its exit code.
    if (err instanceof CommanderError) return err.exitCode;
    // The command stowage exec ran has spoken for itself; its exit code is ours.
    if (err instanceof ExecExitError) return err.exitCode;
    if (err instanceof Error && KNOWN_ERRORS.some((known) => err instanceof known)) {
      process.stderr.write(`stowage: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`stowage: unexpected error (a bug; please report it)\n${err instanceof Error ? err.stack : String(err)}\n`);
    return 1;
  }
}
