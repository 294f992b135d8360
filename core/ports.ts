import type { Job, Node, Task } from './model';
import type { Plan } from './plan-types';
import type { Resources } from './resources';
import type { Snapshot } from './snapshot';

/**
 * The ports the scheduler's shell talks through. Each has an AWS (or Docker) adapter
 * and an in-memory fake; one contract suite runs against both, so the fakes cannot
 * drift from the real thing. Errors thrown are named per method.
 */

/** What an agent reports about one container of a task it runs. */
export interface ContainerReport {
  readonly taskId: string;
  readonly generation: number;
  readonly state: 'starting' | 'running' | 'exited';
  readonly exitCode?: number;
  readonly oomKilled?: boolean;
  readonly startedAt?: number;
  readonly finishedAt?: number;
}

export interface Heartbeat {
  readonly nodeId: string;
  readonly instanceType: string;
  readonly zone: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly capacity: Resources;
  readonly usage: Resources;
  readonly pricePerHour: number;
  readonly containers: readonly ContainerReport[];
}

/** One entry of a plan the store refused, and why: the next pass re-plans from fresh state. */
export interface PlanConflict {
  readonly kind: 'assignment-group' | 'task-update' | 'node-update';
  /** The node whose group of assignments (or whose update) was refused. */
  readonly nodeId?: string;
  readonly taskIds: readonly string[];
  readonly reason: string;
}

export interface ApplyResult {
  readonly assignmentsCommitted: number;
  readonly taskUpdatesCommitted: number;
  readonly nodeUpdatesCommitted: number;
  readonly conflicts: readonly PlanConflict[];
}

export interface UtilisationSample {
  readonly t: number;
  readonly nodes: number;
  readonly nodesByType: Readonly<Record<string, number>>;
  readonly capacity: Resources;
  readonly allocated: Resources;
  readonly usage: Resources;
  readonly costPerHour: number;
  readonly pending: number;
}

/**
 * Jobs, tasks, nodes and samples. `applyPlan` is the optimistic-concurrency applier:
 * node updates commit only from the state the plan saw; each node's group of
 * assignments commits in one transaction, only while the node is ACTIVE or LAUNCHING
 * and stays within capacity, and each task moves only from the status the plan saw;
 * a refused entry is reported in `conflicts`, never thrown, and the rest still applies.
 *
 * Throws `JobExistsError` (createJob, same id already stored) and `StoreUnavailableError`
 * (the backing service failed in a way a retry may fix); nothing else on bad luck.
 */
export interface StateStore {
  snapshot(): Promise<Snapshot>;
  /**
   * Writes the tasks (each only if absent), then the job, so the scheduler (which ignores
   * tasks without a job) never sees half a submission. The same job offered again — equal
   * but for createdAt, a retry — fills in what is missing and succeeds; a different job
   * under the same id throws JobExistsError.
   */
  createJob(job: Job, tasks: readonly Task[]): Promise<void>;
  getJob(jobId: string): Promise<{ job: Job; tasks: Task[] } | undefined>;
  listJobs(): Promise<Job[]>;
  /** Marks the job stopped; the next pass stops its copies. False when no such job. */
  requestStop(jobId: string, now: number): Promise<boolean>;
  listNodes(): Promise<Node[]>;
  /** What an agent should run: copies assigned to the node, current generation. */
  tasksForNode(nodeId: string): Promise<Task[]>;
  /** Upserts the node from its report and moves its copies' statuses from what its containers did. */
  recordHeartbeat(hb: Heartbeat, now: number): Promise<void>;
  applyPlan(plan: Plan): Promise<ApplyResult>;
  /** Records a node the fleet just launched (state LAUNCHING). */
  recordLaunch(node: Node): Promise<void>;
  /** Forgets a node once the fleet terminated it. */
  removeNode(nodeId: string): Promise<void>;
  putSample(sample: UtilisationSample): Promise<void>;
  listSamples(from: number, to: number): Promise<UtilisationSample[]>;
}

/** Tells nodes to converge now. Best effort: agents also sync on their own timer. */
export interface NodeCommander {
  /** Sends the fixed `stowage-agent sync` to these instances; returns the ids it could not reach. */
  sync(instanceIds: readonly string[]): Promise<{ failed: readonly string[] }>;
}

export interface LaunchRequest {
  readonly instanceType: string;
  readonly zone: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The machines. Throws `FleetError` with `retriable` set. */
export interface Fleet {
  /** Launches one instance; returns its id. */
  launch(request: LaunchRequest): Promise<string>;
  /** Terminates instances this deployment owns; others are refused, not touched. */
  terminate(instanceIds: readonly string[]): Promise<void>;
}

export interface Clock {
  now(): number;
}
