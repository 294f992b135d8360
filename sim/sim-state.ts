import { HOLDS_RESOURCES, type Job, type Node, type Task } from '../core/model';
import type { Assignment, Plan } from '../core/plan-types';
import type { Snapshot } from '../core/snapshot';

/**
 * The simulator's cluster: jobs, tasks and nodes in maps, and a plan applier with the
 * same rules the DynamoDB applier enforces (each entry commits only from the status
 * the plan saw; a node takes a copy only while ACTIVE or LAUNCHING and within
 * capacity). One writer, so conflicts show up only as bugs — the applier counts them.
 */
export class SimState {
  readonly jobs = new Map<string, Job>();
  readonly tasks = new Map<string, Task>();
  readonly nodes = new Map<string, Node>();
  /** Node id → [launched, terminated?] in ms, for node-hours after nodes are gone. */
  readonly nodeLife = new Map<string, { type: string; price: number; from: number; to?: number }>();
  rejected = 0;
  migrations = 0;
  private nextNode = 0;

  snapshot(): Snapshot {
    return { jobs: [...this.jobs.values()], tasks: [...this.tasks.values()], nodes: [...this.nodes.values()] };
  }

  /**
   * Applies a plan. Node updates go first: placement saw the states the plan gives
   * nodes (a drain given up makes its node ACTIVE again), so assignments are checked
   * against those. Returns the assignments that committed.
   */
  apply(plan: Plan, now: number): Assignment[] {
    for (const u of plan.nodeUpdates) {
      const n = this.nodes.get(u.nodeId);
      if (!n || n.state !== u.from) {
        this.rejected++;
        continue;
      }
      this.nodes.set(n.id, {
        ...n,
        state: u.to ?? n.state,
        emptySince: u.emptySince === null ? undefined : (u.emptySince ?? n.emptySince),
        underutilizedSince: u.underutilizedSince === null ? undefined : (u.underutilizedSince ?? n.underutilizedSince),
      });
    }
    for (const u of plan.taskUpdates) {
      const t = this.tasks.get(u.taskId);
      if (!t || t.status !== u.from) {
        this.rejected++;
        continue;
      }
      const releases = u.to !== 'ASSIGNED' && u.to !== 'STARTING' && u.to !== 'RUNNING';
      this.tasks.set(t.id, {
        ...t,
        status: u.to,
        reason: u.reason,
        notBefore: u.notBefore ?? t.notBefore,
        restarts: u.restarts ?? t.restarts,
        nodeId: releases ? undefined : t.nodeId,
        finishedAt: u.to === 'STOPPED' ? now : t.finishedAt,
      });
    }
    const alloc = this.allocation();
    const accepted: Assignment[] = [];
    for (const a of plan.assignments) {
      const node = this.nodes.get(a.nodeId);
      const used = alloc.get(a.nodeId) ?? { cpu: 0, memoryMiB: 0 };
      const room = node && used.cpu + a.resources.cpu <= node.capacity.cpu && used.memoryMiB + a.resources.memoryMiB <= node.capacity.memoryMiB;
      if (!node || (node.state !== 'ACTIVE' && node.state !== 'LAUNCHING') || !room) {
        this.rejected++;
        continue;
      }
      if (a.create) {
        // Create-if-absent, as a conditional put would: an id never names two copies.
        if (this.tasks.has(a.create.id)) {
          this.rejected++;
          continue;
        }
        this.tasks.set(a.create.id, { ...a.create, status: 'ASSIGNED', nodeId: a.nodeId, startedAt: undefined });
        alloc.set(a.nodeId, { cpu: used.cpu + a.resources.cpu, memoryMiB: used.memoryMiB + a.resources.memoryMiB });
        this.migrations++;
        accepted.push(a);
        continue;
      }
      const t = this.tasks.get(a.taskId);
      if (!t || t.status !== a.from) {
        this.rejected++;
        continue;
      }
      this.tasks.set(t.id, { ...t, status: 'ASSIGNED', nodeId: a.nodeId, generation: a.generation, reason: undefined, startedAt: undefined, notBefore: undefined });
      alloc.set(a.nodeId, { cpu: used.cpu + a.resources.cpu, memoryMiB: used.memoryMiB + a.resources.memoryMiB });
      accepted.push(a);
    }
    for (const t of plan.terminations) {
      const n = this.nodes.get(t.nodeId);
      // Only a node the plan (or an earlier one) took out of service is terminated.
      if (!n || (n.state !== 'LOST' && n.state !== 'TERMINATING')) {
        this.rejected++;
        continue;
      }
      this.nodes.delete(t.nodeId);
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
      const type = l.instanceType;
      this.nodes.set(id, {
        id,
        instanceType: type,
        zone: l.zone,
        labels: l.labels,
        capacity: this.capacityOf(type),
        state: 'LAUNCHING',
        launchedAt: now,
        pricePerHour: l.pricePerHour,
      });
      this.nodeLife.set(id, { type, price: l.pricePerHour, from: now });
    }
    return accepted;
  }

  capacityOf: (type: string) => { cpu: number; memoryMiB: number } = () => {
    throw new Error('SimState.capacityOf not set');
  };

  /** Node id → sum of requests of the copies holding resources there. */
  allocation(): Map<string, { cpu: number; memoryMiB: number }> {
    const alloc = new Map<string, { cpu: number; memoryMiB: number }>();
    for (const t of this.tasks.values()) {
      if (!t.nodeId || !HOLDS_RESOURCES.has(t.status)) continue;
      const a = alloc.get(t.nodeId) ?? { cpu: 0, memoryMiB: 0 };
      alloc.set(t.nodeId, { cpu: a.cpu + t.resources.cpu, memoryMiB: a.memoryMiB + t.resources.memoryMiB });
    }
    return alloc;
  }
}
