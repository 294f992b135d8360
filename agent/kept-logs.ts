import type Docker from 'dockerode';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import { LABELS } from './container-config';
import { demuxDockerLog } from './docker-log-lines';

/**
 * The last lines of a copy's output, kept when its container is removed. With json-file
 * logging (the local cloud) the output lives only as long as the container: once a copy
 * is stopped and removed, or its node consolidated away, `stowage logs` would lose it.
 * So the agent writes the tail to `<dir>/<job id>/<container name>.log` first, bounded
 * per copy and per job, for the local log reader to read beside the live containers.
 * In AWS nothing is kept here: awslogs already put every line in CloudWatch Logs.
 */
export interface KeptLogsLimits {
  /** Lines kept per copy (the tail). */
  readonly lines: number;
  /** Bytes kept per copy: the tail is cut from the front past this. */
  readonly bytes: number;
  /** Copies kept per job: the oldest file goes past this. */
  readonly copiesPerJob: number;
}

export const KEPT_LOGS_LIMITS: KeptLogsLimits = { lines: 1000, bytes: 1024 * 1024, copiesPerJob: 20 };

/** The file a copy's kept lines are in; the local reader finds copies by this name. */
export function keptLogFile(dir: string, jobId: string, taskId: string, generation: number): string {
  return path.join(dir, jobId, `${taskId}-g${generation}.log`);
}

const SAFE_ID = /^[A-Za-z0-9._-]{1,128}$/;

export class KeptLogs {
  private readonly limits: KeptLogsLimits;

  constructor(
    private readonly docker: Docker,
    readonly dir: string,
    limits: Partial<KeptLogsLimits> = {},
  ) {
    this.limits = { ...KEPT_LOGS_LIMITS, ...limits };
  }

  /**
   * Writes the container's last lines (with Docker's timestamps) before it is removed.
   * Throws on any failure; the caller removes the container anyway (a copy's output is
   * worth less than a node that converges).
   */
  async keep(containerId: string, timeoutMs = 10_000): Promise<void> {
    const container = this.docker.getContainer(containerId);
    const info = await container.inspect({ abortSignal: AbortSignal.timeout(timeoutMs) });
    const labels = info.Config?.Labels ?? {};
    const jobId = labels[LABELS.job];
    const taskId = labels[LABELS.task];
    const generation = Number(labels[LABELS.generation]);
    // Ids become path segments: only the agent's own, well-formed ones.
    if (!jobId || !taskId || !SAFE_ID.test(jobId) || !SAFE_ID.test(taskId) || !Number.isSafeInteger(generation)) return;
    const raw = (await container.logs({ stdout: true, stderr: true, timestamps: true, tail: this.limits.lines, follow: false, abortSignal: AbortSignal.timeout(timeoutMs) })) as unknown as Buffer;
    let text = demuxDockerLog(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
    if (Buffer.byteLength(text) > this.limits.bytes) {
      const cut = Buffer.from(text).subarray(-this.limits.bytes).toString('utf8');
      // Drop the partial first line the cut made.
      text = cut.slice(cut.indexOf('\n') + 1);
    }
    const file = keptLogFile(this.dir, jobId, taskId, generation);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, file);
    this.prune(path.dirname(file));
  }

  /** Keeps the newest `copiesPerJob` files of a job. */
  private prune(jobDir: string): void {
    const files = readdirSync(jobDir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => ({ f, t: statSync(path.join(jobDir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const old of files.slice(this.limits.copiesPerJob)) rmSync(path.join(jobDir, old.f), { force: true });
  }
}

/**
 * Keeps the tails of every container of a node, best effort: the local fleet calls it
 * before it removes a terminated node's containers (the machine goes, its output stays).
 */
export async function keepAllOfNode(docker: Docker, nodeId: string, dir: string): Promise<void> {
  const kept = new KeptLogs(docker, dir);
  const all = await docker.listContainers({ all: true, filters: { label: [`${LABELS.node}=${nodeId}`] } }).catch(() => []);
  await Promise.all(all.map((c) => kept.keep(c.Id).catch(() => undefined)));
}
