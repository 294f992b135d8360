import { buildReport, controlPlaneCost, CONTROL_PLANE_PRICES, CONTROL_PLANE_PRICES_TAKEN, sumCounts } from '../../report';
import { H, sample, T0 } from './fixtures';

describe('control plane prices', () => {
  it('are the published us-east-1 list prices, with the date taken', () => {
    expect(CONTROL_PLANE_PRICES).toEqual({ lambdaPerRequest: 0.2e-6, lambdaArmPerGbSecond: 0.0000133334, dynamoPerReadRequestUnit: 0.125e-6, dynamoPerWriteRequestUnit: 0.625e-6, apiGatewayHttpPerRequest: 1e-6 });
    expect(CONTROL_PLANE_PRICES_TAKEN).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});

describe('controlPlaneCost', () => {
  const counts = { schedulerInvocations: 1000, schedulerMs: 200_000, readRequestUnits: 3000, writeRequestUnits: 5000, apiRequests: 10_000 };

  it('prices invocations, GB-seconds, request units and API requests', () => {
    const c = controlPlaneCost(counts);
    // 1 GB scheduler for 200 s; 10 000 API calls of 30 ms at 0.5 GB = 150 GB-s.
    expect(c.schedulerLambda).toBeCloseTo(1000 * 0.2e-6 + 200 * 0.0000133334, 10);
    expect(c.apiLambda).toBeCloseTo(10_000 * 0.2e-6 + 150 * 0.0000133334, 10);
    expect(c.apiGateway).toBeCloseTo(0.01, 10);
    expect(c.dynamoReads).toBeCloseTo((3000 + 10_000) * 0.125e-6, 10);
    expect(c.dynamoWrites).toBeCloseTo((5000 + 10_000) * 0.625e-6, 10);
    expect(c.total).toBeCloseTo(c.schedulerLambda + c.apiLambda + c.apiGateway + c.dynamoReads + c.dynamoWrites, 12);
  });

  it('counts unknown API traffic as none', () => {
    const c = controlPlaneCost({ ...counts, apiRequests: null });
    expect(c.apiGateway).toBe(0);
    expect(c.apiLambda).toBe(0);
  });

  it('sums the counts of a window, and the report prices them per month over the span counted', () => {
    const cp = { schedulerInvocations: 60, schedulerMs: 6000, readRequestUnits: 100, writeRequestUnits: 200 };
    const s = [sample(T0, { controlPlane: cp }), sample(T0 + H, { controlPlane: cp }), sample(T0 + 2 * H, { controlPlane: { ...cp, apiRequests: 50 } })];
    expect(sumCounts(s)).toEqual({ schedulerInvocations: 180, schedulerMs: 18_000, readRequestUnits: 300, writeRequestUnits: 600, apiRequests: 50 });
    const r = buildReport(s);
    const total = controlPlaneCost(sumCounts(s)).total;
    expect(r.controlPlane.cost.total).toBeCloseTo(total, 12);
    expect(r.controlPlane.costPerMonth).toBeCloseTo((total / 2) * 730, 9);
    // The headline's monthly figure is the fleet plus the control plane.
    expect(r.headline!.monthly).toBe(Math.round(0.096 * 730 + (total / 2) * 730));
  });
});
