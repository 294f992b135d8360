import type { LogLine, LogPage, LogQuery, LogReader } from '../log-reader';

/** LogReader over lines a test writes: the job's lines from `since`, of the copies asked for, oldest first, at most `limit`. */
export class InMemoryLogReader implements LogReader {
  private readonly byJob = new Map<string, LogLine[]>();
  /** Every query read, for tests that check what the route asked. */
  readonly queries: LogQuery[] = [];

  write(jobId: string, ...lines: LogLine[]): void {
    const all = this.byJob.get(jobId) ?? [];
    all.push(...lines);
    this.byJob.set(jobId, all);
  }

  async read(query: LogQuery): Promise<LogPage> {
    this.queries.push(query);
    const wanted = query.taskIds ? new Set(query.taskIds) : undefined;
    const lines = (this.byJob.get(query.jobId) ?? [])
      .filter((l) => l.at >= query.since && (!wanted || wanted.has(l.taskId)))
      .sort((a, b) => a.at - b.at);
    return { lines: lines.slice(0, query.limit), truncated: lines.length > query.limit };
  }
}
