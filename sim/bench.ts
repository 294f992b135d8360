import { DEFAULT_CATALOG } from '../core/catalog';
import type { Job, Node, Task } from '../core/model';
import { plan } from '../core/pass/plan';
import { DEFAULT_SERVICE_RESTART, defaultPolicy } from '../core/policy';
import { seededRandom } from '../core/random';
import type { Snapshot } from '../core/pass/snapshot';

export interface BenchCase {
  readonly tasks: number;
  readonly nodes: number;
}

export interface BenchResult extends BenchCase {
  readonly placed: number;
  readonly unplaced: number;
  readonly ms: number;
  readonly placementsPerSecond: number;
}

export const BENCH_CASES: readonly BenchCase[] = [
  { tasks: 10_000, nodes: 1_000 },
  { tasks: 100_000, nodes: 10_000 },
];

const NOW = 1_800_000_000_000;
const NODE = DEFAULT_CATALOG.find((t) => t.name === 'm5.4xlarge')!;

/**
 * A snapshot of `nodes` idle m5.4xlarge nodes and `tasks` pending copies from jobs of
 * 1–200 replicas with seeded shapes (250–4000 millicores, 256–8192 MiB). Demand is
 * about 60 % of the fleet, so everything fits and the pass does only placement work.
 */
export function benchSnapshot(c: BenchCase, seed = 42): Snapshot {
  const random = seededRandom(seed);
  const nodes: Node[] = [];
  for (let i = 0; i < c.nodes; i++) {
    nodes.push({
      id: `node-${String(i).padStart(6, '0')}`,
      instanceType: NODE.name,
      zone: ['us-east-1a', 'us-east-1b', 'us-east-1c'][i % 3],
      labels: {},
      capacity: NODE.capacity,
      state: 'ACTIVE',
      launchedAt: NOW - 3_600_000,
      lastHeartbeatAt: NOW - 1_000,
      pricePerHour: NODE.pricePerHour,
    });
  }
  const cpus = [250, 500, 1000, 1500, 2000];
  const mems = [256, 512, 1024, 2048, 4096, 8192];
  const jobs: Job[] = [];
  const tasks: Task[] = [];
  while (tasks.length < c.tasks) {
    const count = Math.min(c.tasks - tasks.length, 1 + Math.floor(random() * 200));
    const id = `job-${String(jobs.length).padStart(6, '0')}`;
    const resources = { cpu: cpus[Math.floor(random() * cpus.length)], memoryMiB: mems[Math.floor(random() * mems.length)] };
    jobs.push({
      id,
      name: id,
      image: 'bench:latest',
      command: ['sleep', '3600'],
      env: {},
      resources,
      count,
      kind: 'service',
      restart: DEFAULT_SERVICE_RESTART,
      constraints: {},
      doNotDisrupt: false,
      createdAt: NOW - 60_000 + jobs.length,
    });
    for (let slot = 0; slot < count; slot++) {
      tasks.push({ id: `${id}.${slot}`, jobId: id, slot, generation: 0, status: 'PENDING', resources, restarts: 0, createdAt: NOW - 60_000 });
    }
  }
  return { jobs, tasks, nodes };
}

/** Times one plan() over the case's snapshot (building the snapshot is not timed). */
export function runBench(c: BenchCase): BenchResult {
  const snapshot = benchSnapshot(c);
  const policy = defaultPolicy(DEFAULT_CATALOG, { heartbeatTimeoutMs: 30_000 });
  const started = performance.now();
  const result = plan(snapshot, NOW, { ...policy, scaleUp: { ...policy.scaleUp, maxNodes: c.nodes * 2 } });
  const ms = performance.now() - started;
  const placed = result.assignments.length;
  return { ...c, placed, unplaced: result.unplaced.length, ms, placementsPerSecond: placed / (ms / 1000) };
}
