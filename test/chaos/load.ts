import { heartbeatAnswerSchema, type HeartbeatBody } from '../../contract/heartbeat';
import { ROUTES, routePath } from '../../contract/routes';
import { InMemoryPersistenceLayer } from '../../lambdas/fakes/in-memory-idempotency';
import { randomBytes } from 'node:crypto';
import { DEFAULT_CATALOG } from '../../core/catalog';
import { HOLDS_RESOURCES } from '../../core/model';
import { InMemoryFleet } from '../../control/fakes/in-memory-fleet';
import { RecordingNodeCommander } from '../../control/fakes/recording-node-commander';
import { defaultPolicy } from '../../core/policy';
import { runPass, type PassLogger } from '../../control/pass/run-pass';
import { systemClock } from '../../control/clock';
import { DynamoStateStore } from '../../lambdas/adapters/dynamo-state-store';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local';
import { startLocalApi } from '../../local/local-api';
import { percentile } from '../../local/percentile';
import type { ChaosSection } from './section';

/**
 * Load on the control plane, on loopback only: `agents` simulated agents (async loops in
 * this process, no containers) each PUT their heartbeat every ~`intervalSeconds` with
 * their own node token to the real API handlers behind `startLocalApi`, backed by
 * DynamoStateStore on DynamoDB Local; meanwhile a user submits jobs (POST /jobs) and a
 * scheduler loop runs passes back to back against the same store. Each agent reports
 * the copies its last answer assigned it as running, so heartbeats move tasks too.
 *
 * After `seconds` the user stops submitting and the passes go on until one that began
 * after the last submit finds nothing to place (at most SETTLE_MS), the agents beating
 * meanwhile; then the store is read back. What must hold whatever the machine's speed —
 * every heartbeat sent was answered, no errors, every submitted job placed — is returned
 * as violations; the latencies (heartbeat p50/p99, pass time p50/max) and heartbeats per
 * second are printed, for `npm run chaos` and the benchmarks to judge. Errors are counted
 * by kind: any non-2xx (429 and 503 included), a failed request or pass.
 * Requests in flight are bounded.
 */
export interface LoadOptions {
  readonly agents: number;
  readonly seconds: number;
  readonly intervalSeconds: number;
  readonly log?: (line: string) => void;
  /** Requests in flight at once, across all agents (default 64). */
  readonly maxInFlight?: number;
  /** Pause between submits, ms (default 500). */
  readonly submitEveryMs?: number;
  /** A DynamoDB Local already started (tests share one); otherwise one is started and stopped. */
  readonly dynamo?: DynamoDbLocal;
}

const TYPE = DEFAULT_CATALOG.find((t) => t.name === 'm5.large')!;
/** Longest the passes may take, once submits end, to place what was submitted. */
const SETTLE_MS = 30_000;
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

export async function runLoad(options: LoadOptions): Promise<ChaosSection> {
  const { agents, seconds, intervalSeconds } = options;
  if (!Number.isInteger(agents) || agents < 1 || agents > 10_000) throw new RangeError(`agents must be a whole number from 1 to 10000, got ${agents}`);
  if (!(seconds > 0 && seconds <= 3600)) throw new RangeError(`seconds must be in (0, 3600], got ${seconds}`);
  if (!(intervalSeconds > 0)) throw new RangeError(`intervalSeconds must be positive, got ${intervalSeconds}`);
  const log = options.log ?? (() => undefined);
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    log(line);
  };
  const errors = new Map<string, number>();
  const errorSamples: string[] = [];
  const fail = (kind: string, detail: string) => {
    errors.set(kind, (errors.get(kind) ?? 0) + 1);
    if (errorSamples.length < 10) errorSamples.push(`${kind}: ${detail.slice(0, 300)}`);
  };

  const dynamo = options.dynamo ?? (await startDynamoDbLocal());
  const tables = await dynamo.createTables(`load-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
  const store = new DynamoStateStore(dynamo.client, tables);
  const userToken = randomBytes(24).toString('hex');
  const nodeIds = Array.from({ length: agents }, (_, i) => `load-${i.toString().padStart(5, '0')}`);
  const tokens = new Map(nodeIds.map((id) => [randomBytes(16).toString('hex'), id]));
  const tokenOf = new Map([...tokens].map(([t, id]) => [id, t]));
  let crashes = 0;
  const api = await startLocalApi({
    store,
    idempotencyStore: new InMemoryPersistenceLayer(),
    userToken,
    nodeForToken: (t) => tokens.get(t),
    log: {
      info: () => undefined,
      warn: () => undefined,
      error: (m: unknown, ...e: unknown[]) => fail('api-log-error', `${String(m)} ${JSON.stringify(e)}`),
    },
  });

  const latencies: number[] = [];
  const passMs: number[] = [];
  let heartbeatsSent = 0;
  let heartbeats = 0;
  let submits = 0;
  const submitted: { jobId: string; taskIds: string[] }[] = [];
  let passes = 0;
  let assignments = 0;
  let conflicts = 0;
  const started = Date.now();
  const deadline = started + seconds * 1000;
  const running = () => Date.now() < deadline;
  // Agents and passes go on past the deadline until what was submitted is placed.
  let settled = false;
  let submitsDone = false;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

  // Bounded concurrency: one semaphore for every request this harness makes.
  const limit = options.maxInFlight ?? 64;
  let inFlight = 0;
  const waiters: (() => void)[] = [];
  const acquire = async () => {
    if (inFlight < limit) {
      inFlight++;
      return;
    }
    await new Promise<void>((r) => waiters.push(r));
  };
  const release = () => {
    const next = waiters.shift();
    if (next) next();
    else inFlight--;
  };

  const agent = async (nodeId: string, index: number) => {
    const token = tokenOf.get(nodeId)!;
    let assigned: { id: string; generation: number }[] = [];
    // Spread the first reports over one interval, as a fleet that did not boot at one instant.
    await sleep(((index % 1000) / Math.min(agents, 1000)) * intervalSeconds * 1000);
    while (!settled) {
      const due = Date.now() + intervalSeconds * 1000 * (0.9 + 0.2 * Math.random());
      const report: HeartbeatBody = {
        instanceType: TYPE.name,
        zone: ZONES[index % ZONES.length],
        labels: {},
        capacity: TYPE.capacity,
        usage: { cpu: 20 + (index % 50), memoryMiB: 300.5 },
        pricePerHour: TYPE.pricePerHour,
        containers: assigned.map((t) => ({ taskId: t.id, generation: t.generation, state: 'running' })),
      };
      const body = JSON.stringify(report);
      await acquire();
      const t0 = performance.now();
      heartbeatsSent++;
      try {
        const res = await fetch(`${api.url}${routePath(ROUTES.heartbeat, { id: nodeId })}`, { method: ROUTES.heartbeat.method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
        const text = await res.text();
        const ms = performance.now() - t0;
        if (res.ok) {
          heartbeats++;
          latencies.push(ms);
          const answer = heartbeatAnswerSchema.parse(JSON.parse(text));
          assigned = answer.tasks.map((t) => ({ id: t.id, generation: t.generation }));
        } else {
          fail(`heartbeat http ${res.status}`, text);
        }
      } catch (err) {
        fail(`heartbeat ${errorName(err)}`, String(err));
      } finally {
        release();
      }
      await sleep(due - Date.now());
    }
  };

  const submitter = async () => {
    let n = 0;
    while (running()) {
      const job = { name: `load-${n}`, image: 'stowage/busybox:local', command: ['sleep', '3600'], cpu: 100 + 50 * (n % 4), memoryMiB: 64 * (1 + (n % 3)), count: 1 + (n % 3), kind: n % 5 === 0 ? 'batch' : 'service' };
      // One submit in flight at a time, outside the agents' bound: a user's submit does not queue behind a thousand agents.
      try {
        const res = await fetch(`${api.url}/jobs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json', 'idempotency-key': `load-${started}-${n}` },
          body: JSON.stringify(job),
        });
        const text = await res.text();
        if (res.ok) {
          submits++;
          submitted.push(JSON.parse(text) as { jobId: string; taskIds: string[] });
        } else fail(`submit http ${res.status}`, text);
      } catch (err) {
        fail(`submit ${errorName(err)}`, String(err));
      }
      n++;
      await sleep(options.submitEveryMs ?? 500);
    }
    submitsDone = true;
  };

  const quiet: PassLogger = { info: () => undefined, warn: () => undefined, error: (m, e) => fail('scheduler-log-error', `${m} ${JSON.stringify(e ?? {})}`) };
  const base = defaultPolicy(DEFAULT_CATALOG.filter((t) => t.name === TYPE.name));
  // The agents are the fleet: no launches (the fleet is simulated) and no consolidation (it would retire agents mid-run).
  const policy = defaultPolicy(base.scaleUp.instanceTypes, {
    heartbeatTimeoutMs: Math.max(30_000, intervalSeconds * 6_000),
    scaleUp: { ...base.scaleUp, enabled: false, maxNodes: agents },
    consolidation: { ...base.consolidation, mode: 'off' },
  });
  const scheduler = async () => {
    const deps = { store, fleet: new InMemoryFleet(), commander: new RecordingNodeCommander(), clock: systemClock, policy, logger: quiet };
    const settleBy = deadline + SETTLE_MS;
    while (!settled && Date.now() < settleBy) {
      const t0 = performance.now();
      const afterSubmits = submitsDone;
      try {
        const report = await runPass(deps);
        passMs.push(performance.now() - t0);
        passes++;
        assignments += report.assignments;
        conflicts += report.conflicts;
        // Nothing left to place and nothing refused, after the last submit: all of it is placed.
        if (afterSubmits && report.unplaced === 0 && report.conflicts === 0) settled = true;
      } catch (err) {
        crashes++;
        fail(`scheduler ${errorName(err)}`, err instanceof Error ? (err.stack ?? err.message) : String(err));
        await sleep(200);
      }
      await sleep(50);
    }
    settled = true;
  };

  let progress: NodeJS.Timeout | undefined;
  try {
    say(`load: ${agents} agents every ~${intervalSeconds} s for ${seconds} s against ${api.url} (at most ${limit} requests in flight), submits every ${options.submitEveryMs ?? 500} ms, scheduler passes back to back`);
    progress = setInterval(() => {
      const s = (Date.now() - started) / 1000;
      log(`  ${s.toFixed(0)} s: ${heartbeats} heartbeats (${(heartbeats / s).toFixed(1)}/s), ${submits} submits, ${passes} passes, ${[...errors.values()].reduce((a, b) => a + b, 0)} errors`);
    }, 10_000);
    progress.unref();
    await Promise.all([...nodeIds.map((id, i) => agent(id, i)), submitter(), scheduler()]);
  } finally {
    if (progress) clearInterval(progress);
    await api.close().catch(() => undefined);
    if (!options.dynamo) await dynamo.stop();
  }

  const placed = await placedJobs(store, submitted);
  const wall = (Date.now() - started) / 1000;
  const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
  const round = (x: number) => Math.round(x * 10) / 10;
  const counts: Record<string, number> = {
    agents,
    seconds: round(wall),
    intervalSeconds,
    heartbeatsSent,
    heartbeats,
    heartbeatsPerSecond: round(heartbeats / wall),
    heartbeatP50Ms: round(percentile(latencies, 50)),
    heartbeatP99Ms: round(percentile(latencies, 99)),
    heartbeatMaxMs: round(latencies.length ? Math.max(...latencies) : NaN),
    passes,
    passP50Ms: round(percentile(passMs, 50)),
    passMaxMs: round(passMs.length ? Math.max(...passMs) : NaN),
    assignments,
    refusedWrites: conflicts,
    submits,
    jobsPlaced: placed.length,
    errors: errorCount,
  };
  for (const [kind, n] of errors) counts[`errors: ${kind}`] = n;
  say(
    `load: ${agents} agents × ${round(wall)} s: ${heartbeats} heartbeats (${counts.heartbeatsPerSecond}/s, target ${round(agents / intervalSeconds)}/s), ` +
      `latency p50 ${counts.heartbeatP50Ms} ms, p99 ${counts.heartbeatP99Ms} ms, max ${counts.heartbeatMaxMs} ms; ` +
      `${passes} passes (p50 ${counts.passP50Ms} ms, max ${counts.passMaxMs} ms, ${assignments} assignments, ${conflicts} refused writes); ` +
      `${submits} submits, ${placed.length} placed; ${errorCount} errors${errorCount ? ` (${[...errors].map(([k, n]) => `${k}: ${n}`).join(', ')})` : ''}`,
  );
  for (const e of errorSamples) say(`  error: ${e}`);
  const violations = [...errors].map(([kind, n]) => `${n} × ${kind}`);
  if (heartbeats !== heartbeatsSent) violations.push(`${heartbeatsSent - heartbeats} of ${heartbeatsSent} heartbeats not answered`);
  const unplaced = submitted.filter((j) => !placed.includes(j.jobId)).map((j) => j.jobId);
  if (unplaced.length > 0) violations.push(`${unplaced.length} of ${submits} submitted jobs not placed within ${SETTLE_MS / 1000} s of the last submit: ${unplaced.slice(0, 5).join(', ')}`);
  return { name: 'load', counts, violations, crashes, lines };
}

/** The submitted jobs every copy of which holds a node (assigned, starting or running). */
async function placedJobs(store: DynamoStateStore, submitted: readonly { jobId: string; taskIds: string[] }[]): Promise<string[]> {
  const tasks = new Map((await store.snapshot()).tasks.map((t) => [t.id, t]));
  return submitted
    .filter((j) =>
      j.taskIds.every((id) => {
        const t = tasks.get(id);
        return t !== undefined && t.nodeId !== undefined && HOLDS_RESOURCES.has(t.status);
      }),
    )
    .map((j) => j.jobId);
}

function errorName(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string } };
  return e?.cause?.code ?? e?.name ?? 'error';
}
