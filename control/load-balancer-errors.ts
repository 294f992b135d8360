/** What a load-balancer call was doing when it failed. */
export type LoadBalancerOperation = 'ensureService' | 'setTargets' | 'targets' | 'services' | 'removeService' | 'urlOf' | 'start' | 'stop';

/**
 * A load-balancer call failed. `retriable` means the same call may succeed later
 * unchanged (throttling, a service fault, a reload still under way, a priority taken by a
 * concurrent pass); otherwise something must change first (the rule, a permission, the
 * configuration). `ownerJobId`/`ownerJobName` are set when the rule asked for belongs to
 * another job.
 */
export class LoadBalancerError extends Error {
  override readonly name = 'LoadBalancerError';
  readonly operation: LoadBalancerOperation;
  readonly jobId: string | undefined;
  readonly retriable: boolean;
  readonly ownerJobId: string | undefined;
  readonly ownerJobName: string | undefined;
  constructor(
    message: string,
    details: { operation: LoadBalancerOperation; jobId?: string; retriable: boolean; ownerJobId?: string; ownerJobName?: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.operation = details.operation;
    this.jobId = details.jobId;
    this.retriable = details.retriable;
    this.ownerJobId = details.ownerJobId;
    this.ownerJobName = details.ownerJobName;
  }
}

/** The refusal every adapter gives when a rule is taken: the same words and fields everywhere. */
export function ruleTakenError(jobId: string, rule: string, owner: { jobId: string; jobName: string }): LoadBalancerError {
  return new LoadBalancerError(
    `the rule ${rule} asked for by job ${JSON.stringify(jobId)} is already used by job ${JSON.stringify(owner.jobName)} (${owner.jobId}); choose another path or host, or stop that job first`,
    { operation: 'ensureService', jobId, retriable: false, ownerJobId: owner.jobId, ownerJobName: owner.jobName },
  );
}

/** setTargets before ensureService. */
export function noServiceError(jobId: string, operation: LoadBalancerOperation): LoadBalancerError {
  return new LoadBalancerError(`job ${JSON.stringify(jobId)} has no load-balancer service; call ensureService for it first`, { operation, jobId, retriable: false });
}
