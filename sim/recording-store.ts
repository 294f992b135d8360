import { InMemoryStateStore } from '../control/fakes/in-memory-state-store';
import type { Plan } from '../core/pass/plan-types';
import type { ApplyResult } from '../control/state/state-store';

/**
 * The in-memory store that remembers the last plan applied and what the store made of
 * it: what the replay counts (placements, migrations, unschedulable tasks) and when it
 * may skip ahead, read from the plan runPass committed rather than from a second pass.
 */
export class PlanRecordingStore extends InMemoryStateStore {
  /** The latest plan applied and its result; undefined before the first pass. */
  lastApplied: { readonly plan: Plan; readonly applied: ApplyResult } | undefined;

  override async applyPlan(plan: Plan): Promise<ApplyResult> {
    const applied = await super.applyPlan(plan);
    this.lastApplied = { plan, applied };
    return applied;
  }
}
