import { InMemoryState } from '../../control/fakes/in-memory-state-store';
import { DEFAULT_CATALOG } from '../../core/catalog';
import type { Plan } from '../../core/pass/plan-types';
import { defaultPolicy } from '../../core/policy';
import { nextPassTime } from '../../sim/next-pass-time';

const NOW = 1_800_000_000_000;
const quiet: Plan = { now: NOW, assignments: [], taskUpdates: [], nodeUpdates: [], launches: [], terminations: [], unplaced: [], consolidations: [] };

describe('nextPassTime', () => {
  it('wakes at a copy\'s deregistration time, rounded up to the grid, so a replay never skips past a graceful stop', () => {
    const state = new InMemoryState();
    state.tasks.set('web.0', { id: 'web.0', jobId: 'web', slot: 0, generation: 1, status: 'RUNNING', resources: { cpu: 500, memoryMiB: 512 }, restarts: 0, createdAt: NOW - 1, nodeId: 'n1', stopAt: NOW + 15_000 });
    const policy = defaultPolicy(DEFAULT_CATALOG, { consolidation: { ...defaultPolicy(DEFAULT_CATALOG).consolidation, mode: 'off' } });
    expect(nextPassTime(state, quiet, NOW, policy, { passIntervalMs: 10_000 }, undefined)).toBe(NOW + 20_000);
    state.tasks.set('web.0', { ...state.tasks.get('web.0')!, status: 'STOPPED', stopAt: undefined });
    expect(nextPassTime(state, quiet, NOW, policy, { passIntervalMs: 10_000 }, undefined)).toBeUndefined();
  });
});
