import { GONE, HOLDS_RESOURCES } from '../../core/model';
import { boundNodeSize, packingLowerBound } from '../../core/lower-bound';
import type { Plan } from '../../core/pass/plan-types';
import type { Snapshot } from '../../core/pass/snapshot';
import type { SchedulerPolicy } from '../../core/policy';
import { add, ZERO } from '../../core/resources';
import type { UtilisationSample } from '../../core/utilisation-sample';
import type { ApplyResult, SchedulerStore } from '../state/state-store';
import type { Committed } from './committed';
import { estimatePassRequestUnits } from './request-units';

/**
 * What production measures for the sample and a replay must model instead, so that two
 * replays of one trace write the same samples. Production leaves it out; the simulator
 * (sim/simulator.ts) gives it. Every member is optional and falls back to the measurement.
 */
export interface PassMeasures {
  /** The pass's billed duration, ms, from the items its snapshot read. Default: measured through the clock. */
  schedulerMs?(snapshotItems: number): number;
  /** API requests since the previous sample (the agents' heartbeats). Default: absent, the writer does not know them. */
  apiRequests?(): number;
  /** False when nodes' usage is not a measurement (simulated agents report none). Default: measured. */
  readonly usageMeasured?: false;
}

export interface PassOutcome {
  readonly now: number;
  readonly snapshot: Snapshot;
  readonly plan: Plan;
  readonly applied: ApplyResult;
  readonly committed: Committed;
  readonly launched: number;
  readonly terminated: number;
  /** Milliseconds the pass has taken so far, as measured. */
  readonly elapsedMs: number;
}

/**
 * The sample the report reads: the fleet as this pass left it, the packing lower bound
 * for what is allocated on it, and what the pass cost the control plane (one
 * invocation, its duration, and DynamoDB request units estimated from its shape,
 * since the store does not ask DynamoDB for consumed capacity).
 */
export async function writePassSample(store: SchedulerStore, policy: SchedulerPolicy, o: PassOutcome, measures: PassMeasures = {}): Promise<void> {
  const nodes = (await store.listNodes()).filter((n) => !GONE.has(n.state));
  const nodesByType: Record<string, number> = {};
  for (const n of nodes) nodesByType[n.instanceType] = (nodesByType[n.instanceType] ?? 0) + 1;
  // What holds resources now: what the snapshot saw holding them, plus what this pass committed.
  const refused = o.committed.refusedTasks;
  const released = new Set(o.plan.taskUpdates.filter((u) => !refused.has(u.taskId) && !HOLDS_RESOURCES.has(u.to)).map((u) => u.taskId));
  const holding = new Map(o.snapshot.tasks.filter((t) => HOLDS_RESOURCES.has(t.status) && !released.has(t.id)).map((t) => [t.id, t.resources]));
  for (const a of o.plan.assignments) if (!refused.has(a.taskId)) holding.set(a.create?.id ?? a.taskId, a.resources);
  // The bound is in nodes the size of the largest in use (core/lower-bound.ts boundNodeSize).
  const largest = boundNodeSize(
    nodes.map((n) => n.capacity),
    policy.scaleUp.instanceTypes.map((t) => t.capacity),
  );
  const requests = [...holding.values()].filter((r) => r.cpu <= largest.cpu && r.memoryMiB <= largest.memoryMiB);
  const snapshotItems = o.snapshot.jobs.length + o.snapshot.tasks.length + o.snapshot.nodes.length;
  const units = estimatePassRequestUnits({
    snapshotItems,
    nodesListed: nodes.length,
    assignments: o.committed.assignments,
    assignmentGroups: o.committed.assignmentGroups,
    taskUpdates: o.applied.taskUpdatesCommitted,
    nodeUpdates: o.applied.nodeUpdatesCommitted,
    launches: o.launched,
    terminations: o.terminated,
  });
  const apiRequests = measures.apiRequests?.();
  const sample: UtilisationSample = {
    t: o.now,
    nodes: nodes.length,
    nodesByType,
    capacity: nodes.reduce((s, n) => add(s, n.capacity), ZERO),
    allocated: nodes.reduce((s, n) => add(s, n.allocated ?? ZERO), ZERO),
    usage: nodes.reduce((s, n) => add(s, n.usage ?? ZERO), ZERO),
    ...(measures.usageMeasured === false ? { usageMeasured: false } : {}),
    costPerHour: nodes.reduce((s, n) => s + n.pricePerHour, 0),
    pending: o.plan.unplaced.length,
    lowerBound: largest.cpu > 0 ? packingLowerBound(requests, largest) : undefined,
    lowerBoundNodeSize: largest.cpu > 0 ? largest : undefined,
    controlPlane: {
      schedulerInvocations: 1,
      schedulerMs: measures.schedulerMs ? measures.schedulerMs(snapshotItems) : Math.round(o.elapsedMs),
      ...units,
      ...(apiRequests === undefined ? {} : { apiRequests }),
    },
  };
  await store.putSample(sample);
}
