import type { CapacityChoice, CapacityType, Job } from './model';

/**
 * How a job's nodes may be bought. A job that does not say (every job stored before the
 * field existed, and any job that leaves it out) takes its kind's default: batch work
 * restarts anyway when it fails, so it may run on Spot and fall back to On-Demand;
 * a service stays on On-Demand unless asked, since each Spot interruption moves its
 * replicas (as Karpenter launches on-demand unless a NodePool allows spot:
 * https://karpenter.sh/docs/concepts/nodepools/#capacity-type).
 * The default is applied here, at reading, not stored at submission: a job re-submitted
 * unchanged then stays the same version, whether or not it was stored with the field.
 */
export function capacityChoiceOf(job: Pick<Job, 'kind' | 'capacity'>): CapacityChoice {
  return job.capacity ?? (job.kind === 'batch' ? 'spot-or-on-demand' : 'on-demand');
}

/** A node's capacity type; a node that does not say was bought on demand. */
export function capacityTypeOf(node: { readonly capacityType?: CapacityType }): CapacityType {
  return node.capacityType ?? 'on-demand';
}

/** Whether a copy whose job chose `choice` may run on a node bought as `type`. */
export function acceptsCapacity(choice: CapacityChoice, type: CapacityType): boolean {
  return choice === 'spot-or-on-demand' || choice === type;
}
