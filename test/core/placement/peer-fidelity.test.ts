/**
 * The peers' own test cases, run through our scorers. Inputs and expected outputs are
 * transcribed from the peers' test tables (numbers are facts; each case names its file
 * and test). Exact scores where the scale is the same; the same node order otherwise.
 *
 * Units: kube-scheduler's tests give CPU in cores or millicores and memory in bytes, Nomad's
 * in MHz and MB. Every score below depends only on the ratios requested ÷ capacity, so the
 * numbers are used as they stand, CPU as millicores and memory as MiB.
 */
import type { Bin } from '../../../core/placement/bin';
import { GroupTally } from '../../../core/placement/group-tally';
import { kubeBalancedAllocation, kubeLeastAllocated, kubeMostAllocated } from '../../../core/placement/kube-scoring';
import { nomadAntiAffinityPenalty, nomadFinalScore, nomadFitBinPack } from '../../../core/placement/nomad-scoring';
import { firstRejection } from '../../../core/placement/filters';
import { ecsBinpackMemoryScore, EQUAL_WEIGHTS } from '../../../core/placement/scorers';
import type { Resources } from '../../../core/resources';
import { bin, ptask, res } from '../fixtures';

/** A node of `capacity` already holding `existing` (the sum of the pods scheduled on it). */
function node(id: string, capacity: Resources, existing: Resources = res(0, 0)): Bin {
  return bin(id, capacity, res(capacity.cpu - existing.cpu, capacity.memoryMiB - existing.memoryMiB));
}

interface KubeCase {
  readonly test: string;
  readonly pod: Resources;
  readonly nodes: Array<{ capacity: Resources; existing?: Resources }>;
  readonly expected: number[];
}

function runKube(file: string, table: string, score: (b: Bin, r: Resources) => number, cases: KubeCase[]): void {
  describe(`${file} ${table}`, () => {
    it.each(cases)('$test', ({ pod, nodes, expected }) => {
      const got = nodes.map((n, i) => score(node(`node${i + 1}`, n.capacity, n.existing), pod));
      expect(got).toEqual(expected);
    });
  });
}

const NOTHING = res(0, 0);
// The pods kube-scheduler's tables build: "cpuAndMemory" is 1000m+2000 and 2000m+3000; "cpuOnly" 1000m+0 and 2000m+0.
const CPU_AND_MEMORY = res(3000, 5000);
const CPU_ONLY = res(3000, 0);

describe('kube-scheduler scorers against kube-scheduler tests', () => {
  runKube('pkg/scheduler/framework/plugins/noderesources/least_allocated_test.go', 'TestLeastAllocatedScoringStrategy', kubeLeastAllocated, [
    { test: 'nothing scheduled, nothing requested', pod: NOTHING, nodes: [{ capacity: res(4000, 10000) }, { capacity: res(4000, 10000) }], expected: [100, 100] },
    {
      test: 'nothing scheduled, resources requested, differently sized nodes',
      pod: CPU_AND_MEMORY,
      nodes: [{ capacity: res(4000, 10000) }, { capacity: res(6000, 10000) }],
      expected: [37, 50],
    },
    {
      test: 'no resources requested, pods scheduled with resources',
      pod: NOTHING,
      nodes: [
        { capacity: res(10000, 20000), existing: res(6000, 0) },
        { capacity: res(10000, 20000), existing: res(6000, 5000) },
      ],
      expected: [70, 57],
    },
    {
      test: 'resources requested, pods scheduled with resources',
      pod: CPU_AND_MEMORY,
      nodes: [
        { capacity: res(10000, 20000), existing: res(3000, 0) },
        { capacity: res(10000, 20000), existing: res(3000, 5000) },
      ],
      expected: [57, 45],
    },
    {
      test: 'resources requested, pods scheduled with resources, differently sized nodes',
      pod: CPU_AND_MEMORY,
      nodes: [
        { capacity: res(10000, 20000), existing: res(3000, 0) },
        { capacity: res(10000, 50000), existing: res(3000, 5000) },
      ],
      expected: [57, 60],
    },
    {
      test: 'requested resources exceed node capacity',
      pod: CPU_ONLY,
      nodes: [
        { capacity: res(4000, 10000), existing: res(3000, 0) },
        { capacity: res(4000, 10000), existing: res(3000, 5000) },
      ],
      expected: [50, 25],
    },
  ]);

  runKube('pkg/scheduler/framework/plugins/noderesources/most_allocated_test.go', 'TestMostAllocatedScoringStrategy', kubeMostAllocated, [
    { test: 'nothing scheduled, nothing requested', pod: NOTHING, nodes: [{ capacity: res(4000, 10000) }, { capacity: res(4000, 10000) }], expected: [0, 0] },
    {
      test: 'nothing scheduled, resources requested, differently sized nodes',
      pod: CPU_AND_MEMORY,
      nodes: [{ capacity: res(4000, 10000) }, { capacity: res(6000, 10000) }],
      expected: [62, 50],
    },
    {
      test: 'no resources requested, pods scheduled with resources',
      pod: NOTHING,
      nodes: [
        { capacity: res(10000, 20000), existing: res(6000, 0) },
        { capacity: res(10000, 20000), existing: res(6000, 5000) },
      ],
      expected: [30, 42],
    },
    {
      test: 'resources requested, pods scheduled with resources',
      pod: CPU_AND_MEMORY,
      nodes: [
        { capacity: res(10000, 20000), existing: res(3000, 0) },
        { capacity: res(10000, 20000), existing: res(3000, 5000) },
      ],
      expected: [42, 55],
    },
    {
      test: 'resources requested equal node capacity',
      pod: res(5000, 9000),
      nodes: [{ capacity: res(5000, 10000) }, { capacity: res(10000, 9000) }],
      expected: [95, 75],
    },
  ]);

  runKube('pkg/scheduler/framework/plugins/noderesources/balanced_allocation_test.go', 'TestNodeResourcesBalancedAllocation', kubeBalancedAllocation, [
    {
      test: 'nothing scheduled, resources requested, differently sized nodes',
      pod: CPU_AND_MEMORY,
      nodes: [{ capacity: res(4000, 10000) }, { capacity: res(6000, 10000) }],
      expected: [87, 100],
    },
    {
      test: 'resources requested, pods scheduled with resources',
      pod: CPU_AND_MEMORY,
      nodes: [
        { capacity: res(10000, 20000), existing: CPU_ONLY },
        { capacity: res(10000, 20000), existing: CPU_AND_MEMORY },
      ],
      expected: [82, 95],
    },
    {
      test: 'resources requested, pods scheduled with resources, differently sized nodes',
      pod: CPU_AND_MEMORY,
      nodes: [
        { capacity: res(10000, 20000), existing: CPU_ONLY },
        { capacity: res(10000, 50000), existing: CPU_AND_MEMORY },
      ],
      expected: [82, 80],
    },
    {
      test: 'requested resources at node capacity',
      pod: CPU_ONLY,
      nodes: [
        { capacity: res(6000, 10000), existing: CPU_ONLY },
        { capacity: res(6000, 10000), existing: CPU_AND_MEMORY },
      ],
      expected: [50, 75],
    },
  ]);
});

describe('Nomad scorers against Nomad tests', () => {
  describe('nomad/structs/funcs_test.go TestScoreFitBinPack', () => {
    // Node: 4096 MHz / 8192 MB with 2048 / 4096 reserved, so 2048 / 4096 to allocate.
    const available = res(2048, 4096);
    it.each([
      { name: 'almost filled node, but with just enough hole', util: res(2048, 4096), binPackScore: 18 },
      { name: 'unutilized node', util: res(0, 0), binPackScore: 0 },
      { name: 'mid-case scnario', util: res(1024, 2048), binPackScore: 13.675 },
    ])('$name', ({ util, binPackScore }) => {
      expect(nomadFitBinPack(node('n', available), util)).toBeCloseTo(binPackScore, 3);
    });
  });

  describe('scheduler/rank_test.go', () => {
    const feasibleRanked = (nodes: Bin[], req: Resources) =>
      nodes
        .filter((n) => firstRejection(n, ptask('t', req)) === null)
        .map((n) => ({ id: n.id, final: nomadFinalScore(nomadFitBinPack(n, req), undefined) }));

    it('TestBinPackIterator_NoExistingAlloc: the perfect fit scores 1.0, the 50 % fit within [0.50, 0.60], the overloaded node is infeasible', () => {
      // Capacities are resources minus reserved: 2048−1024, 1024−512, 4096−1024.
      const nodes = [node('perfect', res(1024, 1024)), node('overloaded', res(512, 512)), node('half', res(3072, 3072))];
      const out = feasibleRanked(nodes, res(1024, 1024));
      expect(out.map((o) => o.id)).toEqual(['perfect', 'half']);
      expect(out[0].final).toBe(1.0);
      expect(out[1].final).toBeGreaterThanOrEqual(0.5);
      expect(out[1].final).toBeLessThanOrEqual(0.6);
    });

    it('TestBinPackIterator_NoExistingAlloc_MixedReserve: no-reserved > reserved > reserved2, overloaded infeasible', () => {
      const nodes = [node('no-reserved', res(1100, 1100)), node('reserved', res(2000 - 800, 2000 - 800)), node('reserved2', res(2000 - 500, 2000 - 500)), node('overloaded', res(900, 900))];
      const out = feasibleRanked(nodes, res(1000, 1000)).sort((a, b) => b.final - a.final);
      expect(out.map((o) => o.id)).toEqual(['no-reserved', 'reserved', 'reserved2']);
    });

    it('TestJobAntiAffinity_PlannedAlloc: two planned copies of a count-4 group score −0.75; a node without one gets no penalty (final 0)', () => {
      const tally = new GroupTally();
      const n1 = node('n1', res(4000, 4000));
      tally.record(n1, 'foo');
      tally.record(n1, 'foo');
      expect(nomadAntiAffinityPenalty(tally.onNode('n1', 'foo'), 4)).toBe(-0.75);
      expect(nomadAntiAffinityPenalty(tally.onNode('n2', 'foo'), 4)).toBeUndefined();
    });
  });
});

describe('Amazon ECS binpack on memory against the ECS documentation', () => {
  // "Amazon ECS task placement strategies": binpack places tasks "on the container instance
  // with the least available amount of the specified resource" — MiB left, not a share.
  it('picks the instance with the fewest MiB left even when its share left is larger', () => {
    const small = node('small', res(2000, 8192), res(0, 4096)); // 4096 MiB left, 50 %
    const large = node('large', res(8000, 65536), res(0, 60416)); // 5120 MiB left, under 8 %
    const req = res(500, 1024);
    expect(ecsBinpackMemoryScore(small, req, EQUAL_WEIGHTS)).toBe(-3072);
    expect(ecsBinpackMemoryScore(large, req, EQUAL_WEIGHTS)).toBe(-4096);
    expect(ecsBinpackMemoryScore(small, req, EQUAL_WEIGHTS)).toBeGreaterThan(ecsBinpackMemoryScore(large, req, EQUAL_WEIGHTS));
  });
});
