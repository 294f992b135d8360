import { oldestPendingMs } from '../../../control/pass/pending-age';
import type { Snapshot } from '../../../core/pass/snapshot';
import { job, NOW } from './pass-fixture';
import type { Node, Task } from '../../../core/model';

const DAY = 86_400_000;
const node = (id: string, lastHeartbeatAt: number): Node => ({ id, instanceType: 'm5.large', zone: 'a', labels: {}, capacity: { cpu: 2000, memoryMiB: 8192 }, state: 'LOST', launchedAt: NOW - 3 * DAY, lastHeartbeatAt, pricePerHour: 0.096 });
const copy = (over: Partial<Task>): Task => ({ id: 'web.0', jobId: 'web', slot: 0, generation: 1, status: 'PENDING', resources: { cpu: 500, memoryMiB: 512 }, restarts: 0, createdAt: NOW - 2 * DAY, ...over });
const snap = (tasks: Task[], nodes: Node[] = []): Snapshot => ({ jobs: [job('web', 1)], tasks, nodes });

describe('oldestPendingMs', () => {
  it('counts a pending copy from its creation, a restart from its end, a back-off from its end', () => {
    expect(oldestPendingMs(snap([copy({ createdAt: NOW - 60_000 })]), NOW)).toBe(60_000);
    expect(oldestPendingMs(snap([copy({ finishedAt: NOW - 30_000 })]), NOW)).toBe(30_000);
    expect(oldestPendingMs(snap([copy({ notBefore: NOW - 5_000 })]), NOW)).toBe(5_000);
    expect(oldestPendingMs(snap([copy({ notBefore: NOW + 5_000 })]), NOW)).toBe(0);
  });

  it("counts a copy lost with its node from the node's last report, not from the day the copy was created", () => {
    const lost = copy({ status: 'LOST', nodeId: 'n1', startedAt: NOW - 2 * DAY + 10_000 });
    expect(oldestPendingMs(snap([lost], [node('n1', NOW - 45_000)]), NOW)).toBe(45_000);
    // The node already gone from the snapshot: from when the copy last started.
    expect(oldestPendingMs(snap([{ ...lost, startedAt: NOW - 90_000 }]), NOW)).toBe(90_000);
  });

  it('ignores copies of stopped jobs and copies placed', () => {
    const stopped: Snapshot = { ...snap([copy({})]), jobs: [job('web', 1, { stopRequestedAt: NOW - 1 })] };
    expect(oldestPendingMs(stopped, NOW)).toBe(0);
    expect(oldestPendingMs(snap([copy({ status: 'RUNNING', nodeId: 'n1' })]), NOW)).toBe(0);
  });
});
