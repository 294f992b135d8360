import { InMemoryStateStore } from '../control/fakes/in-memory-state-store';
import type { CapacityType, Node } from '../core/model';
import type { Plan } from '../core/pass/plan-types';
import type { ApplyResult } from '../control/state/state-store';

/**
 * The in-memory store that remembers the last plan applied and what the store made of
 * it: what the replay counts (placements, migrations, unschedulable tasks) and when it
 * may skip ahead, read from the plan runPass committed rather than from a second pass.
 * It also keeps how each node was bought, as launched (control/pass/launch.ts records the
 * capacity type and the price of the offering the fleet chose), for the replay's bill.
 */
export class PlanRecordingStore extends InMemoryStateStore {
  /** The latest plan applied and its result; undefined before the first pass. */
  lastApplied: { readonly plan: Plan; readonly applied: ApplyResult } | undefined;
  /** Every launched node's capacity type and hourly price as launched, by node id. */
  readonly bought = new Map<string, { readonly capacityType: CapacityType; readonly pricePerHour: number }>();

  override async applyPlan(plan: Plan): Promise<ApplyResult> {
    const applied = await super.applyPlan(plan);
    this.lastApplied = { plan, applied };
    return applied;
  }

  override async recordLaunch(node: Node): Promise<void> {
    this.bought.set(node.id, { capacityType: node.capacityType ?? 'on-demand', pricePerHour: node.pricePerHour });
    await super.recordLaunch(node);
  }
}
