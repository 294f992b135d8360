import { DEFAULT_CATALOG } from '../../../core/catalog';
import { InMemoryFleet } from '../../../control/fakes/in-memory-fleet';
import { RecordingNodeCommander } from '../../../control/fakes/recording-node-commander';
import { InMemoryStateStore } from '../../../control/fakes/in-memory-state-store';
import type { Job, Task } from '../../../core/model';
import { defaultPolicy, DEFAULT_SERVICE_RESTART } from '../../../core/policy';
import type { Heartbeat } from '../../../control/state/node-report';
import type { PassLogger, SchedulerDeps } from '../../../control/pass/run-pass';

export const NOW = 1_800_000_000_000;

/** The world a pass runs in for these tests: the in-memory store, fleet and commander, a clock the test moves, a recording logger. */
export function setup(now = NOW) {
  const store = new InMemoryStateStore();
  const commander = new RecordingNodeCommander();
  const fleet = new InMemoryFleet();
  const logs: Array<{ level: string; message: string; extra?: Record<string, unknown> }> = [];
  const logger: PassLogger = {
    info: (message, extra) => logs.push({ level: 'info', message, extra }),
    warn: (message, extra) => logs.push({ level: 'warn', message, extra }),
    error: (message, extra) => logs.push({ level: 'error', message, extra }),
  };
  const clock = { t: now, now() { return this.t; } };
  const deps: SchedulerDeps = { store, commander, fleet, clock, policy: defaultPolicy(DEFAULT_CATALOG), logger };
  return { store, commander, fleet, logs, clock, deps };
}

export const job = (id: string, count: number, over: Partial<Job> = {}): Job => ({
  id, name: id, image: 'busybox', command: ['sleep', '60'], env: {}, resources: { cpu: 500, memoryMiB: 512 }, count, kind: 'service',
  restart: DEFAULT_SERVICE_RESTART, constraints: {}, doNotDisrupt: false, createdAt: NOW - 1000, ...over,
});
export const tasks = (j: Job): Task[] => Array.from({ length: j.count }, (_, slot) => ({ id: `${j.id}.${slot}`, jobId: j.id, slot, generation: 0, status: 'PENDING', resources: j.resources, restarts: 0, createdAt: j.createdAt }));
export const beat = (nodeId: string): Heartbeat => ({ nodeId, instanceType: 'm5.large', zone: 'us-east-1a', labels: {}, capacity: { cpu: 2000, memoryMiB: 8192 }, usage: { cpu: 0, memoryMiB: 0 }, pricePerHour: 0.096, containers: [] });

