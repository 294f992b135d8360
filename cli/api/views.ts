/**
 * The API's response bodies as the user CLI reads them: the shapes lambdas/api/jobs.ts,
 * nodes.ts and submit.ts answer with. Read-only views; the CLI never sends them back.
 */
import type { JobKind, NodeState, RestartPolicy, TaskStatus } from '../../core/model';
import type { Resources } from '../../core/resources';

/** POST /jobs (202). */
export interface SubmitResponse {
  readonly jobId: string;
  readonly taskIds: readonly string[];
}

/** DELETE /jobs/{id} (202). */
export interface StopResponse {
  readonly jobId: string;
  readonly stopRequested: boolean;
}

/** One entry of GET /jobs: task counts per status, every generation included. */
export interface JobSummaryView {
  readonly id: string;
  readonly name: string;
  readonly kind: JobKind;
  readonly count: number;
  readonly createdAt: number;
  readonly stopRequestedAt?: number;
  readonly tasks: Partial<Record<TaskStatus, number>>;
}

export interface JobListResponse {
  readonly jobs: readonly JobSummaryView[];
}

export interface TaskView {
  readonly id: string;
  readonly slot: number;
  readonly generation: number;
  readonly status: TaskStatus;
  readonly nodeId: string | null;
  readonly restarts: number;
  readonly reason?: string;
  readonly exitCode?: number;
  readonly oomKilled?: boolean;
}

export interface JobView {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[];
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly count: number;
  readonly kind: JobKind;
  readonly restart: RestartPolicy;
  readonly createdAt: number;
  readonly stopRequestedAt?: number;
}

/** GET /jobs/{id}: the job and every copy of every slot, by slot then generation. */
export interface JobResponse {
  readonly job: JobView;
  readonly tasks: readonly TaskView[];
}

export interface NodeView {
  readonly id: string;
  readonly type: string;
  readonly zone: string;
  readonly state: NodeState;
  readonly capacity: Resources;
  readonly allocated: Resources;
  readonly usage: Resources | null;
  readonly launchedAt: number;
  readonly lastHeartbeatAt: number | null;
  readonly pricePerHour: number;
}

export interface NodeListResponse {
  readonly nodes: readonly NodeView[];
}

/** Path of one job: ids are checked by the API, encoded here so any input stays one path segment. */
export function jobPath(jobId: string): string {
  return `/jobs/${encodeURIComponent(jobId)}`;
}
