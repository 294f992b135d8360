import type { Resources } from '../core/resources';

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
 * throws only `RuntimeError` (container-runtime-errors.ts) or a subclass, each carrying `operation`,
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
