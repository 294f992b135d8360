import { readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { processAlive } from './credentials';

/**
 * What a running local cloud has started, kept on disk so that the next `npm run local`
 * after a crash (kill -9, a closed terminal) can stop what the dead one left behind:
 * its agent processes, its DynamoDB Local, and — found by the node id prefix — its
 * containers. Rewritten (atomically) whenever an agent starts or ends.
 */
export interface RunRecord {
  readonly pid: number;
  readonly startedAt: string;
  /** Every node id of the run starts with this; containers carry it in their node label. */
  readonly idPrefix: string;
  readonly agentPids: readonly number[];
  readonly dynamoPid?: number;
}

export class AlreadyRunningError extends Error {
  override readonly name = 'AlreadyRunningError';
}

export function recordFile(dir: string): string {
  return path.join(dir, 'run.json');
}

export function writeRunRecord(dir: string, record: RunRecord): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = recordFile(dir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

export function readRunRecord(dir: string): RunRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(recordFile(dir), 'utf8')) as Partial<RunRecord>;
    if (typeof r.pid !== 'number' || typeof r.idPrefix !== 'string' || !Array.isArray(r.agentPids)) return undefined;
    return {
      pid: r.pid,
      startedAt: typeof r.startedAt === 'string' ? r.startedAt : '',
      idPrefix: r.idPrefix,
      agentPids: r.agentPids.filter((p): p is number => typeof p === 'number'),
      ...(typeof r.dynamoPid === 'number' ? { dynamoPid: r.dynamoPid } : {}),
    };
  } catch {
    return undefined;
  }
}

export function removeRunRecord(dir: string): void {
  rmSync(recordFile(dir), { force: true });
}

/**
 * The leftovers of a run that is no longer alive: the processes still running that are
 * what the record says they were (checked by command line, since a pid can be reused),
 * and the prefix of its containers. Throws AlreadyRunningError if that run is alive.
 */
export function leftoversOf(record: RunRecord | undefined): { pids: number[]; idPrefix?: string } {
  if (!record) return { pids: [] };
  if (record.pid !== process.pid && processAlive(record.pid)) {
    throw new AlreadyRunningError(`a local cloud is already running from this directory (pid ${record.pid}, started ${record.startedAt}); stop it with Ctrl-C in its terminal or \`npx stowage local down\``);
  }
  const pids = [
    ...record.agentPids.filter((p) => processAlive(p) && commandLineOf(p).includes('stowage-agent')),
    ...(record.dynamoPid !== undefined && processAlive(record.dynamoPid) && commandLineOf(record.dynamoPid).includes('DynamoDBLocal') ? [record.dynamoPid] : []),
  ];
  return { pids, idPrefix: record.idPrefix };
}

function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}
