import type { Resources } from '../resources';
import type { Bin } from './bin';

/**
 * kube-scheduler's resource scorers as its default profile runs them, on the integer
 * scale [0, 100] (MaxNodeScore) with Go's integer division: each resource's score is
 * truncated, then the weighted mean (weights 1, 1) is truncated again. "Requested" is
 * what the node holds plus this pod, as NodeResourcesFit computes it.
 * Sources: pkg/scheduler/framework/plugins/noderesources/least_allocated.go,
 * most_allocated.go, balanced_allocation.go (kubernetes/kubernetes).
 */
export const MAX_NODE_SCORE = 100;

/** What the node would hold with this pod, per resource. */
function requested(bin: Bin, req: Resources): { cpu: number; memoryMiB: number } {
  return { cpu: bin.capacity.cpu - bin.freeCpu + req.cpu, memoryMiB: bin.capacity.memoryMiB - bin.freeMemoryMiB + req.memoryMiB };
}

/** ((capacity − requested) × 100) / capacity, 0 when requested exceeds capacity. */
function leastRequested(req: number, cap: number): number {
  if (cap <= 0 || req > cap) return 0;
  return Math.floor(((cap - req) * MAX_NODE_SCORE) / cap);
}

/** (requested × 100) / capacity, requested capped at capacity. */
function mostRequested(req: number, cap: number): number {
  if (cap <= 0) return 0;
  return Math.floor((Math.min(req, cap) * MAX_NODE_SCORE) / cap);
}

/** NodeResourcesFit, scoring strategy LeastAllocated (the default). Integer in [0, 100]. */
export function kubeLeastAllocated(bin: Bin, req: Resources): number {
  const r = requested(bin, req);
  return Math.floor((leastRequested(r.cpu, bin.capacity.cpu) + leastRequested(r.memoryMiB, bin.capacity.memoryMiB)) / 2);
}

/** NodeResourcesFit, scoring strategy MostAllocated. Integer in [0, 100]. */
export function kubeMostAllocated(bin: Bin, req: Resources): number {
  const r = requested(bin, req);
  return Math.floor((mostRequested(r.cpu, bin.capacity.cpu) + mostRequested(r.memoryMiB, bin.capacity.memoryMiB)) / 2);
}

/**
 * NodeResourcesBalancedAllocation: (1 − std of the requested fractions) × 100,
 * truncated; each fraction capped at 1. With two resources the standard deviation is
 * |f_cpu − f_mem| / 2. Integer in [50, 100] for two resources.
 */
export function kubeBalancedAllocation(bin: Bin, req: Resources): number {
  const r = requested(bin, req);
  const fc = Math.min(1, r.cpu / bin.capacity.cpu);
  const fm = Math.min(1, r.memoryMiB / bin.capacity.memoryMiB);
  const std = Math.abs(fc - fm) / 2;
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/**
 * The cluster-level default constraints of PodTopologySpread (both ScheduleAnyway, so
 * scoring only): maxSkew 3 over hostnames and maxSkew 5 over zones.
 * Source: pkg/scheduler/framework/plugins/podtopologyspread/plugin.go (systemDefaultConstraints).
 */
export const DEFAULT_SPREAD = { hostMaxSkew: 3, zoneMaxSkew: 5 } as const;

/**
 * PodTopologySpread's raw score for one node (lower is better before normalising):
 * Σ over constraints of count × ln(domains + 2) + (maxSkew − 1), truncated.
 * Source: podtopologyspread/scoring.go (Score, scoreForCount, topologyNormalizingWeight).
 */
export function kubeTopologySpreadRaw(hostCount: number, hostDomains: number, zoneCount: number, zoneDomains: number): number {
  const host = hostCount * Math.log(hostDomains + 2) + (DEFAULT_SPREAD.hostMaxSkew - 1);
  const zone = zoneCount * Math.log(zoneDomains + 2) + (DEFAULT_SPREAD.zoneMaxSkew - 1);
  return Math.trunc(host + zone);
}

/**
 * PodTopologySpread's NormalizeScore: 100 × (max + min − s) / max, integer; all 100
 * when every raw score is 0. Higher is better afterwards.
 */
export function kubeNormalizeSpread(raw: readonly number[]): number[] {
  let min = Infinity;
  let max = 0;
  for (const s of raw) {
    min = Math.min(min, s);
    max = Math.max(max, s);
  }
  return raw.map((s) => (max === 0 ? MAX_NODE_SCORE : Math.trunc((MAX_NODE_SCORE * (max + min - s)) / max)));
}

/**
 * How many feasible nodes kube-scheduler looks for before it stops filtering
 * (percentageOfNodesToScore unset: adaptive, 50 % − 1 % per 125 nodes, at least 5 %,
 * at least 100 nodes). Source: pkg/scheduler/schedule_one.go (numFeasibleNodesToFind).
 */
export function kubeNodesToFind(allNodes: number): number {
  const minFeasible = 100;
  if (allNodes < minFeasible) return allNodes;
  const pct = Math.max(5, 50 - Math.trunc(allNodes / 125));
  return Math.max(minFeasible, Math.trunc((allNodes * pct) / 100));
}
