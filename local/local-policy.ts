import { hostArchitecture } from '../agent/node-identity';
import { DEFAULT_CATALOG } from '../core/catalog';
import type { Architecture, InstanceType } from '../core/model';
import { defaultPolicy, validatePolicy, type SchedulerPolicy } from '../core/policy';

/** The zones local nodes are spread over (names only: they are all this machine). */
export const LOCAL_ZONES = ['local-a', 'local-b', 'local-c'] as const;

export interface LocalPolicyOptions {
  /** Types the scheduler may launch; the first also sizes the initial nodes. */
  readonly instanceTypes: readonly string[];
  readonly maxNodes: number;
  readonly minNodes: number;
  /** Agents heartbeat every this many seconds; the heartbeat timeout is set from it. */
  readonly agentIntervalSeconds: number;
  /** The architecture local nodes have: this machine's (default hostArchitecture()). */
  readonly arch?: Architecture;
}

export class LocalOptionError extends Error {
  override readonly name = 'LocalOptionError';
}

/**
 * The scheduler's policy for the local cloud: the production defaults with the clocks
 * shortened to match agents that report every second or two and "instances" that start
 * in one, so a person watching sees failures handled and nodes handed back in seconds
 * rather than minutes. The placement and consolidation logic is exactly the deployed one.
 */
export function localPolicy(o: LocalPolicyOptions): SchedulerPolicy {
  const types = instanceTypesNamed(o.instanceTypes);
  const base = defaultPolicy(types);
  const policy: SchedulerPolicy = {
    ...base,
    // Ten report intervals, at least 10 s: a pass that starts several containers holds its
    // next report back by seconds on a busy two-core machine, and that is not a dead node.
    heartbeatTimeoutMs: Math.max(10_000, Math.round(o.agentIntervalSeconds * 10_000)),
    launchTimeoutMs: 60_000,
    // Requests through the local haproxy are short; 3 s lets in-flight ones finish
    // without making every local stop wait the ALB's 15 s.
    deregistrationDelayMs: 3_000,
    // Two agent intervals: a deployment in flight is looked at as often as a person watching expects.
    followUpMs: 2_000,
    scaleUp: { ...base.scaleUp, zones: [...LOCAL_ZONES], maxNodes: o.maxNodes, ...onThisMachine(base.scaleUp, o.arch ?? hostArchitecture()) },
    consolidation: {
      ...base.consolidation,
      minNodes: o.minNodes,
      emptyGraceMs: 10_000,
      nodeMinAgeMs: 10_000,
      stableForMs: 8_000,
      // Local nodes cost nothing real; any saving of the priced type counts.
      minSavingsPerHour: 0.001,
    },
  };
  validatePolicy(policy);
  return policy;
}

export function instanceTypesNamed(names: readonly string[]): InstanceType[] {
  if (names.length === 0) throw new LocalOptionError('--instance-types: name at least one instance type');
  return names.map((name) => {
    const t = DEFAULT_CATALOG.find((c) => c.name === name);
    if (!t) throw new LocalOptionError(`--instance-types: unknown instance type "${name}"; known: ${DEFAULT_CATALOG.map((c) => c.name).join(', ')}`);
    return t;
  });
}

/**
 * Every local "instance" is this machine, whatever catalog type it plays: its types take
 * the host's architecture, so a job that requires an architecture is launched for, or
 * called unschedulable, as the host can actually run it. (A local node's own
 * architecture is what its agent reports, ARCH_LABEL; until its first heartbeat it is
 * read from the catalog, which may briefly keep such a job off a node still starting.)
 */
function onThisMachine(scaleUp: SchedulerPolicy['scaleUp'], arch: Architecture | undefined): Partial<SchedulerPolicy['scaleUp']> {
  if (arch === undefined) return {};
  return { instanceTypes: scaleUp.instanceTypes.map((t) => ({ ...t, arch })) };
}
