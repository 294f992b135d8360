import { HOLDS_RESOURCES } from '../../core/model';
import type { Plan } from '../../core/pass/plan-types';
import type { ApplyResult } from '../state/state-store';

/**
 * What of a plan the store accepted. The pass acts on the cloud only for this: a
 * refused group of assignments, task update or node update was never decided, and the
 * next pass re-plans it from fresh state.
 */
export interface Committed {
  /** Task ids whose assignment or update the store refused. */
  readonly refusedTasks: ReadonlySet<string>;
  readonly assignments: number;
  /** Distinct nodes that received committed assignments (one transaction each). */
  readonly assignmentGroups: number;
  /** Nodes whose desired tasks changed: new copies, or copies stopped there. */
  readonly touchedNodes: ReadonlySet<string>;
  /** Nodes this plan took out of service (LOST or TERMINATING) and the store agreed. */
  readonly goneNodes: ReadonlySet<string>;
}

export function committedParts(plan: Plan, applied: ApplyResult): Committed {
  const refusedTasks = new Set(applied.conflicts.flatMap((c) => c.taskIds));
  const refusedNodes = new Set(applied.conflicts.filter((c) => c.kind === 'node-update').map((c) => c.nodeId));
  const touchedNodes = new Set<string>();
  let assignments = 0;
  for (const a of plan.assignments) {
    if (refusedTasks.has(a.taskId)) continue;
    assignments++;
    touchedNodes.add(a.nodeId);
  }
  const assignmentGroups = touchedNodes.size;
  for (const u of plan.taskUpdates) {
    if (!refusedTasks.has(u.taskId) && u.releaseFrom && !HOLDS_RESOURCES.has(u.to)) touchedNodes.add(u.releaseFrom);
  }
  const goneNodes = new Set(plan.nodeUpdates.filter((u) => (u.to === 'LOST' || u.to === 'TERMINATING') && !refusedNodes.has(u.nodeId)).map((u) => u.nodeId));
  for (const id of goneNodes) touchedNodes.delete(id);
  return { refusedTasks, assignments, assignmentGroups, touchedNodes, goneNodes };
}
