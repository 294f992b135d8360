import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { NODE_ID } from '../contract/ids';
import type { Reclaim } from '../core/model';
import { systemClock } from '../control/clock';
import type { PassWaker } from '../control/pass-waker';
import type { PassLogger } from '../control/pass/run-pass';
import type { StateStore } from '../control/state/state-store';
import { reclaimEvent, SPOT_INTERRUPTION_WARNING_MS } from '../lambdas/adapters/reclaim-event';
import { createHandler } from '../lambdas/handlers/interruptions';
import type { EventLog } from './event-log';
import type { Piece } from './lifecycle';

/**
 * EC2's side of a Spot interruption, for the local cloud: `interrupt` emits the event
 * EC2 would (reclaim-event.ts builds it in the documented shape), delivers it as the
 * interruption queue would to the same handler function the Lambda runs, and, for an
 * interruption warning, takes the node back at its deadline — its agent stopped and
 * its containers removed, as EC2 terminates the instance — whatever the scheduler has
 * done by then. A rebalance recommendation takes nothing back.
 *
 * `stowage local interrupt` runs in another process: it drops a request into the state
 * directory's `interruptions/` folder (owner-only, like the rest of the directory) and
 * waits for the answer file; the spool is read here every SPOOL_POLL_MS. No network
 * route is added for it: the local API serves the deployed routes only.
 */
export interface LocalInterruptionsOptions {
  readonly dir: string;
  readonly store: StateStore;
  /** The scheduler's wake-up (the stream poller's timer, the local wake queue). */
  readonly waker: PassWaker;
  /** Takes a node back as EC2 would: the local fleet's terminate. */
  readonly reclaim: (nodeId: string) => Promise<void>;
  /** Whether the local fleet runs an agent for this node. */
  readonly isRunning: (nodeId: string) => boolean;
  readonly log: EventLog;
  /** EC2's two minutes; tests shorten it. */
  readonly warningMs?: number;
}

export interface InterruptRequest {
  readonly nodeId: string;
  readonly notice: Reclaim['notice'];
}

export interface InterruptAnswer {
  readonly ok: boolean;
  readonly message: string;
  /** When the node is taken back (epoch ms); absent for a rebalance recommendation. */
  readonly deadline?: number;
}

/** How often the spool is read: a notice is news for two minutes, a quarter second is nothing. */
const SPOOL_POLL_MS = 250;
/** Deliveries of one message before it is given up, as the queue's maxReceiveCount (infra/interruptions.ts). */
const MAX_RECEIVES = 5;

export function spoolDir(dir: string): string {
  return path.join(dir, 'interruptions');
}

export class LocalInterruptionError extends Error {
  override readonly name = 'LocalInterruptionError';
}

export class LocalInterruptions {
  private readonly handler: ReturnType<typeof createHandler>;
  private readonly warningMs: number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private spoolTimer: NodeJS.Timeout | undefined;
  private reading = false;

  constructor(private readonly o: LocalInterruptionsOptions) {
    this.warningMs = o.warningMs ?? SPOT_INTERRUPTION_WARNING_MS;
    const line = (level: string) => (m: string, e?: Record<string, unknown>) => o.log.line('interruptions', `${level}${m} ${JSON.stringify(e ?? {})}`);
    const logger: PassLogger = {
      info: line(''),
      warn: (m, e) => {
        line('WARN ')(m, e);
        o.log.event(`interruptions: ${m} (${String(e?.nodeId ?? '')})`);
      },
      error: line('ERROR '),
    };
    this.handler = createHandler(() => ({ store: o.store, waker: o.waker, clock: systemClock, logger, warningMs: this.warningMs }));
  }

  /**
   * Sends the notice for a running node through the handler and, for an interruption,
   * takes the node back at the deadline. Throws LocalInterruptionError for a node id
   * that is not one, or a node this fleet does not run.
   */
  async interrupt(request: InterruptRequest): Promise<InterruptAnswer> {
    const { nodeId, notice } = request;
    if (typeof nodeId !== 'string' || !NODE_ID.test(nodeId)) throw new LocalInterruptionError(`node ${JSON.stringify(nodeId)} is not a node id`);
    if (notice !== 'interruption' && notice !== 'rebalance') throw new LocalInterruptionError(`notice ${JSON.stringify(notice)} must be interruption or rebalance`);
    if (!this.o.isRunning(nodeId)) throw new LocalInterruptionError(`node ${nodeId} is not running in this local cloud; \`npx stowage nodes\` lists them`);
    // EC2's event times are whole seconds; the deadline is counted from it, here as there.
    const issuedAt = Math.floor(Date.now() / 1000) * 1000;
    const deadline = notice === 'interruption' ? issuedAt + this.warningMs : undefined;
    if (deadline !== undefined) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.o.log.event(`EC2 (local) took back ${nodeId}: its interruption deadline passed`);
        void this.o.reclaim(nodeId).catch((err: unknown) => this.o.log.event(`could not take back ${nodeId}: ${String(err)}`));
      }, Math.max(0, deadline - Date.now()));
      this.timers.add(timer);
    }
    const body = JSON.stringify(reclaimEvent({ nodeId, notice, issuedAt, id: randomUUID() }));
    await this.deliver(body);
    const message = deadline !== undefined ? `interruption warning sent for ${nodeId}; it is taken back at ${new Date(deadline).toISOString()}` : `rebalance recommendation sent for ${nodeId}`;
    this.o.log.event(message);
    return { ok: true, message, ...(deadline !== undefined ? { deadline } : {}) };
  }

  /** As the queue delivers: again after a second while the handler reports the message failed. */
  private async deliver(body: string): Promise<void> {
    const event: SQSEvent = { Records: [{ messageId: randomUUID(), body } as SQSEvent['Records'][number]] };
    for (let receive = 1; receive <= MAX_RECEIVES; receive++) {
      const { batchItemFailures } = await this.handler(event);
      if (batchItemFailures.length === 0) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
    this.o.log.event(`interruption message given up after ${MAX_RECEIVES} deliveries (in AWS: its dead-letter queue)`);
  }

  /** Starts reading the spool `stowage local interrupt` writes to. */
  startSpool(): void {
    mkdirSync(spoolDir(this.o.dir), { recursive: true, mode: 0o700 });
    this.spoolTimer = setInterval(() => void this.readSpool(), SPOOL_POLL_MS);
  }

  private async readSpool(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const dir = spoolDir(this.o.dir);
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.request.json'))) {
        const file = path.join(dir, name);
        let answer: InterruptAnswer;
        try {
          const request = JSON.parse(readFileSync(file, 'utf8')) as InterruptRequest;
          answer = await this.interrupt(request);
        } catch (err) {
          answer = { ok: false, message: err instanceof Error ? err.message : String(err) };
        }
        rmSync(file, { force: true });
        writeAtomically(path.join(dir, name.replace(/\.request\.json$/, '.answer.json')), answer);
      }
    } catch (err) {
      this.o.log.line('interruptions', `ERROR reading the spool: ${String(err)}`);
    } finally {
      this.reading = false;
    }
  }

  stop(): void {
    if (this.spoolTimer) clearInterval(this.spoolTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/** The local cloud's piece: interruptions on the fleet and the scheduler's waker. */
export function startInterruptions(o: LocalInterruptionsOptions): Piece<LocalInterruptions> {
  const interruptions = new LocalInterruptions(o);
  interruptions.startSpool();
  return { value: interruptions, stop: () => interruptions.stop() };
}

/**
 * What `stowage local interrupt` does: drops the request into the spool of the local
 * cloud running from `dir` and waits for its answer.
 */
export async function requestInterrupt(dir: string, request: InterruptRequest, timeoutMs = 15_000): Promise<InterruptAnswer> {
  const spool = spoolDir(dir);
  const id = randomUUID();
  try {
    writeAtomically(path.join(spool, `${id}.request.json`), request);
  } catch (err) {
    throw new LocalInterruptionError(`cannot write to ${spool} (${(err as Error).message}); is a local cloud running from ${dir}? Start one with \`npm run local\``);
  }
  const answerFile = path.join(spool, `${id}.answer.json`);
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const answer = JSON.parse(readFileSync(answerFile, 'utf8')) as InterruptAnswer;
      rmSync(answerFile, { force: true });
      return answer;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  rmSync(path.join(spool, `${id}.request.json`), { force: true });
  throw new LocalInterruptionError(`no local cloud answered within ${timeoutMs / 1000} s from ${dir}; is one running (\`npm run local\`)?`);
}

function writeAtomically(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value), { mode: 0o600 });
  renameSync(tmp, file);
}
