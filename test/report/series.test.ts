import { buildReport, spansOf } from '../../report';
import { H, MIXED, sample, T0 } from './fixtures';

describe('spansOf', () => {
  it('holds each sample until the next, the last opening none', () => {
    const { spans, gaps, maxGapMs } = spansOf(MIXED);
    expect(spans.map((s) => [s.from, s.to])).toEqual([[T0, T0 + H], [T0 + H, T0 + 2 * H], [T0 + 2 * H, T0 + 3 * H]]);
    expect(gaps).toEqual([]);
    expect(maxGapMs).toBe(3 * H);
  });

  it('judges gaps against the median interval, so one long outage cannot hide itself', () => {
    const s = [0, 1, 2, 3, 20].map((m) => sample(T0 + m * 60_000));
    const { gaps, maxGapMs } = spansOf(s);
    expect(maxGapMs).toBe(3 * 60_000);
    expect(gaps).toEqual([{ from: T0 + 3 * 60_000, to: T0 + 20 * 60_000 }]);
  });

  it('has no spans for no sample or one', () => {
    expect(spansOf([]).spans).toEqual([]);
    expect(spansOf([sample(T0)]).maxGapMs).toBeNull();
  });
});

describe('report series', () => {
  it('gives one point per span when there are few, with types stacked separately', () => {
    const r = buildReport(MIXED);
    expect(r.series.t).toEqual([T0, T0 + H, T0 + 2 * H]);
    expect(r.series.nodes).toEqual([2, 3, 1]);
    expect(r.series.nodesByType).toEqual({ 'm5.large': [2, 2, 0], 'r5.large': [0, 1, 1] });
    expect(r.series.allocatedCpu).toEqual([0.5, 0.75, 0.5]);
    expect(r.series.costPerHour).toEqual([0.192, 0.318, 0.126]);
    expect(r.series.lowerBound).toEqual([1, 2, 1]);
  });

  it('averages over time into buckets when there are many spans', () => {
    // 1 node for 30 minutes, then 3 for 30: one bucket of an hour holds 2 on average.
    const s = [sample(T0), sample(T0 + H / 2, { nodes: 3, nodesByType: { 'm5.large': 3 } }), sample(T0 + H)];
    const r = buildReport(s, { seriesPoints: 1 });
    expect(r.series.t).toEqual([T0]);
    expect(r.series.nodes[0]).toBeCloseTo(2);
    expect(r.series.nodesByType['m5.large'][0]).toBeCloseTo(2);
  });
});
