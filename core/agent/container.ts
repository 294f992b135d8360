import type { Resources } from '../resources';
import type { ContainerHealth, Endpoint, HealthCheck, PortSpec } from '../service';

/**
 * The containers the agent's decisions are about: what to run for a task, and what the
 * engine holds. The container-runtime port (control/container-runtime.ts) speaks in them.
 */

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
  /** Env names → ARNs; the runtime reads the values at start and adds them to the env. */
  readonly secrets?: Readonly<Record<string, string>>;
  readonly resources: Resources;
  /** Published on host ports the engine picks. */
  readonly ports?: readonly PortSpec[];
  readonly healthCheck?: HealthCheck;
  /** SIGTERM, then SIGKILL after this long. */
  readonly stopGraceSeconds?: number;
  /** Hard CPU cap in millicores; absent: CPU shares in proportion to the request, no cap. */
  readonly cpuLimit?: number;
  /** Capabilities kept beyond the default set (NET_BIND_SERVICE). */
  readonly capabilities?: readonly string[];
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
  /** Host ports the engine bound for the container's published ports. */
  readonly endpoints?: readonly Endpoint[];
  /**
   * A running container's health: Docker's status for a command check or the image's own
   * HEALTHCHECK, the agent's probe for an http/tcp check, `none` when nothing checks it.
   */
  readonly health?: ContainerHealth;
  /** The grace period it was made with, for a stop once its task is no longer desired. */
  readonly stopGraceSeconds?: number;
}
