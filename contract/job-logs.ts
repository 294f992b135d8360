import { z } from 'zod';

/**
 * GET /jobs/{id}/logs: what a job's containers wrote, one line each with the copy that
 * wrote it and when. The query arrives as strings (API Gateway's query parameters), so
 * each number is parsed here and its rule named when it is not one.
 */

/** Lines answered when the query names no limit. */
export const DEFAULT_LOG_LIMIT = 1000;
/** At most this many lines in one answer: CloudWatch Logs' own page limit, and a bound on the body. */
export const MAX_LOG_LIMIT = 10_000;
/** Without `since`, lines from this long ago on: reading a job's whole history is never the default. */
export const DEFAULT_LOG_WINDOW_MS = 60 * 60 * 1000;

const digits = (max: number, rule: string) =>
  z
    .string()
    .regex(/^\d{1,16}$/, rule)
    .transform(Number)
    .refine((n) => n <= max, `${rule}, at most ${max}`);

export const jobLogsQuerySchema = z.strictObject({
  /** A slot (replica number, as `stowage status` lists it): only the copies of that replica. */
  task: digits(100_000, 'must be a replica number (digits only)').optional(),
  /** Lines written at or after this time, in milliseconds since the epoch. */
  since: digits(Number.MAX_SAFE_INTEGER, 'must be a time in milliseconds since the epoch (digits only)').optional(),
  limit: digits(MAX_LOG_LIMIT, 'must be a number of lines (digits only)')
    .refine((n) => n >= 1, 'must be at least 1')
    .optional(),
});
export type JobLogsQuery = z.input<typeof jobLogsQuerySchema>;

export const logLineViewSchema = z.object({
  /** The copy that wrote the line: its task id (one per replica and generation). */
  task: z.string(),
  slot: z.number().int().min(0),
  /** When the container wrote it, ms since the epoch. */
  at: z.number(),
  text: z.string(),
});
export type LogLineView = z.infer<typeof logLineViewSchema>;

export const jobLogsResponseSchema = z.object({
  jobId: z.string(),
  name: z.string(),
  /** Oldest first. */
  lines: z.array(logLineViewSchema).readonly(),
  /** More lines follow the last one: ask again with `since` set to its `at`. */
  truncated: z.boolean(),
});
export type JobLogsResponse = z.infer<typeof jobLogsResponseSchema>;
