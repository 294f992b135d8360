import type Docker from 'dockerode';
import { imageReferenceProblem } from '../contract/image-reference';
import type { ContainerInfo, ContainerSpec, ContainerState } from '../core/agent/container';
import type { ContainerRuntime } from '../control/container-runtime';
import { logGroupOf } from '../control/log-reader';
import type { Resources } from '../core/resources';
import type { ContainerHealth, Endpoint } from '../core/service';
import { checkOfLabel, createOptions, endpointsOf, JSON_FILE_LOGS, LABELS, portsOfLabel, validateBindAddress, validateLogSettings, validateSpec, type LogSettings } from './container-config';
import type { KeptLogs } from './kept-logs';
import type { LogGroups } from './log-groups';
import type { SecretSource } from './secret-source';
import { ContainerProbes, type ProbeAddress } from './container-probes';
import type { RegistryAuth } from './ecr-auth';
import { ImagePullError } from './image-pull-error';
import { ContainerNotFoundError, ImageNotFoundError, InvalidImageReferenceError, RuntimeError, RuntimeTimeoutError, type RuntimeOperation } from '../control/container-runtime-errors';


/** Per-operation timeouts in ms. `stop` gets the grace period on top. */
export interface RuntimeTimeouts {
  readonly list: number;
  readonly inspect: number;
  readonly create: number;
  readonly start: number;
  readonly stop: number;
  readonly remove: number;
  readonly stats: number;
  /** A whole image pull, every layer. */
  readonly pull: number;
}

export const DEFAULT_TIMEOUTS: RuntimeTimeouts = {
  list: 15_000,
  inspect: 10_000,
  create: 30_000,
  start: 30_000,
  stop: 15_000,
  remove: 30_000,
  stats: 15_000,
  pull: 300_000,
};

const MIB = 1_048_576;

/**
 * Throws InvalidImageReferenceError unless `image` is a reference of the API's grammar
 * (contract/image-reference.ts): checked again here, before Docker sees it, so a
 * reference is never something the engine would parse as more than one thing, and a bad
 * one fails with a message rather than a 400 from the engine.
 */
export function validateImageReference(image: string): void {
  const problem = imageReferenceProblem(image);
  if (problem !== undefined) throw new InvalidImageReferenceError(image, problem);
}

export interface DockerRuntimeOptions {
  /** A dockerode client; injected so tests and the agent choose the socket. */
  readonly docker: Docker;
  readonly timeouts?: Partial<RuntimeTimeouts>;
  /**
   * Pull an image that is not on the node (default true: nodes in AWS pull from their
   * registry). Off for local nodes, whose images come from `docker import`.
   */
  readonly pull?: boolean;
  /**
   * The host address published ports are bound on: default 0.0.0.0 (an EC2 node, reached
   * by the load balancer on its private address); the local cloud passes 127.0.0.1 so
   * nothing is published beyond the machine.
   */
  readonly bindAddress?: string;
  /** The agent's http/tcp health checks; injectable so tests choose the probe and clock. */
  readonly probes?: ContainerProbes;
  /** Credentials for private registries (ECR on EC2 nodes); absent: every pull is anonymous. */
  readonly registryAuth?: RegistryAuth;
  /** Where containers log (default json-file, rotated); awslogs needs `logGroups`. */
  readonly logging?: LogSettings;
  /** Creates a job's group with its retention before the first copy writes to it (awslogs). */
  readonly logGroups?: LogGroups;
  /** Keeps the tail of a copy's output before its container is removed (json-file: the local cloud). */
  readonly keptLogs?: KeptLogs;
  /** Reads a job's secret values at start; absent: a copy with secrets fails to start, saying so. */
  readonly secrets?: SecretSource;
}

/**
 * `ContainerRuntime` on a Docker engine through dockerode. Nothing a job submitted reaches
 * a shell on the host: the command is the container's argv (`Cmd`, no `Entrypoint`
 * override), env values are passed verbatim, a health command is Docker's exec form, and
 * no call spawns a process here. The host configuration is fixed but for what the spec
 * sizes (container-config.ts): a job cannot ask for privileges, mounts, devices or the
 * host network, because no field of the spec maps to them.
 */
export class DockerRuntime implements ContainerRuntime {
  private readonly docker: Docker;
  private readonly timeouts: RuntimeTimeouts;
  private readonly pull: boolean;
  private readonly bindAddress: string;
  private readonly probes: ContainerProbes;
  private readonly registryAuth?: RegistryAuth;
  private readonly logging: LogSettings;
  private readonly logGroups?: LogGroups;
  private readonly keptLogs?: KeptLogs;
  private readonly secrets?: SecretSource;

  constructor(options: DockerRuntimeOptions) {
    if (!options || !options.docker) throw new Error('DockerRuntime needs a dockerode client: new DockerRuntime({ docker: new Docker() })');
    this.docker = options.docker;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.pull = options.pull ?? true;
    this.bindAddress = options.bindAddress ?? '0.0.0.0';
    validateBindAddress(this.bindAddress);
    this.probes = options.probes ?? new ContainerProbes();
    this.registryAuth = options.registryAuth;
    this.logging = options.logging ?? JSON_FILE_LOGS;
    validateLogSettings(this.logging);
    if (this.logging.driver === 'awslogs' && !options.logGroups) throw new Error('DockerRuntime: awslogs logging needs logGroups, which creates each job\'s group with its retention');
    this.logGroups = options.logGroups;
    this.keptLogs = options.keptLogs;
    this.secrets = options.secrets;
    for (const [op, ms] of Object.entries(this.timeouts)) {
      if (!Number.isFinite(ms) || ms <= 0) throw new Error(`DockerRuntime timeout for ${op} must be a positive number of ms, got ${ms}`);
    }
  }

  async list(nodeId: string): Promise<ContainerInfo[]> {
    const summaries = await this.call('list', undefined, this.timeouts.list, () =>
      this.docker.listContainers({ all: true, filters: { label: [`${LABELS.node}=${nodeId}`] } }),
    );
    const found = await Promise.all(
      summaries.map(async (s) => {
        try {
          return await this.inspect(s.Id, nodeId);
        } catch (err) {
          // Removed between the listing and the inspection: it is simply gone.
          if (err instanceof ContainerNotFoundError) return undefined;
          throw err;
        }
      }),
    );
    const mine = found.filter((c): c is ContainerInfo => c !== undefined).sort((a, b) => (a.containerId < b.containerId ? -1 : 1));
    this.probes.retain(nodeId, new Set(mine.filter((c) => c.state === 'running').map((c) => c.containerId)));
    return mine;
  }

  /** Stops the health-check timers (the daemon's exit; tests). The runtime still answers calls. */
  close(): void {
    this.probes.close();
  }

  async createAndStart(spec: ContainerSpec, nodeId: string): Promise<string> {
    validateImageReference(spec.image);
    validateSpec(spec);
    await this.requireImage(spec.image);
    if (this.logging.driver === 'awslogs') await this.logGroups!.ensure(logGroupOf(this.logging.groupPrefix, spec.jobId), this.logging.retentionDays);
    const withSecrets = await this.withSecretValues(spec);

    const created = await this.call('create', undefined, this.timeouts.create, () =>
      this.docker.createContainer(createOptions(withSecrets, nodeId, this.bindAddress, this.logging)),
    );
    try {
      await this.call('start', created.id, this.timeouts.start, (abortSignal) => created.start({ abortSignal }));
    } catch (err) {
      // A container that never started is no copy at all; leaving it would only make
      // the next pass remove it. Best effort: the start error is the one to report.
      await this.remove(created.id).catch(() => undefined);
      throw err;
    }
    return created.id;
  }

  /**
   * The spec with its secrets' values added to the env, read now so a changed value
   * reaches the next copy started. Held only for the create call: Docker keeps the env in
   * the container's configuration (docs/security.md), the agent keeps it nowhere.
   */
  private async withSecretValues(spec: ContainerSpec): Promise<ContainerSpec> {
    const refs = spec.secrets ?? {};
    if (Object.keys(refs).length === 0) return spec;
    if (!this.secrets) {
      throw new RuntimeError(`task ${spec.taskId}: the job has secrets, but this node has no secret source configured; run the agent with --ec2 (AWS) or from the local cloud`, { operation: 'create', retriable: false });
    }
    const values = await this.secrets.read(refs);
    return { ...spec, env: { ...spec.env, ...values } };
  }

  async stop(containerId: string, graceSeconds: number): Promise<void> {
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0) {
      throw new RuntimeError(`stop of ${containerId}: grace period must be a whole number of seconds >= 0, got ${graceSeconds}`, {
        operation: 'stop',
        containerId,
        retriable: false,
      });
    }
    this.probes.forget(containerId);
    const container = this.docker.getContainer(containerId);
    try {
      // Docker sends SIGTERM, waits `t`, then SIGKILL.
      await this.call('stop', containerId, this.timeouts.stop + graceSeconds * 1000, (abortSignal) =>
        container.stop({ t: graceSeconds, abortSignal }),
      );
    } catch (err) {
      if (isAlreadyDone(err)) return;
      if (!(err instanceof RuntimeTimeoutError)) throw err;
      // The engine did not finish the stop in time: kill outright, once.
      try {
        await this.call('stop', containerId, this.timeouts.stop, () => container.kill({ signal: 'SIGKILL' }));
      } catch (killErr) {
        if (isAlreadyDone(killErr)) return;
        throw killErr;
      }
    }
  }

  async remove(containerId: string): Promise<void> {
    this.probes.forget(containerId);
    // Best effort: a copy whose output could not be kept is still removed.
    await this.keptLogs?.keep(containerId, this.timeouts.inspect).catch(() => undefined);
    try {
      await this.call('remove', containerId, this.timeouts.remove, (abortSignal) =>
        this.docker.getContainer(containerId).remove({ force: true, v: true, abortSignal }),
      );
    } catch (err) {
      if (err instanceof ContainerNotFoundError) return;
      throw err;
    }
  }

  async stats(containerId: string): Promise<Resources> {
    const s = await this.call('stats', containerId, this.timeouts.stats, () =>
      this.docker.getContainer(containerId).stats({ stream: false }),
    );
    // One-shot stats carry the previous sample too (precpu), about a second apart.
    const cpuDelta = s.cpu_stats.cpu_usage.total_usage - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
    const systemDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
    const cpus = s.cpu_stats.online_cpus ?? s.cpu_stats.cpu_usage.percpu_usage?.length ?? 1;
    const cpu = systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 1000 : 0;
    // Page cache is reclaimable, so it is not what the task uses: cgroup v1 names it
    // `cache`, v2 `inactive_file` (as `docker stats` subtracts).
    const m = s.memory_stats ?? {};
    const st = (m.stats ?? {}) as Record<string, number | undefined>;
    const cache = st.total_inactive_file ?? st.inactive_file ?? st.cache ?? 0;
    const memoryMiB = Math.max(0, (m.usage ?? 0) - cache) / MIB;
    return { cpu, memoryMiB };
  }

  private async inspect(containerId: string, nodeId: string): Promise<ContainerInfo | undefined> {
    const i = await this.call('inspect', containerId, this.timeouts.inspect, (abortSignal) =>
      this.docker.getContainer(containerId).inspect({ abortSignal }),
    );
    const labels = i.Config?.Labels ?? {};
    const taskId = labels[LABELS.task];
    const jobId = labels[LABELS.job];
    const generation = Number(labels[LABELS.generation]);
    // Labels are what make a container the agent's; without them it is someone else's.
    if (!taskId || !jobId || !Number.isSafeInteger(generation) || generation < 0) return undefined;
    const state = toState(i.State?.Status);
    if (!state) return undefined;
    const stopped = state === 'exited' || state === 'dead';
    const startedAt = toMillis(i.State?.StartedAt);
    const finishedAt = stopped ? toMillis(i.State?.FinishedAt) : undefined;
    const running = state === 'running';
    const endpoints = running ? endpointsOf(portsOfLabel(labels[LABELS.ports]), i.NetworkSettings?.Ports as Parameters<typeof endpointsOf>[1]) : [];
    const health = running ? await this.healthOf(i, nodeId, labels, endpoints, startedAt) : undefined;
    const grace = Number(labels[LABELS.stopGrace]);
    return {
      containerId: i.Id,
      taskId,
      jobId,
      generation,
      state,
      ...(stopped ? { exitCode: i.State.ExitCode, oomKilled: i.State.OOMKilled === true } : {}),
      ...(startedAt !== undefined ? { startedAt } : {}),
      ...(finishedAt !== undefined ? { finishedAt } : {}),
      ...(endpoints.length > 0 ? { endpoints } : {}),
      ...(health !== undefined ? { health } : {}),
      ...(labels[LABELS.stopGrace] !== undefined && Number.isSafeInteger(grace) && grace >= 0 ? { stopGraceSeconds: grace } : {}),
    };
  }

  /**
   * A running container's health: the agent's probe for an http/tcp check (its label),
   * else Docker's status (a command check, or the image's own HEALTHCHECK), else `none`.
   */
  private async healthOf(
    i: Docker.ContainerInspectInfo,
    nodeId: string,
    labels: Record<string, string>,
    endpoints: readonly Endpoint[],
    startedAt: number | undefined,
  ): Promise<ContainerHealth> {
    const check = checkOfLabel(labels[LABELS.healthCheck]);
    if (check) {
      const port = 'http' in check ? check.http.port : check.tcp.port;
      const target = this.probeAddress(i, endpoints.find((e) => e.port === port));
      // Not reachable at all (no address, no binding): a failed check, by the same rules.
      if (!target) return 'unhealthy';
      return this.probes.watch(i.Id, nodeId, check, target, startedAt ?? Date.now());
    }
    const docker = i.State?.Health?.Status;
    return docker === 'starting' || docker === 'healthy' || docker === 'unhealthy' ? docker : 'none';
  }

  /**
   * Where the agent probes a port: the container's address on the bridge at the container
   * port, where the load balancer's traffic lands once the host port is translated.
   * Probing the host port instead would ask docker-proxy, which accepts a connection on
   * the host port even when nothing in the container listens, so a tcp check would
   * always pass. The host port is the fallback where the bridge address is unknown.
   */
  private probeAddress(i: Docker.ContainerInspectInfo, endpoint: Endpoint | undefined): ProbeAddress | undefined {
    if (!endpoint) return undefined;
    const ip = Object.values(i.NetworkSettings?.Networks ?? {}).find((n) => n?.IPAddress)?.IPAddress;
    if (ip) return { host: ip, port: endpoint.containerPort };
    const host = this.bindAddress === '0.0.0.0' ? '127.0.0.1' : this.bindAddress === '::' ? '::1' : this.bindAddress;
    return { host, port: endpoint.hostPort };
  }

  private async requireImage(image: string): Promise<void> {
    try {
      await this.call('image', undefined, this.timeouts.inspect, () => this.docker.getImage(image).inspect());
      return;
    } catch (err) {
      if (!(err instanceof RuntimeError && statusOf(err.cause) === 404)) throw err;
      if (!this.pull) throw new ImageNotFoundError(image, { cause: err.cause });
    }
    await this.pullImage(image);
  }

  /**
   * Pulls with one timeout over the whole transfer, with the registry's credentials when
   * it is a private one the agent can authenticate to. A failure is an ImagePullError
   * carrying the registry's (or the engine's) own words: the agent reports it as the
   * task's failure, so the restart policy backs off and in the end fails the task with
   * that reason, rather than the copy holding its node while the pull repeats forever.
   */
  private async pullImage(image: string): Promise<void> {
    let authconfig;
    try {
      authconfig = await this.registryAuth?.credentialsFor(image);
    } catch (err) {
      throw new ImagePullError(image, (err as Error)?.message ?? String(err), { cause: err });
    }
    await this.call('pull', undefined, this.timeouts.pull, async (signal) => {
      const stream = (await this.docker.pull(image, { abortSignal: signal, ...(authconfig ? { authconfig } : {}) })) as NodeJS.ReadableStream;
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(stream, (err: Error | null, events: Array<{ error?: string }>) => {
          const failed = err ?? (events ?? []).find((e) => e.error);
          if (failed) reject(failed instanceof Error ? failed : new Error(failed.error));
          else resolve();
        });
      });
    }).catch((err: unknown) => {
      if (err instanceof RuntimeTimeoutError) throw new ImagePullError(image, `no answer within ${this.timeouts.pull} ms`, { cause: err });
      const cause = err instanceof RuntimeError && err.cause !== undefined ? err.cause : err;
      const detail = (cause as { json?: { message?: string } } | null)?.json?.message ?? (cause as Error)?.message ?? String(cause);
      throw new ImagePullError(image, detail, { cause: err });
    });
  }

  /**
   * Every Docker call goes through here: a timeout (the abort signal cancels the HTTP
   * request where dockerode supports it; the race bounds the wait where it does not) and
   * one translation of engine errors into RuntimeError.
   */
  private async call<T>(
    operation: RuntimeOperation,
    containerId: string | undefined,
    timeoutMs: number,
    fn: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new RuntimeTimeoutError(operation, timeoutMs, containerId));
      }, timeoutMs);
    });
    try {
      return await Promise.race([fn(controller.signal), timeout]);
    } catch (err) {
      throw toRuntimeError(err, operation, containerId);
    } finally {
      clearTimeout(timer);
    }
  }
}

const STATES: ReadonlySet<string> = new Set<ContainerState>(['created', 'running', 'exited', 'dead', 'paused', 'restarting']);

function toState(status: string | undefined): ContainerState | undefined {
  // `removing` is on its way out: treat it as gone rather than as a copy.
  return status !== undefined && STATES.has(status) ? (status as ContainerState) : undefined;
}

function toMillis(iso: string | undefined): number | undefined {
  if (!iso || iso.startsWith('0001-')) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

/** 304 (already stopped) or 404 (already gone): the goal of a stop is reached. */
function isAlreadyDone(err: unknown): boolean {
  if (err instanceof ContainerNotFoundError) return true;
  return err instanceof RuntimeError && statusOf(err.cause) === 304;
}

// Socket-level failures: the engine is down or restarting, so the same call may work later.
const RETRIABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ESOCKETTIMEDOUT']);

function toRuntimeError(err: unknown, operation: RuntimeOperation, containerId: string | undefined): RuntimeError {
  if (err instanceof RuntimeError) return err;
  const status = statusOf(err);
  const code = (err as { code?: unknown } | null)?.code;
  const detail = (err as { json?: { message?: string }; message?: string } | null)?.json?.message ?? (err as Error)?.message ?? String(err);
  const target = containerId ? ` of container ${containerId}` : '';
  const ids = containerId !== undefined ? { containerId } : {};
  if (status === 404 && containerId !== undefined && operation !== 'image') return new ContainerNotFoundError(operation, containerId, { cause: err });
  if (status !== undefined) {
    return new RuntimeError(
      `Docker ${operation}${target} failed with ${status}: ${detail}${status >= 500 ? '; the engine may recover, retry later' : '; the request must change before a retry'}`,
      { operation, retriable: status >= 500, ...ids },
      { cause: err },
    );
  }
  if (typeof code === 'string' && RETRIABLE_CODES.has(code)) {
    return new RuntimeError(
      `Docker ${operation}${target} could not reach the engine (${code}); check that dockerd runs and the socket is reachable (docker info)`,
      { operation, retriable: true, ...ids },
      { cause: err },
    );
  }
  return new RuntimeError(`Docker ${operation}${target} failed: ${detail}`, { operation, retriable: false, ...ids }, { cause: err });
}
