import type { CapacityType, Job, NodeState, Task, TaskStatus } from '../model';
import type { Resources } from '../resources';

/**
 * The pure result of one pass. Each task appears in at most one assignment or task
 * update, and each `from` is the status the pass saw: the applier commits an entry
 * only if the store still holds that status (optimistic concurrency, as Nomad's plan
 * applier), so a plan computed from stale state cannot overwrite newer facts.
 */
export interface Plan {
  readonly now: number;
  readonly assignments: readonly Assignment[];
  readonly taskUpdates: readonly TaskUpdate[];
  readonly nodeUpdates: readonly NodeUpdate[];
  readonly launches: readonly Launch[];
  readonly terminations: readonly Termination[];
  /** Every placeable task this pass left where it was, with the reason. */
  readonly unplaced: readonly Unplaced[];
  readonly consolidations: readonly ConsolidationDecision[];
  /**
   * New copies to create PENDING (a deployment's copies of the new version that no node
   * took this pass); the store writes each only if no task has its id. Absent: none.
   * A new copy placed in the same pass is an assignment with `create` instead.
   */
  readonly creates?: readonly Task[];
  /** Job records the pass moves on (a deployment's progress, success, failure or rollback). Absent: none. */
  readonly jobUpdates?: readonly JobUpdate[];
  /** When the next pass must run though nothing may wake one (follow-up.ts); absent: only a change or the schedule. */
  readonly followUp?: FollowUp;
}

/** A pass the plan asks for at a time, and the first thing that waits on it. */
export interface FollowUp {
  readonly at: number;
  readonly reason: string;
}

/**
 * The job record as the pass leaves it: committed only if the stored job's revision is
 * still `revision` (absent revision: 0), so a user's update or stop made since wins and
 * the next pass decides again from it. `job.revision` is `revision + 1`.
 */
export interface JobUpdate {
  readonly jobId: string;
  readonly revision: number;
  readonly job: Job;
  /** What changed, for the event log: "deployment 3 SUCCEEDED", "rolling back to v2: ...". */
  readonly reason: string;
}

/**
 * A new copy onto a node: the task (or a migration copy, `create`) becomes ASSIGNED there
 * with `generation`, which no copy of the slot had when the pass ran — so a store
 * refuses the move if another pass placed the task since (its generation is no longer
 * below this one), and releases `releaseFrom` only if the task still holds that node.
 */
export interface Assignment {
  readonly taskId: string;
  readonly jobId: string;
  readonly nodeId: string;
  /** The status the pass saw; absent for a migration copy that does not exist yet. */
  readonly from?: TaskStatus;
  readonly generation: number;
  readonly resources: Resources;
  /** Node whose allocation the old copy held, released in the same commit (a lost node). */
  readonly releaseFrom?: string;
  /** A make-before-break migration copy to create. */
  readonly create?: Task;
}

export interface TaskUpdate {
  readonly taskId: string;
  readonly from: TaskStatus;
  /**
   * The copy's generation the pass saw. With `from`, it pins the update to that copy:
   * a task placed again since (same status, newer generation) is not touched.
   */
  readonly generation?: number;
  readonly to: TaskStatus;
  readonly reason?: string;
  readonly notBefore?: number;
  readonly restarts?: number;
  /**
   * Marks a RUNNING copy for a graceful stop (`to` is then RUNNING): it leaves the load
   * balancer now and is stopped by the first pass at or after this time. Any update
   * without it clears the mark.
   */
  readonly stopAt?: number;
  /** The node whose allocation this copy held and now releases. */
  readonly releaseFrom?: string;
}

export interface NodeUpdate {
  readonly nodeId: string;
  readonly from: NodeState;
  readonly to?: NodeState;
  readonly reason?: string;
  /** Commit only while nothing is allocated on the node (removing an empty node a racing pass just filled would kill its copies). */
  readonly expectEmpty?: boolean;
  /** null clears the marker. */
  readonly emptySince?: number | null;
  readonly underutilizedSince?: number | null;
  /**
   * Set on a move to LOST: the last heartbeat the pass judged the node by (null: none
   * yet). The store commits only if no newer one has landed since, so a pass that read a
   * stale node cannot declare a live one dead.
   */
  readonly heartbeatSeen?: number | null;
}

export interface Launch {
  readonly instanceType: string;
  readonly zone: string;
  readonly pricePerHour: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly reason: string;
  /** Tasks the chosen type was sized for (they are placed when the node appears). */
  readonly forTasks: readonly string[];
  /** How to buy it; absent: on-demand. */
  readonly capacityType?: CapacityType;
  /**
   * Other (type, zone) offerings that would serve as well, each able to hold `forTasks`,
   * cheapest first after the planned one: a Spot launch lets the cloud choose among them
   * (price-capacity-optimized) instead of insisting on the single cheapest.
   */
  readonly alternatives?: readonly LaunchOffering[];
}

/** One type in one zone, at the price the plan assumed. */
export interface LaunchOffering {
  readonly instanceType: string;
  readonly zone: string;
  readonly pricePerHour: number;
}

export interface Termination {
  readonly nodeId: string;
  readonly reason: string;
}

export interface Unplaced {
  readonly taskId: string;
  readonly reason: string;
}

export interface ConsolidationDecision {
  readonly nodeId: string;
  readonly action: 'delete' | 'replace' | 'remove-empty';
  readonly savingsPerHour: number;
  readonly moves: number;
  readonly replacementType?: string;
}
