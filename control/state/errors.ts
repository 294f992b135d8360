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

/**
 * updateJob refused: the job is no longer at the revision the caller read (the
 * scheduler moved its deployment on, or another user changed or stopped it), or it is
 * gone. The caller reads the job again and recomputes its change from what is stored.
 */
export class JobRevisionConflictError extends Error {
  override readonly name = 'JobRevisionConflictError';
  constructor(
    readonly jobId: string,
    readonly expectedRevision: number,
    options?: { cause?: unknown },
  ) {
    super(`job ${jobId} changed since revision ${expectedRevision} was read; read it again and reapply the change`, options);
  }
}
