import type { Assignment } from '../../core/pass/plan-types';

/**
 * Splits a plan's assignments into the groups a store commits atomically: one node's
 * assignments, at most `max` per group. DynamoDB allows 100 items per transaction; a
 * group writes its node, each task and each node it releases, so 48 copies leave room.
 * Every store groups the same way, so the in-memory fake refuses exactly what
 * DynamoDB would.
 */
export const MAX_ASSIGNMENTS_PER_GROUP = 48;

export interface AssignmentGroup {
  readonly nodeId: string;
  readonly assignments: readonly Assignment[];
}

export function assignmentGroups(assignments: readonly Assignment[], max = MAX_ASSIGNMENTS_PER_GROUP): AssignmentGroup[] {
  const byNode = new Map<string, Assignment[]>();
  for (const a of assignments) {
    const list = byNode.get(a.nodeId) ?? [];
    list.push(a);
    byNode.set(a.nodeId, list);
  }
  const groups: AssignmentGroup[] = [];
  for (const [nodeId, list] of byNode) {
    for (let i = 0; i < list.length; i += max) groups.push({ nodeId, assignments: list.slice(i, i + max) });
  }
  return groups;
}
