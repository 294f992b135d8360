import Docker from 'dockerode';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { signingTargetOf, sigV4Signer } from '../contract/sigv4-signer';
import { bearerToken, HttpControlPlane, type ControlPlane } from './api-client';
import { DEFAULT_STOP_GRACE_SECONDS } from '../core/service';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { JSON_FILE_LOGS, validateBindAddress, validateLogSettings, type LogSettings } from './container-config';
import { KeptLogs } from './kept-logs';
import { CloudWatchLogGroups } from './log-groups';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AwsSecretSource } from './secret-aws';
import { FileSecretSource } from './secret-file';
import { DockerRuntime } from './docker-runtime';
import { ec2Identity, localIdentity, type NodeIdentity } from './node-identity';
import { describeSummary, syncOnce, type SyncSummary } from './sync';
import { EcrRegistryAuth } from './ecr-auth';
import { StartFailures } from './start-failures';
import { readUsage, UsageSampler, usageFile } from './usage-sampler';
import { configPath, DEFAULT_CONFIG_PATH } from './config-path';
import { removePidFile, WAKE_SIGNAL, writePidFile } from './daemon-wake';

/**
 * `stowage-agent run` (the daemon) and `stowage-agent sync` (one pass, what SSM sends,
 * with no arguments). `run` writes what `sync` needs to the config file at start.
 */

export { DEFAULT_CONFIG_PATH, configPath } from './config-path';

/** One wave of starts per pass (the parallelism of a pass), then a heartbeat before the next wave. */
const MAX_STARTS_PER_PASS = 4;

export interface AgentConfig {
  readonly apiUrl: string;
  /** A path, not the token: the token stays in its own file with its own permissions. */
  readonly tokenFile?: string;
  readonly identity: NodeIdentity;
  /** SIGTERM to SIGKILL for a copy whose job names no grace. */
  readonly graceSeconds: number;
  /** The host address published ports bind on (default 0.0.0.0). */
  readonly bindAddress?: string;
  /** Pull missing images: on for EC2 nodes, off for local ones (their images come from docker import). */
  readonly pull?: boolean;
  /** Where containers log; absent: json-file, rotated, with removed copies' tails kept beside the config. */
  readonly logging?: LogSettings;
  /** The local cloud's secrets file (env STOWAGE_SECRETS_FILE at `run`); absent: EC2 nodes read SSM and Secrets Manager. */
  readonly secretsFile?: string;
}

/** The stack name a local node's secrets are under (`stowage/local/…`); local/local-api.ts LOCAL_STACK. */
const LOCAL_STACK = 'local';

/** Retention of the log groups the agent creates when the stack names none. */
export const DEFAULT_LOG_RETENTION_DAYS = 30;

/**
 * awslogs when the node is told its stack's log prefix (the node's unit sets
 * STOWAGE_LOG_GROUP_PREFIX, STOWAGE_LOG_RETENTION_DAYS and AWS_REGION), else json-file.
 */
export function loggingFromEnv(env: NodeJS.ProcessEnv = process.env): LogSettings {
  const prefix = env.STOWAGE_LOG_GROUP_PREFIX;
  if (!prefix) return JSON_FILE_LOGS;
  const logging: LogSettings = {
    driver: 'awslogs',
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? '',
    groupPrefix: prefix,
    retentionDays: env.STOWAGE_LOG_RETENTION_DAYS ? Number(env.STOWAGE_LOG_RETENTION_DAYS) : DEFAULT_LOG_RETENTION_DAYS,
  };
  validateLogSettings(logging);
  return logging;
}

/**
 * The Docker runtime a config describes, for the daemon and for `sync` alike. With
 * json-file, the tails of removed copies are kept in `kept-logs/` beside the config
 * (bounded: agent/kept-logs.ts), which the local cloud's log reader reads.
 */
export function runtimeFor(config: AgentConfig, file: string, docker: Docker = new Docker()): DockerRuntime {
  const logging = config.logging ?? JSON_FILE_LOGS;
  return new DockerRuntime({
    docker,
    pull: config.pull === true,
    ...(config.bindAddress ? { bindAddress: config.bindAddress } : {}),
    ...(config.pull ? { registryAuth: new EcrRegistryAuth() } : {}),
    logging,
    ...(logging.driver === 'awslogs'
      ? { logGroups: new CloudWatchLogGroups(new CloudWatchLogsClient({ region: logging.region })) }
      : { keptLogs: new KeptLogs(docker, path.join(path.dirname(path.resolve(file)), 'kept-logs')) }),
    ...(config.secretsFile
      ? { secrets: new FileSecretSource(config.secretsFile, LOCAL_STACK) }
      : config.pull
        ? { secrets: new AwsSecretSource({ ssm: (region) => new SSMClient({ region }), secretsManager: (region) => new SecretsManagerClient({ region }) }) }
        : {}),
  });
}


export function writeConfig(file: string, config: AgentConfig): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

export function readConfig(file: string): AgentConfig {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the agent config ${file} (${(err as Error).message}); it is written by \`stowage-agent run\` at start (set STOWAGE_AGENT_CONFIG to use another path)`, { cause: err });
  }
  const c = JSON.parse(raw) as Partial<AgentConfig>;
  if (typeof c.apiUrl !== 'string' || !c.identity || typeof c.identity.nodeId !== 'string') {
    throw new Error(`the agent config ${file} lacks apiUrl or identity; restart \`stowage-agent run\` to rewrite it`);
  }
  return {
    apiUrl: c.apiUrl,
    identity: c.identity,
    graceSeconds: c.graceSeconds ?? DEFAULT_STOP_GRACE_SECONDS,
    pull: c.pull === true,
    ...(c.tokenFile ? { tokenFile: c.tokenFile } : {}),
    ...(c.bindAddress ? { bindAddress: c.bindAddress } : {}),
    ...(c.logging ? { logging: c.logging } : {}),
    ...(c.secretsFile ? { secretsFile: c.secretsFile } : {}),
  };
}

/**
 * How the agent authenticates: the local API's token when a token file is configured;
 * SigV4 with the instance profile for an API Gateway URL; nothing otherwise.
 */
export function controlPlaneFor(config: AgentConfig): ControlPlane {
  // On EC2 the URL is the heartbeat function's URL (service lambda); an API Gateway URL works too.
  const target = signingTargetOf(config.apiUrl);
  const sign = config.tokenFile ? bearerToken(readFileSync(config.tokenFile, 'utf8')) : target ? sigV4Signer(target) : undefined;
  return new HttpControlPlane({ baseUrl: config.apiUrl, ...(sign ? { sign } : {}) });
}

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number >= 0`);
  return n;
};
const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number >= 0`);
  return n;
};

interface RunOptions {
  apiUrl?: string;
  tokenFile?: string;
  nodeId?: string;
  cpu?: number;
  memoryMib?: number;
  instanceType: string;
  zone: string;
  pricePerHour: number;
  capacityType?: string;
  ec2?: boolean;
  imdsUrl?: string;
  reserveCpu: number;
  reserveMemoryMib: number;
  intervalS: number;
  graceS: number;
  address?: string;
  bindAddress: string;
}

const log = (msg: string) => process.stdout.write(`${new Date().toISOString()} stowage-agent ${msg}\n`);

async function runDaemon(o: RunOptions): Promise<number> {
  const apiUrl = o.apiUrl ?? process.env.STOWAGE_API_URL;
  if (!apiUrl) throw new InvalidArgumentError('the API URL is missing: pass --api-url or set STOWAGE_API_URL');
  if (o.intervalS <= 0) throw new InvalidArgumentError('--interval-s must be > 0');
  const identity = o.ec2
    ? await ec2Identity({ ...(o.imdsUrl ? { imdsUrl: o.imdsUrl } : {}), reservation: { cpu: o.reserveCpu, memoryMiB: o.reserveMemoryMib }, ...(o.address ? { address: o.address } : {}) })
    : localIdentity({ nodeId: o.nodeId, cpu: o.cpu, memoryMiB: o.memoryMib, instanceType: o.instanceType, zone: o.zone, pricePerHour: o.pricePerHour, ...(o.capacityType ? { capacityType: o.capacityType } : {}), ...(o.address ? { address: o.address } : {}) });
  validateBindAddress(o.bindAddress);
  const config: AgentConfig = {
    apiUrl,
    identity,
    graceSeconds: o.graceS,
    bindAddress: o.bindAddress,
    pull: o.ec2 === true,
    ...(o.tokenFile ? { tokenFile: path.resolve(o.tokenFile) } : {}),
    logging: loggingFromEnv(),
    ...(process.env.STOWAGE_SECRETS_FILE ? { secretsFile: path.resolve(process.env.STOWAGE_SECRETS_FILE) } : {}),
  };
  const file = configPath();
  writeConfig(file, config);
  // EC2 nodes pull, and authenticate to the account's private ECR registries with the node role.
  const runtime = runtimeFor(config, file);
  const sampler = new UsageSampler(runtime, identity.nodeId, usageFile(file), Math.max(2, o.intervalS));
  const deps = { runtime, controlPlane: controlPlaneFor(config), identity, graceSeconds: config.graceSeconds, usage: () => sampler.latest, maxStartsPerPass: MAX_STARTS_PER_PASS, keepAliveMs: o.intervalS * 1000, startFailures: new StartFailures() };
  log(`node ${identity.nodeId} (${identity.instanceType}, ${identity.zone}, ${identity.capacity.cpu}m/${identity.capacity.memoryMiB}MiB) -> ${apiUrl}; config ${file}`);

  const stop = new AbortController();
  const onSignal = (sig: string) => {
    if (!stop.signal.aborted) log(`${sig}: stopping after the current pass`);
    stop.abort();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  // `stowage-agent sync` (SSM's push) wakes this loop instead of racing it; a wake during
  // a pass means one more pass right after it, since the pass may have read the old work.
  let wokenDuringPass = false;
  let passing = false;
  let wakeNow: (() => void) | undefined;
  process.on(WAKE_SIGNAL, () => {
    if (passing) wokenDuringPass = true;
    else wakeNow?.();
  });
  writePidFile(file);

  sampler.start(stop.signal);
  let registered = false;
  // A quiet pass (nothing started, stopped or failed) is logged once a minute, not every pass.
  let lastQuietLog = 0;
  while (!stop.signal.aborted) {
    const t0 = Date.now();
    passing = true;
    try {
      const s = await syncOnce(deps);
      if (s.deferred) wokenDuringPass = true;
      if (!registered) log(`registered node ${identity.nodeId}`);
      registered = true;
      const acted = s.started + s.stopped + s.removed + s.errors.length + (s.deferred ?? 0) > 0;
      if (acted || Date.now() - lastQuietLog >= 60_000) {
        log(`pass ok in ${Date.now() - t0} ms: ${describeSummary(s)}`);
        if (!acted) lastQuietLog = Date.now();
      }
    } catch (err) {
      const retriable = (err as { retriable?: unknown } | null)?.retriable === true;
      log(`pass failed in ${Date.now() - t0} ms${retriable ? ' (retriable)' : ''}: ${err instanceof Error ? err.message : String(err)}`);
    }
    passing = false;
    const again = wokenDuringPass;
    wokenDuringPass = false;
    if (!again) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          stop.signal.removeEventListener('abort', done);
          wakeNow = undefined;
          resolve();
        };
        const timer = setTimeout(done, o.intervalS * 1000);
        stop.signal.addEventListener('abort', done, { once: true });
        wakeNow = done;
      });
    }
  }
  removePidFile(file);
  await sampler.stopped;
  runtime.close();
  log('stopped');
  return 0;
}

async function syncCommand(): Promise<number> {
  const config = readConfig(configPath());
  let summary: SyncSummary;
  const t0 = Date.now();
  try {
    // The daemon's latest sample when fresh: measuring here would hold the heartbeat (and the starts behind it) for a second.
    const sampled = readUsage(usageFile(configPath()));
    summary = await syncOnce({
      runtime: runtimeFor(config, configPath()),
      // One pass of its own: a failed pull is reported by the daemon's next heartbeats, not remembered here.
      controlPlane: controlPlaneFor(config),
      identity: config.identity,
      graceSeconds: config.graceSeconds,
      ...(sampled ? { usage: () => sampled } : {}),
    });
  } catch (err) {
    log(`sync failed in ${Date.now() - t0} ms: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  log(`sync in ${Date.now() - t0} ms: ${describeSummary(summary)}`);
  return summary.errors.length === 0 ? 0 : 1;
}

export function createProgram(setExit: (code: number) => void): Command {
  const program = new Command('stowage-agent').description('Stowage node agent: runs the containers the scheduler assigns to this node').exitOverride().showHelpAfterError('(add --help for usage)');
  program
    .command('run')
    .description('the daemon: write the config, then heartbeat and reconcile every --interval-s until SIGTERM/SIGINT')
    .option('--api-url <url>', 'the Stowage API (default: env STOWAGE_API_URL)')
    .option('--token-file <path>', 'file holding the local API bearer token')
    .option('--node-id <id>', 'local mode: this node\'s id')
    .option('--cpu <millicores>', 'local mode: capacity in millicores', int('--cpu'))
    .option('--memory-mib <mib>', 'local mode: capacity in MiB', int('--memory-mib'))
    .option('--instance-type <name>', 'local mode: instance type reported', 'local')
    .option('--zone <zone>', 'local mode: zone reported', 'local')
    .option('--price-per-hour <usd>', 'local mode: price reported', num('--price-per-hour'), 0)
    .option('--capacity-type <type>', 'local mode: on-demand (default) or spot, as the node reports it')
    .option('--ec2', 'identity and capacity from the EC2 instance metadata service (IMDSv2)')
    .option('--imds-url <url>', 'IMDS base URL (tests)')
    .option('--reserve-cpu <millicores>', 'EC2: millicores kept for the system', int('--reserve-cpu'), 100)
    .option('--reserve-memory-mib <mib>', 'EC2: MiB kept for the system', int('--reserve-memory-mib'), 256)
    .option('--interval-s <s>', 'seconds between passes', num('--interval-s'), 10)
    .option('--grace-s <s>', 'seconds between SIGTERM and SIGKILL when stopping a container whose job names no stopGraceSeconds', int('--grace-s'), DEFAULT_STOP_GRACE_SECONDS)
    .option('--address <ip>', 'the address load balancers reach this node\'s published ports at (default: EC2 the private IPv4 from IMDS, locally 127.0.0.1)')
    .option('--bind-address <ip>', 'the host address published ports bind on (127.0.0.1 keeps them on the machine)', '0.0.0.0')
    .action(async (o: RunOptions) => setExit(await runDaemon(o)));
  program
    .command('sync')
    .description(`one reconcile pass from the config \`run\` wrote (${DEFAULT_CONFIG_PATH}, or env STOWAGE_AGENT_CONFIG); exit 1 if anything failed`)
    .action(async () => setExit(await syncCommand()));
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = createProgram((c) => (code = c));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    process.stderr.write(`stowage-agent: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
