import type Docker from 'dockerode';
import { clearLeftovers } from './leftovers';
import { removeContainers } from './local-fleet';
import type { Piece } from './lifecycle';
import { removeRunRecord, writeRunRecord, type Leftovers, type RunRecord } from './run-record';

/**
 * This run's claim on the state directory: the run record (run-record.ts) that lets the
 * next start clean up after a crash. Starting clears what a crashed run left (its agent
 * processes and DynamoDB Local, then its containers, found by its node id prefix) and
 * writes this run's record; stopping removes this run's containers, by the same prefix,
 * and then the record.
 *
 * It starts before the database and the fleet, so it stops after them: the containers
 * are swept once no agent can start another, and the record goes last, so a teardown cut
 * short leaves it for the next start to finish the job.
 */
export interface RunClaim {
  /** Every node id of this run starts with it; so does each of its containers' node label. */
  readonly idPrefix: string;
  readonly startedAt: string;
  /** What was cleaned up from a crashed run before this one started. */
  readonly leftovers: { readonly processes: number; readonly containers: number };
  recordDynamoPid(pid: number | undefined): void;
  recordHaproxyPid(pid: number | undefined): void;
  recordAgentPids(pids: readonly number[]): void;
}

export interface RunClaimOptions {
  readonly dir: string;
  readonly docker: Docker;
  /** From `leftoversOf(readRunRecord(dir))`, read before anything was touched. */
  readonly previous: Leftovers;
  readonly say: (line: string) => void;
  /** Told how many containers the stop removed. */
  readonly onSwept?: (containers: number) => void;
}

export async function claimRun(o: RunClaimOptions): Promise<Piece<RunClaim>> {
  const { processes, containers } = await clearLeftovers(o.docker, o.previous);
  if (processes + containers > 0) {
    o.say(`cleaned up a previous run that did not stop cleanly: ${processes} processes stopped, ${containers} containers removed`);
  }

  const idPrefix = `local-${process.pid}-`;
  let record: RunRecord = { pid: process.pid, startedAt: new Date().toISOString(), idPrefix, agentPids: [] };
  let released = false;
  const update = (change: Partial<RunRecord>) => {
    // An agent that exits after the claim is released must not bring the record back.
    if (released) return;
    record = { ...record, ...change };
    writeRunRecord(o.dir, record);
  };
  writeRunRecord(o.dir, record);

  return {
    value: {
      idPrefix,
      startedAt: record.startedAt,
      leftovers: { processes, containers },
      recordDynamoPid: (pid) => update({ dynamoPid: pid }),
      recordHaproxyPid: (pid) => update({ haproxyPid: pid }),
      recordAgentPids: (pids) => update({ agentPids: pids }),
    },
    stop: async () => {
      // Anything an agent started after its last listing, or a node already gone left.
      // If this fails the record stays, and the next start removes them by it.
      const swept = await removeContainers(o.docker, (node) => node.startsWith(idPrefix));
      o.onSwept?.(swept);
      released = true;
      removeRunRecord(o.dir);
    },
  };
}
