import type { ContainerInfo, ContainerSpec } from '../core/agent/container';
import type { Resources } from '../core/resources';

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
