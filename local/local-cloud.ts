import type Docker from 'dockerode';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { deregistrationDelayMs, type SchedulerPolicy } from '../core/policy';
import type { NodeCommander } from '../control/node-commander';
import type { PassReport } from '../control/pass/run-pass';
import type { DynamoStateStore } from '../lambdas/adapters/dynamo-state-store';
import type { TableNames } from '../lambdas/adapters/table-schema';
import { ApiHooks, serveApi } from './cloud-api';
import { startDatabase } from './cloud-database';
import { launchFirstNode, startFleet } from './cloud-fleet';
import { startLoadBalancer } from './cloud-load-balancer';
import type { HaproxyLoadBalancer } from './haproxy-load-balancer';
import { startScheduler } from './cloud-scheduler';
import { startInterruptions, type InterruptAnswer, type InterruptRequest } from './local-interruptions';
import { openTables } from './cloud-tables';
import { newToken, removeCredentials, writeCredentials } from './credentials';
import { ensureDocker } from './docker-engine';
import { DockerLogReader } from './docker-log-reader';
import { secretsFileOf } from './secrets-file';
import { startEventLog } from './event-log';
import { Lifecycle } from './lifecycle';
import type { LocalFleet } from './local-fleet';
import { instanceTypesNamed, LOCAL_ZONES, LocalOptionError, localPolicy } from './local-policy';
import { claimRun } from './run-claim';
import { leftoversOf, readRunRecord } from './run-record';

/**
 * All of Stowage on one machine, wired from the deployed pieces: DynamoDB Local (or the
 * DynamoDB at `endpoint`, e.g. LocalStack's) with the tables of the synthesised stack;
 * the API handlers behind a loopback server; the Nodes stream feeding the scheduler
 * handler; agents as processes (port Fleet) and `stowage-agent sync` as SSM (port
 * NodeCommander). Only the adapters differ from AWS.
 */
export interface LocalCloudOptions {
  /** State: credential, run record, logs, per-node agent config and tokens, template cache. */
  readonly dir: string;
  /** Nodes started at once (each sized like the first instance type). */
  readonly nodes: number;
  /** Types the scheduler may launch; the first sizes the initial nodes. */
  readonly instanceTypes: readonly string[];
  readonly maxNodes: number;
  readonly minNodes: number;
  /** The API's port; 0 picks a free one. */
  readonly port: number;
  /** Where haproxy serves exposed jobs on 127.0.0.1 (default 8080); 0 picks a free one. */
  readonly lbPort?: number;
  /** A DynamoDB endpoint to use instead of starting DynamoDB Local (LocalStack: http://localhost:4566). */
  readonly endpoint?: string;
  readonly region?: string;
  readonly agentIntervalSeconds: number;
  /** The stream batching window (Lambda's MaximumBatchingWindowInSeconds; 5 s in the stack). */
  readonly batchWindowMs: number;
  /** The schedule's period (one minute in the stack). */
  readonly tickMs: number;
  /** Where the synthesised template is cached (default `dir`); tests share one across runs. */
  readonly templateCacheDir?: string;
  /** Progress and events, one line each, for the terminal. */
  readonly say?: (line: string) => void;
  /** Wraps the local SSM (fault tests drop and duplicate commands through it). */
  readonly wrapCommander?: (inner: NodeCommander) => NodeCommander;
  /** Policy changes on top of the local defaults (tests shorten clocks further). */
  readonly policy?: (p: SchedulerPolicy) => SchedulerPolicy;
  /**
   * Stops the cloud when aborted, as `stop()` does. During start-up (Ctrl-C while
   * DynamoDB Local or the template is still coming up) start waits for the piece in
   * progress, stops everything started, and rejects with StartInterruptedError.
   */
  readonly signal?: AbortSignal;
  /** Between a Spot interruption warning and the node being taken back: EC2's two minutes by default; tests shorten it. */
  readonly interruptionWarningMs?: number;
}

export const LOCAL_DEFAULTS = {
  nodes: 3,
  instanceTypes: ['m5.large', 'm5.xlarge'],
  maxNodes: 6,
  port: 8787,
  lbPort: 8080,
  agentIntervalSeconds: 1,
  batchWindowMs: 250,
  tickMs: 60_000,
} as const;

export interface LocalEvent {
  readonly at: number;
  readonly text: string;
}

export interface LocalCloud {
  readonly apiUrl: string;
  /** Where exposed jobs are served (haproxy), e.g. http://127.0.0.1:8080. */
  readonly loadBalancerUrl: string;
  readonly loadBalancer: HaproxyLoadBalancer;
  /** The user's token, also in `credentialsFile`. */
  readonly token: string;
  readonly credentialsFile: string;
  readonly logFile: string;
  readonly tables: TableNames;
  readonly store: DynamoStateStore;
  /** The tables' client (tests scan every table, e.g. for a secret value that must not be there). */
  readonly dynamodb: DynamoDBClient;
  readonly fleet: LocalFleet;
  readonly docker: Docker;
  readonly policy: SchedulerPolicy;
  /** Launches, terminations and failed passes, newest last (the last 50). */
  readonly events: readonly LocalEvent[];
  readonly passes: number;
  readonly lastPass: PassReport | undefined;
  /** Cleanup done before start: processes stopped and containers removed from a crashed run. */
  readonly leftovers: { readonly processes: number; readonly containers: number };
  /**
   * What EC2 does to a Spot node it takes back: the notice through the interruptions
   * handler, and (an interruption) the node terminated at the deadline. `stowage local
   * interrupt` reaches it through the state directory's spool.
   */
  interrupt(request: InterruptRequest): Promise<InterruptAnswer>;
  /**
   * Stops every piece, last started first, each tried even if one before it failed
   * (TeardownError then lists every failure). Idempotent. Resolves with the agents that
   * were running and the containers of this run still left once they had stopped.
   */
  stop(): Promise<{ agents: number; containers: number }>;
}

/**
 * Starts the pieces in order, each on what the ones before it made; the Lifecycle stops
 * them in reverse, so teardown (on `stop()`, on the signal, or when a piece fails to
 * start) is this order read backwards:
 *
 *   event log → Docker engine + image → run claim (crash leftovers, run record, this
 *   run's containers) → DynamoDB → tables + stores → API → fleet → credential file →
 *   load balancer (haproxy) → scheduler (stream poller + handler + local SSM) →
 *   interruptions (the Spot notices' handler, and EC2 taking nodes back) → first nodes
 *
 * The load balancer starts before the scheduler, which registers serving copies into it,
 * and stops after it. The credential is written once the API and the fleet can serve the CLI, and removed
 * first; the scheduler starts before the first nodes so their first heartbeats wake it.
 */
export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  // Progress lines are a courtesy: a closed terminal (EPIPE) must not fail start or stop.
  const say = (line: string) => {
    try {
      options.say?.(line);
    } catch {
      // Printing failed; the cloud carries on.
    }
  };
  const dir = path.resolve(options.dir);
  const types = instanceTypesNamed(options.instanceTypes);
  const policy = (options.policy ?? ((p) => p))(
    localPolicy({ instanceTypes: options.instanceTypes, maxNodes: options.maxNodes, minNodes: options.minNodes, agentIntervalSeconds: options.agentIntervalSeconds }),
  );
  if (!Number.isInteger(options.nodes) || options.nodes < 0 || options.nodes > options.maxNodes) {
    throw new LocalOptionError(`--nodes must be a whole number from 0 to --max-nodes (${options.maxNodes}), got ${options.nodes}`);
  }
  mkdirSync(path.join(dir, 'logs'), { recursive: true, mode: 0o700 });
  // Throws if another local cloud runs from this directory; nothing is touched then.
  const previous = leftoversOf(readRunRecord(dir));

  const lifecycle = new Lifecycle();
  // The caller hears of a failed teardown through start's rejection or its own stop().
  options.signal?.addEventListener('abort', () => void lifecycle.stop().catch(() => undefined), { once: true });
  if (options.signal?.aborted) void lifecycle.stop().catch(() => undefined);
  const stopped = { agents: 0, containers: 0 };
  const repoRoot = path.join(__dirname, '..');
  const stateDir = path.join(dir, 'nodes');
  const hooks = new ApiHooks();
  const token = newToken();

  const log = await lifecycle.start('event log', () => startEventLog(dir));
  const docker = await lifecycle.start('Docker engine', async () => {
    say('checking Docker (starting dockerd and building stowage/busybox:local if needed)');
    // No stop: dockerd outlives the run, as a system service would.
    return { value: await ensureDocker() };
  });
  const claim = await lifecycle.start('run record', () => claimRun({ dir, docker, previous, say, onSwept: (n) => (stopped.containers = n) }));
  const database = await lifecycle.start('DynamoDB', () =>
    startDatabase({ endpoint: options.endpoint, region: options.region, say, onProcess: (pid) => claim.recordDynamoPid(pid) }),
  );
  const { tables, store, idempotencyStore } = await lifecycle.start('tables', () => openTables(database.client, options.templateCacheDir ?? dir, say));
  // Before the API, which shows exposed jobs at its URL.
  const loadBalancer = await lifecycle.start('load balancer', async () => {
    const piece = await startLoadBalancer(options.lbPort ?? LOCAL_DEFAULTS.lbPort, deregistrationDelayMs(policy), say);
    try {
      // Recorded so that `local down` or the next start can end it after a crash.
      claim.recordHaproxyPid(piece.value.pid);
    } catch (err) {
      // Not started, as far as the lifecycle knows: nothing of it may outlive the failure.
      await piece.stop?.();
      throw err;
    }
    return piece;
  });
  const loadBalancerUrl = `http://127.0.0.1:${loadBalancer.port}`;
  const api = await lifecycle.start('local API', () => serveApi({ store, idempotencyStore, userToken: token, port: options.port, hooks, log, loadBalancerUrl, logReader: new DockerLogReader({ docker, stateDir }) }));
  const fleet = await lifecycle.start('local fleet', () =>
    startFleet({
      apiUrl: api.url,
      stateDir,
      catalog: types,
      repoRoot,
      intervalSeconds: options.agentIntervalSeconds,
      docker,
      claim,
      log,
      hooks,
      secretsFile: secretsFileOf(dir),
      onStopped: (n) => (stopped.agents = n),
    }),
  );
  const credentialsFile = await lifecycle.start('credential file', () => ({
    value: writeCredentials({ apiUrl: api.url, token, pid: process.pid, startedAt: claim.startedAt }, dir),
    stop: () => removeCredentials(dir),
  }));
  const scheduler = await lifecycle.start('scheduler', () =>
    startScheduler({
      dynamodb: database.client,
      streams: database.streams,
      nodesTable: tables.nodes,
      store,
      fleet,
      policy,
      stateDir,
      repoRoot,
      batchWindowMs: options.batchWindowMs,
      tickMs: options.tickMs,
      hooks,
      log,
      loadBalancer,
      ...(options.wrapCommander ? { wrapCommander: options.wrapCommander } : {}),
    }),
  );
  const interruptions = await lifecycle.start('interruptions', () =>
    startInterruptions({
      dir,
      store,
      waker: scheduler.waker,
      reclaim: (nodeId) => fleet.terminate([nodeId]),
      isRunning: (nodeId) => fleet.running.includes(nodeId),
      log,
      ...(options.interruptionWarningMs !== undefined ? { warningMs: options.interruptionWarningMs } : {}),
    }),
  );
  // One step per node, so a stop during start-up waits for one launch, not all of them.
  for (let i = 0; i < options.nodes; i++) {
    await lifecycle.start(`node ${i + 1}`, () => launchFirstNode(fleet, store, types[0], LOCAL_ZONES[i % LOCAL_ZONES.length], log));
  }

  return {
    apiUrl: api.url,
    loadBalancerUrl,
    loadBalancer,
    token,
    credentialsFile,
    logFile: log.file,
    tables,
    store,
    dynamodb: database.client,
    fleet,
    docker,
    policy,
    events: log.events,
    get passes() {
      return scheduler.passes;
    },
    get lastPass() {
      return scheduler.lastPass;
    },
    leftovers: claim.leftovers,
    interrupt: (request) => interruptions.interrupt(request),
    stop: async () => {
      await lifecycle.stop();
      return { ...stopped };
    },
  };
}
