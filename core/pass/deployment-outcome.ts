import { CRASH_LOOP_RESTARTS, pickTemplate, targetVersion, updatePolicyOf, withTemplate, type Deployment, type VersionTemplate } from '../deployment';
import type { Job, Task } from '../model';
import type { JobUpdate } from './plan-types';

/**
 * How a running deployment ends: success once every copy runs the target version and
 * enough of them have served long enough; failure when the new version's copies keep
 * failing or the deployment outlives its progress deadline (Kubernetes'
 * progressDeadlineSeconds, ECS's deployment circuit breaker). A failure with
 * autoRollback rolls out the last version that ran in full, as a deployment of its own.
 * Each outcome is the job record the pass leaves behind, committed only if nobody
 * changed the job since the pass read it.
 */

/** Why the deployment has failed, or null while it may still succeed. */
export function deploymentFailure(job: Job, d: Deployment, fresh: readonly Task[], readyCount: number, now: number): string | null {
  const v = targetVersion(job);
  for (const t of fresh) {
    // Only copies this deployment made: a restored version's long-running copies carry their own history.
    if (t.createdAt < d.startedAt) continue;
    if (t.restarts >= CRASH_LOOP_RESTARTS) return `copies of v${v} keep failing (${t.id}: ${t.reason ?? t.status}, ${t.restarts} restarts)`;
  }
  const deadlineMs = updatePolicyOf(job).progressDeadlineSeconds * 1000;
  if (now - d.startedAt > deadlineMs) {
    const waiting = fresh.find((t) => t.status !== 'RUNNING' && t.reason !== undefined);
    return `progress deadline (${deadlineMs / 1000} s) passed with ${readyCount} of ${job.count} copies of v${v} serving${waiting ? ` (${waiting.id}: ${waiting.reason})` : ''}`;
  }
  return null;
}

/** The job once its deployment failed: rolled back to its stable version when it may be, else marked FAILED. */
export function failedDeployment(job: Job, d: Deployment, reason: string, now: number): JobUpdate {
  const v = targetVersion(job);
  const stable = job.stableVersion;
  const template = stable !== undefined ? job.priorVersions?.[String(stable)] : undefined;
  // A rollback that fails is not rolled back again: that would loop between two bad versions.
  if (updatePolicyOf(job).autoRollback && !d.rollbackOf && stable !== undefined && stable !== v && template) {
    const priors: Record<string, VersionTemplate> = { ...job.priorVersions, [String(v)]: pickTemplate(job) };
    delete priors[String(stable)];
    const next: Job = {
      ...withTemplate(job, template),
      version: stable,
      versionedAt: now,
      versionedBy: 'stowage: automatic rollback',
      priorVersions: priors,
      deployment: { id: d.id + 1, fromVersion: v, toVersion: stable, status: 'RUNNING', startedAt: now, rollbackOf: { version: v, reason } },
    };
    return update(job, next, `deployment ${d.id} of v${v} failed: ${reason}; rolling back to v${stable}`);
  }
  const next: Job = { ...job, deployment: { ...d, status: 'FAILED', finishedAt: now, reason } };
  return update(job, next, `deployment ${d.id} of v${v} failed: ${reason}`);
}

/** The job once every copy runs the target version and serves: the version is stable, older templates can go. */
export function succeededDeployment(job: Job, d: Deployment, now: number): JobUpdate {
  const v = targetVersion(job);
  const rolledBack = d.rollbackOf;
  const deployment: Deployment = rolledBack
    ? { ...d, status: 'ROLLED_BACK', finishedAt: now, reason: `v${rolledBack.version} failed (${rolledBack.reason}); v${v} restored` }
    : { ...d, status: 'SUCCEEDED', finishedAt: now };
  // Every copy runs v now: no older template is needed (a manual rollback reads the stored versions).
  const next: Job = { ...job, priorVersions: undefined, stableVersion: v, deployment };
  return update(job, next, `deployment ${d.id} of v${v} ${deployment.status}`);
}

function update(before: Job, after: Job, reason: string): JobUpdate {
  const revision = before.revision ?? 0;
  return { jobId: before.id, revision, job: { ...after, revision: revision + 1 }, reason };
}
