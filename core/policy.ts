import { PolicyError } from './errors';
import type { InstanceType, RestartPolicy } from './model';
import { STRATEGIES } from './placement/strategies';
import type { StrategyName } from './placement/strategies';

/**
 * `stowage`: empty nodes go after a grace period; a node whose tasks fit elsewhere (or
 * elsewhere plus one cheaper node) is drained make-before-break when it saves enough.
 * `empty-only`: ECS managed scaling — only nodes with no tasks are removed.
 * `underutilized`: Kubernetes cluster-autoscaler — a node below a requested-utilisation
 * threshold for a while, whose tasks fit elsewhere, is drained; one at a time.
 * `karpenter`: Karpenter's WhenEmptyOrUnderutilized — any node whose pods fit elsewhere
 * (or elsewhere plus one strictly cheaper node) is deleted or replaced, several nodes at
 * once when they can go together, within a budget in percent of the fleet, after the
 * decision has held for `underutilizedForMs` (its 15 s validation).
 * `off`: nodes are never removed.
 */
export type ConsolidationMode = 'stowage' | 'empty-only' | 'underutilized' | 'karpenter' | 'off';

export interface ConsolidationPolicy {
  readonly mode: ConsolidationMode;
  readonly emptyGraceMs: number;
  /** Most nodes DRAINING at once. */
  readonly disruptionBudget: number;
  /**
   * When set, the budget is instead this percentage of the fleet, rounded up (Karpenter's
   * `budgets: - nodes: "10%"`). Absent: `disruptionBudget` nodes.
   */
  readonly disruptionBudgetPercent?: number;
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
  /**
   * How launches are sized. `stowage` (absent): each new node gets the type worth most
   * per dollar for the work still waiting. `karpenter`: pending copies, largest first,
   * fill node claims that may become any type still able to hold them; each claim
   * launches the cheapest such type (Karpenter's provisioner).
   */
  readonly provisioner?: 'stowage' | 'karpenter';
}

export interface SchedulerPolicy {
  readonly strategy: StrategyName;
  /** A node silent this long is LOST and its tasks are placed elsewhere. */
  readonly heartbeatTimeoutMs: number;
  /** A launched node that has not reported after this long is LOST (and terminated). */
  readonly launchTimeoutMs: number;
  readonly scaleUp: ScaleUpPolicy;
  readonly consolidation: ConsolidationPolicy;
  /**
   * How long a serving copy of an exposed job stays up after it is taken out of the
   * load balancer, so requests in flight finish before SIGTERM; absent:
   * DEFAULT_DEREGISTRATION_DELAY_MS (an ALB target group's default is 300 s, ours is
   * shorter because our services answer in well under a second).
   */
  readonly deregistrationDelayMs?: number;
  /**
   * How soon a pass asks to be followed by another while work waits on the clock (a
   * deployment in flight, copies just moved: core/pass/follow-up.ts); absent:
   * DEFAULT_FOLLOW_UP_MS, one heartbeat interval of a deployed agent.
   */
  readonly followUpMs?: number;
}

export const DEFAULT_DEREGISTRATION_DELAY_MS = 15_000;
export const DEFAULT_FOLLOW_UP_MS = 10_000;

export function followUpMs(p: SchedulerPolicy): number {
  return p.followUpMs ?? DEFAULT_FOLLOW_UP_MS;
}

export function deregistrationDelayMs(p: SchedulerPolicy): number {
  return p.deregistrationDelayMs ?? DEFAULT_DEREGISTRATION_DELAY_MS;
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
      // Three at once: enough for a merge (several nodes into one smaller node), which is
      // how capacity stranded by wide copies comes back; one at a time never merges.
      disruptionBudget: 3,
      minNodes: 0,
      minSavingsPerHour: 0.01,
      nodeMinAgeMs: 300_000,
      underutilizedThreshold: 0.5,
      underutilizedForMs: 600_000,
      // Ten minutes, not five: on the services workload (sim --workload services, daily
      // curves) five let drains chase every swing of the curve — 0.090 migrations per
      // task-hour against 0.062 at ten, for 0.07 % more cost; on OpenB 0.129 against 0.079
      // for 0.6 % more (README, replay table).
      stableForMs: 600_000,
      maxCandidatesPerPass: 50,
    },
    deregistrationDelayMs: DEFAULT_DEREGISTRATION_DELAY_MS,
    ...overrides,
  };
}

/**
 * Refuses a policy that would make the scheduler misbehave quietly (a negative
 * budget, a zero timeout, an unknown strategy), naming the field. Cheap enough to run
 * at the top of every pass, so a bad configuration fails the first pass loudly.
 */
export function validatePolicy(p: SchedulerPolicy): void {
  if (!(p.strategy in STRATEGIES)) throw new PolicyError('strategy', `"${p.strategy}" is not one of ${Object.keys(STRATEGIES).join(', ')}`);
  positive('heartbeatTimeoutMs', p.heartbeatTimeoutMs);
  positive('launchTimeoutMs', p.launchTimeoutMs);
  if (p.followUpMs !== undefined && !(Number.isInteger(p.followUpMs) && p.followUpMs >= 1_000 && p.followUpMs <= 900_000)) {
    throw new PolicyError('followUpMs', `must be a whole number of milliseconds within [1000, 900000] (a second to SQS's longest delay), got ${p.followUpMs}`);
  }
  if (p.deregistrationDelayMs !== undefined && !(p.deregistrationDelayMs >= 0 && p.deregistrationDelayMs <= 3_600_000)) {
    throw new PolicyError('deregistrationDelayMs', `must be a number of milliseconds within [0, 3600000] (an hour, ELB's longest delay), got ${p.deregistrationDelayMs}`);
  }
  atLeast('scaleUp.maxNodes', p.scaleUp.maxNodes, 0, true);
  if (p.scaleUp.enabled && p.scaleUp.zones.length === 0) throw new PolicyError('scaleUp.zones', 'must name at least one zone when scale-up is enabled');
  for (const [i, t] of p.scaleUp.instanceTypes.entries()) {
    if (!(t.capacity.cpu > 0) || !(t.capacity.memoryMiB > 0) || !(t.pricePerHour > 0)) {
      throw new PolicyError(`scaleUp.instanceTypes[${i}]`, `${t.name} needs a positive capacity and price`);
    }
  }
  const c = p.consolidation;
  atLeast('consolidation.disruptionBudget', c.disruptionBudget, 0, true);
  atLeast('consolidation.minNodes', c.minNodes, 0, true);
  atLeast('consolidation.maxCandidatesPerPass', c.maxCandidatesPerPass, 0, true);
  for (const field of ['emptyGraceMs', 'minSavingsPerHour', 'nodeMinAgeMs', 'underutilizedForMs', 'stableForMs'] as const) {
    atLeast(`consolidation.${field}`, c[field], 0, false);
  }
  if (c.disruptionBudgetPercent !== undefined && !(c.disruptionBudgetPercent > 0 && c.disruptionBudgetPercent <= 100)) {
    throw new PolicyError('consolidation.disruptionBudgetPercent', `must be a percentage within (0, 100], got ${c.disruptionBudgetPercent}`);
  }
  if (!(c.underutilizedThreshold >= 0 && c.underutilizedThreshold <= 1)) {
    throw new PolicyError('consolidation.underutilizedThreshold', `must be within [0, 1], got ${c.underutilizedThreshold}`);
  }
}

function positive(field: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) throw new PolicyError(field, `must be a positive number, got ${value}`);
}

function atLeast(field: string, value: number, min: number, integer: boolean): void {
  if (!(value >= min) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new PolicyError(field, `must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got ${value}`);
  }
}
