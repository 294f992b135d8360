import type { DeploymentView } from '../../contract/deployment-spec';
import type { JobResponse, JobView } from '../../contract/job-view';
import type { TaskView } from '../../contract/task-view';

/** A service job `web` as GET /jobs/{id} shows it: 3 replicas, v1, no deployment. */
export const WEB_ID = 'job-0123456789abcdef0123';

export function jobView(over: Partial<JobView> = {}): JobView {
  return {
    id: WEB_ID,
    name: 'web',
    image: 'stowage/busybox:local',
    command: ['httpd', '-f'],
    env: {},
    cpu: 250,
    memoryMiB: 64,
    count: 3,
    kind: 'service',
    restart: { mode: 'always', initialDelayMs: 1000, maxDelayMs: 30000, resetAfterMs: 600000 },
    constraints: {},
    doNotDisrupt: false,
    capacity: 'on-demand',
    createdAt: 1_700_000_000_000,
    version: 1,
    latestVersion: 1,
    update: { maxSurge: '25%', maxUnavailable: 0, minHealthySeconds: 10, progressDeadlineSeconds: 600, autoRollback: true },
    ...over,
  };
}

export function deployment(over: Partial<DeploymentView> = {}): DeploymentView {
  return { id: 2, fromVersion: 1, toVersion: 2, status: 'RUNNING', startedAt: Date.now() - 5000, copies: {}, ...over };
}

export function task(slot: number, over: Partial<TaskView> = {}): TaskView {
  return { id: `${WEB_ID}.${slot}`, slot, generation: 1, version: 1, status: 'RUNNING', nodeId: `i-${slot}`, restarts: 0, ...over };
}

/** GET /jobs/{id} of `web` at v2 with deployment `d`: the copies per version as tasks too. */
export function webWith(d: Partial<DeploymentView>, job: Partial<JobView> = {}): JobResponse {
  const dep = deployment(d);
  return { job: jobView({ version: dep.toVersion, latestVersion: Math.max(dep.toVersion, dep.fromVersion ?? 1), ...job, deployment: dep }), tasks: [task(0)] };
}
