import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type Docker from 'dockerode';
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync, type WriteStream } from 'node:fs';
import * as path from 'node:path';
import type { SchedulerPolicy } from '../core/policy';
import type { NodeCommander } from '../control/node-commander';
import type { PassReport } from '../control/pass/run-pass';
import { createHandler as schedulerHandler } from '../lambdas/handlers/scheduler';
import { DynamoStateStore } from '../lambdas/adapters/dynamo-state-store';
import type { TableNames } from '../lambdas/adapters/table-schema';
import { newToken, removeCredentials, writeCredentials } from './credentials';
import { ensureDocker } from './docker-engine';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { startLocalApi, type LocalApi } from './local-api';
import { LocalFleet, LocalNodeCommander, removeContainers } from './local-fleet';
import { instanceTypesNamed, LOCAL_ZONES, LocalOptionError, localPolicy } from './local-policy';
import { leftoversOf, readRunRecord, removeRunRecord, writeRunRecord, type RunRecord } from './run-record';
import { StreamPoller } from './stream-poller';
import { createTablesFromTemplate, namesOf, tableInputsFromTemplate } from './tables-from-template';
import { cachedTemplate } from './template-cache';

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
}

/** The log is moved aside at start once it is this big. */
const LOG_ROTATE_BYTES = 50 * 1024 * 1024;

export const LOCAL_DEFAULTS = {
  nodes: 3,
  instanceTypes: ['m5.large', 'm5.xlarge'],
  maxNodes: 6,
  port: 8787,
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
  /** The user's token, also in `credentialsFile`. */
  readonly token: string;
  readonly credentialsFile: string;
  readonly logFile: string;
  readonly tables: TableNames;
  readonly store: DynamoStateStore;
  readonly fleet: LocalFleet;
  readonly docker: Docker;
  readonly policy: SchedulerPolicy;
  /** Launches, terminations and failed passes, newest last (the last 50). */
  readonly events: readonly LocalEvent[];
  readonly passes: number;
  readonly lastPass: PassReport | undefined;
  /** Cleanup done before start: processes stopped and containers removed from a crashed run. */
  readonly leftovers: { readonly processes: number; readonly containers: number };
  stop(): Promise<{ agents: number; containers: number }>;
}

export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const say = options.say ?? (() => undefined);
  const dir = path.resolve(options.dir);
  mkdirSync(path.join(dir, 'logs'), { recursive: true, mode: 0o700 });
  const types = instanceTypesNamed(options.instanceTypes);
  const policy = (options.policy ?? ((p) => p))(
    localPolicy({ instanceTypes: options.instanceTypes, maxNodes: options.maxNodes, minNodes: options.minNodes, agentIntervalSeconds: options.agentIntervalSeconds }),
  );
  if (!Number.isInteger(options.nodes) || options.nodes < 0 || options.nodes > options.maxNodes) {
    throw new LocalOptionError(`--nodes must be a whole number from 0 to --max-nodes (${options.maxNodes}), got ${options.nodes}`);
  }

  // Throws if another local cloud runs from this directory; nothing is touched then.
  const previous = leftoversOf(readRunRecord(dir));
  const logFile = path.join(dir, 'logs', 'local.log');
  // Agents log every pass: keep one previous run's worth once the file gets large.
  if (existsSync(logFile) && statSync(logFile).size > LOG_ROTATE_BYTES) renameSync(logFile, `${logFile}.1`);
  const logStream: WriteStream = createWriteStream(logFile, { flags: 'a' });
  const logLine = (source: string, line: string) => logStream.write(`${new Date().toISOString()} ${source} ${line}\n`);
  const events: LocalEvent[] = [];
  const event = (text: string) => {
    events.push({ at: Date.now(), text });
    if (events.length > 50) events.splice(0, events.length - 50);
    logLine('event', text);
  };

  const undo: (() => Promise<void>)[] = [];
  const rollback = async () => {
    for (const u of undo.reverse()) await u().catch(() => undefined);
    logStream.end();
  };

  try {
    say('checking Docker (starting dockerd and building stowage/busybox:local if needed)');
    const docker = await ensureDocker();

    let leftoverContainers = 0;
    for (const pid of previous.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Ended between the check and now.
      }
    }
    if (previous.idPrefix) {
      const prefix = previous.idPrefix;
      leftoverContainers = await removeContainers(docker, (node) => node.startsWith(prefix));
    }
    if (previous.pids.length + leftoverContainers > 0) {
      say(`cleaned up a previous run that did not stop cleanly: ${previous.pids.length} processes stopped, ${leftoverContainers} containers removed`);
    }

    const idPrefix = `local-${process.pid}-`;
    const record: { -readonly [K in keyof RunRecord]: RunRecord[K] } = { pid: process.pid, startedAt: new Date().toISOString(), idPrefix, agentPids: [] };
    writeRunRecord(dir, record);
    undo.push(async () => removeRunRecord(dir));

    let client: DynamoDBClient;
    let streams: DynamoDBStreamsClient;
    let dynamo: DynamoDbLocal | undefined;
    if (options.endpoint) {
      const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
      // LocalStack takes any credentials; real ones from the environment are used if set.
      const credentials = process.env.AWS_ACCESS_KEY_ID ? undefined : { accessKeyId: 'test', secretAccessKey: 'test' };
      client = new DynamoDBClient({ endpoint: options.endpoint, region, ...(credentials ? { credentials } : {}) });
      streams = new DynamoDBStreamsClient({ endpoint: options.endpoint, region, ...(credentials ? { credentials } : {}) });
      say(`using the DynamoDB at ${options.endpoint} (${region})`);
    } else {
      say('starting DynamoDB Local (in memory)');
      dynamo = await startDynamoDbLocal();
      const started = dynamo;
      undo.push(() => started.stop());
      record.dynamoPid = dynamo.pid;
      writeRunRecord(dir, record);
      client = dynamo.client;
      streams = new DynamoDBStreamsClient({ endpoint: dynamo.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    }
    undo.push(async () => streams.destroy());

    const template = cachedTemplate(options.templateCacheDir ?? dir, say);
    const { tables, idempotency } = await tablesFor(client, template);
    say(`tables ready: ${Object.values(tables).join(', ')}, ${idempotency}`);
    const store = new DynamoStateStore(client, tables);
    const idempotencyStore = new DynamoDBPersistenceLayer({ tableName: idempotency, awsSdkV3Client: client });

    const token = newToken();
    const stateDir = path.join(dir, 'nodes');
    // Bound later: the API (made first) pokes the poller and asks the fleet about tokens.
    const late: { poller?: StreamPoller; fleet?: LocalFleet } = {};
    const api: LocalApi = await startLocalApi({
      store,
      idempotencyStore,
      userToken: token,
      nodeForToken: (t) => late.fleet?.nodeForToken(t),
      port: options.port,
      log: {
        info: () => undefined,
        warn: (m: unknown, ...e: unknown[]) => void logLine('api', `${String(m)} ${JSON.stringify(e)}`),
        error: (m: unknown, ...e: unknown[]) => void logLine('api', `ERROR ${String(m)} ${JSON.stringify(e)}`),
      },
      onJobsChanged: () => late.poller?.poke(),
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') throw new LocalOptionError(`port ${options.port} is in use; pass --port <n> (or --port 0 for any free port)`, { cause: err });
      throw err;
    });
    undo.push(() => api.close());
    const startedFleet = new LocalFleet({
      apiUrl: api.url,
      stateDir,
      catalog: types,
      repoRoot: path.join(__dirname, '..'),
      intervalSeconds: options.agentIntervalSeconds,
      docker,
      idPrefix,
      onLog: (nodeId, line) => logLine(nodeId, line),
      onProcessesChanged: (pids) => {
        record.agentPids = pids;
        writeRunRecord(dir, record);
      },
    });
    undo.push(() => startedFleet.stopAll());
    late.fleet = startedFleet;


    const credentials = writeCredentials({ apiUrl: api.url, token, pid: process.pid, startedAt: record.startedAt }, dir);
    undo.push(async () => removeCredentials(dir));

    let passes = 0;
    let lastPass: PassReport | undefined;
    const schedulerLog = {
      info: (m: string, e?: Record<string, unknown>) => logLine('scheduler', `${m} ${JSON.stringify(e ?? {})}`),
      warn: (m: string, e?: Record<string, unknown>) => logLine('scheduler', `WARN ${m} ${JSON.stringify(e ?? {})}`),
      error: (m: string, e?: Record<string, unknown>) => {
        logLine('scheduler', `ERROR ${m} ${JSON.stringify(e ?? {})}`);
        event(`scheduler: ${m}`);
      },
    };
    const localSsm = new LocalNodeCommander({ stateDir, repoRoot: path.join(__dirname, '..') });
    const commander = options.wrapCommander ? options.wrapCommander(localSsm) : localSsm;
    const scheduler = schedulerHandler(() => ({ store, commander, fleet: startedFleet, clock: { now: () => Date.now() }, policy, logger: schedulerLog }));

    const poller = new StreamPoller({
      dynamodb: client,
      streams,
      tableName: tables.nodes,
      batchWindowMs: options.batchWindowMs,
      tickMs: options.tickMs,
      onBatch: async (batch) => {
        const report = await scheduler(batch);
        passes++;
        lastPass = report;
        for (const id of report.launched) event(`launched ${id}: work did not fit on the fleet`);
        for (const id of report.terminated) event(`terminated ${id}`);
        if (report.conflicts > 0) logLine('scheduler', `pass had ${report.conflicts} refused writes (another writer moved first); the next pass re-plans`);
      },
      onError: (err) => {
        logLine('scheduler', `ERROR pass failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        event(`scheduler pass failed: ${err instanceof Error ? err.message : String(err)}`);
      },
    });
    await poller.start();
    late.poller = poller;
    const startedPoller = poller;
    undo.push(() => startedPoller.stop());

    for (let i = 0; i < options.nodes; i++) {
      const type = types[0];
      const zone = LOCAL_ZONES[i % LOCAL_ZONES.length];
      const id = await startedFleet.launch({ instanceType: type.name, zone, labels: {} });
      // As a scheduler launch does: the node is LAUNCHING until its first heartbeat.
      await store.recordLaunch({ id, instanceType: type.name, zone, labels: {}, capacity: type.capacity, state: 'LAUNCHING', launchedAt: Date.now(), pricePerHour: type.pricePerHour });
      event(`started ${id} (${type.name}, ${zone})`);
    }

    let stopped: Promise<{ agents: number; containers: number }> | undefined;
    const cloud: LocalCloud = {
      apiUrl: api.url,
      token,
      credentialsFile: credentials,
      logFile,
      tables,
      store,
      fleet: startedFleet,
      docker,
      policy,
      events,
      get passes() {
        return passes;
      },
      get lastPass() {
        return lastPass;
      },
      leftovers: { processes: previous.pids.length, containers: leftoverContainers },
      stop: () =>
        (stopped ??= (async () => {
          await startedPoller.stop();
          const agents = startedFleet.running.length;
          await startedFleet.stopAll();
          // Anything an agent started after its last listing, or a node already gone left.
          const containers = await removeContainers(docker, (node) => node.startsWith(idPrefix)).catch(() => 0);
          await api.close().catch(() => undefined);
          streams.destroy();
          if (dynamo) await dynamo.stop();
          removeCredentials(dir);
          removeRunRecord(dir);
          await new Promise<void>((r) => logStream.end(() => r()));
          return { agents, containers };
        })()),
    };
    return cloud;
  } catch (err) {
    await rollback();
    throw err;
  }
}

/**
 * The stack's tables, from its template. On DynamoDB Local (empty, in memory) they are
 * created; on an external endpoint the ones a previous run made are kept (and with them
 * the jobs), and a half-made set is refused rather than guessed at.
 */
async function tablesFor(client: DynamoDBClient, template: Record<string, unknown>): Promise<{ tables: TableNames; idempotency: string }> {
  const prefix = 'stowage-local';
  const wanted = tableInputsFromTemplate(template, prefix);
  const existing = new Set<string>();
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const n of page.TableNames ?? []) existing.add(n);
    start = page.LastEvaluatedTableName;
  } while (start);
  const present = wanted.filter((t) => existing.has(t.input.TableName!));
  if (present.length === 0) return createTablesFromTemplate(client, template, prefix);
  if (present.length < wanted.length) {
    const missing = wanted.filter((t) => !existing.has(t.input.TableName!)).map((t) => t.input.TableName);
    throw new Error(`some of Stowage's local tables exist and some do not (missing: ${missing.join(', ')}); delete the tables named ${prefix}-* and start again`);
  }
  return namesOf(wanted);
}
