import { acceptHeartbeat } from '../../control/heartbeat';
import { JobRecordCache } from '../../control/job-record-cache';
import type { NodeReportStore } from '../../control/state/state-store';
import { jobAsOfVersion, pickTemplate, versionOfTask } from '../../core/deployment';
import type { Job, Task } from '../../core/model';
import { DEFAULT_SERVICE_RESTART } from '../../core/policy';

const NOW = 1_800_000_000_000;
const v1: Job = {
  id: 'web', name: 'web', image: 'web:1', command: ['httpd'], env: { GREETING: 'one' }, resources: { cpu: 250, memoryMiB: 128 }, count: 2, kind: 'service',
  restart: DEFAULT_SERVICE_RESTART, constraints: {}, doNotDisrupt: false, createdAt: NOW - 60_000, version: 1,
};
const v2: Job = { ...v1, image: 'web:2', env: { GREETING: 'two' }, version: 2, priorVersions: { '1': pickTemplate(v1) } };
const copy = (slot: number, version: number): Task => ({ id: `web.${slot}.v${version}`, jobId: 'web', slot, generation: 1, status: 'RUNNING', nodeId: 'n1', resources: v1.resources, restarts: 0, createdAt: NOW, version });
const beat = { nodeId: 'n1', instanceType: 'm5.large', zone: 'a', labels: {}, capacity: { cpu: 2000, memoryMiB: 8192 }, usage: { cpu: 0, memoryMiB: 0 }, pricePerHour: 0.096, containers: [] };

/** A store that counts what a report costs it: the copies it holds and the job record it answers with. */
function countingStore(state: { tasks: Task[]; job: Job; seenByRecord?: boolean }) {
  const reads = { tasksForNode: 0, getJobRecord: 0 };
  const store: NodeReportStore = {
    recordHeartbeat: async () => (state.seenByRecord ? state.tasks : undefined),
    tasksForNode: async () => {
      reads.tasksForNode++;
      return state.tasks;
    },
    getJobRecord: async () => {
      reads.getJobRecord++;
      return state.job;
    },
  };
  return { store, reads };
}

describe('acceptHeartbeat', () => {
  it("uses the copies the store read to record the report instead of reading them again", async () => {
    const { store, reads } = countingStore({ tasks: [copy(0, 1)], job: v1, seenByRecord: true });
    const out = await acceptHeartbeat(store, beat, NOW);
    expect(out.desired.map((d) => d.task.id)).toEqual(['web.0.v1']);
    expect(reads.tasksForNode).toBe(0);
  });

  it('reads each job once per report without a cache, and not again while a cache keeps it', async () => {
    const state = { tasks: [copy(0, 1), copy(1, 1)], job: v1 };
    const { store, reads } = countingStore(state);
    await acceptHeartbeat(store, beat, NOW);
    await acceptHeartbeat(store, beat, NOW + 10_000);
    expect(reads.getJobRecord).toBe(2);

    const cache = new JobRecordCache(60_000);
    const cached = countingStore(state);
    for (let i = 0; i < 5; i++) {
      const out = await acceptHeartbeat(cached.store, beat, NOW + i * 10_000, cache);
      expect(out.desired.map((d) => d.job.image)).toEqual(['web:1', 'web:1']);
    }
    expect(cached.reads.getJobRecord).toBe(1);
  });

  it('reads the job again for a copy of a version the kept record lacks, and answers each copy with its own version', async () => {
    const state = { tasks: [copy(0, 1)], job: v1 };
    const { store, reads } = countingStore(state);
    const cache = new JobRecordCache(60_000);
    await acceptHeartbeat(store, beat, NOW, cache);
    // The job moved to v2 and a v2 copy landed beside the v1 one: the kept v1 record cannot answer for it.
    state.job = v2;
    state.tasks = [copy(0, 1), copy(1, 2)];
    const out = await acceptHeartbeat(store, beat, NOW + 10_000, cache);
    expect(reads.getJobRecord).toBe(2);
    expect(out.desired.map((d) => d.task.version)).toEqual([1, 2]);
    // Each copy runs its own version's template, from whichever record holds it.
    expect(out.desired.map((d) => jobAsOfVersion(d.job, versionOfTask(d.task)).image)).toEqual(['web:1', 'web:2']);
    // And from then on the kept v2 record answers both versions.
    await acceptHeartbeat(store, beat, NOW + 20_000, cache);
    expect(reads.getJobRecord).toBe(2);
  });

  it('reads a job again once its kept record is maxAgeMs old, and reports a copy whose job is gone as orphaned', async () => {
    const state: { tasks: Task[]; job: Job | undefined } = { tasks: [copy(0, 1)], job: v1 };
    const reads = { getJobRecord: 0 };
    const store: NodeReportStore = { recordHeartbeat: async () => undefined, tasksForNode: async () => state.tasks, getJobRecord: async () => (reads.getJobRecord++, state.job) };
    const cache = new JobRecordCache(30_000);
    await acceptHeartbeat(store, beat, NOW, cache);
    state.job = undefined;
    expect((await acceptHeartbeat(store, beat, NOW + 29_999, cache)).orphaned).toEqual([]);
    const late = await acceptHeartbeat(store, beat, NOW + 30_000, cache);
    expect(reads.getJobRecord).toBe(2);
    expect(late.orphaned.map((t) => t.id)).toEqual(['web.0.v1']);
  });
});

describe('JobRecordCache', () => {
  it('keeps at most maxEntries records, dropping the one read longest ago', () => {
    const cache = new JobRecordCache(60_000, 2);
    for (const id of ['a', 'b', 'c']) cache.put({ ...v1, id }, NOW);
    expect(cache.size).toBe(2);
    expect(cache.get({ jobId: 'a', version: 1 }, NOW)).toBeUndefined();
    expect(cache.get({ jobId: 'c', version: 1 }, NOW)?.id).toBe('c');
  });

  it('refuses a negative age and a size that is not a whole number above 0', () => {
    expect(() => new JobRecordCache(-1)).toThrow(/maxAgeMs must be ≥ 0/);
    expect(() => new JobRecordCache(1000, 0)).toThrow(/maxEntries must be a whole number > 0/);
  });
});
