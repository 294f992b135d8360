import { capacityChoiceOf } from '../capacity';
import { GONE, type CapacityType, type Node, type Task } from '../model';
import type { Bin, PlacementTask } from '../placement/bin';
import { packTasks } from '../placement/packer';
import { recordCopy, type SpreadTally } from '../placement/spread';
import { orderTasks, STRATEGIES } from '../placement/strategies';
import { cheapestHolding, replacementLaunch, type ConsolidationInput } from './consolidation';
import { launchLimitsOf } from './scale-up';
import { migrationCopy } from './drains';

/**
 * Consolidation commands over several nodes at once: their copies move to the rest of
 * the fleet, what does not fit goes to at most one new node, and the command stands only
 * if it is strictly cheaper. Karpenter's multi-node consolidation is this; Stowage uses
 * it to merge nodes that each strand capacity no other node can take (one wide copy
 * each), which no single-node drain can undo.
 */
export interface Candidate {
  readonly node: Node;
  readonly tasks: Task[];
}

export interface Command {
  readonly nodes: Candidate[];
  readonly moves: Array<{ task: Task; nodeId: string }>;
  readonly leftovers: PlacementTask[];
  readonly replacement?: { name: string; pricePerHour: number; capacityType: CapacityType };
  readonly savings: number;
  readonly sandbox: Map<string, Bin>;
  readonly spread: SpreadTally;
}

/**
 * Karpenter's firstNConsolidationOption: a binary search for the longest prefix (of at
 * least 2 candidates) whose copies fit on the rest of the fleet plus at most one new
 * node strictly cheaper than the prefix together.
 */
export function longestPrefix(candidates: readonly Candidate[], input: ConsolidationInput): Command | undefined {
  if (candidates.length < 2) return undefined;
  let lo = 1;
  let hi = candidates.length - 1;
  let best: Command | undefined;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const cmd = simulateCommand(candidates.slice(0, mid + 1), input);
    if (cmd) {
      best = cmd;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

/**
 * Every prefix from 2 candidates up, keeping the command that saves the most: the
 * savings of a merge are not monotone in its size (on a linearly priced family three
 * nodes may fit one smaller node where two or four do not), so Stowage, whose budget
 * keeps the prefixes short, tries them all rather than bisecting.
 */
export function bestPrefix(candidates: readonly Candidate[], input: ConsolidationInput): Command | undefined {
  let best: Command | undefined;
  for (let k = 2; k <= candidates.length; k++) {
    const cmd = simulateCommand(candidates.slice(0, k), input);
    if (cmd && (!best || cmd.savings > best.savings)) best = cmd;
  }
  return best;
}

/**
 * The candidates' copies packed onto the rest of the ACTIVE fleet with the policy's own
 * placement; what does not fit needs one new node of the cheapest type holding it all,
 * strictly cheaper than the candidates together, or the command is no command.
 */
export function simulateCommand(cands: readonly Candidate[], input: ConsolidationInput): Command | undefined {
  const { index, bins, policy, weights } = input;
  const leaving = new Set(cands.map((c) => c.node.id));
  const sandbox = new Map<string, Bin>();
  const targets: Bin[] = [];
  for (const [id, bin] of bins) {
    if (leaving.has(id) || bin.state !== 'ACTIVE') continue;
    const copy = { ...bin };
    sandbox.set(id, copy);
    targets.push(copy);
  }
  const spread = input.spread.fork();
  const byId = new Map<string, Task>();
  const pts: PlacementTask[] = [];
  for (const { node, tasks } of cands) {
    const from = bins.get(node.id) ?? { id: node.id, zone: node.zone };
    for (const t of tasks) {
      byId.set(t.id, t);
      const rule = spread.ruleFor(t.jobId);
      if (rule) recordCopy(rule, from, -1);
      const job = index.jobs.get(t.jobId)!;
      const pt: PlacementTask = { id: t.id, jobId: t.jobId, resources: t.resources, constraints: job.constraints, arrival: t.slot, group: job.name, groupSize: job.count, capacity: capacityChoiceOf(job) };
      pts.push(rule ? { ...pt, spread: rule } : pt);
    }
  }
  const strategy = STRATEGIES[policy.strategy];
  const reference = cands.reduce((r, c) => ({ cpu: Math.max(r.cpu, c.node.capacity.cpu), memoryMiB: Math.max(r.memoryMiB, c.node.capacity.memoryMiB) }), { cpu: 1, memoryMiB: 1 });
  const result = packTasks(orderTasks(pts, 'decreasing', reference), targets, { strategy, weights });
  const moves = result.placements.map((p) => ({ task: byId.get(p.taskId)!, nodeId: p.binId }));
  const leftovers = pts.filter((t) => result.unplaced.has(t.id));
  const price = cands.reduce((s, c) => s + c.node.pricePerHour, 0);
  if (leftovers.length === 0) return { nodes: [...cands], moves, leftovers, savings: price, sandbox, spread };
  if (!policy.scaleUp.enabled) return undefined;
  const fleetWithLaunches = index.snapshot.nodes.filter((n) => !GONE.has(input.builder.stateOf(n))).length + input.builder.launchCount;
  if (fleetWithLaunches + 1 > policy.scaleUp.maxNodes) return undefined;
  const replacement = cheapestHolding(leftovers, input, cands.map((c) => c.node), spread);
  if (!replacement || !(replacement.pricePerHour < price)) return undefined;
  return { nodes: [...cands], moves, leftovers, replacement, savings: price - replacement.pricePerHour, sandbox, spread: replacement.spread };
}

/** Commits the command's simulated placements and emits the drains, moves and launch. */
export function executeCommand(cmd: Command, input: ConsolidationInput): void {
  const { index, bins, policy, now, builder } = input;
  input.spread.adopt(cmd.spread);
  for (const [id, sandbox] of cmd.sandbox) {
    const real = bins.get(id)!;
    real.freeCpu = sandbox.freeCpu;
    real.freeMemoryMiB = sandbox.freeMemoryMiB;
  }
  const what = cmd.replacement ? `replace with one ${cmd.replacement.name}` : 'delete';
  for (const { node, tasks } of cmd.nodes) {
    builder.updateNode({ nodeId: node.id, from: node.state, to: 'DRAINING', reason: `${cmd.nodes.length > 1 ? 'multi' : 'single'}-node consolidation: ${what}` });
    builder.consolidate({
      nodeId: node.id,
      action: cmd.replacement ? 'replace' : 'delete',
      savingsPerHour: cmd.savings / cmd.nodes.length,
      moves: tasks.length,
      replacementType: cmd.replacement?.name,
    });
    bins.delete(node.id);
  }
  for (const { task, nodeId } of cmd.moves) {
    const copy = migrationCopy(task, index, now);
    builder.assign({ taskId: copy.id, jobId: copy.jobId, nodeId, generation: copy.generation, resources: copy.resources, create: { ...copy, status: 'ASSIGNED', nodeId } });
  }
  if (cmd.replacement) {
    const first = cmd.nodes[0].node;
    const reason = `replaces ${cmd.nodes.map((c) => c.node.id).join(', ')}, saving $${cmd.savings.toFixed(4)}/hour`;
    builder.launch(replacementLaunch(cmd.replacement, first.zone, cmd.leftovers, policy, reason, launchLimitsOf(index, now).availability));
  }
}
