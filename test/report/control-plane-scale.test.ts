import { controlPlaneMonth, ScenarioError, SQS_PER_REQUEST, steadyPassRate, type MeasuredUnits } from '../../report/control-plane-scale';
import type { ControlPlanePrices } from '../../report/prices';

/** Round prices, so each line of the bill can be checked by hand. */
const PRICES: ControlPlanePrices = {
  lambdaPerRequest: 1e-6,
  lambdaArmPerGbSecond: 1e-5,
  dynamoPerReadRequestUnit: 1e-7,
  dynamoPerWriteRequestUnit: 1e-6,
  apiGatewayHttpPerRequest: 2e-6,
};
const UNITS: MeasuredUnits = { heartbeatReadUnits: 2, heartbeatWriteUnits: 1, heartbeatMs: 100, passReadUnits: 1000, passWriteUnits: 10, passMs: 2000 };
const MONTH_S = 730 * 3600;
const MONTH_MIN = 730 * 60;

describe('controlPlaneMonth', () => {
  it('bills each heartbeat and each pass at the unit prices', () => {
    const c = controlPlaneMonth(UNITS, { nodes: 100, heartbeatSeconds: 10, passesPerMinute: 2, queuedWakesPerMinute: 1, heartbeatTransport: 'api-gateway' }, PRICES);
    const beats = (100 * MONTH_S) / 10; // 26,280,000
    const passes = 2 * MONTH_MIN; // 87,600
    expect(c.heartbeatsPerMonth).toBe(beats);
    expect(c.passesPerMonth).toBe(passes);
    expect(c.apiGateway).toBeCloseTo(beats * 2e-6, 6); // $52.56
    // A heartbeat: one invocation, 0.1 s at 0.5 GB.
    expect(c.heartbeatLambda).toBeCloseTo(beats * (1e-6 + 0.1 * 0.5 * 1e-5), 6);
    // A pass: one invocation, 2 s at 1 GB.
    expect(c.schedulerLambda).toBeCloseTo(passes * (1e-6 + 2 * 1 * 1e-5), 6);
    expect(c.dynamoReads).toBeCloseTo((beats * 2 + passes * 1000) * 1e-7, 6);
    expect(c.dynamoWrites).toBeCloseTo((beats * 1 + passes * 10) * 1e-6, 6);
    // Idle polling (15 a minute) and three requests per queued wake.
    expect(c.sqs).toBeCloseTo((15 + 3) * MONTH_MIN * SQS_PER_REQUEST, 9);
    expect(c.streams).toBe(0);
    expect(c.total).toBeCloseTo(c.apiGateway + c.heartbeatLambda + c.schedulerLambda + c.dynamoReads + c.dynamoWrites + c.sqs, 9);
  });

  it('charges nothing for reports through the function URL, as deployed, and the rest as through API Gateway', () => {
    const scenario = { nodes: 100, heartbeatSeconds: 10, passesPerMinute: 2, queuedWakesPerMinute: 1 };
    const url = controlPlaneMonth(UNITS, scenario, PRICES);
    const gateway = controlPlaneMonth(UNITS, { ...scenario, heartbeatTransport: 'api-gateway' }, PRICES);
    expect(url.apiGateway).toBe(0);
    expect(url.total).toBeCloseTo(gateway.total - gateway.apiGateway, 9);
  });

  it('halves what heartbeats cost when they come half as often, and leaves the passes alone', () => {
    const fast = controlPlaneMonth(UNITS, { nodes: 1000, heartbeatSeconds: 10, passesPerMinute: 1, queuedWakesPerMinute: 0, heartbeatTransport: 'api-gateway' }, PRICES);
    const slow = controlPlaneMonth(UNITS, { nodes: 1000, heartbeatSeconds: 20, passesPerMinute: 1, queuedWakesPerMinute: 0, heartbeatTransport: 'api-gateway' }, PRICES);
    expect(slow.apiGateway).toBeCloseTo(fast.apiGateway / 2, 6);
    expect(slow.heartbeatLambda).toBeCloseTo(fast.heartbeatLambda / 2, 6);
    expect(slow.schedulerLambda).toBe(fast.schedulerLambda);
  });

  it('names the field of a scenario it cannot price', () => {
    expect(() => controlPlaneMonth(UNITS, { nodes: -1, heartbeatSeconds: 10, passesPerMinute: 1, queuedWakesPerMinute: 0 })).toThrow(ScenarioError);
    expect(() => controlPlaneMonth(UNITS, { nodes: 1, heartbeatSeconds: 0, passesPerMinute: 1, queuedWakesPerMinute: 0 })).toThrow(/heartbeatSeconds must be > 0/);
    expect(() => controlPlaneMonth(UNITS, { nodes: 1, heartbeatSeconds: 10, passesPerMinute: 1, queuedWakesPerMinute: 2 })).toThrow(/queuedWakesPerMinute/);
    expect(() => controlPlaneMonth({ ...UNITS, passMs: Number.NaN }, { nodes: 1, heartbeatSeconds: 10, passesPerMinute: 1, queuedWakesPerMinute: 0 })).toThrow(/passMs/);
  });
});

describe('steadyPassRate', () => {
  it('is the schedule plus a follow-up every two report periods (timeout = 3 periods, minus the period since the oldest report)', () => {
    expect(steadyPassRate(10)).toEqual({ passesPerMinute: 4, queuedWakesPerMinute: 3 });
    expect(steadyPassRate(30)).toEqual({ passesPerMinute: 2, queuedWakesPerMinute: 1 });
  });
});
