import { ROUTE_SHAPES, type ResponseOf } from '../contract/route-shapes';
import { ROUTES, routePath, type RouteName } from '../contract/routes';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LOCAL_IMAGE } from './docker-engine';
import { LOCAL_DEFAULTS, startLocalCloud } from './local-cloud';
import { percentile } from './percentile';
import { waitUntil } from './wait-until';

/**
 * `stowage bench --local`: submit-to-running latency on the local cloud, measured the
 * way a user meets it. Jobs of one replica are submitted through the API one after
 * another at a steady pace; for each, two latencies:
 *  - started: from the submit's answer to the container's start as Docker records it
 *    (the agent reports Docker's StartedAt), the time work waits for the scheduler;
 *  - visible: from the submit's answer until GET /jobs first shows it RUNNING (what
 *    `stowage submit --wait` sees), which adds the report that tells the API.
 */
export interface LocalBenchOptions {
  readonly tasks: number;
  /** Pause between submits. */
  readonly spacingMs: number;
  readonly say?: (line: string) => void;
  /** Template cache (default: a folder in the temp directory, kept across runs). */
  readonly templateCacheDir?: string;
}

export interface LocalBenchResult {
  readonly tasks: number;
  readonly nodes: number;
  readonly startedMs: { readonly p50: number; readonly p95: number; readonly max: number };
  readonly visibleMs: { readonly p50: number; readonly p95: number; readonly max: number };
  readonly schedulerPasses: number;
  readonly wallMs: number;
}

export async function runLocalBench(o: LocalBenchOptions): Promise<LocalBenchResult> {
  if (!Number.isInteger(o.tasks) || o.tasks < 1 || o.tasks > 500) throw new RangeError(`--tasks must be a whole number from 1 to 500, got ${o.tasks}`);
  const say = o.say ?? (() => undefined);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-bench-local-'));
  const cloud = await startLocalCloud({
    dir,
    templateCacheDir: o.templateCacheDir ?? path.join(os.tmpdir(), 'stowage-template-cache'),
    nodes: LOCAL_DEFAULTS.nodes,
    instanceTypes: ['m5.large'],
    maxNodes: LOCAL_DEFAULTS.nodes + Math.ceil((o.tasks * 100) / 2000),
    minNodes: LOCAL_DEFAULTS.nodes,
    port: 0,
    lbPort: 0,
    agentIntervalSeconds: LOCAL_DEFAULTS.agentIntervalSeconds,
    batchWindowMs: LOCAL_DEFAULTS.batchWindowMs,
    tickMs: LOCAL_DEFAULTS.tickMs,
    say,
  });
  const t0 = Date.now();
  let abandoned = false;
  let poller: Promise<void> = Promise.resolve();
  try {
    // Typed by the contract: the route's path from the table, its answer from the route's shape.
    const call = async <N extends RouteName>(name: N, params: Record<string, string> = {}, body?: unknown): Promise<ResponseOf<(typeof ROUTES)[N]['key']>> => {
      const route = ROUTES[name];
      const res = await fetch(`${cloud.apiUrl}${routePath(route, params)}`, {
        method: route.method,
        headers: { authorization: `Bearer ${cloud.token}`, 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const json: unknown = await res.json();
      if (!res.ok) throw new Error(`${route.key} answered ${res.status}: ${JSON.stringify(json)}`);
      return ROUTE_SHAPES[route.key].response.parse(json) as ResponseOf<(typeof ROUTES)[N]['key']>;
    };
    say('waiting for the nodes to report');
    await waitUntil('the nodes to report', async () => (await cloud.store.listNodes()).filter((n) => n.state === 'ACTIVE').length === LOCAL_DEFAULTS.nodes, 60_000);

    const submittedAt = new Map<string, number>();
    const visibleAt = new Map<string, number>();
    let submitting = true;
    // One list request per poll, whatever the number of jobs: the poll itself must not be the load.
    poller = (async () => {
      while (!abandoned && (submitting || visibleAt.size < o.tasks)) {
        const { jobs } = await call('listJobs');
        const now = Date.now();
        for (const j of jobs) if ((j.tasks.RUNNING ?? 0) > 0 && submittedAt.has(j.id) && !visibleAt.has(j.id)) visibleAt.set(j.id, now);
        if (now - t0 > 180_000) throw new Error(`only ${visibleAt.size} of ${o.tasks} tasks running after 180 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    say(`submitting ${o.tasks} one-replica jobs, one every ${o.spacingMs} ms`);
    for (let i = 0; i < o.tasks; i++) {
      const { jobId } = await call('submitJob', {}, {
        name: `bench-${i}`,
        image: LOCAL_IMAGE,
        command: ['sleep', '3600'],
        cpu: 100,
        memoryMiB: 32,
        count: 1,
        kind: 'service',
      });
      submittedAt.set(jobId, Date.now());
      await new Promise((r) => setTimeout(r, o.spacingMs));
    }
    submitting = false;
    await poller;

    const started: number[] = [];
    for (const jobId of submittedAt.keys()) {
      const { tasks } = await call('getJob', { id: jobId });
      const t = tasks.find((x) => x.startedAt !== undefined);
      if (t?.startedAt !== undefined) started.push(t.startedAt - submittedAt.get(jobId)!);
    }
    const visible = [...visibleAt].map(([id, at]) => at - submittedAt.get(id)!);
    const stats = (v: number[]) => ({ p50: percentile(v, 50), p95: percentile(v, 95), max: Math.max(...v) });
    return {
      tasks: o.tasks,
      nodes: (await cloud.store.listNodes()).filter((n) => n.state === 'ACTIVE').length,
      startedMs: stats(started),
      visibleMs: stats(visible),
      schedulerPasses: cloud.passes,
      wallMs: Date.now() - t0,
    };
  } finally {
    abandoned = true;
    await poller.catch(() => undefined);
    say('stopping the local cloud');
    await cloud.stop();
    // Kept: what the scheduler, the API and the agents said, for a slow run's why.
    fs.copyFileSync(cloud.logFile, path.join(os.tmpdir(), 'stowage-bench-local.log'));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
