import { launchHoldOf, launchTimeoutsAfter, type LaunchHold } from '../../core/launch-hold';
import { GONE, type CapacityType, type InstanceType } from '../../core/model';
import { ON_DEMAND, unavailableAfter, vcpusOf, type UnavailableOffering } from '../../core/offerings';
import { isLaunchTimeout } from '../../core/pass/liveness';
import type { Launch, Plan } from '../../core/pass/plan-types';
import type { Snapshot } from '../../core/pass/snapshot';
import type { SchedulerPolicy } from '../../core/policy';
import { FleetError, type Fleet, type LaunchedInstance } from '../fleet';
import { inParallel } from '../in-parallel';
import type { SchedulerStore } from '../state/state-store';
import type { Committed } from './committed';
import type { PassLogger } from './run-pass';

export interface LaunchOutcome {
  readonly launched: string[];
  readonly failures: number;
  /** Offerings the cloud refused this pass, now remembered as unavailable. */
  readonly refused: readonly UnavailableOffering[];
  /** Set while launches are held after launches that never heartbeated (launch-hold.ts). */
  readonly held?: LaunchHold;
}

export interface LaunchDeps {
  readonly store: SchedulerStore;
  readonly fleet: Fleet;
  readonly policy: SchedulerPolicy;
  readonly logger: PassLogger;
}

/**
 * RunInstances calls in flight at once. EC2 throttles RunInstances per account with a
 * token bucket (a burst of a few dozen calls, refilled at a few per second), so ten
 * stays well inside it while a pass that launches for a burst of work takes the time of
 * one call rather than of all of them in a row.
 */
export const LAUNCH_CONCURRENCY = 10;

/**
 * Launches what the plan asked for, but only as the one launcher of the moment and only
 * while the fleet is as the plan saw it. Passes running at once plan from the same
 * count of nodes: each would launch for the same pending tasks, together past maxNodes.
 * So, under the store's launch lease, the fleet is counted again: if nodes appeared
 * since the snapshot (another pass launched for these tasks), nothing is launched and
 * the next pass re-plans with them; otherwise at most maxNodes minus the fleet.
 *
 * First the launch-timeout count moves on from what this pass committed: nodes it
 * marked LOST that never heartbeated count; a new node that heartbeated clears the
 * count. A pass that reaches the hold launches nothing, though it planned before the
 * count reached it.
 */
export async function launchPlanned(deps: LaunchDeps, plan: Plan, now: number, snapshot: Snapshot, committed: Committed): Promise<LaunchOutcome> {
  const held = await countLaunchTimeouts(deps, now, snapshot, committed);
  const nothing: LaunchOutcome = { launched: [], failures: 0, refused: [], ...(held ? { held } : {}) };
  if (plan.launches.length === 0) return nothing;
  if (held && launchHoldOf(snapshot.launchTimeouts, now) === undefined) {
    deps.logger.warn('launches held from this pass on', { reason: held.reason, planned: plan.launches.length });
    return nothing;
  }
  const leased = await deps.store.withLaunchLease(() => launchWithinLimit(deps, plan, now, snapshot));
  if (leased.held) return { ...leased.value, ...(held ? { held } : {}) };
  deps.logger.info('another pass is launching; this pass launches nothing and the next re-plans', { planned: plan.launches.length });
  return nothing;
}

/** Stores the launch-timeout count when this pass changed it; the hold it leads to, if any. */
async function countLaunchTimeouts({ store, policy, logger }: LaunchDeps, now: number, snapshot: Snapshot, committed: Committed): Promise<LaunchHold | undefined> {
  const timedOut = snapshot.nodes.filter((n) => committed.goneNodes.has(n.id) && isLaunchTimeout(n, now, policy));
  const before = snapshot.launchTimeouts;
  const after = launchTimeoutsAfter(before, timedOut, snapshot.nodes, now);
  if (after !== before) {
    try {
      await store.putLaunchTimeouts(after);
    } catch (err) {
      // The next pass counts again from the nodes it sees; a timed-out node is LOST by then, so this one is not counted twice but may be missed.
      logger.warn('could not record the launch-timeout count', { error: String(err) });
    }
    if (after === undefined) logger.info('a new node heartbeated; launch timeouts cleared', { cleared: before?.nodeIds });
    else logger.warn('launches that never heartbeated', { nodeIds: after.nodeIds });
  }
  return launchHoldOf(after, now);
}

async function launchWithinLimit({ fleet, store, policy, logger }: LaunchDeps, plan: Plan, now: number, snapshot: Snapshot): Promise<LaunchOutcome> {
  const seen = new Set(snapshot.nodes.map((n) => n.id));
  const inService = (await store.listNodes()).filter((n) => !GONE.has(n.state));
  const appeared = inService.filter((n) => !seen.has(n.id)).map((n) => n.id);
  if (appeared.length > 0) {
    logger.info('nodes appeared since this pass read the fleet; launches are left to the next pass', { appeared, planned: plan.launches.length });
    return { launched: [], failures: 0, refused: [] };
  }
  const room = Math.max(0, policy.scaleUp.maxNodes - inService.length);
  if (room < plan.launches.length) logger.warn('launches capped at maxNodes', { planned: plan.launches.length, room, maxNodes: policy.scaleUp.maxNodes });
  // A type outside the policy cannot be recorded (its capacity is unknown), so neither
  // it nor an alternative of it is launched.
  const allowed = (name: string) => policy.scaleUp.instanceTypes.some((t) => t.name === name);
  const toLaunch = plan.launches
    .slice(0, room)
    .filter((l) => allowed(l.instanceType))
    .map((l) => (l.alternatives ? { ...l, alternatives: l.alternatives.filter((a) => allowed(a.instanceType)) } : l));
  // In plan order whatever order they finish in, so the report and the node ids a
  // replay hands out do not depend on timing.
  const ids: Array<string | undefined> = new Array(toLaunch.length);
  const refused: UnavailableOffering[] = [];
  let failures = 0;
  await inParallel([...toLaunch.keys()], LAUNCH_CONCURRENCY, async (i) => {
    const launch = toLaunch[i];
    const capacityType = launch.capacityType ?? ON_DEMAND;
    try {
      const launched = await fleet.launch({
        instanceType: launch.instanceType,
        zone: launch.zone,
        labels: launch.labels,
        ...(launch.capacityType ? { capacityType: launch.capacityType } : {}),
        ...(launch.alternatives?.length ? { alternatives: launch.alternatives.map((a) => ({ instanceType: a.instanceType, zone: a.zone })) } : {}),
      });
      const { type, pricePerHour } = offeringLaunched(launched, launch, policy.scaleUp.instanceTypes);
      await store.recordLaunch({
        id: launched.id,
        instanceType: launched.instanceType,
        zone: launched.zone,
        labels: launch.labels,
        capacity: type.capacity,
        state: 'LAUNCHING',
        launchedAt: now,
        pricePerHour,
        capacityType,
      });
      ids[i] = launched.id;
      if (launched.instanceType !== launch.instanceType || launched.zone !== launch.zone) {
        logger.info('the cloud chose another of the planned offerings', { planned: `${launch.instanceType} in ${launch.zone}`, launched: `${launched.instanceType} in ${launched.zone}`, capacityType });
      }
    } catch (err) {
      failures++;
      const entries = refusals(err, launch, capacityType, policy.scaleUp.instanceTypes, now);
      refused.push(...entries);
      logger.error('launch failed; its tasks stay pending and the next pass plans again', {
        instanceType: launch.instanceType,
        zone: launch.zone,
        capacityType,
        error: String(err),
        ...(entries.length ? { unavailableUntil: entries[0].until } : {}),
      });
    }
  });
  if (refused.length > 0) {
    try {
      await store.rememberUnavailable(refused);
    } catch (err) {
      // Not remembered: the next pass may plan the same offering and be refused again, which is what happened before the memory existed.
      logger.warn('could not remember the refused offerings', { refused: refused.length, error: String(err) });
    }
  }
  return { launched: ids.filter((id): id is string => id !== undefined), failures, refused };
}

/**
 * The type and price of what the cloud launched: the planned offering, or the
 * alternative it chose, at the price the plan assumed for it. A type outside the
 * policy (the cloud cannot choose one: every alternative came from the plan) is an
 * adapter's bug, not bad luck.
 */
function offeringLaunched(launched: LaunchedInstance, launch: Launch, types: readonly InstanceType[]): { type: InstanceType; pricePerHour: number } {
  const type = types.find((t) => t.name === launched.instanceType);
  if (!type) throw new FleetError(`the fleet launched ${launched.instanceType} (${launched.id}), a type outside the policy's instanceTypes; it is left unrecorded and found by no pass`, { operation: 'launch', instanceIds: [launched.id], retriable: false });
  const planned = [{ instanceType: launch.instanceType, zone: launch.zone, pricePerHour: launch.pricePerHour }, ...(launch.alternatives ?? [])];
  const offering = planned.find((o) => o.instanceType === launched.instanceType && o.zone === launched.zone) ?? planned.find((o) => o.instanceType === launched.instanceType);
  return { type, pricePerHour: offering?.pricePerHour ?? launch.pricePerHour };
}

/**
 * What to remember about a failed launch: only refusals of where or how much, never a
 * bad request or a throttle; each offering the cloud refused when it named them
 * (CreateFleet's errors), else the request's own. Keyed by the launch's capacity type:
 * Spot out of capacity says nothing about On-Demand there.
 */
function refusals(err: unknown, launch: Launch, capacityType: CapacityType, types: readonly InstanceType[], now: number): UnavailableOffering[] {
  if (!(err instanceof FleetError)) return [];
  const offerings = err.refusedOfferings ?? (err.unavailable !== undefined ? [{ instanceType: launch.instanceType, zone: launch.zone, reason: err.unavailable }] : []);
  return offerings.flatMap((o) => {
    const type = types.find((t) => t.name === o.instanceType);
    return type ? [unavailableAfter({ instanceType: o.instanceType, zone: o.zone, capacityType, reason: o.reason, vcpus: vcpusOf(type) }, now)] : [];
  });
}
