import type Docker from 'dockerode';
import { processAlive } from './credentials';
import { removeContainers } from './local-fleet';
import type { Leftovers } from './run-record';

export interface Cleared {
  readonly processes: number;
  readonly containers: number;
}

/** How long killed processes get to be gone before their containers are swept anyway. */
const KILL_WAIT_MS = 5_000;

/**
 * Stops a dead run's processes, then removes its containers by node id prefix.
 *
 * The order matters: an agent still alive could start a container after the sweep, so
 * every process is killed (SIGKILL: nothing of a dead run has a teardown worth waiting
 * for, and an agent's own stop would try to report to an API that is gone) and waited
 * for before the containers are listed.
 */
export async function clearLeftovers(docker: Docker, leftovers: Leftovers): Promise<Cleared> {
  for (const pid of leftovers.pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Ended between the check and now.
    }
  }
  const deadline = Date.now() + KILL_WAIT_MS;
  while (leftovers.pids.some(processAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const prefix = leftovers.idPrefix;
  const containers = prefix ? await removeContainers(docker, (node) => node.startsWith(prefix)) : 0;
  return { processes: leftovers.pids.length, containers };
}
