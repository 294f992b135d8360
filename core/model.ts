import type { Resources } from './resources';
import type { Deployment, UpdatePolicy, VersionTemplate } from './deployment';
import type { ContainerHealth, Endpoint, ExposeRule, HealthCheck, PortSpec, Spread } from './service';

/**
 * The domain words of DESIGN.md as types. Everything here is plain data so a
 * snapshot can be read from DynamoDB, from a trace or from a test literal alike.
 */

export type JobKind = 'service' | 'batch';

/**
 * `always`: restart on any exit (services); `on-failure`: restart on a non-zero exit
 * or OOM kill (batch); `never`. Back-off doubles per restart from `initialDelayMs` up
 * to `maxDelayMs`; a task that ran `resetAfterMs` without exiting starts again from the
 * initial delay (as Kubernetes resets CrashLoopBackOff after 10 minutes of running).
 */
export interface RestartPolicy {
  readonly mode: 'always' | 'on-failure' | 'never';
  /** Undefined means no limit. */
  readonly maxRestarts?: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly resetAfterMs: number;
}

/**
 * A CPU architecture as EC2 names it (DescribeInstanceTypes' SupportedArchitectures). An
 * image runs only where it has a variant for the node's platform: linux/arm64 on
 * `arm64`, linux/amd64 on `x86_64`.
 */
export type Architecture = 'arm64' | 'x86_64';
export const ARCHITECTURES: readonly Architecture[] = ['arm64', 'x86_64'];

export interface Constraints {
  /** Allowed instance types; empty or undefined means any. */
  readonly instanceTypes?: readonly string[];
  /** Allowed availability zones; empty or undefined means any. */
  readonly zones?: readonly string[];
  /** Labels a node must carry, each with exactly this value. */
  readonly nodeLabels?: Readonly<Record<string, string>>;
  /** The CPU architecture the job's image is built for; undefined means any. */
  readonly arch?: Architecture;
}

export interface Job {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /**
   * Env names → ARNs of where each value is kept (SSM parameter, Secrets Manager
   * secret). Only references: the agent reads the values when it starts a copy, so no
   * value is in the store, the API's answers or the scheduler's logs.
   */
  readonly secrets?: Readonly<Record<string, string>>;
  readonly resources: Resources;
  readonly count: number;
  readonly kind: JobKind;
  readonly restart: RestartPolicy;
  readonly constraints: Constraints;
  /** Never moved by consolidation (Karpenter's do-not-disrupt). */
  readonly doNotDisrupt: boolean;
  /** Ports the container listens on; absent or empty: none published. */
  readonly ports?: readonly PortSpec[];
  /** One port behind the load balancer; absent: not exposed. */
  readonly expose?: ExposeRule;
  /** Absent: the image's own HEALTHCHECK, if it has one, is what counts. */
  readonly healthCheck?: HealthCheck;
  /** SIGTERM, then SIGKILL after this long (DEFAULT_STOP_GRACE_SECONDS when absent). */
  readonly stopGraceSeconds?: number;
  /** How replicas spread; absent means `none` (jobs stored before spread existed pack freely). */
  readonly spread?: Spread;
  /** A hard CPU cap in millicores (≥ the request); absent: the request is a share, not a cap. */
  readonly cpuLimit?: number;
  /** Linux capabilities kept beyond the default (NET_BIND_SERVICE only). */
  readonly capabilities?: readonly string[];
  /**
   * How the nodes it runs on may be bought; absent: its kind's default (batch
   * spot-or-on-demand, services on-demand).
   */
  readonly capacity?: CapacityChoice;
  readonly createdAt: number;
  /** Set when a user stops the job: every copy is stopped and none is placed again. */
  readonly stopRequestedAt?: number;
  /** The version the job's copies converge on (core/deployment.ts); absent: 1. */
  readonly version?: number;
  /** The highest version number given so far (a rollback targets an older one); absent: `version`. */
  readonly latestVersion?: number;
  /** When the target version was set, and by whom (the caller's identity). */
  readonly versionedAt?: number;
  readonly versionedBy?: string;
  /** The last version whose deployment finished with every copy on it; absent: none yet. */
  readonly stableVersion?: number;
  /** Templates of versions other than the target that copies still run or a rollback may need, by version number. */
  readonly priorVersions?: Readonly<Record<string, VersionTemplate>>;
  /** How changes roll out; absent: DEFAULT_UPDATE. */
  readonly update?: UpdatePolicy;
  /** The job's latest deployment; absent on a job that never changed since it was created before deployments existed. */
  readonly deployment?: Deployment;
  /**
   * The IAM principal that created the job (lambdas/api/ownership.ts principalOf): only it
   * and the admins see and change the job. Absent on jobs stored before owners were
   * recorded, which only admins see. Never changes after creation.
   */
  readonly owner?: string;
  /**
   * Grows by one with every write of the job item: an update (API or scheduler) commits
   * only if the revision is still the one it read, so two writers never interleave.
   */
  readonly revision?: number;
}

export type TaskStatus =
  | 'PENDING'
  | 'ASSIGNED'
  | 'STARTING'
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'STOPPED'
  | 'LOST'
  | 'UNSCHEDULABLE';

/** Statuses whose copy holds its request on its node (the node's allocation). */
export const HOLDS_RESOURCES: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['ASSIGNED', 'STARTING', 'RUNNING']);

/**
 * Statuses the scheduler may place: LOST copies are placed again like PENDING ones, and
 * UNSCHEDULABLE ones are checked again, since the fleet or the catalog may have changed.
 */
export const PLACEABLE: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['PENDING', 'LOST', 'UNSCHEDULABLE']);

/**
 * One copy of one replica of a job. `slot` is the replica index; `generation` grows
 * each time the slot gets a new copy (restart elsewhere, loss, migration), so an agent
 * that comes back after a partition can tell its stale copy from the current one.
 */
export interface Task {
  readonly id: string;
  readonly jobId: string;
  readonly slot: number;
  readonly generation: number;
  readonly status: TaskStatus;
  readonly resources: Resources;
  readonly nodeId?: string;
  readonly restarts: number;
  /** Back-off: not placed before this time. */
  readonly notBefore?: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly exitCode?: number;
  readonly oomKilled?: boolean;
  /** Why the task is pending, unschedulable, failed or stopped. */
  readonly reason?: string;
  /** The job version this copy runs (core/deployment.ts); absent: 1. */
  readonly version?: number;
  /** Since when the copy reports healthy (or, for a job with no check, runs): a deployment counts it after minHealthySeconds. */
  readonly healthySince?: number;
  /** Set on a migration copy: the id of the copy it replaces (make-before-break). */
  readonly replaces?: string;
  /** Where the running copy's ports are reachable on its node, as its agent last reported. */
  readonly endpoints?: readonly Endpoint[];
  /** The running copy's health, as its agent last reported. */
  readonly health?: ContainerHealth;
  /**
   * Set on a RUNNING copy being taken out of its load balancer: it stays up, serving
   * the requests already in flight, and is stopped by the first pass at or after this
   * time (graceful-stop.ts). A copy marked so is no longer serving.
   */
  readonly stopAt?: number;
  readonly createdAt: number;
}

export type NodeState = 'LAUNCHING' | 'ACTIVE' | 'DRAINING' | 'TERMINATING' | 'LOST';

/** Nodes that may receive new copies. A LAUNCHING node takes work before its agent is up, as Karpenter nominates pods to a node claim. */
export const ACCEPTS_WORK: ReadonlySet<NodeState> = new Set<NodeState>(['LAUNCHING', 'ACTIVE']);

/** Nodes that are gone or going: they hold nothing the scheduler can count on. */
export const GONE: ReadonlySet<NodeState> = new Set<NodeState>(['LOST', 'TERMINATING']);

export interface Node {
  readonly id: string;
  readonly instanceType: string;
  readonly zone: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly capacity: Resources;
  /** Measured by the agent; absent until its first heartbeat. */
  readonly usage?: Resources;
  /**
   * Σ requests of the copies holding resources here, as the store keeps it for its
   * capacity checks. plan() never reads it: it derives allocation from the tasks.
   */
  readonly allocated?: Resources;
  readonly state: NodeState;
  readonly launchedAt: number;
  /** Absent while LAUNCHING: the agent has not reported yet. */
  readonly lastHeartbeatAt?: number;
  readonly pricePerHour: number;
  /** First pass that saw the node hold no work; drives the empty-node grace period. */
  readonly emptySince?: number;
  /** First pass that saw the node under the utilisation threshold (autoscaler-like policy). */
  readonly underutilizedSince?: number;
  /** The address load balancers reach its host ports at (private IP on EC2, 127.0.0.1 locally). */
  readonly address?: string;
  /** How the instance was bought; absent: on-demand. */
  readonly capacityType?: CapacityType;
  /** Set when the cloud said it will take the node back (a Spot notice); the node is DRAINING from then on. */
  readonly reclaim?: Reclaim;
}

/** How an instance is bought. */
export type CapacityType = 'on-demand' | 'spot';

/** What a job accepts to run on. */
export type CapacityChoice = 'on-demand' | 'spot' | 'spot-or-on-demand';

/**
 * The cloud's notice that it will take a node back. An `interruption` (EC2's Spot
 * interruption warning) comes two minutes ahead and carries the `deadline`; a
 * `rebalance` recommendation (elevated risk of interruption) carries none.
 */
export interface Reclaim {
  readonly notice: 'interruption' | 'rebalance';
  /** When the notice was received (epoch ms). */
  readonly noticedAt: number;
  /** When the instance will be taken (epoch ms); absent for a rebalance recommendation. */
  readonly deadline?: number;
}

export interface InstanceType {
  readonly name: string;
  readonly capacity: Resources;
  readonly pricePerHour: number;
  /**
   * Absent on the made-up types of traces and tests: such a type takes no job that
   * requires an architecture, and a deployment launches only types whose architecture
   * it has a launch template for.
   */
  readonly arch?: Architecture;
}
