import type { Job, Task } from '../../core/model';
import { DEFAULT_BATCH_RESTART, DEFAULT_SERVICE_RESTART } from '../../core/policy';
import { seededRandom } from '../../core/random';
import type { ContainerFate } from './sim-agent';

/** One submission (and maybe a later stop) of the workload a schedule runs. */
export interface WorkloadItem {
  readonly job: Job;
  readonly tasks: readonly Task[];
  readonly submitAt: number;
  readonly stopAt?: number;
  /** Batch only: how each container ends. */
  readonly fate?: ContainerFate;
  /** Services only: changes a user makes later, each through the API's own rules (a new version, or a new count). */
  readonly changes?: readonly WorkloadChange[];
}

export interface WorkloadChange {
  readonly at: number;
  /** A new env: a new version rolls out. */
  readonly env?: Readonly<Record<string, string>>;
  /** A new count: scaling, no new version. */
  readonly count?: number;
}

/**
 * A small seeded mix of services and batch jobs, submitted over the first minutes and a
 * few stopped later: enough to fill two or three small nodes, make scale-up launch, leave
 * consolidation something to move, and give restarts and completions to track.
 */
export function workload(seed: number, submitUntil: number): WorkloadItem[] {
  const rnd = seededRandom(seed ^ 0x0b5e_55ed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  // A separate stream for the changes, so the jobs themselves are what they were before changes existed.
  const crnd = seededRandom(seed ^ 0x0c4a_26e5);
  const cint = (lo: number, hi: number) => lo + Math.floor(crnd() * (hi - lo + 1));
  const items: WorkloadItem[] = [];
  const services = int(2, 4);
  const batches = int(1, 4);
  for (let i = 0; i < services + batches; i++) {
    const batch = i >= services;
    const submitAt = i < 2 ? 0 : int(0, submitUntil / 1000) * 1000;
    const id = `${batch ? 'batch' : 'svc'}-${i}`;
    const job: Job = {
      id,
      name: id,
      image: 'chaos',
      command: [],
      env: {},
      resources: { cpu: int(1, 6) * 250, memoryMiB: int(1, 8) * 256 },
      count: batch ? int(1, 3) : int(1, 4),
      kind: batch ? 'batch' : 'service',
      restart: batch ? { ...DEFAULT_BATCH_RESTART, initialDelayMs: 2_000, maxDelayMs: 20_000 } : { ...DEFAULT_SERVICE_RESTART, initialDelayMs: 2_000, maxDelayMs: 20_000 },
      constraints: {},
      doNotDisrupt: !batch && rnd() < 0.2,
      createdAt: submitAt,
    };
    const tasks: Task[] = Array.from({ length: job.count }, (_, slot) => ({ id: `${id}.${slot}`, jobId: id, slot, generation: 0, status: 'PENDING', resources: job.resources, restarts: 0, createdAt: submitAt }));
    const stopAt = rnd() < 0.25 ? submitAt + int(30, 300) * 1000 : undefined;
    const fate = batch ? { durationMs: int(20, 180) * 1000, exitCode: rnd() < 0.3 ? 1 : 0 } : undefined;
    // Most services are updated once or twice (some scaled) while faults still fire, some mid-way through the previous update.
    const changes: WorkloadChange[] = [];
    if (!batch) {
      let at = submitAt;
      for (let c = 0, n = cint(0, 2); c < n; c++) {
        at += cint(20, 240) * 1000;
        changes.push(crnd() < 0.7 ? { at, env: { RELEASE: `r${c + 1}` } } : { at, count: cint(1, 4) });
      }
    }
    items.push({ job, tasks, submitAt, stopAt, fate, ...(changes.length > 0 ? { changes } : {}) });
  }
  return items;
}
