import type { Job, Task } from '../core/model';
import type { JobRecordCache } from './job-record-cache';
import type { Heartbeat } from './state/node-report';
import type { NodeReportStore } from './state/state-store';

/** One copy a node should run, with the spec of its job. */
export interface DesiredCopy {
  readonly task: Task;
  readonly job: Job;
}

export interface HeartbeatOutcome {
  readonly desired: readonly DesiredCopy[];
  /** Copies assigned to the node whose job record is missing: not sent, so the agent stops them. */
  readonly orphaned: readonly Task[];
}

/**
 * What the control plane does with one node's report, wherever it arrives (the API
 * handler in Lambda and locally, the simulated agents of the fault schedules): record
 * it — the node's liveness and capacity, and each container's fate moving its task —
 * then read back what the node should run now, each copy with its job's spec.
 *
 * Recording comes first so the answer already reflects the report (a copy that just
 * exited is no longer desired); a store that read the node's copies to record the
 * report hands them back when none moved, and they are not read twice. Copies of one
 * job share its spec: each job is read once, and not at all when `jobs` keeps it.
 */
export async function acceptHeartbeat(store: NodeReportStore, hb: Heartbeat, now: number, jobs?: JobRecordCache): Promise<HeartbeatOutcome> {
  const seen = await store.recordHeartbeat(hb, now);
  const tasks = seen ?? (await store.tasksForNode(hb.nodeId));
  const reads = new Map<string, Promise<Job | undefined>>();
  const jobOf = (task: Task): Promise<Job | undefined> => {
    const kept = jobs?.get(task, now);
    if (kept) return Promise.resolve(kept);
    let p = reads.get(task.jobId);
    if (!p) {
      reads.set(task.jobId, (p = store.getJobRecord(task.jobId)));
      if (jobs) void p.then((job) => job && jobs.put(job, now), () => undefined);
    }
    return p;
  };
  // Asked all at once, so a node running many jobs costs one round trip, not one per job.
  const records = await Promise.all(tasks.map(jobOf));
  const desired: DesiredCopy[] = [];
  const orphaned: Task[] = [];
  tasks.forEach((task, i) => {
    const job = records[i];
    if (job) desired.push({ task, job });
    else orphaned.push(task);
  });
  return { desired, orphaned };
}
