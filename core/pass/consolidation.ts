import { capacityChoiceOf } from '../capacity';
import { consolidateKarpenter } from './consolidate-karpenter';
import { bestPrefix, executeCommand } from './consolidate-multi';
import { cheapestPairHolding, mayReplace, replacementCapacity } from './consolidate-replacements';
import { typesPricedFor } from '../spot-prices';
import { asSpotLaunch, launchLimitsOf } from './scale-up';
import type { OfferingAvailability } from '../offerings';
import type { Launch } from './plan-types';
import type { CapacityType } from '../model';
import { migrationCopy } from './drains';
import { compareStrings } from '../compare';
import { ACCEPTS_WORK, GONE, type Node, type Task } from '../model';
import { allowsInstanceType } from '../placement/filters';
import type { PlanBuilder } from './plan-builder';
import type { SchedulerPolicy } from '../policy';
import { newNodeBin, type Bin, type PlacementTask } from '../placement/bin';
import { packTasks } from '../placement/packer';
import type { ResourceWeights } from '../placement/scorers';
import { recordCopy, withTally, type SpreadTally } from '../placement/spread';
import { orderTasks, STRATEGIES } from '../placement/strategies';
import type { Snapshot, SnapshotIndex } from './snapshot';

export interface ConsolidationInput {
  readonly index: SnapshotIndex;
  /** Bins after this pass's placements, by node id. */
  readonly bins: Map<string, Bin>;
  readonly policy: SchedulerPolicy;
  readonly now: number;
  readonly builder: PlanBuilder;
  /** Tasks this pass could not place: while any wait, the fleet is short, not long. */
  readonly unplacedCount: number;
  readonly weights: ResourceWeights;
  /** Spread jobs' rules and counts after this pass's placements; a drain keeps them. */
  readonly spread: SpreadTally;
}

/**
 * Consolidation, Karpenter-style compute → validate → execute. This step computes:
 * it simulates each candidate's tasks onto the rest of the fleet with the very packer
 * placement uses, and emits plain decisions (remove an empty node, drain a node whose
 * tasks fit elsewhere, or drain it and launch one cheaper node for the rest). The
 * applier validates against fresh state (each copy commits only if its target still
 * has room and is still ACTIVE; a drain whose copies were refused is abandoned by the
 * next pass — see finishDrains), and only then does anyone call the cloud.
 */
export function consolidate(input: ConsolidationInput): void {
  const { index, bins, policy, now, builder } = input;
  const c = policy.consolidation;
  const nodes = index.snapshot.nodes;
  let fleet = nodes.filter((n) => ACCEPTS_WORK.has(builder.stateOf(n))).length;
  const emptyGrace = c.mode === 'underutilized' ? c.underutilizedForMs : c.emptyGraceMs;

  // Empty nodes: markers always (so the grace period starts when emptiness does), removal unless off.
  // Emptiness counts copies, not capacity: a copy requesting nothing still runs there.
  // A copy this pass stops still counts: the store releases it after node updates
  // commit, so "empty" here means empty as the store will check it (expectEmpty).
  const assigned = builder.assignedNodes();
  for (const node of nodes) {
    if (builder.stateOf(node) !== 'ACTIVE') continue;
    const empty = !assigned.has(node.id) && (index.holding.get(node.id) ?? []).length === 0;
    if (!empty) {
      if (node.emptySince !== undefined) builder.updateNode({ nodeId: node.id, from: node.state, emptySince: null });
      continue;
    }
    if (node.emptySince === undefined) {
      builder.updateNode({ nodeId: node.id, from: node.state, emptySince: now });
      continue;
    }
    if (c.mode !== 'off' && now - node.emptySince >= emptyGrace && fleet > c.minNodes) {
      builder.updateNode({ nodeId: node.id, from: node.state, to: 'TERMINATING', reason: 'empty past its grace period', expectEmpty: true });
      builder.terminate({ nodeId: node.id, reason: `empty for ${Math.round((now - node.emptySince) / 1000)} s` });
      builder.consolidate({ nodeId: node.id, action: 'remove-empty', savingsPerHour: node.pricePerHour, moves: 0 });
      bins.delete(node.id);
      fleet--;
    }
  }

  if (c.mode === 'karpenter') {
    consolidateKarpenter(input, fleet);
    return;
  }
  if (c.mode !== 'stowage' && c.mode !== 'underutilized') return;
  const candidates = drainCandidates(input);
  // While work waits or nodes are still arriving, the fleet is growing: draining now would churn.
  if (input.unplacedCount > 0 || nodes.some((n) => n.state === 'LAUNCHING')) return;
  if (now - lastFleetChange(index.snapshot) < c.stableForMs) return;
  let budget = c.disruptionBudget - nodes.filter((n) => n.state === 'DRAINING').length;
  const excluded = new Set<string>();
  // A node that receives copies this pass (placed or moved) is never drained in it: its
  // new copies are not RUNNING yet, so draining it would move work that has not started.
  const received = builder.assignedNodes();
  for (const { node, tasks } of candidates.slice(0, c.maxCandidatesPerPass)) {
    if (budget <= 0 || fleet - 1 < Math.max(c.minNodes, 1)) break;
    if (received.has(node.id)) continue;
    const decision = simulateDrain(node, tasks, input, excluded);
    if (!decision) continue;
    if (c.mode === 'stowage' && decision.savings < c.minSavingsPerHour) continue;
    // Execute: commit the simulated placements to the real bins and emit the moves.
    input.spread.adopt(decision.spread);
    for (const [id, sandbox] of decision.sandbox) {
      const real = bins.get(id)!;
      real.freeCpu = sandbox.freeCpu;
      real.freeMemoryMiB = sandbox.freeMemoryMiB;
    }
    builder.updateNode({ nodeId: node.id, from: node.state, to: 'DRAINING', reason: decision.reason });
    for (const { task, nodeId } of decision.moves) {
      received.add(nodeId);
      const copy = migrationCopy(task, index, now);
      builder.assign({ taskId: copy.id, jobId: copy.jobId, nodeId, generation: copy.generation, resources: copy.resources, create: { ...copy, status: 'ASSIGNED', nodeId } });
    }
    if (decision.replacement) {
      const availability = launchLimitsOf(index, now).availability;
      builder.launch(replacementLaunch(decision.replacement, node.zone, decision.leftovers, policy, `replaces ${node.id} (${node.instanceType}), saving $${decision.savings.toFixed(4)}/hour`, availability));
      if (decision.second) {
        const second = { ...decision.second, capacityType: decision.replacement.capacityType };
        builder.launch(replacementLaunch(second, node.zone, decision.leftovers, policy, `replaces ${node.id} (${node.instanceType}) with the node before it, saving $${decision.savings.toFixed(4)}/hour together`, availability));
      }
    }
    builder.consolidate({
      nodeId: node.id,
      action: decision.replacement ? 'replace' : 'delete',
      savingsPerHour: decision.savings,
      moves: tasks.length,
      replacementType: decision.second ? `${decision.replacement!.name}+${decision.second.name}` : decision.replacement?.name,
    });
    bins.delete(node.id);
    excluded.add(node.id);
    budget--;
    fleet--;
  }

  // Merges, after single drains: nodes each holding a copy too wide for the others' gaps
  // strand capacity no single drain frees; their copies together may fit the rest of the
  // fleet plus one smaller node. The emptiest nodes are tried first, as many as the
  // budget allows, every prefix of them (consolidate-multi.ts).
  if (c.mode !== 'stowage' || budget < 2) return;
  const rest = candidates.filter((x) => !excluded.has(x.node.id) && !received.has(x.node.id)).sort((a, b) => a.share - b.share || compareStrings(a.node.id, b.node.id));
  const merge = bestPrefix(rest.slice(0, Math.min(budget, c.maxCandidatesPerPass)), input);
  if (merge && merge.savings >= c.minSavingsPerHour && fleet - merge.nodes.length + (merge.replacement ? 1 : 0) >= Math.max(c.minNodes, 1)) executeCommand(merge, input);
}

interface Candidate {
  readonly node: Node;
  readonly tasks: Task[];
  readonly share: number;
}

/** Nodes whose every copy may move: running services, not do-not-disrupt, old enough. */
function drainCandidates({ index, bins, policy, now, builder }: ConsolidationInput): Candidate[] {
  const c = policy.consolidation;
  const out: Candidate[] = [];
  for (const node of index.snapshot.nodes) {
    if (node.state !== 'ACTIVE' || builder.nodeTarget(node.id)?.to) continue;
    const bin = bins.get(node.id);
    if (!bin) continue;
    const share = Math.max(1 - bin.freeCpu / node.capacity.cpu, 1 - bin.freeMemoryMiB / node.capacity.memoryMiB);
    if (c.mode === 'underutilized') {
      const under = share < c.underutilizedThreshold;
      if (under && node.underutilizedSince === undefined) builder.updateNode({ nodeId: node.id, from: node.state, underutilizedSince: now });
      if (!under && node.underutilizedSince !== undefined) builder.updateNode({ nodeId: node.id, from: node.state, underutilizedSince: null });
      if (!under || node.underutilizedSince === undefined || now - node.underutilizedSince < c.underutilizedForMs) continue;
    }
    if (now - node.launchedAt < c.nodeMinAgeMs) continue;
    const tasks = (index.holding.get(node.id) ?? []).filter((t) => !builder.isTouched(t.id));
    if (tasks.length === 0) continue;
    const movable = tasks.every((t) => {
      const job = index.jobs.get(t.jobId);
      // A job mid-deployment is left alone: its copies are being replaced anyway, and moving
      // an old one would spend a start on a copy about to go.
      return t.status === 'RUNNING' && job !== undefined && job.kind === 'service' && !job.doNotDisrupt && job.stopRequestedAt === undefined && job.deployment?.status !== 'RUNNING';
    });
    if (movable) out.push({ node, tasks, share });
  }
  // Fewest moves first, then the most expensive node, then the emptiest: cheap disruptions that save the most.
  if (c.mode === 'underutilized') out.sort((a, b) => a.share - b.share || compareStrings(a.node.id, b.node.id));
  else out.sort((a, b) => a.tasks.length - b.tasks.length || b.node.pricePerHour - a.node.pricePerHour || a.share - b.share || compareStrings(a.node.id, b.node.id));
  return out;
}

interface DrainDecision {
  readonly moves: Array<{ task: Task; nodeId: string }>;
  readonly leftovers: PlacementTask[];
  readonly replacement?: { name: string; pricePerHour: number; capacityType: CapacityType };
  /** A second new node, when only two cheaper ones hold what the first cannot. */
  readonly second?: { name: string; pricePerHour: number };
  readonly savings: number;
  readonly reason: string;
  readonly sandbox: Map<string, Bin>;
  /** The spread counts once the moves (and the replacement's copies) are made. */
  readonly spread: SpreadTally;
}

function simulateDrain(node: Node, tasks: Task[], input: ConsolidationInput, excluded: Set<string>): DrainDecision | undefined {
  const { index, bins, policy, weights } = input;
  const sandbox = new Map<string, Bin>();
  const targets: Bin[] = [];
  for (const [id, bin] of bins) {
    // Only ACTIVE nodes receive moved work: a LAUNCHING node may never come up.
    if (id === node.id || excluded.has(id) || bin.state !== 'ACTIVE') continue;
    const copy = { ...bin };
    sandbox.set(id, copy);
    targets.push(copy);
  }
  const byId = new Map(tasks.map((t) => [t.id, t]));
  // The candidate's copies leave it: counted off before they are placed again, so a
  // move within the zone keeps zone spread, and a move that would break spread fails.
  const spread = input.spread.fork();
  const leaving = bins.get(node.id) ?? { id: node.id, zone: node.zone };
  const placementTasks: PlacementTask[] = tasks.map((t) => {
    const rule = spread.ruleFor(t.jobId);
    if (rule) recordCopy(rule, leaving, -1);
    const job = index.jobs.get(t.jobId)!;
    const pt: PlacementTask = { id: t.id, jobId: t.jobId, resources: t.resources, constraints: job.constraints, arrival: t.slot, capacity: capacityChoiceOf(job) };
    return rule ? { ...pt, spread: rule } : pt;
  });
  const strategy = STRATEGIES[policy.strategy];
  const result = packTasks(orderTasks(placementTasks, 'decreasing', node.capacity), targets, { strategy, weights });
  const moves = result.placements.map((p) => ({ task: byId.get(p.taskId)!, nodeId: p.binId }));
  const leftovers = placementTasks.filter((t) => result.unplaced.has(t.id));
  if (leftovers.length === 0) {
    return { moves, leftovers, savings: node.pricePerHour, reason: `its ${tasks.length} task(s) fit on other nodes`, sandbox, spread };
  }
  if (policy.consolidation.mode !== 'stowage' || !policy.scaleUp.enabled) return undefined;
  // The drained node counts until it is terminated, so a replacement needs room under maxNodes now.
  const fleetWithLaunches = index.snapshot.nodes.filter((n) => !GONE.has(input.builder.stateOf(n))).length + input.builder.launchCount;
  if (fleetWithLaunches + 1 > policy.scaleUp.maxNodes) return undefined;
  const replacement = cheapestHolding(leftovers, input, [node], spread);
  if (!replacement || replacement.pricePerHour >= node.pricePerHour) {
    if (fleetWithLaunches + 2 > policy.scaleUp.maxNodes) return undefined;
    const pair = cheapestPairHolding(leftovers, node, node.pricePerHour, policy, weights, spread);
    if (!pair) return undefined;
    return {
      moves,
      leftovers,
      replacement: { ...pair.first, capacityType: pair.capacityType },
      second: pair.second,
      savings: node.pricePerHour - pair.pricePerHour,
      reason: `${moves.length} task(s) fit elsewhere and ${leftovers.length} fit one ${pair.first.name} and one ${pair.second.name}`,
      sandbox,
      spread: pair.spread,
    };
  }
  return {
    moves,
    leftovers,
    replacement,
    savings: node.pricePerHour - replacement.pricePerHour,
    reason: `${moves.length} task(s) fit elsewhere and ${leftovers.length} fit one ${replacement.name}`,
    sandbox,
    spread: replacement.spread,
  };
}

/**
 * The cheapest allowed type on which all the leftovers fit together, keeping their
 * spread, bought as replacementCapacity says (at its Spot price when Spot); none when
 * the nodes it would replace may not be (mayReplace: no Spot-for-Spot swap).
 */
export function cheapestHolding(leftovers: PlacementTask[], input: ConsolidationInput, replaced: readonly Node[], spread: SpreadTally) {
  const { policy, weights } = input;
  const node = replaced[0];
  const capacityType = replacementCapacity(leftovers);
  if (!capacityType || !mayReplace(replaced, capacityType)) return undefined;
  const types = typesPricedFor(policy.scaleUp.instanceTypes, capacityType).sort((a, b) => a.pricePerHour - b.pricePerHour || compareStrings(a.name, b.name));
  for (const type of types) {
    if (!leftovers.every((t) => allowsInstanceType(t.constraints, type.name))) continue;
    // Named for the node it replaces: spread counts copies by node id.
    const bin = newNodeBin(`replacement-of-${node.id}`, type, node.zone, policy.scaleUp.nodeLabels, capacityType);
    const trial = spread.fork();
    const result = packTasks(withTally(leftovers, trial), [bin], { strategy: STRATEGIES[policy.strategy], weights });
    if (result.unplaced.size === 0) return { name: type.name, pricePerHour: type.pricePerHour, spread: trial, capacityType };
  }
  return undefined;
}

/** A consolidation's replacement launch: Spot ones, like scale-up's, name the other pools that could hold the same copies. */
export function replacementLaunch(
  replacement: { name: string; pricePerHour: number; capacityType: CapacityType },
  zone: string,
  leftovers: readonly PlacementTask[],
  policy: SchedulerPolicy,
  reason: string,
  availability: OfferingAvailability,
): Launch {
  const launch: Launch = { instanceType: replacement.name, zone, pricePerHour: replacement.pricePerHour, labels: policy.scaleUp.nodeLabels, reason, forTasks: leftovers.map((t) => t.id) };
  return replacement.capacityType === 'spot' ? asSpotLaunch(launch, leftovers, typesPricedFor(policy.scaleUp.instanceTypes, 'spot'), [zone], availability) : launch;
}

/**
 * When the fleet last changed shape: the newest node launch or copy creation still in
 * the snapshot. Consolidation waits stableForMs past it; the simulator wakes for it.
 */
export function lastFleetChange(snapshot: Snapshot): number {
  let last = -Infinity;
  for (const n of snapshot.nodes) last = Math.max(last, n.launchedAt);
  for (const t of snapshot.tasks) if (t.status !== 'STOPPED' && t.status !== 'COMPLETED') last = Math.max(last, t.createdAt);
  return last;
}
