import { GONE } from '../../core/model';
import { plan as computePlan } from '../../core/pass/plan';
import type { FollowUp } from '../../core/pass/plan-types';
import type { SchedulerPolicy } from '../../core/policy';
import { stopwatch, type Clock } from '../clock';
import type { Fleet } from '../fleet';
import type { LoadBalancer } from '../load-balancer';
import type { NodeCommander } from '../node-commander';
import type { PassWaker, WakeOutcome } from '../pass-waker';
import type { SchedulerStore } from '../state/state-store';
import { committedParts } from './committed';
import { launchPlanned } from './launch';
import { oldestPendingMs } from './pending-age';
import { convergeLoadBalancer, type LoadBalancingOutcome } from './load-balancing';
import { writePassSample, type PassMeasures } from './pass-sample';
import { syncNodes } from './sync-nodes';
import { terminateNodes } from './terminate';

/** The logging the pass needs; Powertools' Logger satisfies it, tests pass a recorder. */
export interface PassLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface SchedulerDeps {
  readonly store: SchedulerStore;
  readonly commander: NodeCommander;
  readonly fleet: Fleet;
  /** The pass reads the time only here: the simulator replays months through a clock it moves. */
  readonly clock: Clock;
  readonly policy: SchedulerPolicy;
  readonly logger: PassLogger;
  /** What a replay models where production measures (pass-sample.ts); production leaves it out. */
  readonly measures?: PassMeasures;
  /** The deployment's load balancer; without one, exposed jobs run but nothing routes to them. */
  readonly loadBalancer?: LoadBalancer;
  /** Asks for the pass the plan's follow-up wants; absent (the simulator, tests): the caller runs passes itself. */
  readonly waker?: PassWaker;
}

export interface PassReport {
  readonly now: number;
  readonly assignments: number;
  readonly conflicts: number;
  readonly launched: readonly string[];
  readonly launchFailures: number;
  readonly terminated: readonly string[];
  readonly synced: readonly string[];
  readonly unplaced: number;
  readonly planMs: number;
  /** Present when the pass has a load balancer. */
  readonly loadBalancing?: LoadBalancingOutcome;
  /** How long the longest-waiting copy has waited to be placed, in seconds (pending-age.ts). */
  readonly oldestPendingSeconds: number;
  /** Nodes this pass marked LOST (silent past the heartbeat timeout, or never booted). */
  readonly nodesLost: number;
  /** Set while launches are held after launches that never heartbeated: why (core/launch-hold.ts). */
  readonly launchesHeld?: string;
  /** The next pass the plan asked for, and what became of the request; absent: nothing waits on the clock. */
  readonly followUp?: FollowUp & { readonly request: WakeOutcome | 'failed' | 'no-waker' };
}

/**
 * One scheduler pass around the pure core: read a snapshot, plan, commit the plan with
 * the store's optimistic concurrency, then act on the cloud only for what committed —
 * converge the load balancer (when there is one) on the serving copies, tell nodes with
 * new or stopped work to sync, launch, terminate — and write a sample.
 * Every cloud failure is logged and left for the next pass, which plans from fresh
 * state: a launch that failed leaves its tasks pending, a termination that failed
 * leaves its node LOST or TERMINATING, and both are planned again.
 */
export async function runPass(deps: SchedulerDeps): Promise<PassReport> {
  const { store, commander, fleet, clock, policy, logger } = deps;
  const now = clock.now();
  const passElapsed = stopwatch(clock);
  // The capacity memory (refused offerings, launch timeouts) rides on the snapshot the core plans from.
  const snapshot = { ...(await store.snapshot()), ...(await store.capacityMemory()) };
  const planElapsed = stopwatch(clock);
  const plan = computePlan(snapshot, now, policy);
  const planMs = planElapsed();
  const applied = await store.applyPlan(plan);
  for (const c of applied.conflicts) logger.info('plan entry refused; the next pass re-plans', { ...c });

  const committed = committedParts(plan, applied);
  // Before any node is told to stop a copy: a copy leaves the load balancer first.
  const loadBalancing = deps.loadBalancer ? await convergeLoadBalancer(deps.loadBalancer, await store.snapshot(), logger) : undefined;
  // A LAUNCHING node's agent reads its tasks when it boots; SSM does not know it yet.
  const launching = new Set(snapshot.nodes.filter((n) => n.state === 'LAUNCHING').map((n) => n.id));
  const synced = await syncNodes(commander, logger, new Set([...committed.touchedNodes].filter((id) => !launching.has(id))));
  const { launched, failures, held } = await launchPlanned(deps, plan, now, snapshot, committed);

  const alreadyGone = new Set(snapshot.nodes.filter((n) => GONE.has(n.state)).map((n) => n.id));
  const toTerminate = plan.terminations.map((t) => t.nodeId).filter((id) => committed.goneNodes.has(id) || alreadyGone.has(id));
  const terminated = await terminateNodes(fleet, store, logger, toTerminate);

  const outcome = { now, snapshot, plan, applied, committed, launched: launched.length, terminated: terminated.length, elapsedMs: passElapsed() };
  await writePassSample(store, policy, outcome, deps.measures);
  const followUp = plan.followUp ? { ...plan.followUp, request: await requestFollowUp(deps, plan.followUp, now) } : undefined;
  const report = {
    now,
    assignments: committed.assignments,
    conflicts: applied.conflicts.length,
    launched,
    launchFailures: failures,
    terminated,
    synced,
    unplaced: plan.unplaced.length,
    planMs,
    oldestPendingSeconds: Math.round(oldestPendingMs(snapshot, now) / 1000),
    nodesLost: plan.nodeUpdates.filter((u) => u.to === 'LOST' && committed.goneNodes.has(u.nodeId)).length,
    ...(held ? { launchesHeld: held.reason } : {}),
    ...(loadBalancing ? { loadBalancing } : {}),
    ...(followUp ? { followUp } : {}),
  };
  logger.info('scheduler pass', { ...report });
  return report;
}

/** Last, so the follow-up is timed from a pass that has finished acting; a failure is only logged (the schedule remains). */
async function requestFollowUp(deps: SchedulerDeps, followUp: FollowUp, now: number): Promise<WakeOutcome | 'failed' | 'no-waker'> {
  if (!deps.waker) return 'no-waker';
  try {
    return await deps.waker.wakeAt(followUp.at, now);
  } catch (err) {
    deps.logger.warn('could not ask for a follow-up pass; the schedule runs the next one', { at: followUp.at, reason: followUp.reason, error: err instanceof Error ? err.message : String(err) });
    return 'failed';
  }
}
