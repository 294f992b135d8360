import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InMemoryStateStore } from '../../control/fakes/in-memory-state-store';
import type { Node } from '../../core/model';
import { LocalInterruptionError, LocalInterruptions, requestInterrupt } from '../../local/local-interruptions';
import { waitUntil } from '../../local/wait-until';

const node = (id: string): Node => ({ id, instanceType: 'm5.large', zone: 'local-a', labels: {}, capacity: { cpu: 2000, memoryMiB: 8192 }, state: 'ACTIVE', launchedAt: Date.now() - 60_000, pricePerHour: 0.096 });

function setup(warningMs = 300) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-interrupt-'));
  const store = new InMemoryStateStore();
  const running = new Set(['local-1-1', 'local-1-2']);
  const reclaimed: string[] = [];
  const wakes: number[] = [];
  const events: string[] = [];
  const interruptions = new LocalInterruptions({
    dir,
    store,
    waker: { wakeAt: async (at) => (wakes.push(at), 'sent') },
    reclaim: async (id) => {
      running.delete(id);
      reclaimed.push(id);
    },
    isRunning: (id) => running.has(id),
    log: { file: path.join(dir, 'local.log'), events: [], line: () => undefined, event: (text) => void events.push(text) },
    warningMs,
  });
  return { dir, store, reclaimed, wakes, events, interruptions };
}

describe('local Spot interruptions', () => {
  const made: Array<{ dir: string; interruptions: LocalInterruptions }> = [];
  afterEach(() => {
    for (const m of made.splice(0)) {
      m.interruptions.stop();
      fs.rmSync(m.dir, { recursive: true, force: true });
    }
  });
  const fresh = (warningMs?: number) => {
    const s = setup(warningMs);
    made.push(s);
    return s;
  };

  it('marks the node DRAINING through the interruptions handler, wakes the scheduler, and takes the node back at the deadline', async () => {
    const { store, reclaimed, wakes, interruptions } = fresh();
    await store.recordLaunch(node('local-1-1'));

    const answer = await interruptions.interrupt({ nodeId: 'local-1-1', notice: 'interruption' });

    const [n] = await store.listNodes();
    expect(n).toMatchObject({ state: 'DRAINING', reclaim: { notice: 'interruption', deadline: answer.deadline } });
    expect(wakes).toHaveLength(1);
    expect(reclaimed).toEqual([]);
    await waitUntil('the node taken back at its deadline', async () => reclaimed.length === 1, 10_000);
    expect(reclaimed).toEqual(['local-1-1']);
    // Taken back no earlier than the deadline the node was marked with.
    expect(Date.now()).toBeGreaterThanOrEqual(answer.deadline!);
  });

  it('sends a rebalance recommendation without taking anything back', async () => {
    const { store, reclaimed, interruptions } = fresh(50);
    await store.recordLaunch(node('local-1-2'));
    const answer = await interruptions.interrupt({ nodeId: 'local-1-2', notice: 'rebalance' });
    expect(answer.deadline).toBeUndefined();
    expect((await store.listNodes())[0]).toMatchObject({ state: 'DRAINING', reclaim: { notice: 'rebalance' } });
    expect(reclaimed).toEqual([]);
  });

  it('refuses a node the fleet does not run, or a bad id, before sending anything', async () => {
    const { wakes, interruptions } = fresh();
    await expect(interruptions.interrupt({ nodeId: 'local-9-9', notice: 'interruption' })).rejects.toThrow(new LocalInterruptionError('node local-9-9 is not running in this local cloud; `npx stowage nodes` lists them'));
    await expect(interruptions.interrupt({ nodeId: '../../etc', notice: 'interruption' })).rejects.toThrow(/is not a node id/);
    expect(wakes).toEqual([]);
  });

  it('answers a request dropped into the spool, as `stowage local interrupt` sends it from another process', async () => {
    const { dir, store, interruptions } = fresh(60_000);
    await store.recordLaunch(node('local-1-1'));
    interruptions.startSpool();

    const answer = await requestInterrupt(dir, { nodeId: 'local-1-1', notice: 'interruption' });
    expect(answer).toMatchObject({ ok: true, message: expect.stringMatching(/^interruption warning sent for local-1-1; it is taken back at /) });
    const refused = await requestInterrupt(dir, { nodeId: 'local-7-7', notice: 'interruption' });
    expect(refused).toEqual({ ok: false, message: 'node local-7-7 is not running in this local cloud; `npx stowage nodes` lists them' });
    expect(fs.readdirSync(path.join(dir, 'interruptions'))).toEqual([]);
  });

  it('says so when no local cloud reads the spool', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-interrupt-none-'));
    try {
      await expect(requestInterrupt(dir, { nodeId: 'local-1-1', notice: 'interruption' }, 300)).rejects.toThrow(/is a local cloud running from/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
