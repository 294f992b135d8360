/**
 * Starts pieces in order and stops them in reverse, so teardown order follows from start
 * order instead of being written out a second time.
 *
 * A piece's start either succeeds and hands back its stop, or fails having undone its own
 * partial work; its stop is pushed only once it has started. Stopping (a call to `stop()`,
 * or a start that failed) pops the stops in reverse, tries every one even after another
 * has failed, and reports every failure at once: half a teardown (agents stopped, the
 * database left running) is worse than a slow one.
 *
 * A `stop()` that arrives while a piece is starting waits for that start to settle, then
 * stops it with the rest, and the `start()` in progress rejects with
 * StartInterruptedError: Ctrl-C during start-up leaves nothing behind either.
 *
 * Pieces start one at a time, each `start()` awaited before the next: the order of the
 * calls is the order of the stack.
 */
export interface Piece<T> {
  readonly value: T;
  /** Undoes the start; absent when nothing outlives the start or what does is meant to (a shared Docker engine). */
  readonly stop?: () => Promise<void> | void;
}

export interface StopFailure {
  readonly piece: string;
  readonly error: unknown;
}

/** Some stops failed; every other stop was still attempted. */
export class TeardownError extends Error {
  override readonly name = 'TeardownError';
  constructor(readonly failures: readonly StopFailure[]) {
    super(`stopping failed for ${failures.map((f) => `${f.piece} (${messageOf(f.error)})`).join('; ')}; everything else was stopped`);
  }
}

/** `stop()` was called while pieces were starting: what had started has been stopped. */
export class StartInterruptedError extends Error {
  override readonly name = 'StartInterruptedError';
  constructor(readonly piece: string) {
    super(`stopped while starting (at ${piece}); everything that had started was stopped`);
  }
}

/** A piece failed to start and stopping the pieces before it failed too: both are reported. */
export class StartFailedError extends Error {
  override readonly name = 'StartFailedError';
  constructor(
    readonly piece: string,
    cause: unknown,
    readonly teardown: unknown,
  ) {
    super(`${piece} failed to start: ${messageOf(cause)}; then ${messageOf(teardown)}`, { cause });
  }
}

export class Lifecycle {
  private readonly started: { readonly piece: string; readonly stop: () => Promise<void> | void }[] = [];
  /** The start in progress, settled (never rejects): stop() waits for it. */
  private inFlight: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;

  /** True once stop() has been called (or a start failed): no piece may start any more. */
  get stopped(): boolean {
    return this.stopping !== undefined;
  }

  /**
   * Starts one piece after the ones before it. If it fails, everything started so far is
   * stopped and the start's own error is rethrown (StartFailedError if stopping failed too).
   */
  async start<T>(piece: string, start: () => Promise<Piece<T>> | Piece<T>): Promise<T> {
    if (this.stopped) throw new StartInterruptedError(piece);
    const attempt = Promise.resolve()
      .then(start)
      .then((p) => {
        if (p.stop) this.started.push({ piece, stop: p.stop });
        return p.value;
      });
    this.inFlight = attempt.then(
      () => undefined,
      () => undefined,
    );
    let value: T;
    try {
      value = await attempt;
    } catch (err) {
      return this.stopAfter(piece, err);
    }
    // stop() came while this piece was starting; it waited for it and stops it too.
    if (this.stopped) return this.stopAfter(piece, new StartInterruptedError(piece));
    return value;
  }

  /** Stops every started piece, last started first. Idempotent: later calls share the first's outcome. */
  stop(): Promise<void> {
    this.stopping ??= this.unwind();
    return this.stopping;
  }

  private async unwind(): Promise<void> {
    await this.inFlight;
    const failures: StopFailure[] = [];
    for (let next = this.started.pop(); next; next = this.started.pop()) {
      try {
        await next.stop();
      } catch (error) {
        failures.push({ piece: next.piece, error });
      }
    }
    if (failures.length > 0) throw new TeardownError(failures);
  }

  private async stopAfter(piece: string, err: unknown): Promise<never> {
    try {
      await this.stop();
    } catch (teardown) {
      throw new StartFailedError(piece, err, teardown);
    }
    throw err;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
