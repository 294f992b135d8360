import { InMemoryState } from '../control/fakes/in-memory-state-store';
import { HOLDS_RESOURCES } from '../core/model';
import type { Assignment, Plan } from '../core/pass/plan-types';
import type { Resources } from '../core/resources';

/**
 * The simulator's cluster: the in-memory StateStore (held by the contract suite to
 * DynamoDB's rules), plus what a replay needs on top — the fleet's launches and
 * terminations, and the counts it reports. One writer, so a refused write is a bug
 * the replay counts rather than a race.
 */
export class SimState extends InMemoryState {
  /** Node id → launched and terminated (ms), for node-hours after nodes are gone. */
  readonly nodeLife = new Map<string, { type: string; price: number; from: number; to?: number }>();
  rejected = 0;
  migrations = 0;
  private nextNode = 0;

  constructor(private readonly capacityOf: (type: string) => Resources) {
    super();
  }

  /** Applies a plan as the scheduler's shell would: store first, then the fleet. Returns the assignments that committed. */
  applyAndAct(plan: Plan, now: number): Assignment[] {
    const result = this.applyPlan(plan);
    this.rejected += result.conflicts.length;
    const refused = new Set(result.conflicts.flatMap((c) => (c.kind === 'assignment-group' ? c.taskIds : [])));
    const accepted = plan.assignments.filter((a) => !refused.has(a.taskId));
    this.migrations += accepted.filter((a) => a.create).length;
    for (const t of plan.terminations) {
      const n = this.nodes.get(t.nodeId);
      // Only a node the plan (or an earlier one) took out of service is terminated.
      if (!n || (n.state !== 'LOST' && n.state !== 'TERMINATING')) {
        this.rejected++;
        continue;
      }
      this.removeNode(t.nodeId);
      const life = this.nodeLife.get(t.nodeId);
      if (life && life.to === undefined) life.to = now;
      for (const task of this.tasks.values()) {
        if (task.nodeId === t.nodeId && HOLDS_RESOURCES.has(task.status)) {
          // The instance is gone with whatever still ran there; the next pass sees it lost.
          this.tasks.set(task.id, { ...task, status: 'LOST', nodeId: undefined, reason: `node ${t.nodeId} terminated` });
        }
      }
    }
    for (const l of plan.launches) {
      const id = `i-${String(this.nextNode++).padStart(6, '0')}`;
      this.recordLaunch({ id, instanceType: l.instanceType, zone: l.zone, labels: l.labels, capacity: this.capacityOf(l.instanceType), state: 'LAUNCHING', launchedAt: now, pricePerHour: l.pricePerHour });
      this.nodeLife.set(id, { type: l.instanceType, price: l.pricePerHour, from: now });
    }
    return accepted;
  }
}
