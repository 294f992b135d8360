import { DEFAULT_CATALOG } from '../../core/catalog';
import { buildReport, ReportInputError } from '../../report';
import { H, MIXED, sample, T0 } from './fixtures';

describe('buildReport on several instance types', () => {
  const r = buildReport(MIXED);

  it('integrates node-hours, per type too, and fleet cost over the spans', () => {
    expect(r.samples).toBe(4);
    expect(r.coveredHours).toBeCloseTo(3);
    expect(r.nodeHours).toBeCloseTo(2 + 3 + 1);
    expect(r.nodeHoursByType['m5.large']).toBeCloseTo(2 + 2);
    expect(r.nodeHoursByType['r5.large']).toBeCloseTo(1 + 1);
    expect(r.cost).toBeCloseTo(0.192 + 0.318 + 0.126);
    expect(r.meanNodes).toBeCloseTo(2);
    expect(r.peakNodes).toBe(3);
    expect(r.costPerMonth).toBeCloseTo(((0.192 + 0.318 + 0.126) / 3) * 730);
  });

  it('weighs allocated and measured utilisation by time, as ratios of integrals', () => {
    expect(r.allocatedUtilisation.cpu).toBeCloseTo((2000 + 4500 + 1000) / (4000 + 6000 + 2000));
    expect(r.allocatedUtilisation.memory).toBeCloseTo((4096 + 8192 + 2048) / (16384 + 32768 + 16384));
    expect(r.usedUtilisation.cpu).toBeCloseTo((1000 + 3000 + 500) / 12000);
    expect(r.usedUtilisation.memory).toBeCloseTo((2048 + 4096 + 1024) / 65536);
  });

  it('measures packing as node-hours over lower-bound node-hours', () => {
    expect(r.packing.lowerBoundNodeHours).toBeCloseTo(1 + 2 + 1);
    expect(r.packing.efficiency).toBeCloseTo(6 / 4);
  });

  it('compares with the peak fleet held for the window, at its mix and price', () => {
    expect(r.baseline).toMatchObject({ nodes: 3, nodesByType: { 'm5.large': 2, 'r5.large': 1 }, costPerHour: 0.318 });
    expect(r.baseline!.cost).toBeCloseTo(0.318 * 3);
    expect(r.baseline!.costPerMonth).toBeCloseTo(0.318 * 730);
    expect(r.baseline!.allocatedUtilisation.cpu).toBeCloseTo(7500 / (6000 * 3));
    expect(r.savings!.cost).toBeCloseTo(0.318 * 3 - 0.636);
    expect(r.savings!.fraction).toBeCloseTo(1 - 0.212 / 0.318);
  });

  it('writes the headline from the same figures', () => {
    expect(r.headline).toMatchObject({ baselineNodes: 3, nodes: 2, baselineAllocatedPct: 41.7, allocatedPct: 62.5, baselineMonthly: 232, monthly: 155, savingsPct: 33.3 });
    expect(r.headline!.text).toBe('3 nodes → 2 nodes, 41.7 % → 62.5 % allocated, $232 → $155 per month (\u221233.3 %)');
  });

  it('gives the same figures whatever order the samples come in', () => {
    expect(buildReport([...MIXED].reverse())).toEqual(r);
  });

  it('keeps to the window asked for', () => {
    const w = buildReport(MIXED, { from: T0 + H, to: T0 + 3 * H });
    expect(w.samples).toBe(3);
    expect(w.nodeHours).toBeCloseTo(3 + 1);
    expect(w.from).toBe(T0 + H);
  });
});

describe('buildReport, edge cases', () => {
  it('reports an empty window as zeros and nulls, with no headline', () => {
    const r = buildReport([], { from: T0, to: T0 + H });
    expect(r).toMatchObject({ samples: 0, nodeHours: 0, cost: 0, peakNodes: 0, meanNodes: 0, coveredHours: 0, baseline: null, savings: null, headline: null });
    expect(r.allocatedUtilisation).toEqual({ cpu: null, memory: null });
    expect(r.packing).toEqual({ lowerBoundNodeHours: null, efficiency: null });
    expect(r.series.t).toEqual([]);
    expect(r.controlPlane.cost.total).toBe(0);
  });

  it('lets a single sample stand for the window: its own ratios and rates, no hours', () => {
    const r = buildReport([MIXED[0]]);
    expect(r.nodeHours).toBe(0);
    expect(r.cost).toBe(0);
    expect(r.allocatedUtilisation.cpu).toBeCloseTo(0.5);
    expect(r.meanNodes).toBe(2);
    expect(r.costPerMonth).toBeCloseTo(0.192 * 730);
    expect(r.packing.efficiency).toBeCloseTo(2);
    expect(r.headline!.text).toBe('2 nodes → 2 nodes, 50 % → 50 % allocated, $140 → $140 per month (±0 %)');
    expect(r.series.t).toEqual([T0]);
  });

  it('leaves a gap longer than 3 × the median interval out of every integral', () => {
    // Hourly samples, then nothing for 8 hours: the scheduler did not run.
    const s = [0, 1, 2, 10, 11].map((h) => sample(T0 + h * H));
    const r = buildReport(s);
    expect(r.gaps).toBe(1);
    expect(r.gapHours).toBeCloseTo(8);
    expect(r.coveredHours).toBeCloseTo(3);
    expect(r.nodeHours).toBeCloseTo(3);
    expect(r.cost).toBeCloseTo(3 * 0.096);
    expect(r.series.nodes).toContain(null);
    // The same samples with the gap limit lifted integrate the outage as if the fleet held.
    expect(buildReport(s, { maxGapMs: Infinity }).nodeHours).toBeCloseTo(11);
  });

  it('reports measured utilisation as unknown when no sample measured usage', () => {
    const r = buildReport(MIXED.map((s) => ({ ...s, usageMeasured: false })));
    expect(r.usedUtilisation).toEqual({ cpu: null, memory: null });
    expect(r.allocatedUtilisation.cpu).toBeCloseTo(0.625);
  });

  it('reads samples written before the report existed (no bound, no counts)', () => {
    const old = MIXED.map((s) => {
      const copy: Record<string, unknown> = { ...s };
      delete copy.lowerBound;
      return copy as unknown as typeof s;
    });
    const r = buildReport(old);
    expect(r.packing.efficiency).toBeNull();
    expect(r.controlPlane.counts).toEqual({ schedulerInvocations: 0, schedulerMs: 0, readRequestUnits: 0, writeRequestUnits: 0, apiRequests: null });
    expect(r.nodeHours).toBeCloseTo(6);
  });
});

describe('buildReport, baselines and prices', () => {
  it('compares with a named fleet from the catalog', () => {
    const r = buildReport(MIXED, { baseline: '4xm5.large' });
    expect(r.baseline).toMatchObject({ description: '4xm5.large', nodes: 4, nodesByType: { 'm5.large': 4 } });
    expect(r.baseline!.costPerHour).toBeCloseTo(4 * 0.096);
    expect(r.baseline!.cost).toBeCloseTo(4 * 0.096 * 3);
    expect(r.baseline!.allocatedUtilisation.cpu).toBeCloseTo(7500 / (8000 * 3));
    expect(r.headline!.baselineNodes).toBe(4);
  });

  it('reprices samples from a catalog file when asked, keeping recorded prices for unknown types', () => {
    const catalog = [
      { name: 'm5.large', capacity: { cpu: 2000, memoryMiB: 8192 }, pricePerHour: 1 },
      { name: 'r5.large', capacity: { cpu: 2000, memoryMiB: 16384 }, pricePerHour: 2 },
    ];
    expect(buildReport(MIXED, { catalog, reprice: true }).cost).toBeCloseTo(2 * 1 + (2 * 1 + 2) + 2);
    expect(buildReport(MIXED, { catalog: catalog.slice(0, 1), reprice: true }).cost).toBeCloseTo(2 + 0.318 + 0.126);
    expect(buildReport(MIXED, { catalog }).cost).toBeCloseTo(0.636);
  });

  it('says where the prices came from', () => {
    expect(buildReport(MIXED).instancePrices).toMatch(/us-east-1 .*\d{4}-\d{2}-\d{2}/);
    expect(buildReport(MIXED, { catalog: DEFAULT_CATALOG, catalogLabel: 'catalog file x.json' }).instancePrices).toBe('catalog file x.json');
  });

  it.each([
    [{ from: T0 + H, to: T0 }, 'from'],
    [{ from: Number.NaN }, 'from'],
    [{ maxGapMs: 0 }, 'maxGapMs'],
    [{ seriesPoints: 1.5 }, 'seriesPoints'],
    [{ baseline: 'lots' }, 'baseline'],
  ])('refuses %j naming %s', (options, field) => {
    expect(() => buildReport(MIXED, options)).toThrow(ReportInputError);
    try {
      buildReport(MIXED, options);
    } catch (err) {
      expect((err as ReportInputError).field).toBe(field);
    }
  });
});

describe('packing efficiency counts a mixed fleet in nodes of the bound size', () => {
  // One hour: 4 × 2-vCPU/8-GiB nodes, bound counted in 8-vCPU/32-GiB nodes: 1 of them.
  const small = { nodes: 4, nodesByType: { 'm5.large': 4 }, capacity: { cpu: 8000, memoryMiB: 32768 }, allocated: { cpu: 7000, memoryMiB: 20000 }, lowerBound: 1 };

  it('reads 1 when the fleet holds exactly the bound in capacity', () => {
    const r = buildReport([sample(T0, { ...small, lowerBoundNodeSize: { cpu: 8000, memoryMiB: 32768 } }), sample(T0 + H, small)], { from: T0, to: T0 + H });
    expect(r.packing.efficiency).toBeCloseTo(1, 9);
  });

  it('counts plain nodes when the sample does not say the bound size (older samples)', () => {
    const r = buildReport([sample(T0, small), sample(T0 + H, small)], { from: T0, to: T0 + H });
    expect(r.packing.efficiency).toBeCloseTo(4, 9);
  });

  it('uses the dimension the fleet has most of', () => {
    // 8 vCPU but 64 GiB against a 8-vCPU/32-GiB size: 2 nodes' worth of memory.
    const wide = { ...small, capacity: { cpu: 8000, memoryMiB: 65536 }, lowerBoundNodeSize: { cpu: 8000, memoryMiB: 32768 } };
    const r = buildReport([sample(T0, wide), sample(T0 + H, wide)], { from: T0, to: T0 + H });
    expect(r.packing.efficiency).toBeCloseTo(2, 9);
  });
});
