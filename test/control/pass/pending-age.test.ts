import { oldestPendingMs } from '../../../control/pass/pending-age';
import { runPass } from '../../../control/pass/run-pass';
import type { Snapshot } from '../../../core/pass/snapshot';
import type { Task } from '../../../core/model';
import { beat, job, NOW, setup, tasks } from './pass-fixture';

const DAY = 86_400_000;
const copy = (over: Partial<Task>): Task => ({ id: 'web.0', jobId: 'web', slot: 0, generation: 1, status: 'PENDING', resources: { cpu: 500, memoryMiB: 512 }, restarts: 0, createdAt: NOW - 2 * DAY, ...over });
const snap = (ts: Task[]): Snapshot => ({ jobs: [job('web', 1)], tasks: ts, nodes: [] });

describe('oldestPendingMs', () => {
  it('counts a pending copy from its creation, a restart from its end, a back-off from its end', () => {
    expect(oldestPendingMs(snap([copy({ createdAt: NOW - 60_000 })]), NOW)).toBe(60_000);
    expect(oldestPendingMs(snap([copy({ finishedAt: NOW - 30_000 })]), NOW)).toBe(30_000);
    expect(oldestPendingMs(snap([copy({ notBefore: NOW - 5_000 })]), NOW)).toBe(5_000);
    expect(oldestPendingMs(snap([copy({ notBefore: NOW + 5_000 })]), NOW)).toBe(0);
  });

  it('ignores copies of stopped jobs and copies placed', () => {
    const stopped: Snapshot = { ...snap([copy({})]), jobs: [job('web', 1, { stopRequestedAt: NOW - 1 })] };
    expect(oldestPendingMs(stopped, NOW)).toBe(0);
    expect(oldestPendingMs(snap([copy({ status: 'RUNNING', nodeId: 'n1' })]), NOW)).toBe(0);
  });

  it("counts a week-old service's copy lost with its node from the loss, while LOST and once PENDING again", async () => {
    const world = setup(NOW - 7 * DAY);
    // The only node dies; the copy waits for the node a launch brings.
    const web = job('web', 1, { createdAt: NOW - 7 * DAY });
    await world.store.recordHeartbeat(beat('n1'), NOW - 7 * DAY);
    await world.store.createJob(web, tasks(web));
    await runPass(world.deps);
    const placed = (await world.store.snapshot()).tasks[0];
    await world.store.recordHeartbeat({ ...beat('n1'), containers: [{ taskId: placed.id, generation: placed.generation, state: 'running', startedAt: NOW - 7 * DAY }] }, NOW - 7 * DAY + 1_000);
    // n1 stops reporting; a week later a pass finds it dead and the copy lost.
    world.clock.t = NOW;
    await runPass(world.deps);
    const s = await world.store.snapshot();
    expect(s.tasks.map((t) => t.status)).toEqual(['LOST']);
    expect(oldestPendingMs(s, NOW + 20_000)).toBe(20_000);
    // The stamp stays on the copy when the next pass moves it LOST → PENDING (taskAfterUpdate keeps notBefore).
    expect(s.tasks[0].notBefore).toBe(NOW);
    const pending = { ...s, tasks: [{ ...s.tasks[0], status: 'PENDING' as const }] };
    expect(oldestPendingMs(pending, NOW + 60_000)).toBe(60_000);
  });
});
