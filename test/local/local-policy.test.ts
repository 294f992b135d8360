import { DEFAULT_CATALOG } from '../../core/catalog';
import { PolicyError } from '../../core/errors';
import { defaultPolicy, validatePolicy } from '../../core/policy';
import { instanceTypesNamed, LOCAL_ZONES, LocalOptionError, localPolicy, type LocalPolicyOptions } from '../../local/local-policy';

const OPTIONS: LocalPolicyOptions = { instanceTypes: ['m5.large', 'c5.xlarge'], maxNodes: 5, minNodes: 1, agentIntervalSeconds: 2 };

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('instanceTypesNamed', () => {
  test('returns the catalog entries, in the order named', () => {
    const types = instanceTypesNamed(['r5.large', 'm5.large']);
    expect(types).toEqual([DEFAULT_CATALOG.find((t) => t.name === 'r5.large'), DEFAULT_CATALOG.find((t) => t.name === 'm5.large')]);
  });

  test('an unknown type → LocalOptionError naming it and listing the known ones', () => {
    const err = thrown(() => instanceTypesNamed(['m5.large', 'q9.enormous']));
    expect(err).toBeInstanceOf(LocalOptionError);
    expect(err.name).toBe('LocalOptionError');
    expect(err.message).toContain('"q9.enormous"');
    expect(err.message).toContain('--instance-types');
    for (const t of DEFAULT_CATALOG) expect(err.message).toContain(t.name);
  });

  test('an empty list → LocalOptionError', () => {
    const err = thrown(() => instanceTypesNamed([]));
    expect(err).toBeInstanceOf(LocalOptionError);
    expect(err.message).toContain('at least one instance type');
  });
});

describe('localPolicy', () => {
  test('an unknown type or an empty list is refused with LocalOptionError', () => {
    expect(() => localPolicy({ ...OPTIONS, instanceTypes: ['nope.large'] })).toThrow(LocalOptionError);
    expect(() => localPolicy({ ...OPTIONS, instanceTypes: ['nope.large'] })).toThrow(/unknown instance type "nope\.large"; known: m5\.large, /);
    expect(() => localPolicy({ ...OPTIONS, instanceTypes: [] })).toThrow(LocalOptionError);
  });

  test.each([
    // [interval s, timeout ms] = max(10 s, interval × 10 s)
    [0.1, 10_000],
    [0.5, 10_000],
    [1, 10_000],
    [1.5, 15_000],
    [2, 20_000],
    [3, 30_000],
    [12, 120_000],
  ])('agent interval %d s → heartbeatTimeoutMs %d', (agentIntervalSeconds, expected) => {
    expect(localPolicy({ ...OPTIONS, agentIntervalSeconds }).heartbeatTimeoutMs).toBe(expected);
  });

  test('zones are local-a, local-b, local-c', () => {
    expect([...LOCAL_ZONES]).toEqual(['local-a', 'local-b', 'local-c']);
    expect(localPolicy(OPTIONS).scaleUp.zones).toEqual(['local-a', 'local-b', 'local-c']);
  });

  test('minNodes and maxNodes are carried; instance types are the named ones', () => {
    const p = localPolicy({ ...OPTIONS, minNodes: 2, maxNodes: 7 });
    expect(p.consolidation.minNodes).toBe(2);
    expect(p.scaleUp.maxNodes).toBe(7);
    expect(p.scaleUp.instanceTypes.map((t) => t.name)).toEqual(['m5.large', 'c5.xlarge']);
  });

  test('the clocks are shortened; the placement logic and the rest stay the production defaults', () => {
    const p = localPolicy(OPTIONS);
    const base = defaultPolicy(instanceTypesNamed(OPTIONS.instanceTypes));
    expect(p.launchTimeoutMs).toBe(60_000);
    expect(p.consolidation).toMatchObject({ emptyGraceMs: 10_000, nodeMinAgeMs: 10_000, stableForMs: 8_000, minSavingsPerHour: 0.001 });
    expect(p.strategy).toBe(base.strategy);
    expect(p.consolidation.mode).toBe(base.consolidation.mode);
    expect(p.consolidation.disruptionBudget).toBe(base.consolidation.disruptionBudget);
    expect(p.scaleUp.enabled).toBe(base.scaleUp.enabled);
    expect(p.scaleUp.nodeLabels).toEqual(base.scaleUp.nodeLabels);
  });

  test('the result passes validatePolicy', () => {
    for (const o of [OPTIONS, { ...OPTIONS, minNodes: 0, maxNodes: 0 }, { ...OPTIONS, instanceTypes: ['m6g.16xlarge'], agentIntervalSeconds: 0.25 }]) {
      expect(() => validatePolicy(localPolicy(o))).not.toThrow();
    }
  });

  test('options that make an invalid policy are refused by validatePolicy, naming the field', () => {
    expect(() => localPolicy({ ...OPTIONS, maxNodes: -1 })).toThrow(PolicyError);
    expect(() => localPolicy({ ...OPTIONS, maxNodes: -1 })).toThrow(/scaleUp\.maxNodes/);
    expect(() => localPolicy({ ...OPTIONS, minNodes: 1.5 })).toThrow(/consolidation\.minNodes/);
    expect(() => localPolicy({ ...OPTIONS, agentIntervalSeconds: NaN })).toThrow(/heartbeatTimeoutMs/);
  });
});
