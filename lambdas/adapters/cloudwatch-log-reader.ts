import { FilterLogEventsCommand, type CloudWatchLogsClient, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { logGroupOf, logStreamOf, LogReaderError, type LogLine, type LogPage, type LogQuery, type LogReader } from '../../control/log-reader';
import { classifyAwsError } from './aws-error';

export interface CloudWatchLogReaderOptions {
  readonly logs: Pick<CloudWatchLogsClient, 'send'>;
  /** The stack's group prefix, `/stowage/<stack>`: a job's group is `<prefix>/<job id>`. */
  readonly groupPrefix: string;
  /**
   * Most FilterLogEvents calls per read. A filter over a long, sparse window may answer
   * empty pages with a token for a while; a read must end within the API's time, so it
   * stops here and answers `truncated` (the caller asks again from the last line).
   */
  readonly maxPages?: number;
}

/**
 * The port promises the oldest first; FilterLogEvents interleaves streams by time within
 * what it searched, and a stable sort keeps a stream's own order for lines of one millisecond.
 */
function oldestFirst(lines: LogLine[]): LogLine[] {
  return lines.sort((a, b) => a.at - b.at);
}

/** FilterLogEvents takes at most 100 stream names (CloudWatch Logs API Reference, FilterLogEvents, logStreamNames). */
const MAX_STREAM_NAMES = 100;
const DEFAULT_MAX_PAGES = 10;
const GROUP_PREFIX = /^\/[A-Za-z0-9_\-./#]{1,400}$/;

/**
 * LogReader over CloudWatch Logs: a job's group, filtered to the streams of the copies
 * asked for, from `since` on, paged with nextToken until `limit` lines or `maxPages` calls.
 */
export class CloudWatchLogReader implements LogReader {
  private readonly maxPages: number;

  constructor(private readonly options: CloudWatchLogReaderOptions) {
    if (!GROUP_PREFIX.test(options.groupPrefix) || options.groupPrefix.endsWith('/')) {
      throw new Error(`CloudWatchLogReader: groupPrefix must look like /stowage/<stack> (no trailing /), got ${JSON.stringify(options.groupPrefix)}`);
    }
    this.maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
    if (!Number.isSafeInteger(this.maxPages) || this.maxPages < 1) throw new Error(`CloudWatchLogReader: maxPages must be a whole number >= 1, got ${options.maxPages}`);
  }

  async read(query: LogQuery): Promise<LogPage> {
    const group = logGroupOf(this.options.groupPrefix, query.jobId);
    const streams = query.taskIds?.map(logStreamOf);
    if (streams !== undefined && streams.length === 0) return { lines: [], truncated: false };
    if (streams !== undefined && streams.length > MAX_STREAM_NAMES) {
      throw new LogReaderError(`a replica has ${streams.length} copies, more than the ${MAX_STREAM_NAMES} streams CloudWatch Logs filters at once; read without --task`, false);
    }
    const lines: LogLine[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < this.maxPages; page++) {
      let events: FilteredLogEvent[];
      try {
        const res = await this.options.logs.send(
          new FilterLogEventsCommand({
            logGroupName: group,
            ...(streams ? { logStreamNames: streams } : {}),
            startTime: query.since,
            limit: query.limit - lines.length,
            ...(nextToken ? { nextToken } : {}),
          }),
        );
        events = res.events ?? [];
        nextToken = res.nextToken;
      } catch (err) {
        // No group yet: no copy of the job has started (the agent creates it before the first).
        if (classifyAwsError(err, 'logs').code === 'ResourceNotFoundException') return { lines, truncated: false };
        const facts = classifyAwsError(err, 'logs');
        throw new LogReaderError(`FilterLogEvents on ${group} failed: ${facts.code}: ${facts.message}`, facts.retriable, { cause: err });
      }
      for (const e of events) {
        if (e.timestamp === undefined || e.message === undefined || e.logStreamName === undefined) continue;
        lines.push({ taskId: e.logStreamName, at: e.timestamp, text: e.message.replace(/\r?\n$/, '') });
      }
      if (lines.length >= query.limit) return { lines: oldestFirst(lines).slice(0, query.limit), truncated: nextToken !== undefined || lines.length > query.limit };
      if (!nextToken) return { lines: oldestFirst(lines), truncated: false };
    }
    return { lines: oldestFirst(lines), truncated: true };
  }
}
