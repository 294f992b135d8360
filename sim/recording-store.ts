import { InMemoryStateStore } from '../control/fakes/in-memory-state-store';
import type { Heartbeat } from '../control/state/node-report';
import type { CapacityType, Node } from '../core/model';
import type { Plan } from '../core/pass/plan-types';
import type { ApplyResult } from '../control/state/state-store';

/**
 * The in-memory store that remembers the last plan applied and what the store made of
 * it: what the replay counts (placements, migrations, unschedulable tasks) and when it
 * may skip ahead, read from the plan runPass committed rather than from a second pass.
 *
 * It also keeps what the launch path and the agents record of a Spot node on EC2 — its
 * capacity type and its Spot price from the launch, its reclaim notice — across the
 * replay's heartbeats, which report neither (a simulated agent reads no instance
 * metadata). The launch a node came from is the plan's launch of the same type, zone
 * and price: a Spot price differs from its type's On-Demand one, so the match is exact.
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
    const launch = this.lastApplied?.plan.launches.find((l) => l.instanceType === node.instanceType && l.zone === node.zone && l.pricePerHour === node.pricePerHour);
    const capacityType = node.capacityType ?? launch?.capacityType ?? 'on-demand';
    this.bought.set(node.id, { capacityType, pricePerHour: node.pricePerHour });
    await super.recordLaunch(capacityType === 'spot' ? { ...node, capacityType } : node);
  }

  override async recordHeartbeat(hb: Heartbeat, now: number): Promise<void> {
    await super.recordHeartbeat(hb, now);
    const bought = this.bought.get(hb.nodeId);
    const node = this.state.nodes.get(hb.nodeId);
    if (!node || bought?.capacityType !== 'spot') return;
    this.state.nodes.set(hb.nodeId, { ...node, capacityType: 'spot', pricePerHour: bought.pricePerHour, ...(this.reclaims.has(hb.nodeId) ? { reclaim: this.reclaims.get(hb.nodeId) } : {}) });
  }

  /**
   * The interruption handler's write (EC2's warning, through EventBridge and SQS in a
   * deployment): the node DRAINING with its notice. A node already gone is left alone.
   */
  markReclaimed(nodeId: string, reclaim: NonNullable<Node['reclaim']>): boolean {
    const node = this.state.nodes.get(nodeId);
    if (!node || node.state === 'LOST' || node.state === 'TERMINATING') return false;
    this.reclaims.set(nodeId, reclaim);
    this.state.nodes.set(nodeId, { ...node, state: 'DRAINING', reclaim });
    return true;
  }

  private readonly reclaims = new Map<string, NonNullable<Node['reclaim']>>();
}
