import type { ControlPlane } from '../../agent/api-client';
import type { HeartbeatBody } from '../../contract/heartbeat';
import { RuntimeError } from '../../control/container-runtime-errors';
import { localIdentity } from '../../agent/node-identity';
import { describeSummary, syncOnce, type SyncDeps } from '../../agent/sync';
import type { ContainerInfo, ContainerSpec, ContainerState } from '../../core/agent/container';
import type { ContainerRuntime } from '../../control/container-runtime';
import type { DesiredTask } from '../../core/agent/reconcile';
import type { Resources } from '../../core/resources';

/**
 * syncOnce's action phases with a scripted runtime and control plane: the order of the
 * Docker calls, how many run at once, the per-pass start bound, and where the
 * heartbeat's usage comes from.
 */

const NODE = 'node-phases';
const identity = localIdentity({ nodeId: NODE, cpu: 4000, memoryMiB: 4096 });

function desired(taskId: string): DesiredTask {
  return { taskId, jobId: 'job-1', generation: 1, image: 'busybox:latest', command: ['sleep', '60'], env: {}, resources: { cpu: 100, memoryMiB: 32 } };
}

function known(containerId: string, taskId: string, state: ContainerState): ContainerInfo {
  return { containerId, taskId, jobId: 'job-1', generation: 1, state };
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((r) => setImmediate(r));

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (cond()) return;
    await tick();
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A runtime that records each call's begin and end, in order; each call waits on `gate` when set. */
class RecordingRuntime implements ContainerRuntime {
  readonly events: string[] = [];
  readonly statsCalls: string[] = [];
  readonly started: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** Per call, what it waits on before it completes (default: a few ticks, varying by id). */
  gate: ((op: string, id: string) => Promise<void>) | undefined;
  failStop = new Set<string>();

  constructor(
    public containers: ContainerInfo[],
    public usage: Record<string, Resources> = {},
  ) {}

  async list(nodeId: string): Promise<ContainerInfo[]> {
    expect(nodeId).toBe(NODE);
    return this.containers;
  }

  async stats(containerId: string): Promise<Resources> {
    this.statsCalls.push(containerId);
    return this.usage[containerId] ?? { cpu: 0, memoryMiB: 0 };
  }

  private async op(op: string, id: string): Promise<void> {
    this.events.push(`${op}:begin:${id}`);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.gate) await this.gate(op, id);
      else for (let i = 0; i < (id.charCodeAt(id.length - 1) % 5) + 1; i++) await tick();
    } finally {
      this.inFlight--;
      this.events.push(`${op}:end:${id}`);
    }
  }

  async createAndStart(spec: ContainerSpec, nodeId: string): Promise<string> {
    expect(nodeId).toBe(NODE);
    await this.op('start', spec.taskId);
    this.started.push(spec.taskId);
    return `c-${spec.taskId}`;
  }

  readonly graces: Record<string, number> = {};

  async stop(containerId: string, graceSeconds: number): Promise<void> {
    this.graces[containerId] = graceSeconds;
    await this.op('stop', containerId);
    if (this.failStop.has(containerId)) throw new RuntimeError('docker stop timed out', { operation: 'stop', containerId, retriable: true });
  }

  async remove(containerId: string): Promise<void> {
    await this.op('remove', containerId);
  }
}

class FakeControlPlane implements ControlPlane {
  readonly bodies: HeartbeatBody[] = [];
  constructor(private readonly tasks: DesiredTask[]) {}
  async heartbeat(nodeId: string, body: HeartbeatBody): Promise<DesiredTask[]> {
    expect(nodeId).toBe(NODE);
    this.bodies.push(body);
    return this.tasks;
  }
}

function deps(runtime: ContainerRuntime, controlPlane: ControlPlane, over: Partial<SyncDeps> = {}): SyncDeps {
  return { runtime, controlPlane, identity, graceSeconds: 1, ...over };
}

/** Index of the first/last event matching a prefix. */
const first = (events: string[], prefix: string) => events.findIndex((e) => e.startsWith(prefix));
const last = (events: string[], prefix: string) => events.map((e) => e.startsWith(prefix)).lastIndexOf(true);

describe('syncOnce phases', () => {
  test('every stop ends before any remove begins, and every remove ends before any start begins', async () => {
    // Three running copies no longer wanted (stop + remove), two exited ones (remove only),
    // one left `created` by a dead agent (remove, then start afresh), and four new tasks.
    const runtime = new RecordingRuntime([
      known('c-old-1', 'old-1', 'running'),
      known('c-old-2', 'old-2', 'running'),
      known('c-old-3', 'old-3', 'running'),
      known('c-done-1', 'done-1', 'exited'),
      known('c-done-2', 'done-2', 'exited'),
      known('c-half', 'new-0', 'created'),
    ]);
    const cp = new FakeControlPlane(['new-0', 'new-1', 'new-2', 'new-3', 'new-4'].map(desired));
    const s = await syncOnce(deps(runtime, cp, { measureUsage: false }));

    expect(s).toMatchObject({ stopped: 3, removed: 6, started: 5, errors: [] });
    expect(s).not.toHaveProperty('deferred');
    const ev = runtime.events;
    expect(ev.filter((e) => e.startsWith('stop:begin'))).toHaveLength(3);
    expect(ev.filter((e) => e.startsWith('remove:begin'))).toHaveLength(6);
    expect(ev.filter((e) => e.startsWith('start:begin'))).toHaveLength(5);
    expect(last(ev, 'stop:end')).toBeLessThan(first(ev, 'remove:begin'));
    expect(last(ev, 'remove:end')).toBeLessThan(first(ev, 'start:begin'));
    // Each phase's actions run side by side (default parallelism 4).
    expect(runtime.maxInFlight).toBeGreaterThan(1);
    expect(runtime.maxInFlight).toBeLessThanOrEqual(4);
  });

  test('the heartbeat goes out before any action', async () => {
    const runtime = new RecordingRuntime([known('c-old', 'old', 'running')]);
    let eventsAtHeartbeat = -1;
    const cp: ControlPlane = {
      heartbeat: async () => {
        eventsAtHeartbeat = runtime.events.length;
        return [desired('t1')];
      },
    };
    await syncOnce(deps(runtime, cp, { measureUsage: false }));
    expect(eventsAtHeartbeat).toBe(0);
    expect(runtime.events.length).toBeGreaterThan(0);
  });

  test('a failed stop keeps its container: no removal of it, the error is collected and the rest still run', async () => {
    const runtime = new RecordingRuntime([known('c-a', 'a', 'running'), known('c-b', 'b', 'running')]);
    runtime.failStop.add('c-a');
    const s = await syncOnce(deps(runtime, new FakeControlPlane([desired('t1')]), { measureUsage: false }));
    expect(s).toMatchObject({ stopped: 1, removed: 1, started: 1 });
    expect(s.errors).toEqual([{ action: 'stop', taskId: 'a', containerId: 'c-a', message: 'docker stop timed out', retriable: true }]);
    expect(runtime.events).not.toContain('remove:begin:c-a');
    expect(runtime.events).toContain('remove:begin:c-b');
  });
});

describe('syncOnce keep-alive', () => {
  test('a stop that waits out its grace does not silence the node: heartbeats go on while it runs, and stop with the pass', async () => {
    const runtime = new RecordingRuntime([known('c-slow', 'slow', 'running')]);
    const release = deferred();
    runtime.gate = (op) => (op === 'stop' ? release.promise : Promise.resolve());
    const cp = new FakeControlPlane([]);
    const pass = syncOnce(deps(runtime, cp, { measureUsage: false, keepAliveMs: 5 }));
    // The pass's own heartbeat, then keep-alives while the stop is held.
    await until('three heartbeats during the stop', () => cp.bodies.length >= 3);
    expect(runtime.events).toEqual(['stop:begin:c-slow']);
    expect(cp.bodies[2].containers).toEqual([{ taskId: 'slow', generation: 1, state: 'running' }]);
    release.resolve();
    await pass;
    const after = cp.bodies.length;
    await new Promise((r) => setTimeout(r, 30));
    expect(cp.bodies.length).toBe(after);
  });

  test('a pass with nothing to do sends only its own heartbeat', async () => {
    const runtime = new RecordingRuntime([known('c-ok', 'ok', 'running')]);
    const cp = new FakeControlPlane([desired('ok')]);
    await syncOnce(deps(runtime, cp, { measureUsage: false, keepAliveMs: 1 }));
    await new Promise((r) => setTimeout(r, 20));
    expect(cp.bodies).toHaveLength(1);
  });
});

describe('syncOnce service fields', () => {
  test('the heartbeat carries each running copy\'s endpoints and health, and the node\'s address', async () => {
    const endpoints = [{ port: 'web', containerPort: 8080, hostPort: 32768 }];
    const runtime = new RecordingRuntime([
      { ...known('c-web', 'web', 'running'), endpoints, health: 'unhealthy' },
      { ...known('c-done', 'done', 'exited'), exitCode: 0 },
    ]);
    const cp = new FakeControlPlane([desired('web'), desired('done')]);
    await syncOnce(deps(runtime, cp, { measureUsage: false, identity: { ...identity, address: '10.0.1.23' } }));
    const body = cp.bodies[0];
    expect(body.address).toBe('10.0.1.23');
    expect(body.containers).toEqual([
      { taskId: 'web', generation: 1, state: 'running', endpoints, health: 'unhealthy' },
      { taskId: 'done', generation: 1, state: 'exited', exitCode: 0 },
    ]);
    // Unhealthy is reported, not acted on: no stop, no restart.
    expect(runtime.events).toEqual([]);
  });

  test('each stop waits the job\'s grace, or the container\'s, or the agent\'s default', async () => {
    const runtime = new RecordingRuntime([
      known('c-job', 'job-grace', 'running'),
      { ...known('c-label', 'label-grace', 'running'), stopGraceSeconds: 7 },
      known('c-default', 'no-grace', 'running'),
    ]);
    const cp = new FakeControlPlane([{ ...desired('job-grace'), generation: 2, stopGraceSeconds: 45 }]);
    await syncOnce(deps(runtime, cp, { measureUsage: false, graceSeconds: 30 }));
    expect(runtime.graces).toEqual({ 'c-job': 45, 'c-label': 7, 'c-default': 30 });
  });
});

describe('syncOnce parallelism', () => {
  async function runWithGates(parallelism: number | undefined, starts: number) {
    const runtime = new RecordingRuntime([]);
    const gates = new Map<string, Deferred>();
    runtime.gate = (_op, id) => {
      const d = deferred();
      gates.set(id, d);
      return d.promise;
    };
    const tasks = Array.from({ length: starts }, (_, i) => desired(`t${String(i).padStart(2, '0')}`));
    const pass = syncOnce(deps(runtime, new FakeControlPlane(tasks), { measureUsage: false, ...(parallelism !== undefined ? { parallelism } : {}) }));
    return { runtime, gates, pass };
  }

  test('at most `parallelism` starts are in flight at once, and the next begins as soon as one ends', async () => {
    const { runtime, gates, pass } = await runWithGates(2, 6);
    await until('two starts in flight', () => runtime.inFlight === 2);
    // Give any excess worker the chance to begin: it must not.
    for (let i = 0; i < 20; i++) await tick();
    expect(runtime.inFlight).toBe(2);
    expect([...gates.keys()]).toEqual(['t00', 't01']);

    gates.get('t01')!.resolve();
    await until('a third start', () => gates.has('t02'));
    expect(runtime.inFlight).toBe(2);

    // Release the rest as they come.
    for (const id of ['t00', 't02', 't03', 't04', 't05']) {
      await until(`${id} to begin`, () => gates.has(id));
      expect(runtime.inFlight).toBeLessThanOrEqual(2);
      gates.get(id)!.resolve();
    }
    const s = await pass;
    expect(s).toMatchObject({ started: 6, errors: [] });
    expect(runtime.maxInFlight).toBe(2);
    expect([...runtime.started].sort()).toEqual(['t00', 't01', 't02', 't03', 't04', 't05']);
  });

  test('the default is 4 at once', async () => {
    const { runtime, gates, pass } = await runWithGates(undefined, 7);
    await until('four starts in flight', () => runtime.inFlight === 4);
    for (let i = 0; i < 20; i++) await tick();
    expect(runtime.inFlight).toBe(4);
    for (let n = 0; n < 7; n++) {
      const id = `t${String(n).padStart(2, '0')}`;
      await until(`${id} to begin`, () => gates.has(id));
      gates.get(id)!.resolve();
    }
    expect(await pass).toMatchObject({ started: 7 });
    expect(runtime.maxInFlight).toBe(4);
  });

  test('parallelism 1 runs one at a time, in task order', async () => {
    const runtime = new RecordingRuntime([]);
    const s = await syncOnce(deps(runtime, new FakeControlPlane(['c', 'a', 'b'].map(desired)), { measureUsage: false, parallelism: 1 }));
    expect(s.started).toBe(3);
    expect(runtime.maxInFlight).toBe(1);
    expect(runtime.events).toEqual(['start:begin:a', 'start:end:a', 'start:begin:b', 'start:end:b', 'start:begin:c', 'start:end:c']);
  });

  test('a parallelism below 1 still makes progress (one at a time)', async () => {
    const runtime = new RecordingRuntime([]);
    const s = await syncOnce(deps(runtime, new FakeControlPlane(['a', 'b'].map(desired)), { measureUsage: false, parallelism: 0 }));
    expect(s.started).toBe(2);
    expect(runtime.maxInFlight).toBe(1);
  });
});

describe('syncOnce maxStartsPerPass', () => {
  test('maxStartsPerPass 2 with 5 starts → started 2, deferred 3, and the summary line says so', async () => {
    const runtime = new RecordingRuntime([]);
    const s = await syncOnce(deps(runtime, new FakeControlPlane(['t5', 't3', 't1', 't4', 't2'].map(desired)), { measureUsage: false, maxStartsPerPass: 2 }));
    expect(s).toMatchObject({ started: 2, deferred: 3, desired: 5, errors: [] });
    // The first two in task order.
    expect([...runtime.started].sort()).toEqual(['t1', 't2']);
    const line = describeSummary(s);
    expect(line).toContain('deferred=3');
    expect(line).toBe('desired=5 reported=0 started=2 deferred=3 stopped=0 removed=0 errors=0');
  });

  test('the bound does not hold back stops and removals', async () => {
    const runtime = new RecordingRuntime([known('c-x', 'x', 'running'), known('c-y', 'y', 'exited'), known('c-z', 'z', 'exited')]);
    const s = await syncOnce(deps(runtime, new FakeControlPlane(['a', 'b', 'c'].map(desired)), { measureUsage: false, maxStartsPerPass: 1 }));
    expect(s).toMatchObject({ stopped: 1, removed: 3, started: 1, deferred: 2 });
  });

  test('no deferral when the starts fit the bound; describeSummary then omits it', async () => {
    const runtime = new RecordingRuntime([]);
    const s = await syncOnce(deps(runtime, new FakeControlPlane(['a', 'b'].map(desired)), { measureUsage: false, maxStartsPerPass: 2 }));
    expect(s.started).toBe(2);
    expect(s).not.toHaveProperty('deferred');
    expect(describeSummary(s)).not.toContain('deferred');
  });
});

describe('syncOnce usage', () => {
  const containers = [known('c-r1', 'r1', 'running'), known('c-r2', 'r2', 'running'), known('c-ex', 'ex', 'exited')];
  const stats = { 'c-r1': { cpu: 300, memoryMiB: 100 }, 'c-r2': { cpu: 200, memoryMiB: 50 }, 'c-ex': { cpu: 999, memoryMiB: 999 } };
  const want = ['r1', 'r2', 'ex'].map(desired);

  test("a `usage` provider's value is what the heartbeat carries, and the runtime's stats are not called", async () => {
    const runtime = new RecordingRuntime(containers, stats);
    const cp = new FakeControlPlane(want);
    await syncOnce(deps(runtime, cp, { usage: () => ({ cpu: 1234, memoryMiB: 567 }) }));
    expect(cp.bodies).toHaveLength(1);
    expect(cp.bodies[0].usage).toEqual({ cpu: 1234, memoryMiB: 567 });
    expect(runtime.statsCalls).toEqual([]);
  });

  test('a provider with no sample yet (undefined): the pass measures the running containers itself', async () => {
    const runtime = new RecordingRuntime(containers, stats);
    const cp = new FakeControlPlane(want);
    await syncOnce(deps(runtime, cp, { usage: () => undefined }));
    expect(cp.bodies[0].usage).toEqual({ cpu: 500, memoryMiB: 150 });
    expect([...runtime.statsCalls].sort()).toEqual(['c-r1', 'c-r2']);
  });

  test('measureUsage false and no provider → zero usage and no stats calls', async () => {
    const runtime = new RecordingRuntime(containers, stats);
    const cp = new FakeControlPlane(want);
    await syncOnce(deps(runtime, cp, { measureUsage: false }));
    expect(cp.bodies[0].usage).toEqual({ cpu: 0, memoryMiB: 0 });
    expect(runtime.statsCalls).toEqual([]);
  });

  test('the heartbeat carries the identity and the container reports', async () => {
    const runtime = new RecordingRuntime(containers, stats);
    const cp = new FakeControlPlane(want);
    const s = await syncOnce(deps(runtime, cp, { usage: () => ({ cpu: 1, memoryMiB: 1 }) }));
    expect(cp.bodies[0]).toMatchObject({ instanceType: identity.instanceType, zone: identity.zone, capacity: identity.capacity, pricePerHour: identity.pricePerHour });
    expect(cp.bodies[0].containers.map((c) => [c.taskId, c.state])).toEqual([
      ['r1', 'running'],
      ['r2', 'running'],
      ['ex', 'exited'],
    ]);
    expect(s).toMatchObject({ reported: 3, desired: 3, started: 0, stopped: 0, removed: 0 });
  });
});
