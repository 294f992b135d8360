import type { Bin, PlacementTask } from './bin';
import { firstRejection } from './filters';
import type { GroupTally } from './group-tally';
import { kubeBalancedAllocation, kubeLeastAllocated, kubeNodesToFind, kubeNormalizeSpread, kubeTopologySpreadRaw } from './kube-scoring';
import { NOMAD_MAX_SKIP, NOMAD_SKIP_SCORE_THRESHOLD, nomadAntiAffinityPenalty, nomadFinalScore, nomadFitBinPack, nomadLimit } from './nomad-scoring';

/**
 * How a peer picks one node for one copy when it does not score every feasible node
 * the same way (a sample, a normalisation across the nodes scored, random ties). One
 * selection lives for one pack call: the peers keep state from copy to copy within a
 * scheduling round (Nomad's iterator offset, kube-scheduler's next start index).
 */
export interface PeerSelection {
  /** Index into `bins` of the chosen node, or -1 when none it looked at is feasible. */
  choose(task: PlacementTask, bins: readonly Bin[]): number;
}

export interface PeerContext {
  /** Seeded: a plan stays a function of its inputs, and a replay replays. */
  readonly random: () => number;
  /** Copies of each task group per node and zone, including those placed in this pack. */
  readonly groups: GroupTally;
}

export type PeerSelector = (ctx: PeerContext) => PeerSelection;

function feasible(bin: Bin, task: PlacementTask): boolean {
  return firstRejection(bin, task) === null;
}

/**
 * kube-scheduler with its default profile (schedule_one.go, default plugins): filter
 * from a start index that rotates over the node list until numFeasibleNodesToFind
 * nodes pass; score each as NodeResourcesFit LeastAllocated (weight 1) +
 * NodeResourcesBalancedAllocation (weight 1) + PodTopologySpread's system default
 * constraints (weight 2, normalised over the nodes scored); pick the highest score,
 * ties uniformly at random (selectHost's reservoir sampling). The start index begins
 * at a seeded random node per round rather than persisting across rounds, since a
 * pass has no memory of the previous one.
 */
export const kubeDefaultSelector: PeerSelector = ({ random, groups }) => {
  let nextStart = -1;
  return {
    choose(task, bins) {
      const n = bins.length;
      if (n === 0) return -1;
      if (nextStart < 0) nextStart = Math.floor(random() * n);
      const want = kubeNodesToFind(n);
      const found: number[] = [];
      let processed = 0;
      for (; processed < n && found.length < want; processed++) {
        const b = (nextStart + processed) % n;
        if (feasible(bins[b], task)) found.push(b);
      }
      nextStart = (nextStart + processed) % n;
      if (found.length === 0) return -1;

      const group = task.group;
      let spread: number[] | undefined;
      if (group !== undefined) {
        const zones = new Set(found.map((b) => bins[b].zone));
        const raw = found.map((b) => kubeTopologySpreadRaw(groups.onNode(bins[b].id, group), found.length, groups.inZone(bins[b].zone, group), zones.size));
        spread = kubeNormalizeSpread(raw);
      }
      let best = -1;
      let bestScore = -Infinity;
      let ties = 0;
      found.forEach((b, i) => {
        const bin = bins[b];
        const score = kubeLeastAllocated(bin, task.resources) + kubeBalancedAllocation(bin, task.resources) + 2 * (spread ? spread[i] : 0);
        if (score > bestScore) {
          bestScore = score;
          best = b;
          ties = 1;
        } else if (score === bestScore) {
          ties++;
          if (Math.floor(random() * ties) === 0) best = b;
        }
      });
      return best;
    },
  };
};

/**
 * Nomad's generic stack (scheduler/stack.go, rank.go, select.go): the nodes shuffled
 * once per evaluation; each placement continues the walk where the previous one
 * stopped, scores feasible nodes as ScoreFitBinPack ÷ 18 averaged with job
 * anti-affinity's penalty, puts aside up to 3 options scoring below 0, stops after
 * `limit` options (max(2, ⌈log2 n⌉) for services) and keeps the best (the first of
 * equals). Jobs here are services, so the service limit applies.
 */
export const nomadSelector: PeerSelector = ({ random, groups }) => {
  const order: number[] = [];
  let offset = 0;
  const extend = (n: number) => {
    if (order.length === 0 && n > 0) {
      for (let i = 0; i < n; i++) order.push(i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      return;
    }
    // Nodes opened during this round (scale-up's imagined ones) join the end of the walk.
    for (let i = order.length; i < n; i++) order.push(i);
  };
  return {
    choose(task, bins) {
      const n = bins.length;
      extend(n);
      if (n === 0) return -1;
      const limit = nomadLimit(n, false);
      const options: Array<{ b: number; score: number }> = [];
      const skipped: Array<{ b: number; score: number }> = [];
      for (let seen = 0; seen < n && options.length < limit; seen++) {
        const b = order[offset];
        offset = (offset + 1) % n;
        const bin = bins[b];
        if (!feasible(bin, task)) continue;
        const collisions = task.group === undefined ? 0 : groups.onNode(bin.id, task.group);
        const score = nomadFinalScore(nomadFitBinPack(bin, task.resources), nomadAntiAffinityPenalty(collisions, task.groupSize ?? 1));
        if (score < NOMAD_SKIP_SCORE_THRESHOLD && skipped.length < NOMAD_MAX_SKIP) skipped.push({ b, score });
        else options.push({ b, score });
      }
      // The source ran dry before the limit: the options put aside are offered after all.
      for (const s of skipped) if (options.length < limit) options.push(s);
      let best = -1;
      let bestScore = -Infinity;
      for (const o of options) {
        if (o.score > bestScore) {
          bestScore = o.score;
          best = o.b;
        }
      }
      return best;
    },
  };
};
