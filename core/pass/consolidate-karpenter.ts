import { compareStrings } from '../compare';
import { GONE, type Node, type Task } from '../model';
import type { Bin, PlacementTask } from '../placement/bin';
import { packTasks } from '../placement/packer';
import { recordCopy, type SpreadTally } from '../placement/spread';
import { orderTasks, STRATEGIES } from '../placement/strategies';
import { cheapestHolding, lastFleetChange, type ConsolidationInput } from './consolidation';
import { migrationCopy } from './drains';

/** Karpenter's multi-node consolidation considers at most this many candidates at once. */
const MULTI_NODE_MAX = 100;

interface Candidate {
  readonly node: Node;
  readonly tasks: Task[];
}

interface Command {
  readonly nodes: Candidate[];
  readonly moves: Array<{ task: Task; nodeId: string }>;
  readonly leftovers: PlacementTask[];
  readonly replacement?: { name: string; pricePerHour: number };
  readonly savings: number;
  readonly sandbox: Map<string, Bin>;
  readonly spread: SpreadTally;
}

/**
 * Karpenter's disruption with its defaults (consolidationPolicy WhenEmptyOrUnderutilized,
 * consolidateAfter 0 s, budget 10 % of nodes), after empty nodes have gone:
 *
 *   candidates: nodes whose every pod may move (no do-not-disrupt), whose candidacy has
 *     held `underutilizedForMs` (the 15 s Karpenter waits before it re-validates and
 *     acts), sorted by disruption cost (here: fewest copies first);
 *   multi-node: the longest prefix of up to 100 candidates (binary search, as
 *     firstNConsolidationOption) whose pods fit on the other nodes plus at most one new
 *     node strictly cheaper than the prefix together;
 *   single-node: else the first candidate that can be deleted, or replaced by one
 *     strictly cheaper node;
 *
 * one command per pass, as Karpenter executes one per disruption loop. Sources:
 * karpenter.sh/docs/concepts/disruption; pkg/controllers/disruption/multinodeconsolidation.go,
 * singlenodeconsolidation.go, consolidation.go (kubernetes-sigs/karpenter).
 */
export function consolidateKarpenter(input: ConsolidationInput, fleet: number): void {
  const { index, policy, now, builder } = input;
  const c = policy.consolidation;
  const nodes = index.snapshot.nodes;
  const candidates = markCandidates(input);
  if (input.unplacedCount > 0 || nodes.some((n) => n.state === 'LAUNCHING')) return;
  if (now - lastFleetChange(index.snapshot) < c.stableForMs) return;
  const live = nodes.filter((n) => !GONE.has(builder.stateOf(n))).length;
  const allowed = c.disruptionBudgetPercent !== undefined ? Math.ceil((live * c.disruptionBudgetPercent) / 100) : c.disruptionBudget;
  const budget = allowed - nodes.filter((n) => n.state === 'DRAINING').length;
  if (budget <= 0 || candidates.length === 0) return;

  const command = multiNode(candidates.slice(0, Math.min(MULTI_NODE_MAX, budget)), input) ?? singleNode(candidates, input);
  // A replacement keeps the fleet's size up by one: only what the command removes net counts against minNodes.
  if (command && fleet - command.nodes.length + (command.replacement ? 1 : 0) >= c.minNodes) execute(command, input);
}

/**
 * Marks every node that could be a candidate (underutilizedSince: when its candidacy
 * began) and returns those whose candidacy has lasted the validation period. A node
 * that receives copies this pass starts over, as Karpenter's validation rejects a
 * candidate that pods were nominated to.
 */
function markCandidates({ index, bins, policy, now, builder }: ConsolidationInput): Candidate[] {
  const c = policy.consolidation;
  const received = builder.assignedNodes();
  const out: Candidate[] = [];
  for (const node of index.snapshot.nodes) {
    if (node.state !== 'ACTIVE' || builder.nodeTarget(node.id)?.to || !bins.has(node.id)) continue;
    const tasks = (index.holding.get(node.id) ?? []).filter((t) => !builder.isTouched(t.id));
    const movable =
      !received.has(node.id) &&
      tasks.length > 0 &&
      tasks.every((t) => {
        const job = index.jobs.get(t.jobId);
        return t.status === 'RUNNING' && job !== undefined && job.kind === 'service' && !job.doNotDisrupt && job.stopRequestedAt === undefined;
      });
    if (!movable) {
      if (node.underutilizedSince !== undefined) builder.updateNode({ nodeId: node.id, from: node.state, underutilizedSince: null });
      continue;
    }
    if (node.underutilizedSince === undefined) {
      builder.updateNode({ nodeId: node.id, from: node.state, underutilizedSince: now });
      continue;
    }
    if (now - node.underutilizedSince < c.underutilizedForMs || now - node.launchedAt < c.nodeMinAgeMs) continue;
    out.push({ node, tasks });
  }
  // Disruption cost: Karpenter weighs each pod (priority, deletion cost) by the node's
  // remaining lifetime; with default pods and no expiry that is the pod count.
  return out.sort((a, b) => a.tasks.length - b.tasks.length || compareStrings(a.node.id, b.node.id));
}

/** firstNConsolidationOption: binary search for the longest prefix (≥ 2) that consolidates. */
function multiNode(candidates: Candidate[], input: ConsolidationInput): Command | undefined {
  if (candidates.length < 2) return undefined;
  let lo = 1;
  let hi = candidates.length - 1;
  let best: Command | undefined;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const cmd = simulate(candidates.slice(0, mid + 1), input);
    if (cmd) {
      best = cmd;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

function singleNode(candidates: Candidate[], input: ConsolidationInput): Command | undefined {
  for (const c of candidates) {
    const cmd = simulate([c], input);
    if (cmd) return cmd;
  }
  return undefined;
}

/**
 * The candidates' copies packed onto the rest of the ACTIVE fleet with the policy's own
 * placement; what does not fit needs one new node of the cheapest type holding it all,
 * strictly cheaper than the candidates together, or the command is no command.
 */
function simulate(cands: Candidate[], input: ConsolidationInput): Command | undefined {
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
      const pt: PlacementTask = { id: t.id, jobId: t.jobId, resources: t.resources, constraints: job.constraints, arrival: t.slot, group: job.name, groupSize: job.count };
      pts.push(rule ? { ...pt, spread: rule } : pt);
    }
  }
  const strategy = STRATEGIES[policy.strategy];
  const reference = cands.reduce((r, c) => ({ cpu: Math.max(r.cpu, c.node.capacity.cpu), memoryMiB: Math.max(r.memoryMiB, c.node.capacity.memoryMiB) }), { cpu: 1, memoryMiB: 1 });
  const result = packTasks(orderTasks(pts, 'decreasing', reference), targets, { strategy, weights });
  const moves = result.placements.map((p) => ({ task: byId.get(p.taskId)!, nodeId: p.binId }));
  const leftovers = pts.filter((t) => result.unplaced.has(t.id));
  const price = cands.reduce((s, c) => s + c.node.pricePerHour, 0);
  if (leftovers.length === 0) return { nodes: cands, moves, leftovers, savings: price, sandbox, spread };
  if (!policy.scaleUp.enabled) return undefined;
  const fleetWithLaunches = index.snapshot.nodes.filter((n) => !GONE.has(input.builder.stateOf(n))).length + input.builder.launchCount;
  if (fleetWithLaunches + 1 > policy.scaleUp.maxNodes) return undefined;
  const replacement = cheapestHolding(leftovers, input, cands[0].node, spread);
  if (!replacement || !(replacement.pricePerHour < price)) return undefined;
  return { nodes: cands, moves, leftovers, replacement, savings: price - replacement.pricePerHour, sandbox, spread: replacement.spread };
}

/** Commits the command's simulated placements and emits the drains, moves and launch. */
function execute(cmd: Command, input: ConsolidationInput): void {
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
    builder.launch({
      instanceType: cmd.replacement.name,
      zone: first.zone,
      pricePerHour: cmd.replacement.pricePerHour,
      labels: policy.scaleUp.nodeLabels,
      reason: `replaces ${cmd.nodes.map((c) => c.node.id).join(', ')}, saving $${cmd.savings.toFixed(4)}/hour`,
      forTasks: cmd.leftovers.map((t) => t.id),
    });
  }
}
