import { launchPlanned } from '../../../control/pass/launch';
import type { Committed } from '../../../control/pass/committed';
import type { Launch, Plan } from '../../../core/pass/plan-types';
import { NOW, setup } from './pass-fixture';

/**
 * How a planned Spot launch (core/pass: Launch.capacityType, Launch.alternatives) is
 * carried out: the fleet is asked for Spot with every alternative, the node is recorded
 * as what the cloud chose (its type, zone and the price the plan assumed for it) and as
 * Spot, and refusals are remembered under Spot, so On-Demand there stays plannable.
 */

const nothingCommitted: Committed = { refusedTasks: new Set(), assignments: 0, assignmentGroups: 0, touchedNodes: new Set(), goneNodes: new Set() };
const spotLaunch: Launch = {
  instanceType: 'm5.large',
  zone: 'us-east-1a',
  pricePerHour: 0.04,
  labels: {},
  reason: 'test',
  forTasks: ['batch.0'],
  capacityType: 'spot',
  alternatives: [
    { instanceType: 'm5.large', zone: 'us-east-1b', pricePerHour: 0.041 },
    { instanceType: 'm5.xlarge', zone: 'us-east-1a', pricePerHour: 0.08 },
  ],
};
const planOf = (...launches: Launch[]): Plan => ({ now: NOW, assignments: [], taskUpdates: [], nodeUpdates: [], launches, terminations: [], unplaced: [], consolidations: [] });

describe('launching Spot', () => {
  it('asks for Spot with the alternatives and records the offering the cloud chose, as Spot, at its planned price', async () => {
    const { store, fleet, deps } = setup();
    fleet.refusals.push({ zone: 'us-east-1a', reason: 'insufficient-capacity' });

    const outcome = await launchPlanned(deps, planOf(spotLaunch), NOW, await store.snapshot(), nothingCommitted);

    expect(outcome.launched).toHaveLength(1);
    expect(fleet.attempts).toEqual([
      { instanceType: 'm5.large', zone: 'us-east-1a', labels: {}, capacityType: 'spot', alternatives: [{ instanceType: 'm5.large', zone: 'us-east-1b' }, { instanceType: 'm5.xlarge', zone: 'us-east-1a' }] },
    ]);
    expect(await store.listNodes()).toEqual([
      expect.objectContaining({ id: outcome.launched[0], instanceType: 'm5.large', zone: 'us-east-1b', pricePerHour: 0.041, capacityType: 'spot', state: 'LAUNCHING', capacity: { cpu: 2000, memoryMiB: 8192 } }),
    ]);
  });

  it('remembers every refused offering under Spot when the cloud launched none of them', async () => {
    const { store, fleet, deps } = setup();
    fleet.refusals.push({ reason: 'insufficient-capacity' });

    const outcome = await launchPlanned(deps, planOf({ ...spotLaunch, alternatives: [] }), NOW, await store.snapshot(), nothingCommitted);

    expect(outcome).toMatchObject({ launched: [], failures: 1 });
    expect((await store.capacityMemory()).unavailable).toEqual([{ kind: 'offering', instanceType: 'm5.large', zone: 'us-east-1a', capacityType: 'spot', reason: 'insufficient-capacity', until: NOW + 180_000 }]);
  });

  it('records an On-Demand launch as on-demand', async () => {
    const { store, deps } = setup();
    const onDemand: Launch = { instanceType: 'm5.large', zone: 'us-east-1a', pricePerHour: 0.04, labels: {}, reason: 'test', forTasks: ['web.0'] };

    await launchPlanned(deps, planOf(onDemand), NOW, await store.snapshot(), nothingCommitted);

    expect(await store.listNodes()).toEqual([expect.objectContaining({ instanceType: 'm5.large', zone: 'us-east-1a', pricePerHour: 0.04, capacityType: 'on-demand' })]);
  });

  it('offers the cloud no alternative of a type outside the policy (its capacity could not be recorded)', async () => {
    const { store, fleet, deps } = setup();

    await launchPlanned(deps, planOf({ ...spotLaunch, alternatives: [{ instanceType: 'x9.huge', zone: 'us-east-1a', pricePerHour: 0.01 }] }), NOW, await store.snapshot(), nothingCommitted);

    expect(fleet.attempts).toEqual([expect.objectContaining({ instanceType: 'm5.large', capacityType: 'spot' })]);
    expect(fleet.attempts[0].alternatives).toBeUndefined();
  });
});
