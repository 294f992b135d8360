import type { PlacementTask } from '../placement/bin';
import { packTasks } from '../placement/packer';
import { orderTasks } from '../placement/strategies';
import type { SchedulerPolicy } from '../policy';
import type { Resources } from '../resources';
import type { PlacementRound } from './placement-round';
import type { PlanBuilder } from './plan-builder';
import type { SnapshotIndex } from './snapshot';

/** A copy no node could take this pass, with the packer's reason. */
export interface Waiting {
  readonly task: PlacementTask;
  readonly reason: string;
}

/**
 * Placement: the copies in the strategy's order, each through the filters and the
 * scorer onto the best node (placement/packer.ts); each placement becomes an
 * assignment at the slot's next generation. Returns what did not fit, in order, for
 * scale-up.
 */
export function placeTasks(placeable: readonly PlacementTask[], round: PlacementRound, index: SnapshotIndex, builder: PlanBuilder, policy: SchedulerPolicy): Waiting[] {
  const ordered = orderTasks(placeable, round.scoring.strategy.order, largestCapacity(round, policy));
  const result = packTasks(ordered, round.bins, round.scoring);
  for (const p of result.placements) {
    const task = index.tasks.get(p.taskId)!;
    builder.assign({
      taskId: task.id,
      jobId: task.jobId,
      nodeId: p.binId,
      from: task.status,
      generation: index.nextGeneration(task.jobId, task.slot),
      resources: task.resources,
      releaseFrom: round.lost.get(task.id)?.nodeId,
    });
  }
  return ordered.filter((t) => result.unplaced.has(t.id)).map((task) => ({ task, reason: result.unplaced.get(task.id)! }));
}

/** Normalises "largest first": the largest node in the fleet, or the largest type scale-up may buy. */
function largestCapacity(round: PlacementRound, policy: SchedulerPolicy): Resources {
  let cpu = 1;
  let mem = 1;
  for (const n of round.liveNodes) {
    cpu = Math.max(cpu, n.capacity.cpu);
    mem = Math.max(mem, n.capacity.memoryMiB);
  }
  for (const t of policy.scaleUp.instanceTypes) {
    cpu = Math.max(cpu, t.capacity.cpu);
    mem = Math.max(mem, t.capacity.memoryMiB);
  }
  return { cpu, memoryMiB: mem };
}
