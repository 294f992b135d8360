import type Docker from 'dockerode';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LABELS } from '../agent/container-config';
import { demuxDockerLog, parseTimestamped } from '../agent/docker-log-lines';
import { LogReaderError, type LogLine, type LogPage, type LogQuery, type LogReader } from '../control/log-reader';

export interface DockerLogReaderOptions {
  readonly docker: Docker;
  /** The local nodes' state folders' parent: each node keeps removed copies' tails in `<node>/kept-logs/`. */
  readonly stateDir: string;
  readonly timeoutMs?: number;
}

const KEPT_FILE = /^(.+)-g(\d+)\.log$/;

/**
 * The local cloud's LogReader: the output of the job's containers on the local engine
 * (json-file, found by their labels, on whichever local node runs them), and the tails
 * the agents kept of copies they removed (agent/kept-logs.ts), so a stopped copy's or a
 * terminated node's output still reads. A copy both running and kept (its container
 * is being removed right now) is read once, from the engine.
 */
export class DockerLogReader implements LogReader {
  constructor(private readonly options: DockerLogReaderOptions) {}

  async read(query: LogQuery): Promise<LogPage> {
    const wanted = query.taskIds ? new Set(query.taskIds) : undefined;
    const lines: LogLine[] = [];
    const live = new Set<string>();
    const timeout = this.options.timeoutMs ?? 10_000;
    const unreachable = (err: unknown) => new LogReaderError(`the local Docker engine could not be read (${(err as Error).message}); check that dockerd runs`, true, { cause: err });
    let containers: Docker.ContainerInfo[];
    try {
      containers = await this.options.docker.listContainers({ all: true, filters: { label: [`${LABELS.job}=${query.jobId}`] }, abortSignal: AbortSignal.timeout(timeout) } as Docker.ContainerListOptions);
    } catch (err) {
      throw unreachable(err);
    }
    for (const c of containers) {
      const taskId = c.Labels?.[LABELS.task];
      const generation = c.Labels?.[LABELS.generation];
      if (!taskId || (wanted && !wanted.has(taskId))) continue;
      let raw: Buffer;
      try {
        raw = (await this.options.docker.getContainer(c.Id).logs({
          stdout: true,
          stderr: true,
          timestamps: true,
          follow: false,
          // Whole seconds: Docker's `since` is a Unix time; the exact cut is made below.
          since: Math.floor(query.since / 1000),
          abortSignal: AbortSignal.timeout(timeout),
        })) as unknown as Buffer;
      } catch (err) {
        // Removed between listing and reading (404), or being removed (409: "dead or marked
        // for removal"): the agent kept its tail before it asked for the removal, so it
        // reads from the kept files below.
        const status = (err as { statusCode?: number }).statusCode;
        if (status === 404 || status === 409) continue;
        throw unreachable(err);
      }
      live.add(`${taskId}-g${generation}`);
      for (const l of parseTimestamped(demuxDockerLog(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw))))) lines.push({ taskId, ...l });
    }
    for (const kept of this.keptFiles(query.jobId)) {
      const m = KEPT_FILE.exec(path.basename(kept));
      if (!m || live.has(`${m[1]}-g${m[2]}`) || (wanted && !wanted.has(m[1]))) continue;
      for (const l of parseTimestamped(readFileSync(kept, 'utf8'))) lines.push({ taskId: m[1], ...l });
    }
    const from = lines.filter((l) => l.at >= query.since).sort((a, b) => a.at - b.at || (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0));
    return { lines: from.slice(0, query.limit), truncated: from.length > query.limit };
  }

  private keptFiles(jobId: string): string[] {
    const root = this.options.stateDir;
    if (!existsSync(root)) return [];
    const out: string[] = [];
    for (const node of readdirSync(root)) {
      const dir = path.join(root, node, 'kept-logs', jobId);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir)) if (f.endsWith('.log')) out.push(path.join(dir, f));
    }
    return out;
  }
}
