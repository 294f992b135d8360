/**
 * Typed errors of the core. Each sets `name`, carries the ids involved, and says what
 * failed and how to fix it.
 */
export class PlanInvariantError extends Error {
  override readonly name = 'PlanInvariantError';
  readonly taskId?: string;
  readonly nodeId?: string;
  readonly jobId?: string;
  constructor(message: string, ids: { taskId?: string; nodeId?: string; jobId?: string } = {}, options?: { cause?: unknown }) {
    super(`${message} — this is a scheduler bug; please report it with the snapshot`, options);
    this.taskId = ids.taskId;
    this.nodeId = ids.nodeId;
    this.jobId = ids.jobId;
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
