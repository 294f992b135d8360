import { seededRandom } from '../random';
import type { Bin, PlacementTask } from './bin';
import { describeRejections, firstRejection } from './filters';
import type { GroupTally } from './group-tally';
import type { PackResult, Placement } from './packer';
import type { PeerSelector } from './peer-selection';
import { recordCopy } from './spread';

/**
 * Places tasks one at a time with a peer's own node selection (peer-selection.ts):
 * no heap, because a sampled or normalised choice is not "the top of all feasible
 * nodes by a fixed score". O(tasks × nodes) at worst; the peers' own samples keep it
 * lower. Each placement is recorded in `groups` (and in the task's spread rule), so
 * the next copy sees it, as the peers' plans see their own proposed allocations.
 */
export function packWithPeer(
  tasks: readonly PlacementTask[],
  bins: Bin[],
  selector: PeerSelector,
  openBin: ((tasks: readonly PlacementTask[], index: number) => Bin | undefined) | undefined,
  groups: GroupTally,
): PackResult {
  const placements: Placement[] = [];
  const unplaced = new Map<string, string>();
  const selection = selector({ random: seededRandom(seedOf(tasks, bins)), groups });
  for (let t = 0; t < tasks.length; t++) {
    const task = tasks[t];
    let b = selection.choose(task, bins);
    if (b < 0) {
      const opened = openBin?.(tasks, t);
      if (opened && firstRejection(opened, task) === null) {
        bins.push(opened);
        b = bins.length - 1;
      }
    }
    if (b < 0) {
      unplaced.set(task.id, describeRejections(bins, task));
      continue;
    }
    const bin = bins[b];
    bin.freeCpu -= task.resources.cpu;
    bin.freeMemoryMiB -= task.resources.memoryMiB;
    if (task.spread) recordCopy(task.spread, bin);
    if (task.group !== undefined) groups.record(bin, task.group);
    placements.push({ taskId: task.id, binId: bin.id });
  }
  return { placements, unplaced };
}

/**
 * The round's seed: FNV-1a over the first task's id and the node count. Both are
 * independent of the order the store listed items in (tasks and nodes are sorted
 * first), so one snapshot always gives one plan, and consecutive passes differ.
 */
function seedOf(tasks: readonly PlacementTask[], bins: readonly Bin[]): number {
  let h = 0x811c9dc5;
  const text = `${tasks[0]?.id ?? ''}/${bins.length}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
