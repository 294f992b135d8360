import { PlanInvariantError } from '../errors';
import { HOLDS_RESOURCES, type Node, type NodeState, type Task } from '../model';
import type { Assignment, ConsolidationDecision, JobUpdate, Launch, NodeUpdate, Plan, TaskUpdate, Termination, Unplaced } from './plan-types';

/**
 * Accumulates a plan while the steps of a pass run, and enforces what the applier
 * relies on: a task is touched at most once, a node changes state at most once.
 */
export class PlanBuilder {
  private readonly assignments: Assignment[] = [];
  private readonly taskUpdates: TaskUpdate[] = [];
  private readonly nodeUpdates = new Map<string, NodeUpdate>();
  private readonly launches: Launch[] = [];
  private readonly terminations: Termination[] = [];
  private readonly unplaced: Unplaced[] = [];
  private readonly consolidations: ConsolidationDecision[] = [];
  private readonly touched = new Set<string>();
  /** The status each updated task ends the plan in. */
  private readonly updatedTo = new Map<string, Task['status']>();
  /** Copies this pass creates, PENDING until a stage places them (then their assignment creates them). */
  private readonly creations = new Map<string, Task>();
  private readonly jobUpdates = new Map<string, JobUpdate>();
  /** Copies this plan marks for a graceful stop (taken out of the load balancer, stopped later). */
  private readonly marked = new Set<string>();

  constructor(readonly now: number) {}

  isTouched(taskId: string): boolean {
    return this.touched.has(taskId);
  }

  assign(a: Assignment): void {
    this.touch(a.taskId);
    const created = this.creations.get(a.taskId);
    if (created) {
      // Placed in the pass that made it: the assignment writes the copy, already ASSIGNED.
      this.creations.delete(a.taskId);
      // The generation the copy was made with (its id carries it), not the one placement would give a stored copy.
      const { taskId, jobId, nodeId, resources } = a;
      this.assignments.push({ taskId, jobId, nodeId, generation: created.generation, resources, create: { ...created, status: 'ASSIGNED', nodeId, reason: undefined } });
      return;
    }
    this.assignments.push(a);
  }

  updateTask(u: TaskUpdate): void {
    const created = this.creations.get(u.taskId);
    if (created) {
      // A copy made this pass and left waiting: it is written as the update leaves it.
      this.touch(u.taskId);
      this.creations.set(u.taskId, { ...created, status: u.to, reason: u.reason, ...(u.notBefore !== undefined ? { notBefore: u.notBefore } : {}) });
      this.updatedTo.set(u.taskId, u.to);
      return;
    }
    this.touch(u.taskId);
    this.taskUpdates.push(u);
    this.updatedTo.set(u.taskId, u.to);
    if (u.stopAt !== undefined) this.marked.add(u.taskId);
  }

  /** Whether this plan ends the copy or starts its graceful stop (its slot then has one copy fewer). */
  stopsOrMarks(task: Task): boolean {
    return this.marked.has(task.id) || this.updatedTo.get(task.id) === 'STOPPED';
  }

  /** A new PENDING copy (not yet in the store); later stages may place it like any waiting copy. */
  createTask(task: Task): void {
    if (this.creations.has(task.id) || this.touched.has(task.id)) throw new PlanInvariantError(`task ${task.id} would be created twice in one pass`, { taskId: task.id });
    this.creations.set(task.id, task);
  }

  /** The job record as this pass leaves it; one update per job. */
  updateJob(u: JobUpdate): void {
    if (this.jobUpdates.has(u.jobId)) throw new PlanInvariantError(`job ${u.jobId} would be updated twice in one pass`, { jobId: u.jobId });
    this.jobUpdates.set(u.jobId, u);
  }

  /**
   * Decides that a copy stays exactly as it is this pass (one deregistering until its
   * stopAt), so no later stage stops, moves or re-places it.
   */
  keep(taskId: string): void {
    this.touch(taskId);
  }

  /** The copy's status once this plan applies. */
  statusAfter(task: Task): Task['status'] {
    return this.updatedTo.get(task.id) ?? task.status;
  }

  /** Whether the copy still holds its node once this plan applies (kept and marked copies do). */
  holdsAfter(task: Task): boolean {
    return HOLDS_RESOURCES.has(this.updatedTo.get(task.id) ?? task.status);
  }

  /** Merges marker changes into one update per node; a state change wins once. */
  updateNode(u: NodeUpdate): void {
    const prev = this.nodeUpdates.get(u.nodeId);
    if (prev?.to && u.to && prev.to !== u.to) {
      throw new PlanInvariantError(`node ${u.nodeId} would change state twice in one pass (${prev.to}, then ${u.to})`, { nodeId: u.nodeId });
    }
    this.nodeUpdates.set(u.nodeId, { ...prev, ...u, from: prev?.from ?? u.from });
  }

  nodeTarget(nodeId: string): NodeUpdate | undefined {
    return this.nodeUpdates.get(nodeId);
  }

  /** The node's state once this plan applies. */
  stateOf(node: Node): NodeState {
    return this.nodeUpdates.get(node.id)?.to ?? node.state;
  }

  launch(l: Launch): void {
    this.launches.push(l);
  }

  terminate(t: Termination): void {
    if (!this.terminations.some((x) => x.nodeId === t.nodeId)) this.terminations.push(t);
  }

  leaveUnplaced(u: Unplaced): void {
    this.unplaced.push(u);
  }

  consolidate(d: ConsolidationDecision): void {
    this.consolidations.push(d);
  }

  /** Nodes this pass has assigned copies to. */
  assignedNodes(): Set<string> {
    return new Set(this.assignments.map((a) => a.nodeId));
  }

  get launchCount(): number {
    return this.launches.length;
  }

  build(): Plan {
    return {
      now: this.now,
      assignments: this.assignments,
      taskUpdates: this.taskUpdates,
      nodeUpdates: [...this.nodeUpdates.values()],
      launches: this.launches,
      terminations: this.terminations,
      unplaced: this.unplaced,
      consolidations: this.consolidations,
      ...(this.creations.size > 0 ? { creates: [...this.creations.values()] } : {}),
      ...(this.jobUpdates.size > 0 ? { jobUpdates: [...this.jobUpdates.values()] } : {}),
    };
  }

  private touch(taskId: string): void {
    if (this.touched.has(taskId)) {
      throw new PlanInvariantError(`task ${taskId} would be changed twice in one pass`, { taskId });
    }
    this.touched.add(taskId);
  }
}
