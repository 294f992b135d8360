import { execFile } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ContainerInfo, ContainerState } from '../../../core/agent/container';
import type { ContainerRuntime } from '../../../control/container-runtime';
import type { Resources } from '../../../core/resources';
import { readUsage, sleep, UsageSampler, usageFile } from '../../../agent/usage-sampler';

const ROOT = path.resolve(__dirname, '../../..');

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'stowage-usage-'));
  file = path.join(dir, 'agent.json.usage.json');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function container(containerId: string, state: ContainerState): ContainerInfo {
  return { containerId, taskId: `t-${containerId}`, jobId: 'j', generation: 1, state };
}

/** A runtime that knows only list and stats; everything else is a test failure. */
class FakeRuntime implements ContainerRuntime {
  listCalls: string[] = [];
  statsCalls: string[] = [];
  listError: Error | undefined;

  constructor(
    public containers: ContainerInfo[],
    public usage: Record<string, Resources | Error>,
  ) {}

  async list(nodeId: string): Promise<ContainerInfo[]> {
    this.listCalls.push(nodeId);
    if (this.listError) throw this.listError;
    return this.containers;
  }

  async stats(containerId: string): Promise<Resources> {
    this.statsCalls.push(containerId);
    const u = this.usage[containerId];
    if (u === undefined) throw new Error(`no stats for ${containerId}`);
    if (u instanceof Error) throw u;
    return u;
  }

  createAndStart(): Promise<string> {
    throw new Error('createAndStart is not expected');
  }

  stop(): Promise<void> {
    throw new Error('stop is not expected');
  }

  remove(): Promise<void> {
    throw new Error('remove is not expected');
  }
}

async function until(what: string, cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('usageFile', () => {
  test('sits beside the config', () => {
    expect(usageFile('/etc/stowage/agent.json')).toBe('/etc/stowage/agent.json.usage.json');
  });
});

describe('readUsage', () => {
  const NOW = 1_800_000_000_000;

  test('a fresh sample is returned', () => {
    writeFileSync(file, JSON.stringify({ at: NOW - 5_000, usage: { cpu: 750, memoryMiB: 300 } }));
    expect(readUsage(file, 30_000, NOW)).toEqual({ cpu: 750, memoryMiB: 300 });
  });

  test('exactly maxAgeMs old is still fresh; one ms older is stale', () => {
    writeFileSync(file, JSON.stringify({ at: NOW - 30_000, usage: { cpu: 1, memoryMiB: 2 } }));
    expect(readUsage(file, 30_000, NOW)).toEqual({ cpu: 1, memoryMiB: 2 });
    expect(readUsage(file, 30_000, NOW + 1)).toBeUndefined();
  });

  test('a stale sample → undefined; the default max age is 30 s', () => {
    writeFileSync(file, JSON.stringify({ at: Date.now() - 31_000, usage: { cpu: 1, memoryMiB: 2 } }));
    expect(readUsage(file)).toBeUndefined();
    writeFileSync(file, JSON.stringify({ at: Date.now() - 1_000, usage: { cpu: 1, memoryMiB: 2 } }));
    expect(readUsage(file)).toEqual({ cpu: 1, memoryMiB: 2 });
  });

  test('only cpu and memoryMiB are returned', () => {
    writeFileSync(file, JSON.stringify({ at: NOW, usage: { cpu: 1, memoryMiB: 2, extra: 3 } }));
    expect(readUsage(file, 30_000, NOW)).toEqual({ cpu: 1, memoryMiB: 2 });
  });

  test.each([
    ['not JSON', '{"at":'],
    ['null', 'null'],
    ['no at', JSON.stringify({ usage: { cpu: 1, memoryMiB: 2 } })],
    ['at a string', JSON.stringify({ at: '1800000000000', usage: { cpu: 1, memoryMiB: 2 } })],
    ['no usage', JSON.stringify({ at: 1_800_000_000_000 })],
    ['cpu a string', JSON.stringify({ at: 1_800_000_000_000, usage: { cpu: '1', memoryMiB: 2 } })],
    ['memory missing', JSON.stringify({ at: 1_800_000_000_000, usage: { cpu: 1 } })],
  ])('a malformed file (%s) → undefined', (_what, content) => {
    writeFileSync(file, content);
    expect(readUsage(file, 30_000, NOW)).toBeUndefined();
  });

  test('a missing file → undefined', () => {
    expect(readUsage(path.join(dir, 'nope.json'), 30_000, NOW)).toBeUndefined();
  });
});

describe('sleep', () => {
  test('resolves after about ms', async () => {
    const t0 = Date.now();
    await sleep(60, new AbortController().signal);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(50);
  });

  test('resolves early when the signal aborts', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const p = sleep(30_000, ac.signal);
    setTimeout(() => ac.abort(), 20);
    await p;
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  test('resolves at once on an already aborted signal', async () => {
    const ac = new AbortController();
    ac.abort();
    const t0 = Date.now();
    await sleep(30_000, ac.signal);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  test('20 sleeps on one signal leave no abort listener behind', async () => {
    const ac = new AbortController();
    for (let i = 0; i < 20; i++) await sleep(1, ac.signal);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  /**
   * Jest's sandboxed `process` does not receive Node's own warnings, so this runs in a
   * child Node (TypeScript through tsx), which listens to its real process 'warning' events.
   * The control (20 listeners left on one signal) shows the warning is observable there.
   */
  test('20 sleeps on one signal raise no MaxListenersExceededWarning (checked in a child Node)', async () => {
    const script = `
      const { sleep } = require(${JSON.stringify(path.join(ROOT, 'agent/usage-sampler.ts'))});
      const warnings = [];
      process.on('warning', (w) => warnings.push(w.name));
      const settle = () => new Promise((r) => setTimeout(r, 50));
      (async () => {
        const ac = new AbortController();
        for (let i = 0; i < 20; i++) await sleep(1, ac.signal);
        const aborted = new AbortController();
        aborted.abort();
        for (let i = 0; i < 20; i++) await sleep(60000, aborted.signal);
        await settle();
        const sleeps = warnings.filter((n) => n === 'MaxListenersExceededWarning').length;
        const leaky = new AbortController();
        for (let i = 0; i < 20; i++) leaky.signal.addEventListener('abort', () => undefined);
        await settle();
        const control = warnings.filter((n) => n === 'MaxListenersExceededWarning').length - sleeps;
        console.log(JSON.stringify({ sleeps, control }));
      })();
    `;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: ROOT, timeout: 30_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ sleeps: 0, control: 1 });
  });
});

describe('UsageSampler', () => {
  const NODE = 'node-1';

  function sampler(runtime: FakeRuntime, everySeconds = 0.01): UsageSampler {
    return new UsageSampler(runtime, NODE, file, everySeconds);
  }

  test('sums the running containers of this node, writes the usage file, and stops when the signal aborts', async () => {
    const runtime = new FakeRuntime(
      [container('a', 'running'), container('b', 'running'), container('c', 'exited'), container('d', 'created'), container('e', 'paused')],
      { a: { cpu: 250, memoryMiB: 100 }, b: { cpu: 125.5, memoryMiB: 28 }, c: { cpu: 999, memoryMiB: 999 }, d: { cpu: 999, memoryMiB: 999 }, e: { cpu: 999, memoryMiB: 999 } },
    );
    const s = sampler(runtime);
    expect(s.latest).toBeUndefined();
    const ac = new AbortController();
    const t0 = Date.now();
    s.start(ac.signal);
    await until('a second sample', () => runtime.listCalls.length >= 2);
    expect(s.latest).toEqual({ cpu: 375.5, memoryMiB: 128 });
    expect(runtime.listCalls.every((n) => n === NODE)).toBe(true);
    expect(new Set(runtime.statsCalls)).toEqual(new Set(['a', 'b']));

    const written = JSON.parse(readFileSync(file, 'utf8')) as { at: number; usage: Resources };
    expect(written.usage).toEqual({ cpu: 375.5, memoryMiB: 128 });
    expect(written.at).toBeGreaterThanOrEqual(t0);
    expect(written.at).toBeLessThanOrEqual(Date.now());
    expect(readUsage(file)).toEqual({ cpu: 375.5, memoryMiB: 128 });
    // Written atomically: no temp file left beside it.
    expect(readdirSync(dir)).toEqual([path.basename(file)]);

    ac.abort();
    await s.stopped;
    const calls = runtime.listCalls.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(runtime.listCalls.length).toBe(calls);
  });

  test('a container whose stats call fails counts as zero; the rest are still summed', async () => {
    const runtime = new FakeRuntime([container('a', 'running'), container('gone', 'running'), container('b', 'running')], {
      a: { cpu: 100, memoryMiB: 10 },
      gone: new Error('no such container'),
      b: { cpu: 50, memoryMiB: 5 },
    });
    const s = sampler(runtime);
    const ac = new AbortController();
    s.start(ac.signal);
    await until('a sample', () => s.latest !== undefined);
    ac.abort();
    await s.stopped;
    expect(s.latest).toEqual({ cpu: 150, memoryMiB: 15 });
    expect(readUsage(file)).toEqual({ cpu: 150, memoryMiB: 15 });
  });

  test('no running containers → zero usage written', async () => {
    const runtime = new FakeRuntime([container('x', 'exited')], {});
    const s = sampler(runtime);
    const ac = new AbortController();
    s.start(ac.signal);
    await until('a sample', () => s.latest !== undefined);
    ac.abort();
    await s.stopped;
    expect(s.latest).toEqual({ cpu: 0, memoryMiB: 0 });
    expect(runtime.statsCalls).toEqual([]);
  });

  test('when listing fails, the last sample is kept and the loop goes on', async () => {
    const runtime = new FakeRuntime([container('a', 'running')], { a: { cpu: 40, memoryMiB: 4 } });
    const s = sampler(runtime);
    const ac = new AbortController();
    s.start(ac.signal);
    await until('a sample', () => s.latest !== undefined);
    runtime.listError = new Error('docker is down');
    const failedFrom = runtime.listCalls.length;
    await until('two failed listings', () => runtime.listCalls.length >= failedFrom + 2);
    expect(s.latest).toEqual({ cpu: 40, memoryMiB: 4 });
    expect(readUsage(file)).toEqual({ cpu: 40, memoryMiB: 4 });
    ac.abort();
    await s.stopped;
  });

  test('with docker down from the start, nothing is sampled or written', async () => {
    const runtime = new FakeRuntime([], {});
    runtime.listError = new Error('docker is down');
    const s = sampler(runtime);
    const ac = new AbortController();
    s.start(ac.signal);
    await until('a listing', () => runtime.listCalls.length >= 1);
    ac.abort();
    await s.stopped;
    expect(s.latest).toBeUndefined();
    expect(existsSync(file)).toBe(false);
  });

  test('a long interval does not hold up the stop: abort ends the wait at once', async () => {
    const runtime = new FakeRuntime([], {});
    const s = sampler(runtime, 3_600);
    const ac = new AbortController();
    s.start(ac.signal);
    await until('a sample', () => s.latest !== undefined);
    const t0 = Date.now();
    ac.abort();
    await s.stopped;
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(runtime.listCalls).toHaveLength(1);
  });

  test('started on an aborted signal, it samples nothing and is stopped', async () => {
    const runtime = new FakeRuntime([], {});
    const s = sampler(runtime);
    const ac = new AbortController();
    ac.abort();
    s.start(ac.signal);
    await s.stopped;
    expect(runtime.listCalls).toEqual([]);
  });
});
