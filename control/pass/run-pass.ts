import { GONE, HOLDS_RESOURCES, type InstanceType } from '../../core/model';
import { plan as computePlan } from '../../core/pass/plan';
import type { Plan } from '../../core/pass/plan-types';
import type { SchedulerPolicy } from '../../core/policy';
import type { ApplyResult, StateStore } from '../state/state-store';
import type { Clock } from '../clock';
import type { Fleet } from '../fleet';
import type { NodeCommander } from '../node-commander';
import { boundNodeSize, packingLowerBound } from '../../core/lower-bound';
import type { Snapshot } from '../../core/pass/snapshot';
import { add, ZERO } from '../../core/resources';
import { estimatePassRequestUnits } from './request-units';
import { FleetError } from '../fleet';

/** The logging the pass needs; Powertools' Logger satisfies it, tests pass a recorder. */
export interface PassLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface SchedulerDeps {
  readonly store: StateStore;
  readonly commander: NodeCommander;
  readonly fleet: Fleet;
  readonly clock: Clock;
  readonly policy: SchedulerPolicy;
  readonly logger: PassLogger;
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
}

/**
 * One scheduler pass around the pure core: read a snapshot, plan, commit the plan with
 * the store's optimistic concurrency, then act on the cloud only for what committed —
 * tell nodes with new or stopped work to sync, launch, terminate — and write a sample.
 * Every cloud failure is logged and left for the next pass, which plans from fresh
 * state: a launch that failed leaves its tasks pending, a termination that failed
 * leaves its node LOST or TERMINATING, and both are planned again.
 */
export async function runPass(deps: SchedulerDeps): Promise<PassReport> {
  const { store, clock, policy, logger } = deps;
  const now = clock.now();
  const passStarted = performance.now();
  const snapshot = await store.snapshot();
  const started = performance.now();
  const plan = computePlan(snapshot, now, policy);
  const planMs = performance.now() - started;
  const applied = await store.applyPlan(plan);
  for (const c of applied.conflicts) logger.info('plan entry refused; the next pass re-plans', { ...c });

  const committed = committedParts(plan, applied);
  // A LAUNCHING node's agent reads its tasks when it boots; SSM does not know it yet.
  const launching = new Set(snapshot.nodes.filter((n) => n.state === 'LAUNCHING').map((n) => n.id));
  const synced = await syncNodes(deps, new Set([...committed.touchedNodes].filter((id) => !launching.has(id))));
  const { launched, failures } = await launch(deps, plan, now, snapshot);

  const alreadyGone = new Set(snapshot.nodes.filter((n) => GONE.has(n.state)).map((n) => n.id));
  const toTerminate = plan.terminations.map((t) => t.nodeId).filter((id) => committed.goneNodes.has(id) || alreadyGone.has(id));
  const terminated = await terminate(deps, toTerminate);

  await writeSample(deps, now, { snapshot, plan, applied, committed, launched: launched.length, terminated: terminated.length, passStarted });
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
  };
  logger.info('scheduler pass', { ...report });
  return report;
}

interface Committed {
  readonly assignments: number;
  /** Nodes whose desired tasks changed: new copies, or copies stopped there. */
  readonly touchedNodes: Set<string>;
  /** Nodes this plan took out of service and the store agreed. */
  readonly goneNodes: Set<string>;
}

function committedParts(plan: Plan, applied: ApplyResult): Committed {
  const refusedTasks = new Set(applied.conflicts.flatMap((c) => c.taskIds));
  const refusedNodes = new Set(applied.conflicts.filter((c) => c.kind === 'node-update').map((c) => c.nodeId));
  const touchedNodes = new Set<string>();
  let assignments = 0;
  for (const a of plan.assignments) {
    if (refusedTasks.has(a.taskId)) continue;
    assignments++;
    touchedNodes.add(a.nodeId);
  }
  for (const u of plan.taskUpdates) {
    if (!refusedTasks.has(u.taskId) && u.releaseFrom && !HOLDS_RESOURCES.has(u.to)) touchedNodes.add(u.releaseFrom);
  }
  const goneNodes = new Set(plan.nodeUpdates.filter((u) => (u.to === 'LOST' || u.to === 'TERMINATING') && !refusedNodes.has(u.nodeId)).map((u) => u.nodeId));
  for (const id of goneNodes) touchedNodes.delete(id);
  return { assignments, touchedNodes, goneNodes };
}

async function syncNodes({ commander, logger }: SchedulerDeps, nodes: Set<string>): Promise<string[]> {
  const ids = [...nodes].sort();
  if (ids.length === 0) return [];
  try {
    const { failed } = await commander.sync(ids);
    // Agents also sync on their own timer: an unreachable one only converges later.
    if (failed.length > 0) logger.warn('sync not delivered to some nodes', { failed });
  } catch (err) {
    logger.warn('sync command failed; agents will converge on their own timer', { error: String(err) });
  }
  return ids;
}

/**
 * Launches what the plan asked for, but only as the one launcher of the moment and only
 * while the fleet is as the plan saw it. Passes running at once plan from the same
 * count of nodes: each would launch for the same pending tasks, together past maxNodes.
 * So, under the store's launch lease, the fleet is counted again: if nodes appeared
 * since the snapshot (another pass launched for these tasks), nothing is launched and
 * the next pass re-plans with them; otherwise at most maxNodes minus the fleet.
 */
async function launch(deps: SchedulerDeps, plan: Plan, now: number, snapshot: Snapshot): Promise<{ launched: string[]; failures: number }> {
  const { store, logger } = deps;
  if (plan.launches.length === 0) return { launched: [], failures: 0 };
  const launchFresh = () => launchWithinLimit(deps, plan, now, snapshot);
  const leased = await store.withLaunchLease(launchFresh);
  if (leased.held) return leased.value;
  logger.info('another pass is launching; this pass launches nothing and the next re-plans', { planned: plan.launches.length });
  return { launched: [], failures: 0 };
}

async function launchWithinLimit({ fleet, store, policy, logger }: SchedulerDeps, plan: Plan, now: number, snapshot: Snapshot): Promise<{ launched: string[]; failures: number }> {
  const seen = new Set(snapshot.nodes.map((n) => n.id));
  const inService = (await store.listNodes()).filter((n) => !GONE.has(n.state));
  const appeared = inService.filter((n) => !seen.has(n.id)).map((n) => n.id);
  if (appeared.length > 0) {
    logger.info('nodes appeared since this pass read the fleet; launches are left to the next pass', { appeared, planned: plan.launches.length });
    return { launched: [], failures: 0 };
  }
  const room = Math.max(0, policy.scaleUp.maxNodes - inService.length);
  if (room < plan.launches.length) logger.warn('launches capped at maxNodes', { planned: plan.launches.length, room, maxNodes: policy.scaleUp.maxNodes });
  const launched: string[] = [];
  let failures = 0;
  for (const l of plan.launches.slice(0, room)) {
    const type: InstanceType | undefined = policy.scaleUp.instanceTypes.find((t) => t.name === l.instanceType);
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

async function terminate({ fleet, store, logger }: SchedulerDeps, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  try {
    await fleet.terminate(ids);
  } catch (err) {
    if (err instanceof FleetError && err.operation === 'terminate' && !err.retriable && err.instanceIds.length > 0) {
      // The fleet terminated what this deployment owns and refused the rest: forget all of
      // them, or one stray id would block every later removal. The refused ones are logged.
      logger.error('terminate refused instances this deployment does not own; forgetting their node records', { refused: err.instanceIds, error: String(err) });
    } else {
      logger.error('terminate failed; the nodes stay out of service and the next pass asks again', { instanceIds: ids, error: String(err) });
      return [];
    }
  }
  for (const id of ids) await store.removeNode(id);
  return ids;
}

interface PassOutcome {
  readonly snapshot: Snapshot;
  readonly plan: Plan;
  readonly applied: ApplyResult;
  readonly committed: Committed;
  readonly launched: number;
  readonly terminated: number;
  readonly passStarted: number;
}

/**
 * The sample the report reads: the fleet as this pass left it, the packing lower bound
 * for what is allocated on it, and what the pass cost the control plane (one
 * invocation, its duration so far, and DynamoDB request units estimated from its shape,
 * since the store does not ask DynamoDB for consumed capacity).
 */
async function writeSample({ store, policy }: SchedulerDeps, now: number, o: PassOutcome): Promise<void> {
  const nodes = (await store.listNodes()).filter((n) => !GONE.has(n.state));
  const nodesByType: Record<string, number> = {};
  for (const n of nodes) nodesByType[n.instanceType] = (nodesByType[n.instanceType] ?? 0) + 1;
  // What holds resources now: what the snapshot saw holding them, plus what this pass committed.
  const refused = new Set(o.applied.conflicts.flatMap((c) => c.taskIds));
  const released = new Set(o.plan.taskUpdates.filter((u) => !refused.has(u.taskId) && !HOLDS_RESOURCES.has(u.to)).map((u) => u.taskId));
  const holding = new Map(o.snapshot.tasks.filter((t) => HOLDS_RESOURCES.has(t.status) && !released.has(t.id)).map((t) => [t.id, t.resources]));
  for (const a of o.plan.assignments) if (!refused.has(a.taskId)) holding.set(a.create?.id ?? a.taskId, a.resources);
  const types = policy.scaleUp.instanceTypes;
  // The bound is in nodes the size of the largest in use (core/lower-bound.ts boundNodeSize).
  const largest = boundNodeSize(nodes.map((n) => n.capacity), types.map((t) => t.capacity));
  const requests = [...holding.values()].filter((r) => r.cpu <= largest.cpu && r.memoryMiB <= largest.memoryMiB);
  const units = estimatePassRequestUnits({
    snapshotItems: o.snapshot.jobs.length + o.snapshot.tasks.length + o.snapshot.nodes.length,
    nodesListed: nodes.length,
    assignments: o.committed.assignments,
    assignmentGroups: new Set(o.plan.assignments.filter((a) => !refused.has(a.taskId)).map((a) => a.nodeId)).size,
    taskUpdates: o.applied.taskUpdatesCommitted,
    nodeUpdates: o.applied.nodeUpdatesCommitted,
    launches: o.launched,
    terminations: o.terminated,
  });
  await store.putSample({
    t: now,
    nodes: nodes.length,
    nodesByType,
    capacity: nodes.reduce((s, n) => add(s, n.capacity), ZERO),
    allocated: nodes.reduce((s, n) => add(s, n.allocated ?? ZERO), ZERO),
    usage: nodes.reduce((s, n) => add(s, n.usage ?? ZERO), ZERO),
    costPerHour: nodes.reduce((s, n) => s + n.pricePerHour, 0),
    pending: o.plan.unplaced.length,
    lowerBound: largest.cpu > 0 ? packingLowerBound(requests, largest) : undefined,
    lowerBoundNodeSize: largest.cpu > 0 ? largest : undefined,
    controlPlane: { schedulerInvocations: 1, schedulerMs: Math.round(performance.now() - o.passStarted), ...units },
  });
}
