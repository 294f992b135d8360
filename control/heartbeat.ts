import type { Job, Task } from '../core/model';
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
 * exited is no longer desired). Copies of one job share its spec: each job is read once.
 */
export async function acceptHeartbeat(store: NodeReportStore, hb: Heartbeat, now: number): Promise<HeartbeatOutcome> {
  await store.recordHeartbeat(hb, now);
  const tasks = await store.tasksForNode(hb.nodeId);
  const jobs = new Map<string, Promise<Job | undefined>>();
  const jobOf = (id: string) => {
    let p = jobs.get(id);
    if (!p) jobs.set(id, (p = store.getJobRecord(id)));
    return p;
  };
  // Asked all at once, so a node running many jobs costs one round trip, not one per job.
  const records = await Promise.all(tasks.map((t) => jobOf(t.jobId)));
  const desired: DesiredCopy[] = [];
  const orphaned: Task[] = [];
  tasks.forEach((task, i) => {
    const job = records[i];
    if (job) desired.push({ task, job });
    else orphaned.push(task);
  });
  return { desired, orphaned };
}
