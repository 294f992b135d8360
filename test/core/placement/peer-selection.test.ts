import type { Bin, PlacementTask } from '../../../core/placement/bin';
import { GroupTally } from '../../../core/placement/group-tally';
import { kubeNodesToFind, kubeNormalizeSpread, kubeTopologySpreadRaw } from '../../../core/placement/kube-scoring';
import { nomadLimit } from '../../../core/placement/nomad-scoring';
import { packTasks } from '../../../core/placement/packer';
import { kubeDefaultSelector, nomadSelector } from '../../../core/placement/peer-selection';
import { STRATEGIES } from '../../../core/placement/strategies';
import { seededRandom } from '../../../core/random';
import { bin, ptask, res } from '../fixtures';

const CAP = res(8000, 32768);

function fleet(n: number, free = CAP): Bin[] {
  return Array.from({ length: n }, (_, i) => bin(`n${String(i).padStart(3, '0')}`, CAP, free, { rank: i, zone: ['a', 'b', 'c'][i % 3] }));
}

function grouped(id: string, group: string, size: number, req = res(1000, 4096)): PlacementTask {
  return { ...ptask(id, req), jobId: group, group, groupSize: size };
}

describe('nomadSelector', () => {
  it('scores only max(2, ⌈log2 n⌉) feasible nodes, so it can miss the best fit a full scan finds', () => {
    expect(nomadLimit(64, false)).toBe(6);
    expect(nomadLimit(3, false)).toBe(2);
    expect(nomadLimit(1000, true)).toBe(2);
    let missed = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const bins = fleet(64);
      bins[37] = { ...bins[37], freeCpu: 1000, freeMemoryMiB: 4096 }; // the perfect fit
      const pick = nomadSelector({ random: seededRandom(seed), groups: new GroupTally() }).choose(ptask('t', res(1000, 4096)), bins);
      if (pick !== 37) missed++;
    }
    // 6 of 64 nodes scored: the perfect fit is in the sample about 6/64 of the time.
    expect(missed).toBeGreaterThan(30);
    const full = packTasks([ptask('t', res(1000, 4096))], (() => {
      const bins = fleet(64);
      bins[37] = { ...bins[37], freeCpu: 1000, freeMemoryMiB: 4096 };
      return bins;
    })(), { strategy: STRATEGIES['nomad-fullscan'] });
    expect(full.placements[0].binId).toBe('n037');
  });

  it('avoids a node that already holds a copy of the group (job anti-affinity)', () => {
    const groups = new GroupTally();
    const bins = fleet(2);
    groups.record(bins[0], 'web');
    for (let seed = 1; seed <= 10; seed++) {
      const pick = nomadSelector({ random: seededRandom(seed), groups }).choose(grouped('t', 'web', 3), bins);
      expect(bins[pick].id).toBe('n001');
    }
  });

  it('continues its walk from copy to copy instead of restarting', () => {
    const bins = fleet(16);
    const sel = nomadSelector({ random: seededRandom(3), groups: new GroupTally() });
    const picks = new Set<number>();
    for (let i = 0; i < 8; i++) picks.add(sel.choose(ptask(`t${i}`, res(10, 10)), bins));
    // Equal empty nodes: each pick is the first of its own window of 4, so picks differ.
    expect(picks.size).toBe(4);
  });
});

describe('kubeDefaultSelector', () => {
  it('breaks ties at random, reproducibly from the seed', () => {
    const pickWith = (seed: number) => kubeDefaultSelector({ random: seededRandom(seed), groups: new GroupTally() }).choose(ptask('t', res(1000, 4096)), fleet(10));
    const picks = new Set(Array.from({ length: 20 }, (_, s) => pickWith(s + 1)));
    expect(picks.size).toBeGreaterThan(3);
    expect(pickWith(7)).toBe(pickWith(7));
  });

  it('adds BalancedAllocation: of two nodes LeastAllocated ties, it takes the one the pod leaves balanced', () => {
    // Pod 2000m / 2048 MiB on 4000m / 8192 MiB nodes.
    // a holds 1000m: least (25 + 75) / 2 = 50; balanced 1 − |0.75 − 0.25| / 2 → 75; total 125.
    // b holds 2048 MiB: least (50 + 50) / 2 = 50; balanced 100; total 150.
    const a = bin('a', res(4000, 8192), res(3000, 8192));
    const b = bin('b', res(4000, 8192), res(4000, 6144), { rank: 1 });
    for (let seed = 1; seed <= 5; seed++) {
      expect(kubeDefaultSelector({ random: seededRandom(seed), groups: new GroupTally() }).choose(ptask('t', res(2000, 2048)), [a, b])).toBe(1);
    }
  });

  it('spreads a group over nodes with the default topology spread (weight 2)', () => {
    const groups = new GroupTally();
    const bins = fleet(3);
    groups.record(bins[0], 'web');
    groups.record(bins[1], 'web');
    const pick = kubeDefaultSelector({ random: seededRandom(1), groups }).choose(grouped('t', 'web', 3), bins);
    expect(pick).toBe(2);
  });

  it('normalises topology spread as PodTopologySpread does: the fewest copies score 100', () => {
    const raw = [kubeTopologySpreadRaw(0, 3, 0, 3), kubeTopologySpreadRaw(2, 3, 2, 3)];
    expect(raw[0]).toBe(2 + 4);
    expect(kubeNormalizeSpread(raw)[0]).toBe(100);
    expect(kubeNormalizeSpread(raw)[1]).toBeLessThan(100);
    expect(kubeNormalizeSpread([0, 0])).toEqual([100, 100]);
  });

  it('looks for an adaptive share of nodes on large fleets (numFeasibleNodesToFind)', () => {
    expect(kubeNodesToFind(50)).toBe(50);
    expect(kubeNodesToFind(500)).toBe(230); // 50 − 500/125 = 46 %
    expect(kubeNodesToFind(5000)).toBe(500); // 50 − 40 = 10 %
    expect(kubeNodesToFind(200)).toBe(100); // 49 % of 200 = 98, at least 100
  });
});

describe('packTasks with a peer strategy', () => {
  it.each(['spread', 'nomad-binpack'] as const)('%s: one input gives one plan', (name) => {
    const tasks = Array.from({ length: 30 }, (_, i) => grouped(`t${i}`, `g${i % 4}`, 8, res(500 + 100 * (i % 5), 2048)));
    const a = packTasks(tasks, fleet(12), { strategy: STRATEGIES[name] });
    const b = packTasks(tasks, fleet(12), { strategy: STRATEGIES[name] });
    expect(a.placements).toEqual(b.placements);
    expect(a.placements).toHaveLength(30);
  });
});
