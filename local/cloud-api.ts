import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { StateStore } from '../control/state/state-store';
import type { LogReader } from '../control/log-reader';
import type { EventLog } from './event-log';
import type { Piece } from './lifecycle';
import { startLocalApi, type LocalApi } from './local-api';
import { LocalOptionError } from './local-policy';

/**
 * What the local API asks of pieces that start after it. The API must start first (the
 * fleet's agents need its URL), yet it answers heartbeats by asking the fleet whose token
 * it was, and after a submit it wakes the scheduler. Rather than a variable filled in
 * later, the API gets these hooks; each later piece attaches itself once it has started
 * and detaches when it stops. Until then the answers are those of a cloud with no nodes
 * and no scheduler yet: no node token is valid (none has been handed out), and a wake-up
 * is remembered and delivered when the scheduler attaches, so a job submitted in between
 * is not left for the next tick.
 *
 * Binding the API's port before making its handlers was the other way to break the
 * cycle; it would split the API's start in two for the sake of two callbacks.
 */
/** A second fleet or scheduler attached while one is: two pieces wired to one API. */
export class HookAttachedError extends Error {
  override readonly name = 'HookAttachedError';
  constructor(readonly hook: 'fleet' | 'scheduler') {
    super(`a ${hook} is attached to the local API already; detach it (stop its piece) before attaching another`);
  }
}

export class ApiHooks {
  private tokens: ((token: string) => string | undefined) | undefined;
  private wake: (() => void) | undefined;
  private wakeMissed = false;

  /** The node a token belongs to, per the attached fleet. */
  nodeForToken(token: string): string | undefined {
    return this.tokens?.(token);
  }

  /** Asks the attached scheduler for a pass soon (the API calls it after a submit or stop). */
  jobsChanged(): void {
    if (this.wake) this.wake();
    else this.wakeMissed = true;
  }

  /** Returns the detach. */
  attachFleet(fleet: { nodeForToken(token: string): string | undefined }): () => void {
    if (this.tokens) throw new HookAttachedError('fleet');
    const tokens = (token: string) => fleet.nodeForToken(token);
    this.tokens = tokens;
    return () => {
      if (this.tokens === tokens) this.tokens = undefined;
    };
  }

  attachScheduler(scheduler: { poke(): void }): () => void {
    if (this.wake) throw new HookAttachedError('scheduler');
    const wake = () => scheduler.poke();
    this.wake = wake;
    if (this.wakeMissed) {
      this.wakeMissed = false;
      wake();
    }
    return () => {
      if (this.wake === wake) this.wake = undefined;
    };
  }
}

export interface CloudApiOptions {
  readonly store: StateStore;
  readonly idempotencyStore: BasePersistenceLayer;
  readonly userToken: string;
  readonly port: number;
  readonly hooks: ApiHooks;
  readonly log: EventLog;
  /** Where the local load balancer answers: the jobs API shows exposed jobs there. */
  readonly loadBalancerUrl: string;
  readonly logReader?: LogReader;
}

/** The local API on 127.0.0.1:`port`; stop closes it (and the agents' kept-alive connections). */
export async function serveApi(o: CloudApiOptions): Promise<Piece<LocalApi>> {
  const api = await startLocalApi({
    store: o.store,
    idempotencyStore: o.idempotencyStore,
    userToken: o.userToken,
    nodeForToken: (token) => o.hooks.nodeForToken(token),
    port: o.port,
    log: {
      info: () => undefined,
      warn: (m: unknown, ...e: unknown[]) => o.log.line('api', `${String(m)} ${JSON.stringify(e)}`),
      error: (m: unknown, ...e: unknown[]) => o.log.line('api', `ERROR ${String(m)} ${JSON.stringify(e)}`),
    },
    onJobsChanged: () => o.hooks.jobsChanged(),
    loadBalancerUrl: o.loadBalancerUrl,
    ...(o.logReader ? { logReader: o.logReader } : {}),
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new LocalOptionError(`port ${o.port} is in use; pass --port <n> (or --port 0 for any free port)`, { cause: err });
    throw err;
  });
  return { value: api, stop: () => api.close() };
}
