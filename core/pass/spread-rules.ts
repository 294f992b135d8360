import { acceptsCapacity, capacityChoiceOf } from '../capacity';
import { targetVersion, versionOfTask } from '../deployment';
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
 * (a LAUNCHING node does), pass its constraints and could hold one copy — but never
 * fewer than two when scale-up could launch a node (or into a zone) the job fits, so
 * a replicated service is never left on a single node or zone. Only that floor counts
 * nodes not yet bought: counting every node scale-up may still launch would make
 * spread buy one node per replica up to maxNodes, where the point of spread is
 * surviving the loss of one, and consolidation could never pack them back.
 *
 * Copies count where they hold resources on a node that accepts work: a copy on a
 * DRAINING node is leaving, and its replacement must not be kept out of its zone by it;
 * likewise only copies of the job's target version count.
 */
export function spreadTally(index: SnapshotIndex, builder: PlanBuilder, bins: readonly Bin[], policy: SchedulerPolicy): SpreadTally {
  const tally = new SpreadTally();
  const accepting = bins.filter((b) => ACCEPTS_WORK.has(b.state));
  for (const job of index.jobs.values()) {
    const scope = job.spread ?? 'none';
    if (scope === 'none' || job.stopRequestedAt !== undefined) continue;
    const available = accepting.filter((b) => fits(job.resources, b.capacity) && allowsInstanceType(job.constraints, b.instanceType) && allowsZone(job.constraints, b.zone) && matchesLabels(job.constraints, b.labels) && acceptsCapacity(capacityChoiceOf(job), b.capacityType ?? 'on-demand'));
    const headroom = launchHeadroom(job, bins.length + builder.launchCount, policy);
    let n: number;
    if (scope === 'node') {
      n = Math.max(available.length, Math.min(REDUNDANCY, available.length + headroom));
    } else {
      const zones = new Set(available.map((b) => b.zone));
      const launchable = headroom > 0 ? policy.scaleUp.zones.filter((z) => allowsZone(job.constraints, z) && !zones.has(z)) : [];
      n = Math.max(zones.size, Math.min(REDUNDANCY, zones.size + launchable.length));
    }
    tally.add({ jobId: job.id, scope, max: spreadMax(job.count, n), counts: new Map() });
  }
  for (const bin of accepting) {
    for (const t of index.holding.get(bin.id) ?? []) {
      const rule = tally.ruleFor(t.jobId);
      const job = index.jobs.get(t.jobId);
      // During a deployment only copies of the target version count: the old ones are
      // leaving, and counting them would keep every new copy off their nodes (buying nodes).
      if (rule && job && !builder.isTouched(t.id) && versionOfTask(t) === targetVersion(job)) recordCopy(rule, bin);
    }
  }
  return tally;
}

/** The fewest nodes (or zones) a spread job's replicas are spread over when more can be bought. */
const REDUNDANCY = 2;

/** How many nodes scale-up may still launch that could take one of the job's copies. */
function launchHeadroom(job: Job, fleetSize: number, policy: SchedulerPolicy): number {
  const { scaleUp } = policy;
  if (!scaleUp.enabled || scaleUp.instanceTypes.length === 0) return 0;
  const probe = { id: job.id, jobId: job.id, resources: job.resources, constraints: job.constraints, arrival: 0, capacity: capacityChoiceOf(job) };
  if (whyNoNewNodeFits(probe, policy) !== null) return 0;
  return Math.max(0, scaleUp.maxNodes - fleetSize);
}
