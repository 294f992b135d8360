import { seededRandom } from '../core/random';
import { WorkloadOptionError } from './errors';
import type { TraceTask } from './trace-reader';

/**
 * The sixteen most common requests of the OpenB default trace (81 % of its 8 152 pods),
 * with how many pods asked for each: services draw their size from them, weighted, so
 * the services workload has OpenB's mix of shapes (CPU-heavy and memory-heavy alike).
 */
export const OPENB_SIZES: ReadonlyArray<{ cpu: number; memoryMiB: number; weight: number }> = [
  { cpu: 3152, memoryMiB: 5600, weight: 1592 },
  { cpu: 11300, memoryMiB: 49152, weight: 857 },
  { cpu: 11908, memoryMiB: 47104, weight: 778 },
  { cpu: 8000, memoryMiB: 30517, weight: 649 },
  { cpu: 11400, memoryMiB: 48128, weight: 534 },
  { cpu: 12500, memoryMiB: 57344, weight: 364 },
  { cpu: 32000, memoryMiB: 49152, weight: 284 },
  { cpu: 18708, memoryMiB: 64512, weight: 255 },
  { cpu: 9810, memoryMiB: 41560, weight: 195 },
  { cpu: 4000, memoryMiB: 22888, weight: 189 },
  { cpu: 4000, memoryMiB: 15258, weight: 182 },
  { cpu: 12000, memoryMiB: 24576, weight: 162 },
  { cpu: 15700, memoryMiB: 58368, weight: 158 },
  { cpu: 4152, memoryMiB: 10600, weight: 152 },
  { cpu: 4000, memoryMiB: 30517, weight: 136 },
  { cpu: 15400, memoryMiB: 51200, weight: 120 },
];

export interface ServicesWorkloadOptions {
  readonly seed: number;
  readonly services: number;
  readonly days: number;
  /** How often each service's replica count is re-evaluated (an autoscaler's step). */
  readonly stepMinutes: number;
}

export const DEFAULT_SERVICES_WORKLOAD: ServicesWorkloadOptions = { seed: 20261202, services: 30, days: 7, stepMinutes: 10 };

const DAY_S = 86_400;

/**
 * A week of long-running services whose replica counts follow a daily curve, as the
 * trace the replay reads (one row per replica lifetime, named after its service so the
 * peers' placement counts a service's replicas together):
 *
 *   replicas_s(t) = max(1, round(base_s × (1 + amp_s × sin(2π (t − peak_s) / day + π/2)) × weekend))
 *
 * base_s: 1–8 (skewed low: most services are small, a few are wide); amp_s: 0.2–0.7;
 * peak_s: 14:00 ± 3 h; weekend: 0.7 on days 6 and 7. Sizes are drawn from OPENB_SIZES.
 * Scaling up adds replicas; scaling down removes the newest first (as a ReplicaSet
 * does). Every random choice comes from one seeded generator: a seed is a workload.
 */
export function servicesWorkload(options: ServicesWorkloadOptions = DEFAULT_SERVICES_WORKLOAD): TraceTask[] {
  validate(options);
  const random = seededRandom(options.seed);
  const totalWeight = OPENB_SIZES.reduce((s, x) => s + x.weight, 0);
  const pickSize = () => {
    let r = random() * totalWeight;
    for (const s of OPENB_SIZES) {
      r -= s.weight;
      if (r < 0) return { cpu: s.cpu, memoryMiB: s.memoryMiB };
    }
    return { cpu: OPENB_SIZES[0].cpu, memoryMiB: OPENB_SIZES[0].memoryMiB };
  };
  const end = options.days * DAY_S;
  const step = options.stepMinutes * 60;
  const tasks: TraceTask[] = [];
  for (let s = 0; s < options.services; s++) {
    const name = `svc-${String(s).padStart(3, '0')}`;
    const resources = pickSize();
    const base = 1 + Math.floor(Math.pow(random(), 2) * 8);
    const amp = 0.2 + random() * 0.5;
    const peak = (14 + (random() * 6 - 3)) * 3600;
    const live: Array<{ from: number }> = [];
    for (let t = 0; t < end; t += step) {
      const day = Math.floor(t / DAY_S);
      const weekend = day % 7 >= 5 ? 0.7 : 1;
      const curve = 1 + amp * Math.cos((2 * Math.PI * (t - peak)) / DAY_S);
      const want = Math.max(1, Math.round(base * curve * weekend));
      while (live.length < want) live.push({ from: t });
      while (live.length > want) {
        const r = live.pop()!;
        tasks.push({ name, resources, creationTime: r.from, deletionTime: t, line: 0 });
      }
    }
    for (const r of live) tasks.push({ name, resources, creationTime: r.from, deletionTime: end, line: 0 });
  }
  tasks.sort((a, b) => a.creationTime! - b.creationTime! || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || a.deletionTime! - b.deletionTime!);
  return tasks.map((t, i) => ({ ...t, line: i + 1 }));
}

function validate(o: ServicesWorkloadOptions): void {
  const positiveInt = (field: keyof ServicesWorkloadOptions, v: number) => {
    if (!Number.isInteger(v) || v <= 0) throw new WorkloadOptionError(field, `must be a positive integer, got ${v}`);
  };
  positiveInt('services', o.services);
  positiveInt('days', o.days);
  positiveInt('stepMinutes', o.stepMinutes);
  if (!Number.isInteger(o.seed)) throw new WorkloadOptionError('seed', `must be an integer, got ${o.seed}`);
}
