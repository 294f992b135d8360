import { GONE } from '../../core/model';
import type { Plan } from '../../core/pass/plan-types';
import type { Snapshot } from '../../core/pass/snapshot';
import type { SchedulerPolicy } from '../../core/policy';
import type { Fleet } from '../fleet';
import type { SchedulerStore } from '../state/state-store';
import type { PassLogger } from './run-pass';

export interface LaunchOutcome {
  readonly launched: string[];
  readonly failures: number;
}

export interface LaunchDeps {
  readonly store: SchedulerStore;
  readonly fleet: Fleet;
  readonly policy: SchedulerPolicy;
  readonly logger: PassLogger;
}

const NOTHING: LaunchOutcome = { launched: [], failures: 0 };

/**
 * Launches what the plan asked for, but only as the one launcher of the moment and only
 * while the fleet is as the plan saw it. Passes running at once plan from the same
 * count of nodes: each would launch for the same pending tasks, together past maxNodes.
 * So, under the store's launch lease, the fleet is counted again: if nodes appeared
 * since the snapshot (another pass launched for these tasks), nothing is launched and
 * the next pass re-plans with them; otherwise at most maxNodes minus the fleet.
 */
export async function launchPlanned(deps: LaunchDeps, plan: Plan, now: number, snapshot: Snapshot): Promise<LaunchOutcome> {
  if (plan.launches.length === 0) return NOTHING;
  const leased = await deps.store.withLaunchLease(() => launchWithinLimit(deps, plan, now, snapshot));
  if (leased.held) return leased.value;
  deps.logger.info('another pass is launching; this pass launches nothing and the next re-plans', { planned: plan.launches.length });
  return NOTHING;
}

async function launchWithinLimit({ fleet, store, policy, logger }: LaunchDeps, plan: Plan, now: number, snapshot: Snapshot): Promise<LaunchOutcome> {
  const seen = new Set(snapshot.nodes.map((n) => n.id));
  const inService = (await store.listNodes()).filter((n) => !GONE.has(n.state));
  const appeared = inService.filter((n) => !seen.has(n.id)).map((n) => n.id);
  if (appeared.length > 0) {
    logger.info('nodes appeared since this pass read the fleet; launches are left to the next pass', { appeared, planned: plan.launches.length });
    return NOTHING;
  }
  const room = Math.max(0, policy.scaleUp.maxNodes - inService.length);
  if (room < plan.launches.length) logger.warn('launches capped at maxNodes', { planned: plan.launches.length, room, maxNodes: policy.scaleUp.maxNodes });
  const launched: string[] = [];
  let failures = 0;
  for (const l of plan.launches.slice(0, room)) {
    const type = policy.scaleUp.instanceTypes.find((t) => t.name === l.instanceType);
    if (!type) continue;
    try {
      const id = await fleet.launch({ instanceType: l.instanceType, zone: l.zone, labels: l.labels });
      await store.recordLaunch({ id, instanceType: l.instanceType, zone: l.zone, labels: l.labels, capacity: type.capacity, state: 'LAUNCHING', launchedAt: now, pricePerHour: l.pricePerHour });
      launched.push(id);
    } catch (err) {
      failures++;
      logger.error('launch failed; its tasks stay pending and the next pass plans again', { instanceType: l.instanceType, zone: l.zone, error: String(err) });
    }
  }
  return { launched, failures };
}
