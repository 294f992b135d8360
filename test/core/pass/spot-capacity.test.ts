import { DEFAULT_CATALOG } from '../../../core/catalog';
import { unavailableAfter } from '../../../core/offerings';
import { plan } from '../../../core/pass/plan';
import { MAX_SPOT_OFFERINGS, SPOT_PRICE_BAND } from '../../../core/pass/scale-up';
import { SPOT_DISCOUNT_BY_FAMILY, spotPricePerHour } from '../../../core/spot-prices';
import { assignmentOf, job, node, NOW, policy, replicas, snapshot, updateOf } from '../fixtures';

const spotNode = (id: string, type = 'm7g.xlarge') => node(id, type, { capacityType: 'spot' });
const price = (name: string) => DEFAULT_CATALOG.find((t) => t.name === name)!.pricePerHour;
const spotRefusedEverywhere = () =>
  DEFAULT_CATALOG.flatMap((t) => ['us-east-1a', 'us-east-1b', 'us-east-1c'].map((zone) => unavailableAfter({ instanceType: t.name, zone, capacityType: 'spot', reason: 'insufficient-capacity', vcpus: 2 }, NOW)));

describe('the Spot discount table', () => {
  it('has a discount for every family of the bundled catalog, each a share strictly between 0 and the advertised 90 % maximum', () => {
    const families = [...new Set(DEFAULT_CATALOG.map((t) => t.name.split('.')[0]))].sort();
    expect(Object.keys(SPOT_DISCOUNT_BY_FAMILY).sort()).toEqual(families);
    for (const f of families) {
      expect(SPOT_DISCOUNT_BY_FAMILY[f]).toBeGreaterThan(0);
      expect(SPOT_DISCOUNT_BY_FAMILY[f]).toBeLessThan(0.9);
    }
    expect(spotPricePerHour({ name: 'm5.large', pricePerHour: 0.096 })).toBeCloseTo(0.096 * (1 - SPOT_DISCOUNT_BY_FAMILY.m5), 10);
  });
});

describe('placement by capacity choice', () => {
  it('never lands an on-demand copy on a Spot node, and tells why', () => {
    const svc = job('svc', { capacity: 'on-demand' });
    const p = plan(snapshot({ jobs: [svc], tasks: replicas(svc, 1), nodes: [spotNode('s1')] }), NOW, policy({ scaleUp: { enabled: false } }));
    expect(assignmentOf(p, 'svc-0')).toBeUndefined();
    expect(updateOf(p, 'svc-0')?.reason).toBe('capacity on-demand matches no node that can hold it (constraint:capacity) and scale-up is disabled');
  });

  it('a service that does not say is on-demand: it skips the Spot node for the on-demand one', () => {
    const svc = job('svc');
    const p = plan(snapshot({ jobs: [svc], tasks: replicas(svc, 1), nodes: [spotNode('s1'), node('od', 'm5.xlarge')] }), NOW, policy());
    expect(assignmentOf(p, 'svc-0')?.nodeId).toBe('od');
  });

  it('puts a spot-only copy only on a Spot node', () => {
    const crunch = job('crunch', { kind: 'batch', capacity: 'spot' });
    const p = plan(snapshot({ jobs: [crunch], tasks: replicas(crunch, 1), nodes: [node('od', 'm7g.large'), spotNode('s1')] }), NOW, policy());
    expect(assignmentOf(p, 'crunch-0')?.nodeId).toBe('s1');
  });

  it('lets a batch copy that does not say use either kind of node', () => {
    const b = job('b', { kind: 'batch' });
    const p = plan(snapshot({ jobs: [b], tasks: replicas(b, 1), nodes: [spotNode('s1')] }), NOW, policy());
    expect(assignmentOf(p, 'b-0')?.nodeId).toBe('s1');
  });
});

describe('scale-up with Spot', () => {
  it('launches Spot for copies that all accept it, at the Spot price, with other pools as alternatives', () => {
    const b = job('b', { kind: 'batch', count: 4 });
    const p = plan(snapshot({ jobs: [b], tasks: replicas(b, 4) }), NOW, policy());
    expect(p.launches.length).toBeGreaterThan(0);
    for (const l of p.launches) {
      expect(l.capacityType).toBe('spot');
      expect(l.pricePerHour).toBeCloseTo(spotPricePerHour({ name: l.instanceType, pricePerHour: price(l.instanceType) }), 10);
      const alts = l.alternatives ?? [];
      expect(alts.length).toBeGreaterThan(1);
      expect(alts.length).toBeLessThan(MAX_SPOT_OFFERINGS);
      // Other pools, across zones, none the planned one, each within the band of the cheapest and able to hold the launch's copies.
      expect(new Set(alts.map((a) => a.zone)).size).toBeGreaterThan(1);
      expect(alts).not.toContainEqual(expect.objectContaining({ instanceType: l.instanceType, zone: l.zone }));
      const cheapest = Math.min(l.pricePerHour, ...alts.map((a) => a.pricePerHour));
      for (const a of alts) {
        expect(a.pricePerHour).toBeLessThanOrEqual(cheapest * SPOT_PRICE_BAND + 1e-12);
        const t = DEFAULT_CATALOG.find((x) => x.name === a.instanceType)!;
        expect(t.capacity.cpu).toBeGreaterThanOrEqual(l.forTasks.length * b.resources.cpu);
      }
      const sorted = [...alts].sort((x, y) => x.pricePerHour - y.pricePerHour);
      expect(alts.map((a) => a.pricePerHour)).toEqual(sorted.map((a) => a.pricePerHour));
    }
  });

  it('is deterministic: the same snapshot plans the same launches and alternatives', () => {
    const b = job('b', { kind: 'batch', count: 6 });
    const s = snapshot({ jobs: [b], tasks: replicas(b, 6) });
    expect(plan(s, NOW, policy()).launches).toEqual(plan(s, NOW, policy()).launches);
  });

  it('keeps on-demand-only copies off a Spot launch: a mixed waiting set gets one launch of each kind', () => {
    const b = job('b', { kind: 'batch', count: 2 });
    const svc = job('svc', { count: 2, spread: 'none' });
    const p = plan(snapshot({ jobs: [b, svc], tasks: [...replicas(b, 2), ...replicas(svc, 2)] }), NOW, policy());
    const spot = p.launches.filter((l) => l.capacityType === 'spot');
    const od = p.launches.filter((l) => l.capacityType === undefined);
    expect(spot.flatMap((l) => l.forTasks).sort()).toEqual(['b-0', 'b-1']);
    expect(od.flatMap((l) => l.forTasks).sort()).toEqual(['svc-0', 'svc-1']);
    for (const l of od) expect(l.alternatives).toBeUndefined();
  });

  it('skips Spot pools EC2 refused: neither planned nor offered as alternatives', () => {
    const b = job('b', { kind: 'batch', count: 2 });
    const refused = ['us-east-1a', 'us-east-1b'].flatMap((zone) => DEFAULT_CATALOG.map((t) => unavailableAfter({ instanceType: t.name, zone, capacityType: 'spot', reason: 'insufficient-capacity', vcpus: 2 }, NOW)));
    const p = plan(snapshot({ jobs: [b], tasks: replicas(b, 2), unavailable: refused }), NOW, policy());
    expect(p.launches.length).toBeGreaterThan(0);
    for (const l of p.launches) {
      expect(l.capacityType).toBe('spot');
      expect(l.zone).toBe('us-east-1c');
      for (const a of l.alternatives ?? []) expect(a.zone).toBe('us-east-1c');
    }
  });

  it('falls back to On-Demand for spot-or-on-demand copies when every Spot pool is refused', () => {
    const b = job('b', { kind: 'batch', count: 2 });
    const p = plan(snapshot({ jobs: [b], tasks: replicas(b, 2), unavailable: spotRefusedEverywhere() }), NOW, policy());
    expect(p.launches.length).toBeGreaterThan(0);
    for (const l of p.launches) expect(l.capacityType).toBeUndefined();
    expect(p.launches.flatMap((l) => l.forTasks).sort()).toEqual(['b-0', 'b-1']);
  });

  it('never launches On-Demand for a spot-only job: it waits, saying Spot was refused', () => {
    const b = job('b', { kind: 'batch', capacity: 'spot' });
    const p = plan(snapshot({ jobs: [b], tasks: replicas(b, 1), unavailable: spotRefusedEverywhere() }), NOW, policy());
    expect(p.launches).toEqual([]);
    expect(updateOf(p, 'b-0')?.reason).toMatch(/refused every instance type that holds it/);
  });

  it('launches Spot for the karpenter provisioner too, at the cheapest Spot option of the claim', () => {
    const b = job('b', { kind: 'batch', count: 3 });
    const p = plan(snapshot({ jobs: [b], tasks: replicas(b, 3) }), NOW, policy({ scaleUp: { provisioner: 'karpenter' } }));
    expect(p.launches.length).toBeGreaterThan(0);
    for (const l of p.launches) {
      expect(l.capacityType).toBe('spot');
      expect(l.pricePerHour).toBeCloseTo(spotPricePerHour({ name: l.instanceType, pricePerHour: price(l.instanceType) }), 10);
    }
  });
});
