import type { StartSessionCommandInput } from '@aws-sdk/client-ssm';
import type { TaskView } from '../../contract/task-view';
import { CliInputError } from '../api/errors';

/**
 * What `stowage exec` asks for, apart from how it is carried out: which copy, which
 * container, and (in AWS) the StartSession request. Pure, so the rules are tested
 * without Docker or SSM.
 */

/**
 * Must equal the exec document's allowedPattern rules in infra/node-documents.ts (a test
 * compares), which say why they admit no shell syntax: SSM refuses anything else, and the
 * CLI refuses it first so the message names the argument.
 */
export const EXEC_CONTAINER_PATTERN = /^stowage-job-[0-9a-f]{20}\.[0-9]{1,6}(\.g[0-9]{1,9})?-g[0-9]{1,9}$/;
export const EXEC_ARGV_PATTERN = /^[A-Za-z0-9_./:=,@%+-]+( [A-Za-z0-9_./:=,@%+-]+){0,63}$/;
/**
 * The command `stowage exec` ran exited non-zero: stowage exits with the same code and
 * prints nothing of its own (the command has said what it had to on stderr).
 */
export class ExecExitError extends Error {
  override readonly name = 'ExecExitError';
  constructor(readonly exitCode: number) {
    super(`the command exited with ${exitCode}`);
  }
}

const EXEC_WORD = /^[A-Za-z0-9_./:=,@%+-]+$/;
const MAX_WORDS = 64;

/** The container the agent makes for a copy (agent/container-config.ts names it so; a test compares). */
export function containerNameOf(taskId: string, generation: number): string {
  return `stowage-${taskId}-g${generation}`;
}

/**
 * The copy to exec into: the RUNNING copy of slot `slot`, or without one the running copy
 * of the lowest slot. A copy that is not running has no container to enter; the message
 * says which copies are.
 */
export function pickTask(job: string, tasks: readonly TaskView[], slot: number | undefined): TaskView & { nodeId: string } {
  const running = tasks.filter((t): t is TaskView & { nodeId: string } => t.status === 'RUNNING' && t.nodeId !== null).sort((a, b) => a.slot - b.slot || b.generation - a.generation);
  const chosen = slot === undefined ? running[0] : running.find((t) => t.slot === slot);
  if (chosen) return chosen;
  const which = running.length > 0 ? `running copies: ${running.map((t) => `--task ${t.slot}`).join(', ')}` : 'no copy of it is running now (stowage status shows why)';
  throw new CliInputError(slot === undefined ? '<job>' : '--task', slot === undefined ? `job ${job} has no running copy to exec into; ${which}` : `job ${job} has no running copy in slot ${slot}; ${which}`);
}

/** The argv after `--`: at least one word. Locally any argv goes to Docker as it is. */
export function checkArgv(argv: readonly string[]): readonly string[] {
  if (argv.length === 0) throw new CliInputError('argv', 'name the command to run after --, e.g. stowage exec web -- ls -l /');
  return argv;
}

/**
 * The StartSession request for `argv` in `container` on `instanceId`, through the stack's
 * exec document. Each word must be made of the document's shell-inert characters, since
 * Session Manager joins the words into the document's fixed command line; a word with
 * anything else is refused here, naming it, rather than quoted: quoting is exactly the
 * shell string building the document exists to avoid.
 */
export function startSessionInput(instanceId: string, documentName: string, container: string, argv: readonly string[]): StartSessionCommandInput {
  checkArgv(argv);
  if (!EXEC_CONTAINER_PATTERN.test(container)) throw new CliInputError('--task', `the copy's container ${JSON.stringify(container)} is not one Stowage names (${EXEC_CONTAINER_PATTERN.source})`);
  if (argv.length > MAX_WORDS) throw new CliInputError('argv', `at most ${MAX_WORDS} words can be sent through the exec document; got ${argv.length}`);
  argv.forEach((word, i) => {
    if (!EXEC_WORD.test(word)) {
      throw new CliInputError(
        'argv',
        `argument ${i + 1} (${JSON.stringify(word)}) cannot be sent through the exec document: in AWS each argument may hold only letters, digits and _ . / : = , @ % + - ` +
          '(no spaces, quotes or shell characters, so the session cannot run anything but this argv); run a script baked into the image instead',
      );
    }
  });
  return {
    Target: instanceId,
    DocumentName: documentName,
    Parameters: { container: [container], argv: [argv.join(' ')] },
    Reason: `stowage exec ${container}`,
  };
}
