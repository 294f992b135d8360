import { defaultPolicy, type SchedulerPolicy } from '../core/policy';
import type { InstanceType } from '../core/model';

/**
 * The policies a replay compares. All share the catalog and the limits. `ecs-like` and
 * `autoscaler-like` also share Stowage's scale-up (its type choice), so they isolate where
 * tasks go and when nodes are handed back; `karpenter-like` brings Karpenter's own
 * provisioning too, because choosing types is half of what Karpenter is for.
 * docs/peers.md lists what each models and what it leaves out.
 */
export const SIM_POLICIES = ['stowage', 'karpenter-like', 'ecs-like', 'autoscaler-like'] as const;
export type SimPolicyName = (typeof SIM_POLICIES)[number];

export const SIM_POLICY_MODELS: Readonly<Record<SimPolicyName, string>> = {
  stowage: "Stowage: scarcity-weighted best fit; drains nodes whose tasks fit elsewhere (or elsewhere + a cheaper node) when it saves money",
  'karpenter-like':
    "Kubernetes + Karpenter: kube-scheduler's default scoring; each batch of pending pods fills node claims bought as the cheapest type that holds them; WhenEmptyOrUnderutilized consolidation (delete, or replace with a strictly cheaper node, several nodes at once), 10 % budget, 15 s validation",
  'ecs-like': 'Amazon ECS on EC2: binpack on memory (least MiB left); managed scaling removes only empty instances (after 15 minutes)',
  'autoscaler-like': "Kubernetes + cluster-autoscaler: kube-scheduler's default scoring; a node under 50 % requested for 10 minutes whose pods fit elsewhere is drained, one at a time",
};

/** Karpenter re-validates a consolidation decision this long after computing it (consolidationTTL). */
export const KARPENTER_VALIDATION_MS = 15_000;

export function simPolicy(name: SimPolicyName, catalog: readonly InstanceType[], maxNodes: number, consolidation = true): SchedulerPolicy {
  const base = defaultPolicy(catalog);
  const scaleUp = { ...base.scaleUp, maxNodes };
  const off = { ...base.consolidation, mode: 'off' as const };
  switch (name) {
    case 'stowage':
      return { ...base, scaleUp, consolidation: consolidation ? base.consolidation : off };
    case 'karpenter-like':
      return {
        ...base,
        strategy: 'spread',
        scaleUp: { ...scaleUp, provisioner: 'karpenter' },
        consolidation: consolidation
          ? {
              ...base.consolidation,
              mode: 'karpenter',
              // consolidateAfter 0 s; every decision waits the 15 s validation before it acts.
              emptyGraceMs: KARPENTER_VALIDATION_MS,
              underutilizedForMs: KARPENTER_VALIDATION_MS,
              underutilizedThreshold: 1,
              stableForMs: 0,
              nodeMinAgeMs: 0,
              minSavingsPerHour: 0,
              disruptionBudgetPercent: 10,
              maxCandidatesPerPass: 100,
            }
          : off,
      };
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
          ? // stableForMs pinned at the five minutes this model has always had, whatever Stowage's own default (docs/peers.md).
            { ...base.consolidation, mode: 'underutilized', underutilizedThreshold: 0.5, underutilizedForMs: 10 * 60_000, disruptionBudget: 1, nodeMinAgeMs: 10 * 60_000, stableForMs: 5 * 60_000 }
          : off,
      };
  }
}
