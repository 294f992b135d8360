import { LAUNCH_HOLD_PROBE_MS, launchHoldOf, launchTimeoutsAfter, type LaunchTimeouts } from '../../../core/launch-hold';
import { OfferingAvailability, unavailableAfter, UNAVAILABLE_FOR_MS, type UnavailableOffering } from '../../../core/offerings';
import { plan } from '../../../core/pass/plan';
import { cheapestType, instanceType, job, launching, MINUTE, node, NOW, policy, res, SECOND, snapshot, task, unplacedReason } from '../fixtures';

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

function refused(instanceType: string, zone: string, reason: 'insufficient-capacity' | 'unsupported' = 'insufficient-capacity', at = NOW): UnavailableOffering {
  return unavailableAfter({ instanceType, zone, capacityType: 'on-demand', reason, vcpus: 2 }, at);
}

describe('unavailable offerings in scale-up', () => {
  const tiny = job('tiny', { resources: res(100, 128) });
  const pending = [task('tiny-0', 'tiny', { resources: tiny.resources })];
  const cheapest = cheapestType();

  it('launches the same type in the next zone when the first zone refused it for capacity', () => {
    const free = plan(snapshot({ jobs: [tiny], tasks: pending }), NOW, policy());
    expect(free.launches.map((l) => [l.instanceType, l.zone])).toEqual([[cheapest.name, 'us-east-1a']]);

    const p = plan(snapshot({ jobs: [tiny], tasks: pending, unavailable: [refused(cheapest.name, 'us-east-1a')] }), NOW, policy());
    expect(p.launches.map((l) => [l.instanceType, l.zone])).toEqual([[cheapest.name, 'us-east-1b']]);
    expect(unplacedReason(p, 'tiny-0')).toMatch(`waiting for a new ${cheapest.name} node in us-east-1b`);
  });

  it('prefers a zone that offers the best type over the emptiest zone that does not', () => {
    // us-east-1a is the emptiest (the fleet has nodes in b and c) but refused the type.
    const full = res(2000, 8192);
    const nodes = [node('b', 'm5.large', { zone: 'us-east-1b', capacity: full }), node('c', 'm5.large', { zone: 'us-east-1c', capacity: full })];
    const filler = [task('f-0', 'f', { status: 'RUNNING', nodeId: 'b', resources: full }), task('f-1', 'f', { status: 'RUNNING', nodeId: 'c', resources: full, slot: 1 })];
    const p = plan(snapshot({ jobs: [tiny, job('f', { resources: full, count: 2 })], tasks: [...pending, ...filler], nodes, unavailable: [refused(cheapest.name, 'us-east-1a')] }), NOW, policy());
    expect(p.launches.map((l) => [l.instanceType, l.zone])).toEqual([[cheapest.name, 'us-east-1b']]);
  });

  it('skips a type refused in every zone for the next-best type', () => {
    const everywhere = ZONES.map((z) => refused(cheapest.name, z, 'unsupported'));
    const p = plan(snapshot({ jobs: [tiny], tasks: pending, unavailable: everywhere }), NOW, policy());
    expect(p.launches).toHaveLength(1);
    expect(p.launches[0].instanceType).not.toBe(cheapest.name);
    expect(p.launches[0].zone).toBe('us-east-1a');
  });

  it('plans the refused offering again once its entry has expired', () => {
    const entry = refused(cheapest.name, 'us-east-1a');
    const later = NOW + UNAVAILABLE_FOR_MS['insufficient-capacity'];
    const p = plan(snapshot({ jobs: [tiny], tasks: pending, unavailable: [entry] }), later, policy());
    expect(p.launches.map((l) => [l.instanceType, l.zone])).toEqual([[cheapest.name, 'us-east-1a']]);
  });

  it('keeps the task pending, saying why, when every type that holds it is refused everywhere', () => {
    const only = policy({ scaleUp: { instanceTypes: [instanceType('m5.large')] } });
    const everywhere = ZONES.map((z) => refused('m5.large', z));
    const p = plan(snapshot({ jobs: [tiny], tasks: pending, unavailable: everywhere }), NOW, only);
    expect(p.launches).toEqual([]);
    expect(unplacedReason(p, 'tiny-0')).toMatch(/EC2 refused every instance type that holds it in its zones \(m5\.large in us-east-1a: out of capacity, held 180 s more/);
    // Refused for now is not unschedulable: the task waits, it is not failed.
    expect(p.taskUpdates.find((u) => u.taskId === 'tiny-0')?.to).toBe('PENDING');
  });

  it('after a vCPU-limit refusal, launches only types with fewer vCPUs than the refused one', () => {
    const big = job('big', { resources: res(6000, 8192) });
    const t = [task('big-0', 'big', { resources: big.resources })];
    const first = plan(snapshot({ jobs: [big], tasks: t }), NOW, policy());
    const refusedType = instanceType(first.launches[0].instanceType);
    const vcpus = refusedType.capacity.cpu / 1000;
    const limit = unavailableAfter({ instanceType: refusedType.name, zone: 'us-east-1a', capacityType: 'on-demand', reason: 'vcpu-limit', vcpus }, NOW);
    expect(limit).toEqual({ kind: 'vcpu-limit', capacityType: 'on-demand', vcpus, reason: 'vcpu-limit', until: NOW + 15 * MINUTE });

    const small = job('small', { resources: res(1000, 1024) });
    const p = plan(snapshot({ jobs: [big, small], tasks: [...t, task('small-0', 'small', { resources: small.resources })], unavailable: [limit] }), NOW, policy());
    for (const l of p.launches) expect(instanceType(l.instanceType).capacity.cpu / 1000).toBeLessThan(vcpus);
    expect(p.launches.flatMap((l) => l.forTasks)).toContain('small-0');
    if (vcpus <= 8) expect(unplacedReason(p, 'big-0')).toMatch(/vCPU quota refused a \d+-vCPU launch/);
  });
});

describe('OfferingAvailability', () => {
  it('keys an entry by type, zone and capacity type: on-demand refusals leave Spot alone', () => {
    const a = new OfferingAvailability([refused('m5.large', 'us-east-1a')], NOW);
    const m5 = instanceType('m5.large');
    expect(a.whyNot(m5, 'us-east-1a')).toBe('m5.large in us-east-1a: out of capacity, held 180 s more');
    expect(a.whyNot(m5, 'us-east-1a', 'spot')).toBeNull();
    expect(a.whyNot(m5, 'us-east-1b')).toBeNull();
    expect(a.offeredIn(m5, ['us-east-1a'])).toBe(false);
    expect(a.offeredIn(m5, ['us-east-1a', 'us-east-1b'])).toBe(true);
  });

  it('remembers Unsupported for an hour and capacity for three minutes', () => {
    expect(refused('m5.large', 'z', 'unsupported').until - NOW).toBe(60 * MINUTE);
    expect(refused('m5.large', 'z').until - NOW).toBe(3 * MINUTE);
    const a = new OfferingAvailability([refused('m5.large', 'z', 'unsupported'), refused('c5.large', 'z')], NOW + 3 * MINUTE);
    expect(a.whyNot(instanceType('m5.large'), 'z')).toMatch(/not offered, held 3420 s more/);
    expect(a.whyNot(instanceType('c5.large'), 'z')).toBeNull();
  });
});

describe('launch hold', () => {
  const timedOut = (id: string, launchedAt: number) => launching(id, 'm5.large', NOW - launchedAt);

  it('holds launches after three launches in a row never heartbeat, and plans none', () => {
    let t: LaunchTimeouts | undefined;
    t = launchTimeoutsAfter(t, [timedOut('i-1', NOW - 30 * MINUTE)], [], NOW);
    t = launchTimeoutsAfter(t, [timedOut('i-2', NOW - 25 * MINUTE), timedOut('i-1', NOW - 30 * MINUTE)], [], NOW + MINUTE);
    expect(launchHoldOf(t, NOW + MINUTE)).toBeUndefined();
    t = launchTimeoutsAfter(t, [timedOut('i-3', NOW - 20 * MINUTE)], [], NOW + 2 * MINUTE);
    expect(t?.nodeIds).toEqual(['i-1', 'i-2', 'i-3']);
    const hold = launchHoldOf(t, NOW + 3 * MINUTE)!;
    expect(hold).toMatchObject({ since: NOW + 2 * MINUTE, probe: false });
    expect(hold.reason).toMatch(/^launches held: the last 3 new nodes \(i-1, i-2, i-3\) never sent a heartbeat/);

    const tiny = job('tiny', { resources: res(100, 128) });
    const p = plan(snapshot({ jobs: [tiny], tasks: [task('tiny-0', 'tiny', { resources: tiny.resources })], launchTimeouts: t }), NOW + 3 * MINUTE, policy());
    expect(p.launches).toEqual([]);
    expect(unplacedReason(p, 'tiny-0')).toMatch(/launches held: the last 3 new nodes/);
  });

  it('lets one probe launch through once the hold has lasted its probe interval, and none while it boots', () => {
    const t: LaunchTimeouts = { nodeIds: ['i-1', 'i-2', 'i-3'], lastLaunchedAt: NOW - 20 * MINUTE, lastTimedOutAt: NOW };
    const later = NOW + LAUNCH_HOLD_PROBE_MS;
    // One task per node (each needs more than half the largest type): ten launches unheld.
    const burst = job('burst', { resources: res(60_000, 4096), count: 10 });
    const tasks = Array.from({ length: 10 }, (_, i) => task(`burst-${i}`, 'burst', { slot: i, resources: burst.resources }));
    expect(plan(snapshot({ jobs: [burst], tasks }), later, policy()).launches).toHaveLength(10);
    const p = plan(snapshot({ jobs: [burst], tasks, launchTimeouts: t }), later, policy());
    expect(p.launches).toHaveLength(1);
    expect(unplacedReason(p, 'burst-9')).toMatch(/launches held: .*; one probe launch this pass/);
    const probe = launching('probe', 'm5.large', SECOND, { launchedAt: later - SECOND, capacity: res(0, 0) });
    const booting = plan(snapshot({ jobs: [burst], tasks, nodes: [probe], launchTimeouts: t }), later, policy());
    expect(booting.launches).toEqual([]);
  });

  it('clears the count when a node launched after the last timed-out one heartbeats', () => {
    const t: LaunchTimeouts = { nodeIds: ['i-1', 'i-2', 'i-3'], lastLaunchedAt: NOW - 20 * MINUTE, lastTimedOutAt: NOW - MINUTE };
    const older = node('old', 'm5.large', { launchedAt: NOW - 60 * MINUTE, lastHeartbeatAt: NOW });
    expect(launchTimeoutsAfter(t, [], [older], NOW)).toBe(t);
    const fresh = node('new', 'm5.large', { launchedAt: NOW - 5 * MINUTE, lastHeartbeatAt: NOW });
    expect(launchTimeoutsAfter(t, [], [older, fresh], NOW)).toBeUndefined();
  });
});
