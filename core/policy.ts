import type { InstanceType, RestartPolicy } from './model';
import type { StrategyName } from './placement/strategies';

/**
 * `stowage`: empty nodes go after a grace period; a node whose tasks fit elsewhere (or
 * elsewhere plus one cheaper node) is drained make-before-break when it saves enough.
 * `empty-only`: ECS managed scaling — only nodes with no tasks are removed.
 * `underutilized`: Kubernetes cluster-autoscaler — a node below a requested-utilisation
 * threshold for a while, whose tasks fit elsewhere, is drained; one at a time.
 * `off`: nodes are never removed.
 */
export type ConsolidationMode = 'stowage' | 'empty-only' | 'underutilized' | 'off';

export interface ConsolidationPolicy {
  readonly mode: ConsolidationMode;
  readonly emptyGraceMs: number;
  /** Most nodes DRAINING at once. */
  readonly disruptionBudget: number;
  /** Consolidation never takes the fleet (ACTIVE + LAUNCHING, not draining) below this. */
  readonly minNodes: number;
  /** A drain must save at least this many $/hour, so the fleet does not churn for cents. */
  readonly minSavingsPerHour: number;
  /** A node younger than this is not drained: its work may still be arriving. */
  readonly nodeMinAgeMs: number;
  /** `underutilized` mode: the requested share below which a node is a candidate. */
  readonly underutilizedThreshold: number;
  /** `underutilized` mode: how long a node must stay under the threshold. */
  readonly underutilizedForMs: number;
  /**
   * Drains wait until the fleet has been quiet this long: no node launched and no copy
   * created (Karpenter's consolidateAfter). A burst is still landing when it is young,
   * and each drain's own copies restart the clock, so drains go one wave at a time.
   */
  readonly stableForMs: number;
  /** Candidates simulated per pass, bounding the pass time on large fleets. */
  readonly maxCandidatesPerPass: number;
}

export interface ScaleUpPolicy {
  readonly enabled: boolean;
  /** The instance types the scheduler may launch, with prices. */
  readonly instanceTypes: readonly InstanceType[];
  /** The fleet (every node not LOST or TERMINATING, plus launches) never exceeds this. */
  readonly maxNodes: number;
  readonly zones: readonly string[];
  /** Labels new nodes carry (node-label constraints can match them). */
  readonly nodeLabels: Readonly<Record<string, string>>;
}

export interface SchedulerPolicy {
  readonly strategy: StrategyName;
  /** A node silent this long is LOST and its tasks are placed elsewhere. */
  readonly heartbeatTimeoutMs: number;
  /** A launched node that has not reported after this long is LOST (and terminated). */
  readonly launchTimeoutMs: number;
  readonly scaleUp: ScaleUpPolicy;
  readonly consolidation: ConsolidationPolicy;
}

export const DEFAULT_SERVICE_RESTART: RestartPolicy = {
  mode: 'always',
  initialDelayMs: 1_000,
  maxDelayMs: 60_000,
  resetAfterMs: 600_000,
};

export const DEFAULT_BATCH_RESTART: RestartPolicy = {
  mode: 'on-failure',
  maxRestarts: 3,
  initialDelayMs: 1_000,
  maxDelayMs: 60_000,
  resetAfterMs: 600_000,
};

export function defaultPolicy(instanceTypes: readonly InstanceType[], overrides: Partial<SchedulerPolicy> = {}): SchedulerPolicy {
  return {
    strategy: 'stowage',
    heartbeatTimeoutMs: 30_000,
    launchTimeoutMs: 600_000,
    scaleUp: { enabled: true, instanceTypes, maxNodes: 100, zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], nodeLabels: {} },
    consolidation: {
      mode: 'stowage',
      emptyGraceMs: 120_000,
      disruptionBudget: 1,
      minNodes: 0,
      minSavingsPerHour: 0.01,
      nodeMinAgeMs: 300_000,
      underutilizedThreshold: 0.5,
      underutilizedForMs: 600_000,
      stableForMs: 300_000,
      maxCandidatesPerPass: 50,
    },
    ...overrides,
  };
}
