/**
 * What makes a job a reachable service: its ports, the load-balancer rule that exposes
 * one of them, its health check, how it is stopped, and how its replicas spread. Plain
 * data, as the rest of the model; the wire form is contract/job-spec.ts.
 */

/** One port a container listens on; the agent publishes it on a host port Docker picks (ECS's hostPort 0). */
export interface PortSpec {
  /** Referenced by `expose.port` and a health check's `port`: [a-z][a-z0-9-]{0,14}. */
  readonly name: string;
  readonly containerPort: number;
  readonly protocol: 'tcp';
}

/** Puts one named port behind the deployment's load balancer, matched by path and/or host. */
export interface ExposeRule {
  readonly port: string;
  /** A path pattern such as `/web/*`. */
  readonly path?: string;
  /** A host name such as `web.example.com`. */
  readonly host?: string;
}

/** Exactly one probe kind, with the timing every kind shares. */
export type HealthProbe =
  | { readonly http: { readonly port: string; readonly path: string } }
  | { readonly tcp: { readonly port: string } }
  /** Run inside the container as an argv: never through a shell on the host. */
  | { readonly command: readonly string[] };

export type HealthCheck = HealthProbe & {
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  /** Consecutive failures before the copy counts as unhealthy. */
  readonly retries: number;
  /** Failures during this window after start do not count. */
  readonly startPeriodSeconds: number;
};

/** `node`: at most ceil(count / nodes) replicas per node; `zone`: per zone; `none`: pack freely. */
export type Spread = 'node' | 'zone' | 'none';

/** SIGTERM, then SIGKILL after this many seconds, unless the job says otherwise. */
export const DEFAULT_STOP_GRACE_SECONDS = 30;
export const MAX_STOP_GRACE_SECONDS = 3600;

/**
 * Health as the agent reports it for a running copy: Docker's health status for a
 * command check or an image's own HEALTHCHECK, the agent's probe for http/tcp checks,
 * `none` when nothing checks the copy.
 */
export type ContainerHealth = 'starting' | 'healthy' | 'unhealthy' | 'none';

/** Where one named port of a running copy is reachable on its node. */
export interface Endpoint {
  readonly port: string;
  readonly containerPort: number;
  readonly hostPort: number;
}
