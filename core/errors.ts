/**
 * Typed errors of the core. Each sets `name`, carries the ids involved, and says what
 * failed and how to fix it.
 */
export class PlanInvariantError extends Error {
  override readonly name = 'PlanInvariantError';
  readonly taskId?: string;
  readonly nodeId?: string;
  constructor(message: string, ids: { taskId?: string; nodeId?: string } = {}, options?: { cause?: unknown }) {
    super(`${message} — this is a scheduler bug; please report it with the snapshot`, options);
    this.taskId = ids.taskId;
    this.nodeId = ids.nodeId;
  }
}

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`policy.${field}: ${message}`);
  }
}

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
