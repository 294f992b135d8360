import { compareStrings } from '../compare';
import { GONE } from '../model';
import { lastFleetChange, type ConsolidationInput } from './consolidation';
import { executeCommand, longestPrefix, simulateCommand, type Candidate, type Command } from './consolidate-multi';

/** Karpenter's multi-node consolidation considers at most this many candidates at once. */
const MULTI_NODE_MAX = 100;

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

  const command = longestPrefix(candidates.slice(0, Math.min(MULTI_NODE_MAX, budget)), input) ?? singleNode(candidates, input);
  // A replacement keeps the fleet's size up by one: only what the command removes net counts against minNodes.
  if (command && fleet - command.nodes.length + (command.replacement ? 1 : 0) >= c.minNodes) executeCommand(command, input);
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

function singleNode(candidates: Candidate[], input: ConsolidationInput): Command | undefined {
  for (const c of candidates) {
    const cmd = simulateCommand([c], input);
    if (cmd) return cmd;
  }
  return undefined;
}
