import type Docker from 'dockerode';
import { isIP } from 'node:net';
import type { ContainerSpec } from '../core/agent/container';
import type { Endpoint, HealthCheck } from '../core/service';
import { RuntimeError } from '../control/container-runtime-errors';
import { logGroupOf } from '../control/log-reader';
import type { HttpOrTcpCheck } from './container-probes';

/**
 * What Docker is asked to make for a container spec (Engine API, POST /containers/create:
 * https://docs.docker.com/reference/api/engine/version/v1.43/#tag/Container/operation/ContainerCreate),
 * and what the agent reads back from an inspection. Pure, so the host configuration is
 * tested without an engine.
 */

/** The labels that make a container the agent's; listing by them rebuilds what it knows after a restart. */
export const LABELS = {
  task: 'stowage.task',
  job: 'stowage.job',
  node: 'stowage.node',
  generation: 'stowage.generation',
  /** JSON of port name → container port: Docker keeps the numbers, not the names. */
  ports: 'stowage.ports',
  /** JSON of the http/tcp check the agent probes; a command check lives in Docker's own config. */
  healthCheck: 'stowage.health-check',
  /** The job's grace period, for stopping a copy whose task the heartbeat no longer names. */
  stopGrace: 'stowage.stop-grace',
} as const;

/** Enough for a service; a fork bomb in one container stops here instead of exhausting the node. */
export const PIDS_LIMIT = 256;

/**
 * The one capability kept beyond what a job lists: binding ports below 1024 (nginx on
 * 80 as its unprivileged default user cannot otherwise, and a root process in the
 * container neither once ALL is dropped).
 */
export const KEPT_CAPABILITIES: readonly string[] = ['NET_BIND_SERVICE'];

/**
 * Where a node's containers write their output. Locally (and wherever no log service is
 * configured) Docker's json-file, rotated so a chatty service cannot fill the disk. In
 * AWS the awslogs driver, to one group per job under the stack's prefix and one stream
 * per copy: the output outlives the node, which consolidation hands back.
 */
export type LogSettings =
  | { readonly driver: 'json-file' }
  | {
      readonly driver: 'awslogs';
      readonly region: string;
      /** `/stowage/<stack>`: the node role may write only under it. */
      readonly groupPrefix: string;
      /** Retention of the groups the agent creates (the stack's `logRetentionDays`). */
      readonly retentionDays: number;
    };

export const JSON_FILE_LOGS: LogSettings = { driver: 'json-file' };

/** json-file rotation: at most three files of 10 MB per container (30 MB), the oldest dropped. */
export const LOG_ROTATION = { 'max-size': '10m', 'max-file': '3' } as const;

/**
 * What awslogs buffers in memory while CloudWatch Logs is slow or unreachable, in
 * non-blocking mode: a container's writes never wait for the log service (blocking mode
 * would stall a service's stdout, and so the service, during a CloudWatch outage); past
 * the buffer, lines are dropped rather than the service held.
 */
export const AWSLOGS_BUFFER = '4m';


/**
 * Docker's LogConfig for a copy. With awslogs the group must exist already
 * (`awslogs-create-group` false): the agent creates it first, with its retention
 * (agent/log-groups.ts), because a group Docker creates keeps its lines forever. Docker
 * 20.10 and later also keep a local, rotated cache of a remote driver's output (the
 * daemon's `cache-max-size` 20 MB / `cache-max-file` 5 by default), so `docker logs`
 * still works on the node and its disk stays bounded there too.
 */
export function logConfig(spec: Pick<ContainerSpec, 'jobId' | 'taskId'>, logging: LogSettings): { Type: string; Config: Record<string, string> } {
  if (logging.driver === 'json-file') return { Type: 'json-file', Config: { ...LOG_ROTATION } };
  return {
    Type: 'awslogs',
    Config: {
      'awslogs-region': logging.region,
      'awslogs-group': logGroupOf(logging.groupPrefix, spec.jobId),
      // One stream per copy: the task id names replica and generation, so a restarted
      // or moved copy writes beside, not into, its predecessor's stream.
      'awslogs-stream': spec.taskId,
      'awslogs-create-group': 'false',
      mode: 'non-blocking',
      'max-buffer-size': AWSLOGS_BUFFER,
    },
  };
}

/** Throws unless the settings can name groups CloudWatch Logs accepts and a retention it offers. */
export function validateLogSettings(logging: LogSettings): void {
  if (logging.driver === 'json-file') return;
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(logging.region)) throw new Error(`log settings: region must be an AWS region such as eu-west-1, got ${JSON.stringify(logging.region)}`);
  if (!/^\/[A-Za-z0-9_\-./#]{1,400}$/.test(logging.groupPrefix) || logging.groupPrefix.endsWith('/')) {
    throw new Error(`log settings: the group prefix must look like /stowage/<stack> (no trailing /), got ${JSON.stringify(logging.groupPrefix)}`);
  }
  if (!RETENTION_DAYS.has(logging.retentionDays)) throw new Error(`log settings: retention must be one of CloudWatch Logs' values (${[...RETENTION_DAYS].join(', ')} days), got ${logging.retentionDays}`);
}

/** The retention periods PutRetentionPolicy accepts (CloudWatch Logs API Reference, PutRetentionPolicy, retentionInDays). */
export const RETENTION_DAYS: ReadonlySet<number> = new Set([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]);

/** Docker's share unit: 1024 is one CPU's worth of weight. */
const SHARES_PER_CPU = 1024;
/** The kernel's smallest cpu.shares. */
const MIN_SHARES = 2;
const MIB = 1_048_576;
const NS_PER_SECOND = 1_000_000_000;

// Env keys are the part before the first `=`: one with `=` (or none) would shift the value.
const ENV_KEY = /^[^=\0]+$/;
const CAPABILITY = /^(CAP_)?[A-Z][A-Z0-9_]{1,31}$/;
// What may follow GET in the request line: printable ASCII without spaces, so nothing
// a job writes can end the line and add a header.
const HTTP_PATH = /^\/[\x21-\x7e]*$/;

/** CPU weight in proportion to the request: 1024 per 1000 millicores, at least the kernel's minimum. */
export function cpuShares(millicores: number): number {
  return Math.max(MIN_SHARES, Math.round((millicores * SHARES_PER_CPU) / 1000));
}

/** Throws RuntimeError (create, not retriable) naming the first field Docker must not see as it is. */
export function validateSpec(spec: ContainerSpec): void {
  const fail = (field: string, rule: string) => {
    throw new RuntimeError(`task ${spec.taskId}: ${field} ${rule}; fix the job`, { operation: 'create', retriable: false });
  };
  for (const key of Object.keys(spec.env)) {
    if (!ENV_KEY.test(key)) fail(`env name ${JSON.stringify(key)}`, 'is empty or contains "=" or NUL; rename it in the job');
  }
  const names = new Set<string>();
  const numbers = new Set<number>();
  for (const [i, p] of (spec.ports ?? []).entries()) {
    if (!Number.isInteger(p.containerPort) || p.containerPort < 1 || p.containerPort > 65_535) fail(`ports[${i}].containerPort`, 'must be 1-65535');
    if (p.protocol !== 'tcp') fail(`ports[${i}].protocol`, 'must be tcp');
    if (names.has(p.name) || numbers.has(p.containerPort)) fail(`ports[${i}]`, 'repeats a name or container port');
    names.add(p.name);
    numbers.add(p.containerPort);
  }
  const hc = spec.healthCheck;
  if (hc) {
    for (const f of ['intervalSeconds', 'timeoutSeconds', 'retries'] as const) {
      if (!Number.isSafeInteger(hc[f]) || hc[f] < 1) fail(`healthCheck.${f}`, 'must be a whole number >= 1');
    }
    if (!Number.isSafeInteger(hc.startPeriodSeconds) || hc.startPeriodSeconds < 0) fail('healthCheck.startPeriodSeconds', 'must be a whole number >= 0');
    if ('command' in hc) {
      if (hc.command.length === 0) fail('healthCheck.command', 'must name a program');
      if (hc.command.some((a) => a.includes('\0'))) fail('healthCheck.command', 'must not contain NUL');
    } else {
      const port = 'http' in hc ? hc.http.port : hc.tcp.port;
      if (!names.has(port)) fail(`healthCheck port ${JSON.stringify(port)}`, 'is not one of the job\'s ports');
      if ('http' in hc && !HTTP_PATH.test(hc.http.path)) fail('healthCheck.http.path', 'must start with / and hold printable ASCII without spaces');
    }
  }
  if (spec.cpuLimit !== undefined && (!Number.isSafeInteger(spec.cpuLimit) || spec.cpuLimit < 1)) fail('cpuLimit', 'must be a whole number of millicores >= 1');
  for (const c of spec.capabilities ?? []) {
    // ALL would undo the drop; the contract refuses it too, this is the second guard.
    if (!CAPABILITY.test(c) || c === 'ALL') fail(`capability ${JSON.stringify(c)}`, 'is not a capability name such as NET_ADMIN');
  }
  if (spec.stopGraceSeconds !== undefined && (!Number.isSafeInteger(spec.stopGraceSeconds) || spec.stopGraceSeconds < 0)) {
    fail('stopGraceSeconds', 'must be a whole number >= 0');
  }
}

/** The http/tcp check the agent probes itself, or undefined (none, or Docker's command check). */
export function agentCheck(hc: HealthCheck | undefined): HttpOrTcpCheck | undefined {
  return hc && !('command' in hc) ? hc : undefined;
}

const portKey = (containerPort: number) => `${containerPort}/tcp`;

/**
 * The create request. The host configuration is fixed but for what the spec sizes:
 * no privileges, mounts, devices or host network, because no field maps to them.
 */
export function createOptions(spec: ContainerSpec, nodeId: string, bindAddress: string, logging: LogSettings = JSON_FILE_LOGS): Docker.ContainerCreateOptions {
  const ports = spec.ports ?? [];
  const hc = spec.healthCheck;
  const probed = agentCheck(hc);
  return {
    // The name is a second guard against two copies: Docker refuses a duplicate name.
    name: `stowage-${spec.taskId}-g${spec.generation}`,
    Image: spec.image,
    Cmd: [...spec.command],
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: {
      [LABELS.task]: spec.taskId,
      [LABELS.job]: spec.jobId,
      [LABELS.node]: nodeId,
      [LABELS.generation]: String(spec.generation),
      ...(ports.length > 0 ? { [LABELS.ports]: JSON.stringify(Object.fromEntries(ports.map((p) => [p.name, p.containerPort]))) } : {}),
      ...(probed ? { [LABELS.healthCheck]: JSON.stringify(probed) } : {}),
      ...(spec.stopGraceSeconds !== undefined ? { [LABELS.stopGrace]: String(spec.stopGraceSeconds) } : {}),
    },
    ...(ports.length > 0 ? { ExposedPorts: Object.fromEntries(ports.map((p) => [portKey(p.containerPort), {}])) } : {}),
    // A command check is Docker's: an exec form (CMD, never CMD-SHELL), so the argv runs
    // inside the container as given. An http/tcp check is the agent's, so an image's own
    // HEALTHCHECK is switched off rather than run beside it.
    ...(hc && 'command' in hc
      ? {
          Healthcheck: {
            Test: ['CMD', ...hc.command],
            Interval: hc.intervalSeconds * NS_PER_SECOND,
            Timeout: hc.timeoutSeconds * NS_PER_SECOND,
            Retries: hc.retries,
            StartPeriod: hc.startPeriodSeconds * NS_PER_SECOND,
          },
        }
      : probed
        ? { Healthcheck: { Test: ['NONE'] } }
        : {}),
    HostConfig: {
      // Swap equal to memory: no swap, so the limit is the request and OOM is visible.
      Memory: spec.resources.memoryMiB * MIB,
      MemorySwap: spec.resources.memoryMiB * MIB,
      // The request is a weight, not a cap: an idle node's CPU goes to whoever bursts.
      // A hard quota (NanoCpus) only when the job asks for one.
      CpuShares: cpuShares(spec.resources.cpu),
      ...(spec.cpuLimit !== undefined ? { NanoCpus: spec.cpuLimit * 1_000_000 } : {}),
      PidsLimit: PIDS_LIMIT,
      // The scheduler owns restarts (policy, back-off, placement); Docker restarting
      // behind its back would make copies it does not know of.
      RestartPolicy: { Name: 'no' },
      LogConfig: logConfig(spec, logging),
      Privileged: false,
      NetworkMode: 'bridge',
      ReadonlyRootfs: false,
      SecurityOpt: ['no-new-privileges'],
      CapDrop: ['ALL'],
      CapAdd: [...KEPT_CAPABILITIES, ...(spec.capabilities ?? []).filter((c) => !KEPT_CAPABILITIES.includes(c.replace(/^CAP_/, '')))],
      // An empty HostPort: the engine picks a free ephemeral port (ECS's hostPort 0).
      ...(ports.length > 0 ? { PortBindings: Object.fromEntries(ports.map((p) => [portKey(p.containerPort), [{ HostIp: bindAddress, HostPort: '' }]])) } : {}),
    },
  };
}

/** Throws unless `address` is an IP address to bind published ports on. */
export function validateBindAddress(address: string): void {
  if (isIP(address) === 0) throw new Error(`the bind address for published ports must be an IP address such as 0.0.0.0 or 127.0.0.1, got ${JSON.stringify(address)}`);
}

/** The port names a container was made with (its label); empty when absent or unreadable. */
export function portsOfLabel(label: string | undefined): ReadonlyMap<string, number> {
  if (!label) return new Map();
  try {
    const raw = JSON.parse(label) as unknown;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return new Map();
    return new Map(Object.entries(raw).filter((e): e is [string, number] => Number.isInteger(e[1])));
  } catch {
    return new Map();
  }
}

/** The http/tcp check a container was made with (its label); undefined when absent or unreadable. */
export function checkOfLabel(label: string | undefined): HttpOrTcpCheck | undefined {
  if (!label) return undefined;
  try {
    const raw = JSON.parse(label) as HttpOrTcpCheck;
    const portOk = 'http' in raw ? typeof raw.http?.port === 'string' && typeof raw.http.path === 'string' : 'tcp' in raw && typeof raw.tcp?.port === 'string';
    const timingOk = [raw.intervalSeconds, raw.timeoutSeconds, raw.retries].every((n) => Number.isSafeInteger(n) && n >= 1) && Number.isSafeInteger(raw.startPeriodSeconds) && raw.startPeriodSeconds >= 0;
    return portOk && timingOk ? raw : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where each named port is bound on the host, from inspect's NetworkSettings.Ports
 * (`{"8080/tcp": [{HostIp, HostPort}]}`; empty once the container stopped). An engine
 * binding IPv4 and IPv6 gives the same port twice; the first is enough.
 */
export function endpointsOf(names: ReadonlyMap<string, number>, bound: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | undefined): Endpoint[] {
  const out: Endpoint[] = [];
  for (const [port, containerPort] of names) {
    const hostPort = Number((bound?.[portKey(containerPort)] ?? []).find((b) => b.HostPort)?.HostPort);
    if (Number.isInteger(hostPort) && hostPort > 0) out.push({ port, containerPort, hostPort });
  }
  return out.sort((a, b) => (a.port < b.port ? -1 : a.port > b.port ? 1 : 0));
}
