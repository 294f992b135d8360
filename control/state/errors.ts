/** Typed errors of the state port; adapters translate their service's errors into these. */

/** createJob with an id already stored for a different job. */
export class JobExistsError extends Error {
  override readonly name = 'JobExistsError';
  constructor(
    readonly jobId: string,
    options?: { cause?: unknown },
  ) {
    super(`job ${jobId} already exists with a different specification; submit under a new id`, options);
  }
}

/** The store's backing service failed in a way a retry may fix (throttling, 5xx, timeouts). */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  readonly retriable = true;
  constructor(
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(`state store unavailable during ${operation}; retry later`, options);
  }
}
