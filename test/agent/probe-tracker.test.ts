import { ProbeTracker } from '../../agent/probe-tracker';

const T0 = 1_000_000;
const at = (s: number) => T0 + s * 1000;

describe('ProbeTracker', () => {
  it('is starting until the first success, then healthy', () => {
    const t = new ProbeTracker({ retries: 3, startPeriodSeconds: 0 }, T0);
    expect(t.status).toBe('starting');
    expect(t.record(true, at(1))).toBe('healthy');
  });

  it('turns unhealthy only after `retries` consecutive failures, and a success resets the count', () => {
    const t = new ProbeTracker({ retries: 3, startPeriodSeconds: 0 }, T0);
    t.record(true, at(1));
    expect(t.record(false, at(2))).toBe('healthy');
    expect(t.record(false, at(3))).toBe('healthy');
    expect(t.record(true, at(4))).toBe('healthy');
    expect(t.failureCount).toBe(0);
    expect(t.record(false, at(5))).toBe('healthy');
    expect(t.record(false, at(6))).toBe('healthy');
    expect(t.record(false, at(7))).toBe('unhealthy');
    expect(t.record(true, at(8))).toBe('healthy');
  });

  it('does not count failures inside the start period before any success', () => {
    const t = new ProbeTracker({ retries: 2, startPeriodSeconds: 10 }, T0);
    for (let s = 1; s < 10; s++) expect(t.record(false, at(s))).toBe('starting');
    expect(t.failureCount).toBe(0);
    expect(t.record(false, at(10))).toBe('starting');
    expect(t.record(false, at(11))).toBe('unhealthy');
  });

  it('counts every failure once a probe succeeded, even inside the start period', () => {
    const t = new ProbeTracker({ retries: 2, startPeriodSeconds: 60 }, T0);
    t.record(true, at(1));
    t.record(false, at(2));
    expect(t.record(false, at(3))).toBe('unhealthy');
  });

  it('a copy that never answers goes from starting to unhealthy after its retries', () => {
    const t = new ProbeTracker({ retries: 1, startPeriodSeconds: 0 }, T0);
    expect(t.record(false, at(1))).toBe('unhealthy');
  });

  it('refuses a timing that cannot work', () => {
    expect(() => new ProbeTracker({ retries: 0, startPeriodSeconds: 0 }, T0)).toThrow(/retries/);
    expect(() => new ProbeTracker({ retries: 1, startPeriodSeconds: -1 }, T0)).toThrow(/startPeriodSeconds/);
  });
});
