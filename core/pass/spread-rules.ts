import { ACCEPTS_WORK, type Job } from '../model';
import type { Bin } from '../placement/bin';
import { allowsInstanceType, allowsZone, matchesLabels } from '../placement/filters';
import { recordCopy, spreadMax, SpreadTally } from '../placement/spread';
import type { SchedulerPolicy } from '../policy';
import { fits } from '../resources';
import type { PlanBuilder } from './plan-builder';
import { whyNoNewNodeFits } from './scale-up';
import type { SnapshotIndex } from './snapshot';

/**
 * Each spread job's rule for this pass: the most copies one node (or zone) may hold,
 * ceil(count / N), and the copies it holds now.
 *
 * N counts the nodes (or their zones) available to the job: those that accept work
 * (a LAUNCHING node does), pass its constraints and could hold one copy, plus — when
 * scale-up could launch a node the job fits — the nodes it may still launch under
 * maxNodes (or the allowed zones it launches into). Counting them is what makes a
 * 3-replica job on a 1-node fleet wait for two new nodes rather than stack on the one.
 *
 * Copies count where they hold resources on a node that accepts work: a copy on a
 * DRAINING node is leaving, and its replacement must not be kept out of its zone by it.
 */
export function spreadTally(index: SnapshotIndex, builder: PlanBuilder, bins: readonly Bin[], policy: SchedulerPolicy): SpreadTally {
  const tally = new SpreadTally();
  const accepting = bins.filter((b) => ACCEPTS_WORK.has(b.state));
  for (const job of index.jobs.values()) {
    const scope = job.spread ?? 'none';
    if (scope === 'none' || job.stopRequestedAt !== undefined) continue;
    const available = accepting.filter((b) => fits(job.resources, b.capacity) && allowsInstanceType(job.constraints, b.instanceType) && allowsZone(job.constraints, b.zone) && matchesLabels(job.constraints, b.labels));
    const headroom = launchHeadroom(job, bins.length + builder.launchCount, policy);
    let n: number;
    if (scope === 'node') {
      n = available.length + headroom;
    } else {
      const zones = new Set(available.map((b) => b.zone));
      if (headroom > 0) for (const z of policy.scaleUp.zones) if (allowsZone(job.constraints, z)) zones.add(z);
      n = zones.size;
    }
    tally.add({ jobId: job.id, scope, max: spreadMax(job.count, n), counts: new Map() });
  }
  for (const bin of accepting) {
    for (const t of index.holding.get(bin.id) ?? []) {
      const rule = tally.ruleFor(t.jobId);
      if (rule && !builder.isTouched(t.id)) recordCopy(rule, bin);
    }
  }
  return tally;
}

/** How many nodes scale-up may still launch that could take one of the job's copies. */
function launchHeadroom(job: Job, fleetSize: number, policy: SchedulerPolicy): number {
  const { scaleUp } = policy;
  if (!scaleUp.enabled || scaleUp.instanceTypes.length === 0) return 0;
  const probe = { id: job.id, jobId: job.id, resources: job.resources, constraints: job.constraints, arrival: 0 };
  if (whyNoNewNodeFits(probe, policy) !== null) return 0;
  return Math.max(0, scaleUp.maxNodes - fleetSize);
}
