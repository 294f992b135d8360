/**
 * The port the logs route reads containers' output through: CloudWatch Logs in AWS
 * (lambdas/adapters/cloudwatch-log-reader.ts, one group per job and one stream per copy,
 * written by Docker's awslogs driver), the local Docker engine plus the tails kept of
 * removed copies locally (local/docker-log-reader.ts).
 */

export interface LogLine {
  /** The copy that wrote it. */
  readonly taskId: string;
  /** ms since the epoch, as the container wrote it (Docker's timestamp). */
  readonly at: number;
  readonly text: string;
}

export interface LogQuery {
  readonly jobId: string;
  /** Only these copies; absent: every copy of the job. */
  readonly taskIds?: readonly string[];
  /** Lines at or after this time (ms). */
  readonly since: number;
  /** At most this many lines, the oldest first. */
  readonly limit: number;
}

export interface LogPage {
  /** Oldest first, at most `limit`. */
  readonly lines: readonly LogLine[];
  /** More lines at or after the last one's time were left out (the limit, or the reader's bound on pages). */
  readonly truncated: boolean;
}

export interface LogReader {
  /**
   * Throws LogReaderError when the logs cannot be read now (retriable: throttling, the
   * service or engine unreachable) or at all (a missing permission). A job whose logs
   * were never written (no copy started yet) reads as no lines, not as an error.
   */
  read(query: LogQuery): Promise<LogPage>;
}

/** The logs could not be read; `retriable` says whether the same read may succeed later. */
export class LogReaderError extends Error {
  override readonly name = 'LogReaderError';
  constructor(
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The CloudWatch Logs group a job's containers write to: one per job, under the stack's prefix. */
export function logGroupOf(prefix: string, jobId: string): string {
  return `${prefix}/${jobId}`;
}

/** The stream one copy writes to: its task id (unique per replica and generation). */
export function logStreamOf(taskId: string): string {
  return taskId;
}
