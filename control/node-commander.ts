/** Tells nodes to converge now. Best effort: agents also sync on their own timer. */
export interface NodeCommander {
  /**
   * Sends the fixed `stowage-agent sync` to these instances; returns the ids it could
   * not reach (unmanaged, offline). Throws `NodeCommandError` when the call itself failed.
   */
  sync(instanceIds: readonly string[]): Promise<{ failed: readonly string[] }>;
}

/**
 * Sending `stowage-agent sync` failed for a reason other than an unreachable instance
 * (those are returned in `failed`, not thrown). `instanceIds` are the ids the command
 * did not reach. Best effort either way: agents also sync on their own timer.
 */
export class NodeCommandError extends Error {
  override readonly name = 'NodeCommandError';
  readonly instanceIds: readonly string[];
  readonly retriable: boolean;
  constructor(message: string, details: { instanceIds: readonly string[]; retriable: boolean }, options?: { cause?: unknown }) {
    super(message, options);
    this.instanceIds = details.instanceIds;
    this.retriable = details.retriable;
  }
}
