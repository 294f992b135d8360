/** What one scheduler pass read and wrote, as counts of items and plan entries. */
export interface PassShape {
  /** Items the snapshot scanned: jobs + tasks + nodes. */
  readonly snapshotItems: number;
  /** Nodes listed again to write the sample. */
  readonly nodesListed: number;
  readonly assignments: number;
  /** Distinct nodes receiving assignments: one transaction each, whose node item is written too. */
  readonly assignmentGroups: number;
  readonly taskUpdates: number;
  readonly nodeUpdates: number;
  readonly launches: number;
  readonly terminations: number;
}

/** Stowage's items are well under 1 KB (a task with its spec is ~0.5 KB). */
const ITEMS_PER_4KB = 4;

/**
 * DynamoDB request units of one pass, estimated from its shape, because the store does
 * not ask DynamoDB for ConsumedCapacity. Billing rules (DynamoDB pricing page): a scan
 * is billed on the bytes it reads, 0.5 RRU per 4 KB when eventually consistent, at
 * least one unit per request; a write is 1 WRU per KB, 2 inside a transaction.
 * Assignments and task updates commit in transactions (lambdas/adapters/dynamo-state-store.ts), the rest are
 * plain conditional writes; each task update reads its item first (0.5 RRU).
 */
export function estimatePassRequestUnits(p: PassShape): { readRequestUnits: number; writeRequestUnits: number } {
  const scan = (items: number) => 0.5 * Math.max(1, Math.ceil(items / ITEMS_PER_4KB));
  // The snapshot is three scans (jobs, tasks, nodes): at least three requests.
  const readRequestUnits = Math.max(scan(p.snapshotItems), 1.5) + scan(p.nodesListed) + 0.5 * p.taskUpdates;
  const writeRequestUnits = 2 * (p.assignments + p.assignmentGroups) + 2 * p.taskUpdates + p.nodeUpdates + p.launches + p.terminations + 1; // + the sample
  return { readRequestUnits, writeRequestUnits };
}
