import type { SchedulerPolicy } from '../policy';
import type { HealthCheck } from '../service';
import { nodeDying, stopGracefully } from './graceful-stop';
import type { PlanBuilder } from './plan-builder';
import type { SnapshotIndex } from './snapshot';

/**
 * A RUNNING copy its agent reports `unhealthy` (the agent says so only once the check
 * failed its `retries` times in a row) is taken out of the load balancer and then ends
 * as FAILED, so its job's restart policy starts it again, with its back-off — as
 * Kubernetes restarts a container whose liveness probe fails. A copy of a job that is
 * not exposed, or not reachable, fails at once; one on a dying node is left to liveness.
 */
export function failUnhealthy(index: SnapshotIndex, builder: PlanBuilder, now: number, policy: SchedulerPolicy): void {
  for (const t of index.snapshot.tasks) {
    if (t.status !== 'RUNNING' || t.health !== 'unhealthy' || builder.isTouched(t.id)) continue;
    const job = index.jobs.get(t.jobId);
    if (!job || job.stopRequestedAt !== undefined) continue;
    // Its node died: liveness places it again, which is all a restart would do.
    if (nodeDying(t.nodeId !== undefined ? index.nodes.get(t.nodeId) : undefined, builder, now, policy)) continue;
    stopGracefully(t, index, builder, now, policy, { reason: `unhealthy: ${describeCheck(job.healthCheck)} failed past its retries`, to: 'FAILED', evenIfUnhealthy: true });
  }
}

function describeCheck(check: HealthCheck | undefined): string {
  if (!check) return "the image's HEALTHCHECK";
  if ('http' in check) return `the http health check on port ${check.http.port} path ${check.http.path} (${check.retries} retries)`;
  if ('tcp' in check) return `the tcp health check on port ${check.tcp.port} (${check.retries} retries)`;
  return `the command health check (${check.retries} retries)`;
}
