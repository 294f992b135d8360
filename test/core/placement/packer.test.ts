import fc from 'fast-check';
import type { Constraints, NodeState } from '../../../core/model';
import type { Bin, PlacementTask } from '../../../core/placement/bin';
import { firstRejection } from '../../../core/placement/filters';
import { packTasks, type PackOptions, type PackResult } from '../../../core/placement/packer';
import { spreadScore, type ResourceWeights } from '../../../core/placement/scorers';
import { recordCopy, type SpreadRule } from '../../../core/placement/spread';
import { STRATEGIES, STRATEGY_NAMES, type Strategy } from '../../../core/placement/strategies';
import { bin, ptask, res } from '../fixtures';

/**
 * The obvious O(tasks × bins) packer the heap-based one claims to equal: for each
 * task in order, scan every bin, keep the feasible one with the highest spread term
 * (spread jobs only), then the highest score, ties to the lower rank; if none, ask
 * openBin.
 */
function referencePack(tasks: readonly PlacementTask[], bins: Bin[], options: PackOptions): PackResult {
  const weights = options.weights ?? { cpu: 0.5, memory: 0.5 };
  const placements: PackResult['placements'] = [];
  const unplaced = new Map<string, string>();
  tasks.forEach((task, index) => {
    let best: Bin | undefined;
    let bestScore = -Infinity;
    let bestSpread = -Infinity;
    for (const b of bins) {
      if (firstRejection(b, task) !== null) continue;
      const sp = task.spread ? spreadScore(b, task.spread) : 0;
      const s = options.strategy.score(b, task.resources, weights);
      if (best === undefined || sp > bestSpread || (sp === bestSpread && (s > bestScore || (s === bestScore && b.rank < best.rank)))) {
        best = b;
        bestScore = s;
        bestSpread = sp;
      }
    }
    if (!best) {
      const opened = options.openBin?.(tasks, index);
      if (opened && firstRejection(opened, task) === null) {
        bins.push(opened);
        best = opened;
      }
    }
    if (!best) {
      unplaced.set(task.id, 'unplaced');
      return;
    }
    best.freeCpu -= task.resources.cpu;
    best.freeMemoryMiB -= task.resources.memoryMiB;
    if (task.spread) recordCopy(task.spread, best);
    placements.push({ taskId: task.id, binId: best.id });
  });
  return { placements, unplaced };
}

// Few shapes and few constraint sets, so tasks fall into runs of interchangeable copies
// (the case the heap optimises) as well as alternating ones.
const SHAPES = [res(250, 512), res(500, 1024), res(1000, 512), res(1000, 4096), res(2000, 2048), res(300, 6000)];
const CONSTRAINTS: Constraints[] = [
  {},
  {},
  {},
  { zones: ['us-east-1a'] },
  { instanceTypes: ['c5.xlarge', 'm5.xlarge'] },
  { nodeLabels: { disk: 'ssd' } },
  { zones: ['us-east-1b'], nodeLabels: { disk: 'ssd' } },
];
const TYPES = ['m5.xlarge', 'c5.xlarge', 'r5.large'];
const ZONES = ['us-east-1a', 'us-east-1b'];
const STATES: NodeState[] = ['ACTIVE', 'ACTIVE', 'ACTIVE', 'LAUNCHING', 'DRAINING', 'LOST'];

const SPREADS = [undefined, undefined, undefined, 'node', 'zone'] as const;
const taskArb = fc.record({
  shape: fc.nat(SHAPES.length - 1),
  constraint: fc.nat(CONSTRAINTS.length - 1),
  repeat: fc.integer({ min: 1, max: 6 }),
  // A group with spread is one job's copies, allowed this many per node or zone.
  spread: fc.nat(SPREADS.length - 1),
  max: fc.integer({ min: 1, max: 3 }),
  // Some groups are the same job as the group before: its copies interleave with others'.
  sameJob: fc.boolean(),
});
const binArb = fc.record({
  cap: fc.constantFrom(res(4000, 16384), res(4000, 8192), res(2000, 16384), res(8000, 8192)),
  usedShare: fc.double({ min: 0, max: 1, noNaN: true }),
  type: fc.nat(TYPES.length - 1),
  zone: fc.nat(ZONES.length - 1),
  ssd: fc.boolean(),
  state: fc.nat(STATES.length - 1),
});
const inputArb = fc.record({
  tasks: fc.array(taskArb, { maxLength: 25 }),
  bins: fc.array(binArb, { maxLength: 12 }),
  rankSeed: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 12, maxLength: 12 }),
  weight: fc.double({ min: 0, max: 1, noNaN: true }),
  openLimit: fc.integer({ min: -1, max: 4 }), // -1: no openBin at all
  openCap: fc.constantFrom(res(4000, 16384), res(1000, 1024)),
});
type Input = typeof inputArb extends fc.Arbitrary<infer T> ? T : never;

/** Fresh tasks each call: spread rules carry counts the pack updates. */
function buildTasks(input: Input): PlacementTask[] {
  const tasks: PlacementTask[] = [];
  const rules = new Map<string, SpreadRule>();
  let job = 0;
  input.tasks.forEach((t, g) => {
    if (!(t.sameJob && g > 0)) job = g;
    const scope = SPREADS[t.spread];
    for (let i = 0; i < t.repeat; i++) {
      const base = ptask(`t${tasks.length}`, SHAPES[t.shape], CONSTRAINTS[t.constraint], tasks.length);
      if (!scope) {
        tasks.push(base);
        continue;
      }
      const jobId = `job${job}`;
      // One job keeps one rule, whichever group first named it.
      if (!rules.has(jobId)) rules.set(jobId, { jobId, scope, max: t.max, counts: new Map() });
      tasks.push({ ...base, jobId, spread: rules.get(jobId)! });
    }
  });
  return tasks;
}

function build(input: Input): { tasks: PlacementTask[]; bins: () => Bin[]; weights: ResourceWeights; openBin: () => PackOptions['openBin'] } {
  const tasks = buildTasks(input);
  // Distinct ranks in an order unrelated to the array index, so rank, not position, breaks ties.
  const ranks = input.bins.map((_, i) => input.rankSeed[i] * 100 + i);
  const bins = (): Bin[] =>
    input.bins.map((b, i) => {
      const used = Math.floor(b.usedShare * 4) / 4; // quarter steps make exact ties common
      return bin(`b${i}`, b.cap, res(Math.round(b.cap.cpu * (1 - used)), Math.round(b.cap.memoryMiB * (1 - used))), {
        instanceType: TYPES[b.type],
        zone: ZONES[b.zone],
        labels: b.ssd ? { disk: 'ssd' } : {},
        state: STATES[b.state],
        rank: ranks[i],
      });
    });
  const openBin = (): PackOptions['openBin'] => {
    if (input.openLimit < 0) return undefined;
    let opened = 0;
    return () => {
      if (opened >= input.openLimit) return undefined;
      opened++;
      return bin(`new${opened}`, input.openCap, input.openCap, { instanceType: 'm5.xlarge', zone: 'us-east-1a', labels: {}, state: 'LAUNCHING', rank: 1_000_000 + opened });
    };
  };
  return { tasks, bins, weights: { cpu: input.weight, memory: 1 - input.weight }, openBin };
}

function run(packer: typeof packTasks, input: Input, strategy: Strategy) {
  const { bins, weights, openBin } = build(input);
  const tasks = buildTasks(input);
  const b = bins();
  const result = packer(tasks, b, { strategy, weights, openBin: openBin() });
  return { result, bins: b };
}

describe('packTasks', () => {
  // The peers' strategies choose from a sample or normalise over it (peer-packer.ts): no heap to check.
  it.each(STRATEGY_NAMES.filter((n) => !STRATEGIES[n].peer))('places every task exactly where a full rescan would (strategy %s)', (name) => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const heap = run(packTasks, input, STRATEGIES[name]);
        const ref = run(referencePack, input, STRATEGIES[name]);
        expect(heap.result.placements).toEqual(ref.result.placements);
        expect([...heap.result.unplaced.keys()]).toEqual([...ref.result.unplaced.keys()]);
        expect(heap.bins.map((b) => [b.id, b.freeCpu, b.freeMemoryMiB])).toEqual(ref.bins.map((b) => [b.id, b.freeCpu, b.freeMemoryMiB]));
      }),
      { seed: 20261101, numRuns: 150 },
    );
  });

  it('never takes a bin over capacity and places only where every filter passes', () => {
    fc.assert(
      fc.property(inputArb, fc.constantFrom(...STRATEGY_NAMES), (input, name) => {
        const { tasks, bins, weights, openBin } = build(input);
        const b = bins();
        const before = new Map(b.map((x) => [x.id, { ...x }]));
        const result = packTasks(tasks, b, { strategy: STRATEGIES[name], weights, openBin: openBin() });
        for (const x of b) {
          expect(x.freeCpu).toBeGreaterThanOrEqual(0);
          expect(x.freeMemoryMiB).toBeGreaterThanOrEqual(0);
        }
        // Replaying the placements against the starting bins passes every filter at every step.
        const replay = new Map([...before.entries()].map(([id, x]) => [id, { ...x }]));
        for (const x of b) if (!replay.has(x.id)) replay.set(x.id, { ...x, freeCpu: x.capacity.cpu, freeMemoryMiB: x.capacity.memoryMiB });
        // Fresh copies of the tasks: their spread counts start where the pack's did.
        const byId = new Map(buildTasks(input).map((t) => [t.id, t]));
        for (const p of result.placements) {
          const target = replay.get(p.binId)!;
          const t = byId.get(p.taskId)!;
          expect(firstRejection(target, t)).toBeNull();
          target.freeCpu -= t.resources.cpu;
          target.freeMemoryMiB -= t.resources.memoryMiB;
          if (t.spread) recordCopy(t.spread, target);
        }
        expect(result.placements.length + result.unplaced.size).toBe(tasks.length);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('calls openBin only when no existing bin can take the task', () => {
    fc.assert(
      fc.property(inputArb, fc.constantFrom(...STRATEGY_NAMES), (input, name) => {
        const { tasks, bins, weights } = build(input);
        const b = bins();
        let calls = 0;
        packTasks(tasks, b, {
          strategy: STRATEGIES[name],
          weights,
          openBin: (ts, index) => {
            calls++;
            expect(b.filter((x) => firstRejection(x, ts[index]) === null).map((x) => x.id)).toEqual([]);
            return bin(`open${calls}`, res(4000, 16384), res(4000, 16384), { rank: 1_000_000 + calls, instanceType: 'm5.xlarge', zone: 'us-east-1a' });
          },
        });
      }),
      { seed: 43, numRuns: 200 },
    );
  });

  it('opens a bin when nothing fits and fills it before opening another', () => {
    const tasks = [ptask('a', res(3000, 1024)), ptask('b', res(3000, 1024)), ptask('c', res(1000, 1024))];
    const opened: Bin[] = [];
    const result = packTasks(tasks, [], {
      strategy: STRATEGIES['first-fit'],
      openBin: () => {
        const b = bin(`n${opened.length}`, res(4000, 16384), res(4000, 16384), { rank: opened.length });
        opened.push(b);
        return b;
      },
    });
    expect(result.placements).toEqual([
      { taskId: 'a', binId: 'n0' },
      { taskId: 'b', binId: 'n1' },
      { taskId: 'c', binId: 'n0' },
    ]);
    expect(opened).toHaveLength(2);
  });

  it('leaves a task unplaced, with the rejection counts, when nothing fits and no bin may open', () => {
    const bins = [bin('a', res(2000, 8192), res(100, 8192)), bin('b', res(2000, 8192), res(2000, 8192), { state: 'DRAINING' })];
    const result = packTasks([ptask('t', res(500, 512))], bins, { strategy: STRATEGIES.stowage });
    expect(result.placements).toEqual([]);
    expect(result.unplaced.get('t')).toBe('no node fits: insufficient-cpu ×1, node-not-accepting-work ×1');
  });

  it('discards an opened bin the task does not fit', () => {
    const result = packTasks([ptask('t', res(5000, 512))], [], { strategy: STRATEGIES.stowage, openBin: () => bin('small', res(2000, 8192)) });
    expect(result.placements).toEqual([]);
    expect(result.unplaced.has('t')).toBe(true);
  });

  it('with best-fit puts a copy on the fuller of two nodes, and spread on the emptier', () => {
    const mk = () => [bin('empty', res(4000, 16384), res(4000, 16384), { rank: 0 }), bin('half', res(4000, 16384), res(2000, 8192), { rank: 1 })];
    expect(packTasks([ptask('t', res(500, 512))], mk(), { strategy: STRATEGIES['best-fit'] }).placements[0].binId).toBe('half');
    expect(packTasks([ptask('t', res(500, 512))], mk(), { strategy: STRATEGIES.spread }).placements[0].binId).toBe('empty');
    expect(packTasks([ptask('t', res(500, 512))], mk(), { strategy: STRATEGIES['first-fit'] }).placements[0].binId).toBe('empty');
  });

  it('breaks equal scores by the lower rank, not by position in the array', () => {
    const bins = [bin('late', res(4000, 16384), res(4000, 16384), { rank: 5 }), bin('early', res(4000, 16384), res(4000, 16384), { rank: 2 })];
    expect(packTasks([ptask('t', res(500, 512))], bins, { strategy: STRATEGIES['best-fit'] }).placements).toEqual([{ taskId: 't', binId: 'early' }]);
  });

  it('treats tasks with equal constraints as one run even when lists are ordered differently', () => {
    // Same set of zones, written in a different order: both may only go to us-east-1b.
    const bins = [bin('a', res(4000, 16384), res(4000, 16384), { zone: 'us-east-1a', rank: 0 }), bin('b', res(4000, 16384), res(4000, 16384), { zone: 'us-east-1b', rank: 1 })];
    const tasks = [ptask('t1', res(500, 512), { zones: ['us-east-1b', 'us-east-1c'] }), ptask('t2', res(500, 512), { zones: ['us-east-1c', 'us-east-1b'] })];
    expect(packTasks(tasks, bins, { strategy: STRATEGIES['first-fit'] }).placements.map((p) => p.binId)).toEqual(['b', 'b']);
  });

  it('keeps apart tasks whose label constraints differ, however the values are spelled', () => {
    // A label value containing the key encoding's separators must not make two
    // different constraint sets look interchangeable.
    const bins = [
      bin('plain', res(4000, 16384), res(4000, 16384), { labels: { a: '1', b: '2' }, rank: 0 }),
      bin('odd', res(4000, 16384), res(4000, 16384), { labels: { a: '1,b=2' }, rank: 1 }),
    ];
    const tasks = [ptask('t1', res(500, 512), { nodeLabels: { a: '1', b: '2' } }), ptask('t2', res(500, 512), { nodeLabels: { a: '1,b=2' } })];
    const result = packTasks(tasks, bins, { strategy: STRATEGIES['first-fit'] });
    expect(result.placements).toEqual([
      { taskId: 't1', binId: 'plain' },
      { taskId: 't2', binId: 'odd' },
    ]);
  });

  describe('with spread', () => {
    const CAP = res(4000, 16384);
    const copies = (jobId: string, n: number, rule: SpreadRule | undefined, r = res(500, 512)) =>
      Array.from({ length: n }, (_, i): PlacementTask => ({ ...ptask(`${jobId}-${i}`, r, {}, i), jobId, ...(rule ? { spread: rule } : {}) }));
    const rule = (jobId: string, scope: 'node' | 'zone', max: number): SpreadRule => ({ jobId, scope, max, counts: new Map() });

    it('puts 3 replicas with spread node on 3 nodes, one each, where best-fit alone would stack them', () => {
      const mk = () => [bin('a', CAP, CAP, { rank: 0 }), bin('b', CAP, CAP, { rank: 1 }), bin('c', CAP, CAP, { rank: 2 })];
      const spread = packTasks(copies('web', 3, rule('web', 'node', 1)), mk(), { strategy: STRATEGIES.stowage });
      expect(spread.placements.map((p) => p.binId)).toEqual(['a', 'b', 'c']);
      const free = packTasks(copies('web', 3, undefined), mk(), { strategy: STRATEGIES.stowage });
      expect(free.placements.map((p) => p.binId)).toEqual(['a', 'a', 'a']);
    });

    it('evens copies out below the maximum: 4 replicas, at most 2 per node, on 3 nodes go 2-1-1', () => {
      const bins = [bin('a', CAP, CAP, { rank: 0 }), bin('b', CAP, CAP, { rank: 1 }), bin('c', CAP, CAP, { rank: 2 })];
      const r = rule('web', 'node', 2);
      const result = packTasks(copies('web', 4, r), bins, { strategy: STRATEGIES.stowage });
      expect(result.unplaced.size).toBe(0);
      expect([...r.counts.entries()].sort()).toEqual([['a', 2], ['b', 1], ['c', 1]]);
    });

    it('spreads over 2 zones, then fills within each zone as the strategy would', () => {
      const bins = [
        bin('a1', CAP, CAP, { zone: 'us-east-1a', rank: 0 }),
        bin('a2', CAP, CAP, { zone: 'us-east-1a', rank: 1 }),
        bin('b1', CAP, CAP, { zone: 'us-east-1b', rank: 2 }),
      ];
      const r = rule('web', 'zone', 2);
      const result = packTasks(copies('web', 4, r), bins, { strategy: STRATEGIES.stowage });
      expect(result.placements.map((p) => p.binId)).toEqual(['a1', 'b1', 'a1', 'b1']);
      expect([...r.counts.entries()].sort()).toEqual([['us-east-1a', 2], ['us-east-1b', 2]]);
    });

    it('leaves copies past the maximum waiting, with spread named in the reason', () => {
      const r = rule('web', 'node', 1);
      const result = packTasks(copies('web', 3, r), [bin('only', CAP)], { strategy: STRATEGIES.stowage });
      expect(result.placements).toEqual([{ taskId: 'web-0', binId: 'only' }]);
      expect(result.unplaced.get('web-1')).toBe('no node fits: spread:node ×1');
      expect(result.unplaced.get('web-2')).toBe('no node fits: spread:node ×1');
    });

    it('counts copies the job already has: a node holding one takes no more under max 1', () => {
      const r: SpreadRule = { jobId: 'web', scope: 'node', max: 1, counts: new Map([['a', 1]]) };
      const result = packTasks(copies('web', 1, r), [bin('a', CAP, CAP, { rank: 0 }), bin('b', CAP, res(600, 600), { rank: 1 })], { strategy: STRATEGIES['first-fit'] });
      expect(result.placements).toEqual([{ taskId: 'web-0', binId: 'b' }]);
    });

    it('opens a new bin per copy when every bin is at the maximum', () => {
      let opened = 0;
      const result = packTasks(copies('web', 3, rule('web', 'node', 1)), [], {
        strategy: STRATEGIES.stowage,
        openBin: () => bin(`new${opened++}`, CAP, CAP, { rank: 100 + opened, state: 'LAUNCHING' }),
      });
      expect(result.placements.map((p) => p.binId)).toEqual(['new0', 'new1', 'new2']);
    });

    it('packs jobs without spread exactly as before: same-shaped copies of two jobs share one run', () => {
      const bins = [bin('a', CAP, CAP, { rank: 0 }), bin('b', CAP, CAP, { rank: 1 })];
      const tasks = [...copies('x', 2, undefined), ...copies('y', 2, undefined)];
      expect(packTasks(tasks, bins, { strategy: STRATEGIES.stowage }).placements.map((p) => p.binId)).toEqual(['a', 'a', 'a', 'a']);
    });
  });
});
