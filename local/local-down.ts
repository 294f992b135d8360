import type Docker from 'dockerode';
import { existsSync, readFileSync } from 'node:fs';
import { credentialsFile, processAlive, removeCredentials } from './credentials';
import { clearLeftovers } from './leftovers';
import { leftBy, readRunRecord, recordFile, removeRunRecord, type RunRecord } from './run-record';

/**
 * `stowage local down`: whatever state the run in a directory is in, leave nothing of it.
 *
 * - A live run is asked to stop (SIGINT, as Ctrl-C in its terminal) and waited for; if
 *   its own teardown did not finish (the record is still there), what it left is cleared
 *   as for a dead run.
 * - A dead run (kill -9, a closed terminal, a crash) cannot tear itself down, so this
 *   does: its agents, DynamoDB Local and haproxy (by the pids in the run record, checked
 *   by command line), its containers (by the node id prefix in their label), the
 *   credential it wrote and the record itself.
 * - With no record, a credential left by a process that is gone is removed.
 *
 * The record is removed last and only once its containers are gone: if Docker cannot be
 * reached, the record stays for the next `local down` or `npm run local`.
 */
export interface TakeDownOptions {
  readonly dir: string;
  /** The engine the run's containers are in; called only for a run that left some to look for. */
  readonly docker: () => Docker;
  readonly say: (line: string) => void;
  /** How long a live run gets to tear itself down (default 90 s: agents get 10 s each, DynamoDB Local 5 s). */
  readonly stopTimeoutMs?: number;
}

export interface TakeDownResult {
  /** What was found: a run still alive, the record of a dead one, or nothing. */
  readonly found: 'running' | 'dead' | 'none';
  readonly processes: number;
  readonly containers: number;
  /** Files removed: the credential and the run record, when they were left. */
  readonly files: readonly string[];
}

export class LocalDownError extends Error {
  override readonly name = 'LocalDownError';
}

export async function takeDown(o: TakeDownOptions): Promise<TakeDownResult> {
  const record = readRunRecord(o.dir);
  if (!record) {
    const files = removeStaleCredential(o.dir, undefined);
    o.say(files.length > 0 ? `no run recorded in ${o.dir}; removed a credential left by a process that is gone` : `no local cloud recorded in ${o.dir}; nothing to do`);
    return { found: 'none', processes: 0, containers: 0, files };
  }
  if (record.pid !== process.pid && processAlive(record.pid)) {
    await stopLiveRun(record, o);
    if (!readRunRecord(o.dir)) {
      const files = removeStaleCredential(o.dir, record.pid);
      o.say(`pid ${record.pid} stopped and removed its agents and containers`);
      return { found: 'running', processes: 0, containers: 0, files };
    }
    o.say(`pid ${record.pid} ended before its teardown finished; removing what it left`);
    return { found: 'running', ...(await clearDeadRun(record, o)) };
  }
  return { found: 'dead', ...(await clearDeadRun(record, o)) };
}

async function stopLiveRun(record: RunRecord, o: TakeDownOptions): Promise<void> {
  try {
    process.kill(record.pid, 'SIGINT');
  } catch {
    return; // Ended on its own meanwhile.
  }
  o.say(`asked pid ${record.pid} to stop (SIGINT); waiting for it to remove its agents and containers`);
  const timeoutMs = o.stopTimeoutMs ?? 90_000;
  const deadline = Date.now() + timeoutMs;
  while (processAlive(record.pid)) {
    if (Date.now() > deadline) {
      throw new LocalDownError(`pid ${record.pid} is still stopping after ${Math.round(timeoutMs / 1000)} s; end it with \`kill -9 ${record.pid}\`, then run \`stowage local down\` again to remove what it left`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function clearDeadRun(record: RunRecord, o: TakeDownOptions): Promise<Omit<TakeDownResult, 'found'>> {
  const leftovers = leftBy(record);
  const kinds = describeProcesses(record, leftovers.pids);
  let cleared;
  try {
    cleared = await clearLeftovers(o.docker(), leftovers);
  } catch (err) {
    throw new LocalDownError(
      `could not remove the containers of pid ${record.pid}'s run (node ids ${record.idPrefix}*): ${err instanceof Error ? err.message : String(err)}; ` +
        `${leftovers.pids.length} of its processes were stopped; start Docker and run \`stowage local down\` again (the run record stays until then)`,
      { cause: err },
    );
  }
  const files = [...removeStaleCredential(o.dir, record.pid), recordFile(o.dir)];
  removeRunRecord(o.dir);
  o.say(
    `pid ${record.pid} (started ${record.startedAt || 'at an unknown time'}) is not running; removed what it left: ` +
      `${cleared.processes} process${cleared.processes === 1 ? '' : 'es'}${kinds ? ` (${kinds})` : ''}, ` +
      `${cleared.containers} container${cleared.containers === 1 ? '' : 's'} (node ids ${record.idPrefix}*), ` +
      `${files.map((f) => (f === recordFile(o.dir) ? 'the run record' : 'the credential')).join(' and ')}`,
  );
  return { ...cleared, files };
}

/** "2 agents, DynamoDB Local, haproxy": which of the record's processes were still running. */
function describeProcesses(record: RunRecord, pids: readonly number[]): string {
  const agents = record.agentPids.filter((p) => pids.includes(p)).length;
  return [
    ...(agents > 0 ? [`${agents} agent${agents === 1 ? '' : 's'}`] : []),
    ...(record.dynamoPid !== undefined && pids.includes(record.dynamoPid) ? ['DynamoDB Local'] : []),
    ...(record.haproxyPid !== undefined && pids.includes(record.haproxyPid) ? ['haproxy'] : []),
  ].join(', ');
}

/**
 * Removes the credential when it belongs to `pid` or to any process that is gone; a
 * credential written by a run still alive (another run's, after a record was lost) stays.
 */
function removeStaleCredential(dir: string, pid: number | undefined): string[] {
  const file = credentialsFile(dir);
  if (!existsSync(file)) return [];
  let owner: unknown;
  try {
    owner = (JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown }).pid;
  } catch {
    owner = undefined; // Unreadable: no run can use it either.
  }
  if (typeof owner === 'number' && owner !== pid && processAlive(owner)) return [];
  removeCredentials(dir);
  return [file];
}
