import type { Bin } from './bin';

/**
 * How one job's replicas spread, as placement enforces it: at most `max` copies of
 * the job on one node (`node`) or in one zone (`zone`). `counts` holds the copies the
 * job has per node id or zone, and grows as a pack places copies; every copy of the
 * job in one pack shares the same rule object, so the filter and the scorer of each
 * copy see the copies placed before it.
 */
export interface SpreadRule {
  readonly jobId: string;
  readonly scope: 'node' | 'zone';
  readonly max: number;
  readonly counts: Map<string, number>;
}

/** The most copies of a job one node or zone may hold: ceil(count / available), never below 1. */
export function spreadMax(count: number, available: number): number {
  return Math.max(1, Math.ceil(count / Math.max(1, Math.min(count, available))));
}

/** The key a rule counts `bin` under: its id or its zone. */
export function spreadKey(rule: SpreadRule, bin: Pick<Bin, 'id' | 'zone'>): string {
  return rule.scope === 'node' ? bin.id : bin.zone;
}

/** Copies of the rule's job on `bin` (node scope) or in its zone (zone scope). */
export function spreadCount(rule: SpreadRule, bin: Pick<Bin, 'id' | 'zone'>): number {
  return rule.counts.get(spreadKey(rule, bin)) ?? 0;
}

/** Records one more (or, with -1, one fewer) copy of the rule's job on `bin`. */
export function recordCopy(rule: SpreadRule, bin: Pick<Bin, 'id' | 'zone'>, delta = 1): void {
  const key = spreadKey(rule, bin);
  rule.counts.set(key, (rule.counts.get(key) ?? 0) + delta);
}

/**
 * Every spread job's rule for one pass. A stage that only simulates (a drain it may
 * abandon, consolidation's what-ifs, scale-up's imagined nodes) packs against a
 * `fork()` and `adopt`s it only if it commits what it simulated.
 */
export class SpreadTally {
  private readonly rules = new Map<string, SpreadRule>();

  add(rule: SpreadRule): void {
    this.rules.set(rule.jobId, rule);
  }

  /** The job's rule, or undefined when its replicas pack freely. */
  ruleFor(jobId: string): SpreadRule | undefined {
    return this.rules.get(jobId);
  }

  fork(): SpreadTally {
    const copy = new SpreadTally();
    for (const r of this.rules.values()) copy.add({ ...r, counts: new Map(r.counts) });
    return copy;
  }

  /** Takes over the counts of a fork that committed. */
  adopt(fork: SpreadTally): void {
    for (const r of this.rules.values()) {
      const theirs = fork.ruleFor(r.jobId);
      if (!theirs) continue;
      r.counts.clear();
      for (const [k, v] of theirs.counts) r.counts.set(k, v);
    }
  }
}

/** The same tasks with their spread rules taken from `tally` (a fork, usually). */
export function withTally<T extends { readonly jobId: string; readonly spread?: SpreadRule }>(tasks: readonly T[], tally: SpreadTally): T[] {
  return tasks.map((t) => (t.spread ? { ...t, spread: tally.ruleFor(t.jobId) } : t));
}
