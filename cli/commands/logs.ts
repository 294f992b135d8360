import { InvalidArgumentError, type Command } from 'commander';
import { MAX_LOG_LIMIT, type JobLogsResponse, type LogLineView } from '../../contract/job-logs';
import { addApiOptions, clientFromOptions, type ApiClient } from '../api/client';
import type { ApiOptions } from '../api/endpoint';
import { CliInputError } from '../api/errors';
import { jobRef } from '../api/job-ref';
import { wholeNumber } from '../option-parsers';

interface LogsOptions extends ApiOptions {
  readonly task?: number;
  readonly since?: string;
  readonly limit?: number;
  readonly follow?: boolean;
  readonly intervalS: number;
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since`: a duration back from now (`90s`, `10m`, `2h`, `1d`) or a time (an ISO 8601
 * date, or ms since the epoch), as milliseconds since the epoch.
 */
export function parseSince(value: string, now: number): number {
  const d = /^(\d{1,9})([smhd])$/.exec(value);
  if (d) return now - Number(d[1]) * UNIT_MS[d[2]];
  if (/^\d{1,16}$/.test(value)) return Number(value);
  const t = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  if (Number.isFinite(t)) return t;
  throw new InvalidArgumentError(`--since must be a duration such as 10m, 2h or 1d, a date such as 2026-12-02T07:00:00Z, or ms since the epoch; got ${JSON.stringify(value)}`);
}

/** One line as printed: the replica and copy, the time, the text. */
export function formatLogLine(l: LogLineView): string {
  return `[${l.slot} ${l.task}] ${new Date(l.at).toISOString()} ${l.text}\n`;
}

const keyOf = (l: LogLineView) => `${l.task}\u0000${l.at}\u0000${l.text}`;

/**
 * What `-f` has printed, so the next poll (from the last line's time, which it asks for
 * again: lines written in the same millisecond may arrive in two answers) prints only
 * new lines. Only the keys at the newest time are remembered; older ones cannot recur.
 * Two identical lines of one copy in one millisecond print once.
 */
export class LogFollower {
  private since: number;
  private seenAtLast = new Set<string>();

  constructor(since: number) {
    this.since = since;
  }

  get nextSince(): number {
    return this.since;
  }

  /** The lines of an answer not printed before, and moves the window on. */
  take(lines: readonly LogLineView[]): LogLineView[] {
    const fresh = lines.filter((l) => l.at > this.since || (l.at === this.since && !this.seenAtLast.has(keyOf(l))));
    for (const l of fresh) {
      if (l.at > this.since) {
        this.since = l.at;
        this.seenAtLast = new Set();
      }
      this.seenAtLast.add(keyOf(l));
    }
    return fresh;
  }
}

/** `stowage logs <job>`: GET /jobs/{id}/logs, each line with its replica, copy and time; `-f` polls for new lines until interrupted. */
export function register(program: Command): void {
  const cmd = program
    .command('logs')
    .description("print a job's container output, each line prefixed with its replica, copy and time; -f follows")
    .argument('<job>', "the job's name (or its id)")
    .option('--task <n>', 'only this replica (its slot, as `stowage status <job>` lists)', wholeNumber('--task', 100_000))
    .option('--since <when>', 'lines from this long ago (10m, 2h, 1d) or this time on (default: the last hour)')
    .option('--limit <n>', `at most this many lines per request (1-${MAX_LOG_LIMIT}, default 1000)`, wholeNumber('--limit', MAX_LOG_LIMIT))
    .option('-f, --follow', 'keep polling and print new lines as they arrive (Ctrl-C ends)')
    .option('--interval-s <s>', 'seconds between polls with -f', wholeNumber('--interval-s', 3600), 2);
  addApiOptions(cmd).action(async (job: string, options: LogsOptions) => {
    if (options.limit === 0) throw new CliInputError('--limit', '--limit must be at least 1');
    const client = await clientFromOptions(options);
    const since = options.since !== undefined ? parseSince(options.since, Date.now()) : undefined;
    const stop = new AbortController();
    if (options.follow) process.once('SIGINT', () => stop.abort());
    await printLogs(client, jobRef(job), { ...options, ...(since !== undefined ? { sinceMs: since } : {}) }, (s) => process.stdout.write(s), stop.signal);
  });
}

export interface PrintLogsOptions {
  readonly task?: number;
  readonly sinceMs?: number;
  readonly limit?: number;
  readonly follow?: boolean;
  readonly intervalS?: number;
}

/**
 * Prints the job's lines; with `follow`, asks again every interval from the newest line
 * printed, and at once while answers come back truncated, until `signal` aborts.
 */
export async function printLogs(client: ApiClient, job: string, o: PrintLogsOptions, write: (s: string) => void, signal?: AbortSignal): Promise<void> {
  const query = (since: number | undefined): Record<string, string> => ({
    ...(o.task !== undefined ? { task: String(o.task) } : {}),
    ...(since !== undefined ? { since: String(since) } : {}),
    ...(o.limit !== undefined ? { limit: String(o.limit) } : {}),
  });
  let res: JobLogsResponse = await client.call('jobLogs', { params: { id: job }, query: query(o.sinceMs) });
  const follower = new LogFollower(o.sinceMs ?? 0);
  for (const l of follower.take(res.lines)) write(formatLogLine(l));
  if (!o.follow) {
    if (res.truncated) write(`(more lines follow; ask again with --since ${follower.nextSince})\n`);
    return;
  }
  // The first answer's window may have been empty: follow from now rather than from 0.
  let since = res.lines.length > 0 ? follower.nextSince : (o.sinceMs ?? Date.now());
  while (!signal?.aborted) {
    if (!res.truncated) await sleep((o.intervalS ?? 2) * 1000, signal);
    if (signal?.aborted) break;
    res = await client.call('jobLogs', { params: { id: job }, query: query(since) });
    for (const l of follower.take(res.lines)) write(formatLogLine(l));
    since = Math.max(since, follower.nextSince);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
