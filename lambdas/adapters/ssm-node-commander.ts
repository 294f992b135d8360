import { SendCommandCommand, type SendCommandCommandInput, type SSMClient } from '@aws-sdk/client-ssm';
import { NodeCommandError, type NodeCommander } from '../../control/node-commander';
import { classifyAwsError } from './aws-error';
import { AdapterConfigError, listIds } from './errors';

/**
 * The one command Stowage ever sends to a node. A constant, never built from input: the
 * agent reads its desired tasks itself, so nothing a user submitted reaches a shell
 * (DESIGN.md, "SSM carries no user input"). One plain invocation, no `&&`, `||` or `>`,
 * because LocalStack runs SSM commands through `docker exec`.
 *
 * It is not sent: it is the only step of the stack's own Command document
 * (infra/node-documents.ts, which restates it; a test compares), and SendCommand names
 * that document with no Parameters. The scheduler role may send no other document, so
 * even a scheduler that misbehaved could run nothing else on a node.
 */
export const SYNC_COMMAND = 'stowage-agent sync';

/** An SSM document name: 3..128 of letters, digits, `_ - .` (SSM's own rule). */
const DOCUMENT_NAME = /^[a-zA-Z0-9_.-]{3,128}$/;

/** EC2 instance ids: `i-` and 8 (old) or 17 (current) hex digits. */
export const INSTANCE_ID_PATTERN = /^i-[0-9a-f]{8,17}$/;
/** SendCommand accepts at most 50 InstanceIds per call. */
export const MAX_IDS_PER_CALL = 50;
/**
 * Seconds SSM may wait for the agent to pick the command up before giving up on it. Short
 * because a late sync is worthless: the agent's own timer will have synced by then.
 */
export const DELIVERY_TIMEOUT_SECONDS = 60;

const BASE_DELAY_MS = 200;
const MAX_DELAY_MS = 5_000;
/** SSM's limit on a command's Comment. */
const MAX_COMMENT = 100;
const COMMENT_SUFFIX = ' sync';
/** What to do about an error retries cannot fix, added to the message. */
function hints(document: string): Readonly<Record<string, string>> {
  return {
    AccessDeniedException: `the scheduler role may not call ssm:SendCommand with ${document} on these instances (only the stack's own document, only on instances with the stack tag); fix the grants in infra/scheduler.ts`,
    UnsupportedPlatformType: `${document} runs only on Linux; these instances are not Linux nodes`,
    InvalidDocument: `${document} does not exist in this account and region; it is the stack's sync document (STOWAGE_SYNC_DOCUMENT), redeploy the stack`,
  };
}

export interface SsmNodeCommanderOptions {
  /**
   * The SDK client. Its own retry layer still runs under ours; construct it with
   * `maxAttempts: 1` to make `maxAttempts` here the only budget.
   */
  readonly client: SSMClient;
  /** The stack's sync document (its name, from STOWAGE_SYNC_DOCUMENT): one step, `stowage-agent sync`, no parameters. */
  readonly documentName: string;
  /** Comment shown on the command in the SSM console: `<prefix> sync`. Default `stowage`. */
  readonly commentPrefix?: string;
  /** Attempts per SendCommand call, first included. Default 5. */
  readonly maxAttempts?: number;
  /** Injected so tests do not wait. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Back-off before attempt `attempt + 1`, after `attempt` failures: 200, 400, 800, 1600 ms…
 * capped at 5 s. Deterministic, without jitter: one scheduler pass at a time sends these,
 * so there is no herd of clients for jitter to spread out, and tests can assert the waits.
 */
export function backoffMs(attempt: number): number {
  return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
}

/**
 * `NodeCommander` over SSM Run Command. Throws `NodeCommandError` when ids are not EC2
 * instance ids (before sending anything), when SSM refuses for a reason retries cannot
 * fix (`retriable: false`), or when a failure aws-error.ts calls retriable (throttling, a
 * service fault, a timeout) outlasts `maxAttempts` (`retriable: true`).
 * Instances SSM does not manage (agent down, terminated) come back in `failed`.
 */
export class SsmNodeCommander implements NodeCommander {
  private readonly client: SSMClient;
  private readonly documentName: string;
  private readonly comment: string;
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: SsmNodeCommanderOptions) {
    const fail = (field: string, message: string) => new AdapterConfigError('SsmNodeCommander', field, message);
    if (!options?.client) throw fail('client', 'an SSMClient is required; pass `new SSMClient({})`');
    if (typeof options.documentName !== 'string' || !DOCUMENT_NAME.test(options.documentName)) {
      throw fail('documentName', `must be the stack's sync document name (3..128 of letters, digits, _ - .); got ${JSON.stringify(options.documentName)} — the stack sets it as STOWAGE_SYNC_DOCUMENT`);
    }
    const prefix = options.commentPrefix ?? 'stowage';
    if (prefix.length === 0 || prefix.length + COMMENT_SUFFIX.length > MAX_COMMENT) {
      throw fail('commentPrefix', `must be 1..${MAX_COMMENT - COMMENT_SUFFIX.length} characters (SSM limits a Comment to ${MAX_COMMENT}); got ${prefix.length}`);
    }
    const maxAttempts = options.maxAttempts ?? 5;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw fail('maxAttempts', `must be an integer >= 1 (1 means no retries); got ${String(maxAttempts)}`);
    }
    this.client = options.client;
    this.documentName = options.documentName;
    this.comment = `${prefix}${COMMENT_SUFFIX}`;
    this.maxAttempts = maxAttempts;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async sync(instanceIds: readonly string[]): Promise<{ failed: readonly string[] }> {
    // Ids go into InstanceIds, never into the command; still, anything that is not an
    // instance id is a wiring mistake (a local node id, a stray value) and is refused
    // whole, before any call, so a caller learns of it rather than half a fleet syncing.
    const invalid = instanceIds.filter((id) => typeof id !== 'string' || !INSTANCE_ID_PATTERN.test(id));
    if (invalid.length > 0) {
      throw new NodeCommandError(
        `cannot send "${SYNC_COMMAND}" through SSM: ${listIds(invalid)} ${invalid.length === 1 ? 'is not an EC2 instance id' : 'are not EC2 instance ids'} ` +
          `(expected ${INSTANCE_ID_PATTERN.source}); local nodes such as "local-1" are synced by the local commander, not SSM — nothing was sent`,
        { instanceIds: invalid, retriable: false },
      );
    }
    // SSM refuses a call that names an instance twice (DuplicateInstanceId).
    const ids = [...new Set(instanceIds)];
    const failed: string[] = [];
    const batches = chunks(ids, MAX_IDS_PER_CALL);
    for (let b = 0; b < batches.length; b++) {
      const batch = batches[b];
      const unsent = () => [...failed, ...batches.slice(b).flat()];
      if ((await this.send(batch, unsent)) === 'sent') continue;
      // SSM rejects the whole call when any one id is not a managed instance, without
      // saying which. Retry one at a time so one dead agent does not starve the rest.
      if (batch.length === 1) {
        failed.push(batch[0]);
        continue;
      }
      for (let i = 0; i < batch.length; i++) {
        const id = batch[i];
        const remaining = () => [...failed, ...batch.slice(i), ...batches.slice(b + 1).flat()];
        if ((await this.send([id], remaining)) === 'unmanaged') failed.push(id);
      }
    }
    return { failed };
  }

  /** One SendCommand with retries. `unsent` names the ids the command has not reached, for the error. */
  private async send(ids: readonly string[], unsent: () => string[]): Promise<'sent' | 'unmanaged'> {
    const input: SendCommandCommandInput = {
      // The document is the command: no Parameters, nothing for a caller to add.
      DocumentName: this.documentName,
      InstanceIds: [...ids],
      TimeoutSeconds: DELIVERY_TIMEOUT_SECONDS,
      Comment: this.comment,
      // SSM's default MaxErrors is 0: after the first node whose sync fails it stops
      // sending to targets not yet reached. Each node's sync is independent of the others.
      MaxErrors: '100%',
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new SendCommandCommand(input));
        return 'sent';
      } catch (err) {
        const facts = classifyAwsError(err, 'ssm');
        if (facts.code === 'InvalidInstanceId') return 'unmanaged';
        if (!facts.retriable) {
          throw new NodeCommandError(
            `SSM SendCommand of "${SYNC_COMMAND}" to ${listIds(ids)} failed with ${facts.code}: ${facts.message} — ` +
              `not retried: ${hints(this.documentName)[facts.code] ?? 'retrying will not help until the cause is fixed'}`,
            { instanceIds: unsent(), retriable: false },
            { cause: err },
          );
        }
        if (attempt >= this.maxAttempts) {
          throw new NodeCommandError(
            `SSM SendCommand of "${SYNC_COMMAND}" to ${listIds(ids)} still failed with ${facts.code} after ${attempt} attempts: ${facts.message} — ` +
              `SSM is throttling or unavailable; the next pass retries, and agents sync on their own timer meanwhile`,
            { instanceIds: unsent(), retriable: true },
            { cause: err },
          );
        }
        await this.sleep(backoffMs(attempt));
      }
    }
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
