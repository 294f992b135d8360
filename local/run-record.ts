import { readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { processAlive } from './credentials';

/**
 * What a running local cloud has started, kept on disk so that the next `npm run local`
 * after a crash (kill -9, a closed terminal) can stop what the dead one left behind:
 * its agent processes, its DynamoDB Local, its haproxy, and — found by the node id
 * prefix — its containers. Rewritten (atomically) whenever an agent starts or ends.
 */
export interface RunRecord {
  readonly pid: number;
  readonly startedAt: string;
  /** Every node id of the run starts with this; containers carry it in their node label. */
  readonly idPrefix: string;
  readonly agentPids: readonly number[];
  readonly dynamoPid?: number;
  /** The haproxy master serving exposed jobs (its workers end with it). */
  readonly haproxyPid?: number;
}

/** What a run that did not stop cleanly left: its processes still running, and its containers' node id prefix. */
export interface Leftovers {
  readonly pids: readonly number[];
  readonly idPrefix?: string;
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
      ...(typeof r.haproxyPid === 'number' ? { haproxyPid: r.haproxyPid } : {}),
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
export function leftoversOf(record: RunRecord | undefined): Leftovers {
  if (!record) return { pids: [] };
  if (record.pid !== process.pid && processAlive(record.pid)) {
    throw new AlreadyRunningError(`a local cloud is already running from this directory (pid ${record.pid}, started ${record.startedAt}); stop it with Ctrl-C in its terminal or \`npx stowage local down\``);
  }
  return leftBy(record);
}

/**
 * What a run left, without asking whether it is still alive: for a caller that knows it
 * is not (it has just watched the process end).
 */
export function leftBy(record: RunRecord): Leftovers {
  const pids = [
    ...record.agentPids.filter((p) => stillIs(p, 'stowage-agent')),
    ...(record.dynamoPid !== undefined && stillIs(record.dynamoPid, 'DynamoDBLocal') ? [record.dynamoPid] : []),
    ...(record.haproxyPid !== undefined && stillIs(record.haproxyPid, 'haproxy') ? [record.haproxyPid] : []),
  ];
  return { pids, idPrefix: record.idPrefix };
}

/** Alive and still the program the record named (a pid can be reused once its process ends). */
function stillIs(pid: number, program: string): boolean {
  return processAlive(pid) && commandLineOf(pid).includes(program);
}

function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}
