import { resolveBudgets, type CopyBudget } from '../../core/deployment';
import { jobSpecSchema } from '../../contract/job-spec';

/**
 * The contract refuses an update strategy under which no deployment could progress; the
 * scheduler decides progress with resolveBudgets. The two round percentages separately
 * (the contract imports nothing of ours), so this table holds them to one answer: the
 * contract refuses exactly the cases whose budgets the core resolves to 0 surge and 0
 * unavailable.
 */

const BUDGETS: readonly CopyBudget[] = ['0%', '1%', '7%', '9%', '10%', '11%', '25%', '29%', '33%', '34%', '50%', '99%', '100%', 0, 1, 2];
const COUNTS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 19, 20, 99, 100, 101, 1000];

function refusedByContract(count: number, maxSurge: CopyBudget, maxUnavailable: CopyBudget): boolean {
  const r = jobSpecSchema.safeParse({ name: 'web', image: 'busybox:latest', command: ['true'], cpu: 100, memoryMiB: 64, count, update: { maxSurge, maxUnavailable } });
  if (r.success) return false;
  // Only the progress rule may refuse: any other issue would mean the table fed a bad spec.
  expect(r.error.issues.map((i) => i.path.join('.'))).toEqual(['update']);
  return true;
}

function stalledInCore(count: number, maxSurge: CopyBudget, maxUnavailable: CopyBudget): boolean {
  const { surge, unavailable } = resolveBudgets({ maxSurge, maxUnavailable }, count);
  return surge === 0 && unavailable === 0;
}

describe('update strategy that can make no progress', () => {
  const cases = COUNTS.flatMap((count) => BUDGETS.flatMap((maxSurge) => BUDGETS.map((maxUnavailable) => ({ count, maxSurge, maxUnavailable }))));

  it('is refused by the contract exactly when the core resolves both budgets to 0', () => {
    const disagreements = cases
      .map((c) => ({ ...c, contract: refusedByContract(c.count, c.maxSurge, c.maxUnavailable), core: stalledInCore(c.count, c.maxSurge, c.maxUnavailable) }))
      .filter((c) => c.contract !== c.core);
    expect(disagreements).toEqual([]);
  });

  it('covers both answers, and percentages that round to 0 and to 1', () => {
    const stalled = cases.filter((c) => stalledInCore(c.count, c.maxSurge, c.maxUnavailable));
    expect(stalled.length).toBeGreaterThan(0);
    expect(stalled.length).toBeLessThan(cases.length);
    // "25%" of 3 unavailable rounds down to 0; "10%" of 3 surge rounds up to 1.
    expect(resolveBudgets({ maxSurge: '10%', maxUnavailable: '25%' }, 3)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveBudgets({ maxSurge: 0, maxUnavailable: '25%' }, 4)).toEqual({ surge: 0, unavailable: 1 });
  });

  it.each([
    [1, '0%', '50%'],
    [3, 0, '25%'],
    [9, '0%', '10%'],
    [99, 0, '1%'],
  ] as const)('refuses count %d with maxSurge %j and maxUnavailable %j, naming update', (count, maxSurge, maxUnavailable) => {
    expect(refusedByContract(count, maxSurge, maxUnavailable)).toBe(true);
  });

  it.each([
    [1, '1%', 0],
    [2, 0, '50%'],
    [10, '0%', '10%'],
    [100, 0, '1%'],
  ] as const)('accepts count %d with maxSurge %j and maxUnavailable %j', (count, maxSurge, maxUnavailable) => {
    expect(refusedByContract(count, maxSurge, maxUnavailable)).toBe(false);
  });
});
