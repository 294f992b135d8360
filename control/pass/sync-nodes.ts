import type { NodeCommander } from '../node-commander';
import type { PassLogger } from './run-pass';

/**
 * Tells the nodes whose desired tasks changed to converge now. Best effort: agents also
 * sync on their own timer, so an unreachable node or a failed command only delays.
 * Returns the ids asked, sorted.
 */
export async function syncNodes(commander: NodeCommander, logger: PassLogger, nodes: ReadonlySet<string>): Promise<string[]> {
  const ids = [...nodes].sort();
  if (ids.length === 0) return [];
  try {
    const { failed } = await commander.sync(ids);
    if (failed.length > 0) logger.warn('sync not delivered to some nodes', { failed });
  } catch (err) {
    logger.warn('sync command failed; agents will converge on their own timer', { error: String(err) });
  }
  return ids;
}
