import { fleetCostPerHour, instanceCost, monthlyCost, MS_PER_HOUR } from '../../core/cost-model';
import { HOUR, MINUTE, NOW } from './fixtures';

describe('cost model', () => {
  it('bills an instance its $/hour for the time between launch and termination', () => {
    expect(instanceCost(0.096, NOW, NOW + HOUR)).toBeCloseTo(0.096, 12);
    expect(instanceCost(0.096, NOW, NOW + 90 * MINUTE)).toBeCloseTo(0.144, 12);
    expect(MS_PER_HOUR).toBe(HOUR);
  });

  it('never bills negative time', () => {
    expect(instanceCost(1, NOW, NOW - HOUR)).toBe(0);
  });

  it('sums the $/hour of every node still billed', () => {
    expect(fleetCostPerHour([])).toBe(0);
    expect(fleetCostPerHour([{ pricePerHour: 0.096 }, { pricePerHour: 0.192 }])).toBeCloseTo(0.288, 12);
  });

  it('counts a month as 730 hours', () => {
    expect(monthlyCost(1)).toBe(730);
    expect(monthlyCost(0.1)).toBeCloseTo(73, 12);
  });
});
