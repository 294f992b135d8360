import { DEFAULT_CATALOG } from '../../../core/catalog';
import { InMemoryFleet, RecordingNodeCommander } from '../../../control/fakes/in-memory-fleet';
import { InMemoryStateStore } from '../../../control/fakes/in-memory-state-store';
import type { Job, Task } from '../../../core/model';
import { defaultPolicy, DEFAULT_SERVICE_RESTART } from '../../../core/policy';
import type { Heartbeat } from '../../../control/state/node-report';
import { FleetError } from '../../../control/fleet';
import { createHandler } from '../../../lambdas/handlers/scheduler';
import { runPass, type PassLogger, type SchedulerDeps } from '../../../control/pass/run-pass';

const NOW = 1_800_000_000_000;

function setup(now = NOW) {
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

const job = (id: string, count: number, over: Partial<Job> = {}): Job => ({
  id, name: id, image: 'busybox', command: ['sleep', '60'], env: {}, resources: { cpu: 500, memoryMiB: 512 }, count, kind: 'service',
  restart: DEFAULT_SERVICE_RESTART, constraints: {}, doNotDisrupt: false, createdAt: NOW - 1000, ...over,
});
const tasks = (j: Job): Task[] => Array.from({ length: j.count }, (_, slot) => ({ id: `${j.id}.${slot}`, jobId: j.id, slot, generation: 0, status: 'PENDING', resources: j.resources, restarts: 0, createdAt: j.createdAt }));
const beat = (nodeId: string): Heartbeat => ({ nodeId, instanceType: 'm5.large', zone: 'us-east-1a', labels: {}, capacity: { cpu: 2000, memoryMiB: 8192 }, usage: { cpu: 0, memoryMiB: 0 }, pricePerHour: 0.096, containers: [] });

describe('runPass', () => {
  it('commits placements, tells exactly those nodes to sync, and writes a sample', async () => {
    const { store, commander, deps } = setup();
    await store.recordHeartbeat(beat('i-00000000000000001'), NOW - 1000);
    await store.recordHeartbeat(beat('i-00000000000000002'), NOW - 1000);
    const j = job('web', 3);
    await store.createJob(j, tasks(j));
    const report = await runPass(deps);
    expect(report.assignments).toBe(3);
    expect(report.conflicts).toBe(0);
    expect(commander.calls).toEqual([['i-00000000000000001']]);
    expect((await store.tasksForNode('i-00000000000000001')).map((t) => t.id).sort()).toEqual(['web.0', 'web.1', 'web.2']);
    const [sample] = await store.listSamples(NOW, NOW);
    expect(sample).toMatchObject({ t: NOW, nodes: 2, nodesByType: { 'm5.large': 2 }, allocated: { cpu: 1500, memoryMiB: 1536 }, capacity: { cpu: 4000, memoryMiB: 16384 }, pending: 0 });
    // Three 500-millicore copies need one node of the largest type, whatever their spread.
    expect(sample.lowerBound).toBe(1);
    expect(sample.controlPlane).toMatchObject({ schedulerInvocations: 1 });
    expect(sample.controlPlane!.schedulerMs).toBeGreaterThanOrEqual(0);
    // At least one transaction of three task writes and the node's (2 WRU each), and the sample itself.
    expect(sample.controlPlane!.writeRequestUnits).toBeGreaterThanOrEqual(2 * (3 + 1) + 1);
    expect(sample.controlPlane!.readRequestUnits).toBeGreaterThan(0);
  });

  it('launches a node for work that fits none and records it LAUNCHING; the next pass assigns to it without a sync', async () => {
    const { store, fleet, commander, deps, clock } = setup();
    const j = job('web', 2);
    await store.createJob(j, tasks(j));
    const first = await runPass(deps);
    expect(first.launched).toHaveLength(1);
    const [id] = first.launched;
    expect(fleet.running.get(id)).toMatchObject({ zone: 'us-east-1a' });
    expect((await store.listNodes())[0]).toMatchObject({ id, state: 'LAUNCHING', launchedAt: NOW });
    clock.t += 15_000;
    const second = await runPass(deps);
    expect(second.assignments).toBe(2);
    expect(second.launched).toEqual([]);
    // Its agent reads its tasks at boot: SSM does not know the instance yet.
    expect(commander.calls).toEqual([]);
  });

  it('terminates a node it declares lost, forgets it, and places its tasks elsewhere in the same pass', async () => {
    const { store, fleet, deps, clock } = setup();
    await store.recordHeartbeat(beat('i-0000000000000000a'), NOW);
    await store.recordHeartbeat(beat('i-0000000000000000b'), NOW);
    const j = job('web', 1);
    await store.createJob(j, tasks(j));
    await runPass(deps);
    const placedOn = (await store.snapshot()).tasks[0].nodeId!;
    const survivor = placedOn === 'i-0000000000000000a' ? 'i-0000000000000000b' : 'i-0000000000000000a';
    clock.t += 60_000;
    await store.recordHeartbeat(beat(survivor), clock.t);
    const report = await runPass(deps);
    expect(report.terminated).toEqual([placedOn]);
    expect(fleet.terminated).toEqual([placedOn]);
    expect((await store.listNodes()).map((n) => n.id)).toEqual([survivor]);
    expect((await store.snapshot()).tasks[0]).toMatchObject({ status: 'ASSIGNED', nodeId: survivor, generation: 2 });
  });

  it('keeps going when a launch fails, logging it, and plans it again next pass', async () => {
    const { store, fleet, logs, deps, clock } = setup();
    fleet.failLaunches.push(new Error('InsufficientInstanceCapacity'));
    const j = job('web', 1);
    await store.createJob(j, tasks(j));
    const first = await runPass(deps);
    expect(first).toMatchObject({ launched: [], launchFailures: 1 });
    expect(logs.some((l) => l.level === 'error' && /launch failed/.test(l.message))).toBe(true);
    clock.t += 15_000;
    expect((await runPass(deps)).launched).toHaveLength(1);
  });

  it('does not terminate a node whose state change the store refused', async () => {
    const { store, fleet, deps } = setup();
    await store.recordHeartbeat(beat('i-0000000000000000c'), NOW - 120_000);
    // A racing writer: the node reports again between snapshot and apply.
    const snapshot = store.snapshot.bind(store);
    store.snapshot = async () => {
      const s = await snapshot();
      await store.applyPlan({ now: NOW, assignments: [], taskUpdates: [], nodeUpdates: [{ nodeId: 'i-0000000000000000c', from: 'ACTIVE', to: 'DRAINING' }], launches: [], terminations: [], unplaced: [], consolidations: [] });
      return s;
    };
    const report = await runPass(deps);
    expect(report.conflicts).toBeGreaterThan(0);
    expect(report.terminated).toEqual([]);
    expect(fleet.terminated).toEqual([]);
  });
});

describe('runPass terminations', () => {
  it('forgets nodes the fleet refused to terminate (not ours) along with the ones it terminated, so one stray id blocks nothing', async () => {
    const { store, fleet, logs, deps } = setup();
    await store.recordHeartbeat(beat('i-0000000000000000d'), NOW - 120_000);
    await store.recordHeartbeat(beat('i-0000000000000000e'), NOW - 120_000);
    fleet.terminate = async (ids) => {
      throw new FleetError('refused', { operation: 'terminate', instanceIds: ids.filter((id) => id.endsWith('e')), retriable: false });
    };
    const report = await runPass(deps);
    expect([...report.terminated].sort()).toEqual(['i-0000000000000000d', 'i-0000000000000000e']);
    expect(await store.listNodes()).toEqual([]);
    expect(logs.some((l) => l.level === 'error' && /does not own/.test(l.message))).toBe(true);
  });

  it('keeps the nodes when termination failed for a reason a retry may fix', async () => {
    const { store, fleet, deps } = setup();
    await store.recordHeartbeat(beat('i-0000000000000000f'), NOW - 120_000);
    fleet.terminate = async (ids) => {
      throw new FleetError('throttled', { operation: 'terminate', instanceIds: ids, retriable: true });
    };
    expect((await runPass(deps)).terminated).toEqual([]);
    expect((await store.listNodes()).map((n) => n.state)).toEqual(['LOST']);
  });
});

describe('the scheduler handler', () => {
  it('builds its dependencies once and runs one pass per invocation, whatever woke it', async () => {
    const { deps, store } = setup();
    const j = job('web', 1);
    await store.createJob(j, tasks(j));
    let built = 0;
    const handler = createHandler(() => {
      built++;
      return deps;
    });
    const first = await handler({ Records: [] });
    const second = await handler({ Records: [] });
    expect(built).toBe(1);
    expect(first.launched).toHaveLength(1);
    expect(second.now).toBe(NOW);
  });
});
