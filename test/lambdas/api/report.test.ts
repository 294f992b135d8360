import type { UtilisationSample } from '../../../core/utilisation-sample';
import { createHandler, reportFigures } from '../../../lambdas/api/report';
import { apiEvent, json, testDeps } from './events';

const H = 3_600_000;
const T0 = 1_800_000_000_000;

const sample = (t: number, nodes: number, cap: number, alloc: number, used: number, costPerHour: number): UtilisationSample => ({
  t,
  nodes,
  nodesByType: { 'm5.large': nodes },
  capacity: { cpu: cap, memoryMiB: cap * 4 },
  allocated: { cpu: alloc, memoryMiB: alloc * 2 },
  usage: { cpu: used, memoryMiB: used },
  costPerHour,
  pending: 0,
});

// 2 nodes for 1 h at 50 % allocated, then 4 nodes for 2 h at 75 %, then a last sample.
const SAMPLES = [sample(T0, 2, 4000, 2000, 1000, 0.2), sample(T0 + H, 4, 8000, 6000, 2000, 0.4), sample(T0 + 3 * H, 1, 2000, 0, 0, 0.1)];

describe('reportFigures', () => {
  it('integrates nodes and cost over the spans between samples, each sample holding until the next', () => {
    const r = reportFigures(SAMPLES, T0, T0 + 3 * H);
    expect(r.samples).toBe(3);
    expect(r.nodeHours).toBeCloseTo(2 * 1 + 4 * 2);
    expect(r.cost).toBeCloseTo(0.2 * 1 + 0.4 * 2);
    expect(r.peakNodes).toBe(4);
  });

  it('weighs utilisation by time: allocated core-hours over available core-hours', () => {
    const r = reportFigures(SAMPLES, T0, T0 + 3 * H);
    // (2000·1 + 6000·2) / (4000·1 + 8000·2) = 14000 / 20000
    expect(r.allocatedUtilisation.cpu).toBeCloseTo(0.7);
    // memory: (4000·1 + 12000·2) / (16000·1 + 32000·2) = 28000 / 80000
    expect(r.allocatedUtilisation.memory).toBeCloseTo(0.35);
    expect(r.usedUtilisation.cpu).toBeCloseTo((1000 + 4000) / 20000);
  });

  it('gives zeros and nulls for no samples, and a lone sample its own ratios', () => {
    expect(reportFigures([], 0, 1)).toMatchObject({ from: 0, to: 1, samples: 0, allocatedUtilisation: { cpu: null, memory: null }, usedUtilisation: { cpu: null, memory: null }, nodeHours: 0, cost: 0, peakNodes: 0 });
    const one = reportFigures([SAMPLES[0]], T0, T0 + 1);
    expect(one.allocatedUtilisation.cpu).toBeCloseTo(0.5);
    expect(one.nodeHours).toBe(0);
    expect(one.peakNodes).toBe(2);
  });

  it('sorts samples by time first', () => {
    expect(reportFigures([...SAMPLES].reverse(), T0, T0 + 3 * H).nodeHours).toBeCloseTo(10);
  });
});

describe('GET /report', () => {
  async function setup() {
    const deps = testDeps(T0 + 3 * H);
    for (const s of SAMPLES) await deps.store.putSample(s);
    await deps.store.putSample(sample(T0 - 30 * H, 50, 1, 1, 1, 99));
    return { deps, handler: createHandler(deps) };
  }

  it('reports the last 24 hours by default', async () => {
    const { handler } = await setup();
    const res = await handler(apiEvent('GET', '/report'));
    expect(res.statusCode).toBe(200);
    const body = json(res);
    expect(body).toMatchObject({ from: T0 + 3 * H - 24 * H, to: T0 + 3 * H, samples: 3, peakNodes: 4 });
    expect(body.nodeHours).toBeCloseTo(10);
  });

  it('compares with the static fleet named in baseline', async () => {
    const { handler } = await setup();
    const body = json(await handler(apiEvent('GET', '/report', { query: { from: String(T0), to: String(T0 + 3 * H), baseline: '10xm5.large' } })));
    expect(body.baseline).toMatchObject({ nodes: 10, costPerHour: 10 * 0.096 });
    expect(body.headline.baselineNodes).toBe(10);
  });

  it('reports the window asked for', async () => {
    const { handler } = await setup();
    const body = json(await handler(apiEvent('GET', '/report', { query: { from: String(T0), to: String(T0 + H) } })));
    expect(body).toMatchObject({ samples: 2, peakNodes: 4 });
    expect(body.nodeHours).toBeCloseTo(2);
  });

  it.each([
    [{ from: 'yesterday' }, 'query.from'],
    [{ to: '-5' }, 'query.to'],
    [{ from: String(T0 + H), to: String(T0) }, 'query.from'],
    [{ from: '0', to: String(T0) }, 'query.from'],
    [{ since: '1' }, 'query.since'],
    [{ baseline: '70xm9.huge' }, 'query.baseline'],
  ])('refuses %j with 400 naming %s', async (query, field) => {
    const { handler } = await setup();
    const res = await handler(apiEvent('GET', '/report', { query: query as Record<string, string> }));
    expect(res.statusCode).toBe(400);
    expect(json(res).error.fields.map((f: { field: string }) => f.field)).toEqual([field]);
  });
});
