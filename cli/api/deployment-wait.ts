import type { DeploymentView } from '../../contract/deployment-spec';
import type { JobResponse } from '../../contract/job-view';
import type { Progress } from '../progress';
import type { ApiClient } from './client';
import { copiesText, deploymentHead } from './deployment-text';
import { JobWaitError } from './job-wait';

/**
 * `submit --wait` and `rollback --wait` for a change that rolls out: poll GET /jobs/{id}
 * until the deployment carrying the change ends. The decision (`assessDeployment`) is a
 * pure function of one response, tested without a server or a clock.
 */

/** What a wait follows: the deployment a change made (if the API said) and the version it rolls out. */
export interface DeploymentTarget {
  /** Absent: the job's latest deployment when first seen, if it rolls out `version`. */
  readonly deploymentId?: number;
  readonly version: number;
}

export interface DeploymentAssessment {
  readonly done: boolean;
  /** Why the change will not land; absent while it still may. */
  readonly failure?: string;
  /** e.g. "deployment 2 v1 → v2 RUNNING: v2 2/3 serving, v1 1 left". */
  readonly progress: string;
}

/**
 * Ends in success only when the followed deployment SUCCEEDED. It fails when that
 * deployment FAILED, or ended ROLLED_BACK (it was itself a roll-back), or when a later
 * deployment took over: an automatic roll-back of the submitted version (its
 * `rollbackOf` names it; no need to wait for the old version to come back to know the
 * change did not land), or another update that superseded it.
 */
export function assessDeployment(res: JobResponse, target: Required<DeploymentTarget>): DeploymentAssessment {
  const job = res.job;
  const d = job.deployment;
  if (job.stopRequestedAt !== undefined) {
    return { done: false, failure: `job ${job.name} was stopped (stop requested at ${new Date(job.stopRequestedAt).toISOString()})`, progress: 'stopped' };
  }
  if (d === undefined || d.id < target.deploymentId) return { done: false, progress: `waiting for deployment ${target.deploymentId} to be recorded` };
  const progress = progressText(d, job.count);
  const rollingBackOurs = d.rollbackOf !== undefined && d.rollbackOf.version === target.version;
  if (d.id === target.deploymentId) {
    if (d.status === 'SUCCEEDED') return { done: true, progress };
    if (d.status === 'FAILED') return { done: false, failure: `deployment ${d.id} of v${d.toVersion} FAILED: ${d.reason ?? 'no reason recorded'}`, progress };
    if (d.status === 'ROLLED_BACK') return { done: false, failure: `deployment ${d.id} ROLLED_BACK: ${d.reason ?? rollbackReason(d)}`, progress };
    if (rollingBackOurs) return { done: false, failure: rollbackReason(d), progress };
    return { done: false, progress };
  }
  if (rollingBackOurs) {
    const end = d.status === 'ROLLED_BACK' ? '; rolled back' : d.status === 'RUNNING' ? ' (roll-back in progress)' : `; the roll-back ${d.status}${d.reason ? `: ${d.reason}` : ''}`;
    return { done: false, failure: `${rollbackReason(d)}${end}`, progress };
  }
  return {
    done: false,
    failure: `deployment ${target.deploymentId} of v${target.version} was superseded by ${deploymentHead(d)} (another update or roll-back of the job)`,
    progress,
  };
}

function rollbackReason(d: DeploymentView): string {
  const of = d.rollbackOf;
  if (!of) return 'no reason recorded';
  return `v${of.version} failed (${of.reason}); deployment ${d.id} rolls back to v${d.toVersion}`;
}

function progressText(d: DeploymentView, count: number): string {
  return `${deploymentHead(d)}: ${copiesText(d, count)}`;
}

export interface DeploymentWaitOptions {
  /** Absent: the job's progress deadline plus a minute, at least two minutes, so the API decides failure before the CLI gives up. */
  readonly timeoutMs?: number;
  /** Default 1000 ms: a deployment waits at least minHealthySeconds per batch. */
  readonly intervalMs?: number;
  readonly progress?: Progress;
}

const MIN_DEFAULT_TIMEOUT_MS = 120_000;

/** Polls `job` (a name or an id) until its deployment ends; returns the last response. Throws JobWaitError, or the client's errors. */
export async function followDeployment(client: ApiClient, job: string, target: DeploymentTarget, options: DeploymentWaitOptions = {}): Promise<JobResponse> {
  const interval = options.intervalMs ?? 1000;
  const started = Date.now();
  let followed: Required<DeploymentTarget> | undefined = target.deploymentId === undefined ? undefined : { deploymentId: target.deploymentId, version: target.version };
  try {
    for (;;) {
      const res = await client.call('getJob', { params: { id: job } });
      const name = res.job.name;
      const timeoutMs = options.timeoutMs ?? Math.max(MIN_DEFAULT_TIMEOUT_MS, (res.job.update.progressDeadlineSeconds + 60) * 1000);
      // Following "the latest": the first deployment seen that rolls the version out, or
      // already rolls it back (the failure can come before the first poll).
      const latest = res.job.deployment;
      if (followed === undefined && latest !== undefined && (latest.toVersion === target.version || latest.rollbackOf?.version === target.version)) {
        followed = { deploymentId: latest.id, version: target.version };
      }
      const a: DeploymentAssessment = followed ? assessDeployment(res, followed) : { done: false, progress: `waiting for a deployment of v${target.version}` };
      options.progress?.update(`${name}: ${a.progress}`);
      if (a.failure !== undefined) {
        options.progress?.stop(`${name}: ${a.progress}`);
        throw new JobWaitError(res.job.id, 'failed', [a.failure], `${name}: ${a.failure}\nsee \`stowage status ${name}\` and \`stowage history ${name}\``);
      }
      if (a.done) {
        options.progress?.stop(`${name}: ${a.progress}`);
        return res;
      }
      if (Date.now() - started + interval > timeoutMs) {
        options.progress?.stop(`${name}: ${a.progress}`);
        throw new JobWaitError(
          res.job.id,
          'timeout',
          [a.progress],
          `${name}: not deployed after ${Math.round(timeoutMs / 1000)} s (--timeout): ${a.progress}\nit carries on; follow it with \`stowage status ${name}\``,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  } finally {
    options.progress?.stop();
  }
}
