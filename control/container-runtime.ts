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
   * whose labels are missing or malformed are not the agent's and are left out. All a
   * restarted agent needs comes from the engine and the labels: for a running container,
   * its `endpoints` (each named port with the host port the engine bound) and its
   * `health` (the engine's status for a command check or the image's own HEALTHCHECK,
   * the agent's own probe for an http/tcp check, `none` when nothing checks it); for any
   * container, the `stopGraceSeconds` it was made with. Throws `RuntimeError` (operation `list`).
   */
  list(nodeId: string): Promise<ContainerInfo[]>;
  /**
   * Creates and starts one container for the task; returns its id. Each port is published
   * on a host port the engine picks; CPU is a weight in proportion to the request, capped
   * only by `cpuLimit`; memory is a hard limit; every capability is dropped but
   * NET_BIND_SERVICE and the spec's `capabilities`; a command health check runs inside the
   * container as an argv. Throws
   * `InvalidImageReferenceError` (before any Docker call), `ImageNotFoundError` (image not
   * present locally; nothing is pulled), or `RuntimeError` (operation `create` or `start`;
   * a container that failed to start is removed, so no half-made copy is left).
   */
  createAndStart(spec: ContainerSpec, nodeId: string): Promise<string>;
  /**
   * SIGTERM, then SIGKILL after `graceSeconds` (the job's `stopGraceSeconds`, as the
   * reconcile action carries it). Stopping a container that is already stopped or gone
   * succeeds. Throws `RuntimeError` (operation `stop`).
   */
  stop(containerId: string, graceSeconds: number): Promise<void>;
  /** Removes the container (forced, with its anonymous volumes); a missing one succeeds. Throws `RuntimeError` (operation `remove`). */
  remove(containerId: string): Promise<void>;
  /** One usage sample: CPU in millicores, memory in MiB (page cache excluded). Throws `ContainerNotFoundError` or `RuntimeError` (operation `stats`). */
  stats(containerId: string): Promise<Resources>;
}
