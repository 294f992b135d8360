import type { DynamoDBRecord } from 'aws-lambda';

/**
 * Which writes to the Nodes table wake the scheduler. A heartbeat that changes nothing
 * but its time (and the measured usage) marks the item with QUIET_HEARTBEAT_ATTRIBUTE;
 * every other write to a node item — a heartbeat that changes the node's state, capacity,
 * labels, address, price or any of its copies, and every write the scheduler or a launch
 * makes — removes the mark or writes a whole item without it. The stream's records carry
 * the new image, and the event source mapping passes on only records without the mark:
 * at 10,000 nodes beating every 10 s, a steady fleet wakes nothing and the one-minute
 * schedule still finds the silent ones.
 *
 * The mark describes the write that left it, not the node: so each writer must set or
 * clear it. A flag set by change (say `changedAt`) would need the filter to compare two
 * attributes, which Lambda's filter patterns cannot do; a separate liveness table would
 * make every pass read a second table of 10,000 items.
 *
 * These patterns are Lambda's FilterCriteria, as written in infra/scheduler.ts (which
 * may not import this module; test/infra/stack.test.ts compares the two), and the local
 * stream poller applies them through `wakesScheduler`, so `npm run local` wakes when AWS
 * would.
 */
export const QUIET_HEARTBEAT_ATTRIBUTE = 'quietBeat';

export type FilterPattern = { readonly [field: string]: FilterPattern | readonly FilterValue[] };
export type FilterValue = string | number | boolean | null | { readonly exists: boolean };

/** Any pattern matching lets the record through (Lambda ORs a mapping's filters). */
export const SCHEDULER_WAKE_PATTERNS: readonly FilterPattern[] = [
  // A node appears (launch, first report) or its tombstone expires.
  { eventName: ['INSERT', 'REMOVE'] },
  // A change, not a quiet heartbeat.
  { eventName: ['MODIFY'], dynamodb: { NewImage: { [QUIET_HEARTBEAT_ATTRIBUTE]: { BOOL: [{ exists: false }] } } } },
];

export class UnsupportedFilterPatternError extends Error {
  constructor(path: string, detail: string) {
    super(`filter pattern at ${path}: ${detail}; only value lists of literals and { exists } are evaluated locally — extend matchesPattern or simplify the pattern`);
    this.name = 'UnsupportedFilterPatternError';
  }
}

/** True when the stream record would reach the scheduler through the mapping's filters. */
export function wakesScheduler(record: DynamoDBRecord): boolean {
  return SCHEDULER_WAKE_PATTERNS.some((p) => matchesPattern(p, record));
}

/**
 * Lambda's filter rule for the subset used here: every field of the pattern must match;
 * a list matches when the field's value equals one literal, or when an `{ exists }`
 * entry agrees with whether the field is present.
 */
export function matchesPattern(pattern: FilterPattern, value: unknown, path = '$'): boolean {
  const object = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  return Object.entries(pattern).every(([field, rule]) => {
    const here = `${path}.${field}`;
    const v = object?.[field];
    if (!Array.isArray(rule)) return matchesPattern(rule as FilterPattern, v, here);
    return (rule as readonly FilterValue[]).some((entry) => {
      if (typeof entry === 'object' && entry !== null) {
        if (Object.keys(entry).length !== 1 || typeof entry.exists !== 'boolean') throw new UnsupportedFilterPatternError(here, `operator ${JSON.stringify(entry)}`);
        return entry.exists === (v !== undefined);
      }
      return v === entry;
    });
  });
}
