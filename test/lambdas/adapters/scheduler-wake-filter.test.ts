import { matchesPattern, UnsupportedFilterPatternError, wakesScheduler } from '../../../lambdas/adapters/scheduler-wake-filter';

describe('matchesPattern (Lambda filter rules, as the local poller applies them)', () => {
  it('matches when every field matches one of its listed values', () => {
    expect(matchesPattern({ eventName: ['INSERT', 'REMOVE'] }, { eventName: 'REMOVE' })).toBe(true);
    expect(matchesPattern({ eventName: ['INSERT', 'REMOVE'] }, { eventName: 'MODIFY' })).toBe(false);
    expect(matchesPattern({ a: [1], b: { c: [true] } }, { a: 1, b: { c: false } })).toBe(false);
  });

  it('tells a field present from one absent, however deep, with { exists }', () => {
    const absent = { dynamodb: { NewImage: { q: { BOOL: [{ exists: false }] } } } };
    expect(matchesPattern(absent, { dynamodb: { NewImage: { id: { S: 'n1' } } } })).toBe(true);
    expect(matchesPattern(absent, { dynamodb: {} })).toBe(true);
    expect(matchesPattern(absent, { dynamodb: { NewImage: { q: { BOOL: true } } } })).toBe(false);
    expect(matchesPattern({ x: [{ exists: true }] }, { x: 0 })).toBe(true);
  });

  it('refuses an operator it cannot evaluate, naming where it is', () => {
    expect(() => matchesPattern({ n: [{ numeric: ['>', 1] } as never] }, { n: 2 })).toThrow(UnsupportedFilterPatternError);
    expect(() => matchesPattern({ n: [{ numeric: ['>', 1] } as never] }, { n: 2 })).toThrow(/\$\.n/);
  });
});

describe('wakesScheduler', () => {
  it('wakes on every write to a node but a quiet heartbeat', () => {
    const image = (extra: Record<string, unknown>) => ({ eventName: 'MODIFY' as const, dynamodb: { NewImage: { id: { S: 'n1' }, ...extra } } });
    expect(wakesScheduler(image({ allocCpu: { N: '500' } }))).toBe(true);
    expect(wakesScheduler(image({ quietBeat: { BOOL: true } }))).toBe(false);
    expect(wakesScheduler({ eventName: 'INSERT', dynamodb: { NewImage: { id: { S: 'n1' }, quietBeat: { BOOL: true } } } })).toBe(true);
  });
});
