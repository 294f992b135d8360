import { HOLDS_RESOURCES, type Job, type Node, type Task } from '../model';
import type { LaunchTimeouts } from '../launch-hold';
import type { UnavailableOffering } from '../offerings';
import { add, ZERO, type Resources } from '../resources';

/** What one pass reads: every job, task and node, as of one moment. Never mutated. */
export interface Snapshot {
  readonly jobs: readonly Job[];
  readonly tasks: readonly Task[];
  readonly nodes: readonly Node[];
  /** Offerings EC2 refused recently (offerings.ts); scale-up plans around the unexpired ones. */
  readonly unavailable?: readonly UnavailableOffering[];
  /** Launches that never heartbeated since the last that did (launch-hold.ts); enough of them hold launches. */
  readonly launchTimeouts?: LaunchTimeouts;
}

/** Indexes over a snapshot that every step of a pass needs. Derived, never stored. */
export class SnapshotIndex {
  readonly jobs = new Map<string, Job>();
  readonly tasks = new Map<string, Task>();
  readonly nodes = new Map<string, Node>();
  /** Tasks holding resources on each node (ASSIGNED, STARTING, RUNNING). */
  readonly holding = new Map<string, Task[]>();
  /** Migration copies by the id of the copy they replace. */
  readonly copiesOf = new Map<string, Task[]>();
  /** Each job's tasks, in snapshot order, and then the copies this pass created. */
  readonly tasksOf = new Map<string, Task[]>();
  /** Copies this pass created (PENDING, not yet stored), in creation order. */
  readonly created: Task[] = [];
  private readonly generations = new Map<string, number>();

  constructor(readonly snapshot: Snapshot) {
    for (const j of snapshot.jobs) this.jobs.set(j.id, j);
    for (const n of snapshot.nodes) {
      this.nodes.set(n.id, n);
      this.holding.set(n.id, []);
    }
    for (const t of snapshot.tasks) {
      this.tasks.set(t.id, t);
      if (t.nodeId && HOLDS_RESOURCES.has(t.status)) this.holding.get(t.nodeId)?.push(t);
      this.note(t);
    }
  }

  /**
   * Adds a copy the pass creates, so the stages after the one that made it see it as a
   * waiting copy (placement, scale-up) and as the replacement of the copy it replaces.
   */
  addCreated(t: Task): void {
    this.tasks.set(t.id, t);
    this.created.push(t);
    this.note(t);
  }

  private note(t: Task): void {
    const slot = `${t.jobId}#${t.slot}`;
    this.generations.set(slot, Math.max(this.generations.get(slot) ?? 0, t.generation));
    const mine = this.tasksOf.get(t.jobId) ?? [];
    mine.push(t);
    this.tasksOf.set(t.jobId, mine);
    if (t.replaces) {
      const list = this.copiesOf.get(t.replaces) ?? [];
      list.push(t);
      this.copiesOf.set(t.replaces, list);
    }
  }

  /**
   * The next unused generation of a job's slot. Reserves it, so two copies created in
   * one pass never share a generation.
   */
  nextGeneration(jobId: string, slot: number): number {
    const key = `${jobId}#${slot}`;
    const next = (this.generations.get(key) ?? 0) + 1;
    this.generations.set(key, next);
    return next;
  }

  /** The sum of requests of copies holding resources on the node: its allocation. */
  used(nodeId: string): Resources {
    let sum = ZERO;
    for (const t of this.holding.get(nodeId) ?? []) sum = add(sum, t.resources);
    return sum;
  }
}
