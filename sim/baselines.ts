import { defaultPolicy, type SchedulerPolicy } from '../core/policy';
import type { InstanceType } from '../core/model';

/**
 * The policies a replay compares. All share scale-up (same catalog, same type choice,
 * same limits) so the comparison isolates what differs between the systems modelled:
 * where tasks go, and when nodes are handed back.
 */
export const SIM_POLICIES = ['stowage', 'ecs-like', 'autoscaler-like'] as const;
export type SimPolicyName = (typeof SIM_POLICIES)[number];

export const SIM_POLICY_MODELS: Readonly<Record<SimPolicyName, string>> = {
  stowage: "Stowage: scarcity-weighted best fit; drains nodes whose tasks fit elsewhere (or elsewhere + a cheaper node) when it saves money",
  'ecs-like': 'Amazon ECS on EC2: binpack on memory; managed scaling removes only empty instances (after 15 minutes)',
  'autoscaler-like': 'Kubernetes + cluster-autoscaler: LeastAllocated spreading; a node under 50 % requested for 10 minutes whose pods fit elsewhere is drained, one at a time',
};

export function simPolicy(name: SimPolicyName, catalog: readonly InstanceType[], maxNodes: number, consolidation = true): SchedulerPolicy {
  const base = defaultPolicy(catalog);
  const scaleUp = { ...base.scaleUp, maxNodes };
  const off = { ...base.consolidation, mode: 'off' as const };
  switch (name) {
    case 'stowage':
      return { ...base, scaleUp, consolidation: consolidation ? base.consolidation : off };
    case 'ecs-like':
      return {
        ...base,
        strategy: 'ecs-binpack',
        scaleUp,
        consolidation: consolidation ? { ...base.consolidation, mode: 'empty-only', emptyGraceMs: 15 * 60_000 } : off,
      };
    case 'autoscaler-like':
      return {
        ...base,
        strategy: 'spread',
        scaleUp,
        consolidation: consolidation
          ? { ...base.consolidation, mode: 'underutilized', underutilizedThreshold: 0.5, underutilizedForMs: 10 * 60_000, disruptionBudget: 1, nodeMinAgeMs: 10 * 60_000 }
          : off,
      };
  }
}
