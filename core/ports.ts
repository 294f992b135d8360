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

/**
 * What the control plane itself did since the previous sample, for its cost estimate.
 * Counts, not dollars: prices change and live in the report (report/prices.ts).
 */
export interface ControlPlaneCounts {
  /** Scheduler Lambda invocations (one per pass). */
  readonly schedulerInvocations: number;
  /** Their summed duration, ms (what Lambda bills, at the scheduler's memory size). */
  readonly schedulerMs: number;
  /** DynamoDB read request units the passes used: an estimate where the store does not report them. */
  readonly readRequestUnits?: number;
  /** DynamoDB write request units (transactional writes count double, as DynamoDB bills them). */
  readonly writeRequestUnits?: number;
  /** API Gateway requests (agent heartbeats, user calls), when the writer knows them. */
  readonly apiRequests?: number;
}

/**
 * The fleet as one pass left it. Fields after `pending` came with the cost report
 * (issue 6) and are optional, so samples written before still read.
 */
export interface UtilisationSample {
  readonly t: number;
  readonly nodes: number;
  readonly nodesByType: Readonly<Record<string, number>>;
  readonly capacity: Resources;
  readonly allocated: Resources;
  readonly usage: Resources;
  readonly costPerHour: number;
  readonly pending: number;
  /** The packing lower bound (core/lower-bound.ts) for the allocated requests, in nodes the size of the largest in use (boundNodeSize). */
  readonly lowerBound?: number;
  /** The node size `lowerBound` counts in; the report counts a mixed fleet's capacity in nodes of this size to compare like with like. */
  readonly lowerBoundNodeSize?: Resources;
  /** False when `usage` is not a measurement (the simulator has only requests); absent means measured. */
  readonly usageMeasured?: boolean;
  readonly controlPlane?: ControlPlaneCounts;
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
  /** The job's record alone (one read): what a heartbeat needs for each task's spec. */
  getJobSpec(jobId: string): Promise<Job | undefined>;
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
  /**
   * Forgets a node once the fleet terminated it. A heartbeat already in flight from it
   * must not bring it back: the store remembers the id as terminated for a while
   * (NODE_TOMBSTONE_MS) and ignores reports from it.
   */
  removeNode(nodeId: string): Promise<void>;
  putSample(sample: UtilisationSample): Promise<void>;
  listSamples(from: number, to: number): Promise<UtilisationSample[]>;
}

/** How long a removed node's id is remembered as terminated (its last reports are ignored). */
export const NODE_TOMBSTONE_MS = 3_600_000;

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

/** What to run for one copy of a task: the job's spec as the heartbeat response carries it. */
export interface ContainerSpec {
  readonly taskId: string;
  readonly jobId: string;
  readonly generation: number;
  readonly image: string;
  /** The argv, passed to the container as is: never joined into a shell string. */
  readonly command: readonly string[];
  /** Values verbatim; nothing expands them. */
  readonly env: Readonly<Record<string, string>>;
  readonly resources: Resources;
}

/** Docker's container states, as `docker inspect` names them. */
export type ContainerState = 'created' | 'running' | 'exited' | 'dead' | 'paused' | 'restarting';

/** A container the runtime found, known from its labels (so it survives an agent restart). */
export interface ContainerInfo {
  readonly containerId: string;
  readonly taskId: string;
  readonly jobId: string;
  readonly generation: number;
  readonly state: ContainerState;
  readonly exitCode?: number;
  readonly oomKilled?: boolean;
  readonly startedAt?: number;
  readonly finishedAt?: number;
}

/**
 * The node's container engine (adapter: `DockerRuntime`). Every method has a timeout and
 * throws only `RuntimeError` (agent/errors.ts) or a subclass, each carrying `operation`,
 * `containerId` when there is one, and `retriable` (engine unreachable, timeout, 5xx:
 * true; bad input, missing image, conflict: false).
 */
export interface ContainerRuntime {
  /**
   * The containers this node's agent made, found by the `stowage.node` label; containers
   * whose labels are missing or malformed are not the agent's and are left out.
   * Throws `RuntimeError` (operation `list`).
   */
  list(nodeId: string): Promise<ContainerInfo[]>;
  /**
   * Creates and starts one container for the task; returns its id. Throws
   * `InvalidImageReferenceError` (before any Docker call), `ImageNotFoundError` (image not
   * present locally; nothing is pulled), or `RuntimeError` (operation `create` or `start`;
   * a container that failed to start is removed, so no half-made copy is left).
   */
  createAndStart(spec: ContainerSpec, nodeId: string): Promise<string>;
  /**
   * SIGTERM, then SIGKILL after `graceSeconds`. Stopping a container that is already
   * stopped or gone succeeds. Throws `RuntimeError` (operation `stop`).
   */
  stop(containerId: string, graceSeconds: number): Promise<void>;
  /** Removes the container (forced, with its anonymous volumes); a missing one succeeds. Throws `RuntimeError` (operation `remove`). */
  remove(containerId: string): Promise<void>;
  /** One usage sample: CPU in millicores, memory in MiB (page cache excluded). Throws `ContainerNotFoundError` or `RuntimeError` (operation `stats`). */
  stats(containerId: string): Promise<Resources>;
}
