/**
 * How a scheduler pass is asked for outside the change stream: by the API right after a
 * submit, update, scale or stop (new work should not wait for a node to write), and by
 * a pass for the follow-up its plan asks for (core/pass/follow-up.ts). In AWS a message
 * on the wake queue, delayed until `at` (lambdas/adapters/sqs-pass-waker.ts); locally
 * the stream poller's timer.
 *
 * Asking is best effort and never the only safety net: the one-minute schedule still
 * runs a pass, so an adapter that fails logs and goes on.
 */
export interface PassWaker {
  /** A pass at or soon after `at` (ms since the epoch; at or before `now`: as soon as possible). */
  wakeAt(at: number, now: number): Promise<WakeOutcome>;
}

/**
 * What a waker did: `sent`, or `covered` when a pass at or before `at` was already
 * asked for (each pass asks for its follow-up; without this, every pass a change woke
 * would start a chain of follow-ups of its own).
 */
export type WakeOutcome = 'sent' | 'covered';
