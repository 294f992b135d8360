import type Docker from 'dockerode';
import type { InstanceType } from '../core/model';
import type { StateStore } from '../control/state/state-store';
import type { ApiHooks } from './cloud-api';
import type { EventLog } from './event-log';
import type { Piece } from './lifecycle';
import { LocalFleet } from './local-fleet';
import type { RunClaim } from './run-claim';

/**
 * The local cloud's fleet: agent processes started by the scheduler's launches (and the
 * first nodes below), their pids kept in the run record, their output in the log, their
 * tokens answered for the API. Stop ends every agent and removes its containers.
 */
export interface CloudFleetOptions {
  readonly apiUrl: string;
  readonly stateDir: string;
  readonly catalog: readonly InstanceType[];
  readonly repoRoot: string;
  readonly intervalSeconds: number;
  readonly docker: Docker;
  readonly claim: RunClaim;
  readonly log: EventLog;
  readonly hooks: ApiHooks;
  readonly secretsFile?: string;
  /** Told how many agents were running when the stop began. */
  readonly onStopped?: (agents: number) => void;
}

export function startFleet(o: CloudFleetOptions): Piece<LocalFleet> {
  const fleet = new LocalFleet({
    apiUrl: o.apiUrl,
    stateDir: o.stateDir,
    catalog: o.catalog,
    repoRoot: o.repoRoot,
    intervalSeconds: o.intervalSeconds,
    docker: o.docker,
    ...(o.secretsFile ? { secretsFile: o.secretsFile } : {}),
    idPrefix: o.claim.idPrefix,
    onLog: (nodeId, line) => o.log.line(nodeId, line),
    onProcessesChanged: (pids) => o.claim.recordAgentPids(pids),
  });
  const detach = o.hooks.attachFleet(fleet);
  return {
    value: fleet,
    stop: async () => {
      o.onStopped?.(fleet.running.length);
      try {
        await fleet.stopAll();
      } finally {
        // After the agents: one still stopping may report once more, with its own token.
        detach();
      }
    },
  };
}

/**
 * One node started with the cloud, recorded as a scheduler launch records it: LAUNCHING
 * until its first heartbeat. Nothing to stop of its own; the fleet stops its agent.
 */
export async function launchFirstNode(fleet: LocalFleet, store: StateStore, type: InstanceType, zone: string, log: EventLog): Promise<Piece<string>> {
  const { id } = await fleet.launch({ instanceType: type.name, zone, labels: {} });
  await store.recordLaunch({ id, instanceType: type.name, zone, labels: {}, capacity: type.capacity, state: 'LAUNCHING', launchedAt: Date.now(), pricePerHour: type.pricePerHour });
  log.event(`started ${id} (${type.name}, ${zone})`);
  return { value: id };
}
