import { FleetError, type Fleet } from '../fleet';
import type { SchedulerStore } from '../state/state-store';
import type { PassLogger } from './run-pass';

/**
 * Terminates nodes that are out of service, then forgets them in the store; returns the
 * ids forgotten. A failure a retry may fix forgets nothing: the nodes stay LOST or
 * TERMINATING and the next pass asks again.
 */
export async function terminateNodes(fleet: Fleet, store: SchedulerStore, logger: PassLogger, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  try {
    await fleet.terminate(ids);
  } catch (err) {
    if (err instanceof FleetError && err.operation === 'terminate' && !err.retriable && err.instanceIds.length > 0) {
      // The fleet terminated what this deployment owns and refused the rest: forget all of
      // them, or one stray id would block every later removal. The refused ones are logged.
      logger.error('terminate refused instances this deployment does not own; forgetting their node records', { refused: err.instanceIds, error: String(err) });
    } else {
      logger.error('terminate failed; the nodes stay out of service and the next pass asks again', { instanceIds: ids, error: String(err) });
      return [];
    }
  }
  for (const id of ids) await store.removeNode(id);
  return [...ids];
}
