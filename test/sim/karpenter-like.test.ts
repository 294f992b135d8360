import { DEFAULT_CATALOG } from '../../core/catalog';
import type { InstanceType } from '../../core/model';
import { packNodeClaims } from '../../core/placement/node-claims';
import { plan } from '../../core/pass/plan';
import type { Plan } from '../../core/pass/plan-types';
import { validatePolicy } from '../../core/policy';
import { KARPENTER_VALIDATION_MS, simPolicy } from '../../sim/baselines';
import { instanceType, job, node, NOW, ptask, res, running, SECOND, snapshot, task } from '../core/fixtures';

const KARPENTER = simPolicy('karpenter-like', DEFAULT_CATALOG, 100);
const drained = (p: Plan) => p.nodeUpdates.filter((u) => u.to === 'DRAINING').map((u) => u.nodeId).sort();
/** A node whose candidacy began long enough ago to have passed Karpenter's 15 s validation. */
const validated = { underutilizedSince: NOW - KARPENTER_VALIDATION_MS };

describe('karpenter-like policy', () => {
  it('is a valid policy with the defaults Karpenter documents', () => {
    expect(() => validatePolicy(KARPENTER)).not.toThrow();
    expect(KARPENTER.strategy).toBe('spread');
    expect(KARPENTER.scaleUp.provisioner).toBe('karpenter');
    expect(KARPENTER.consolidation).toMatchObject({ mode: 'karpenter', disruptionBudgetPercent: 10, stableForMs: 0, emptyGraceMs: 15 * SECOND });
  });

  describe('provisioning (node claims)', () => {
    const types: InstanceType[] = [
      { name: 'small', capacity: res(2000, 8192), pricePerHour: 0.1 },
      { name: 'large', capacity: res(8000, 32768), pricePerHour: 0.4 },
    ];

    it('packs a batch into claims that may grow to the largest type, then buys the cheapest type that holds each', () => {
      const tasks = Array.from({ length: 5 }, (_, i) => ptask(`t${i}`, res(1500, 4096), {}, i));
      const { claims, unplaced } = packNodeClaims(tasks, types, 10);
      expect(unplaced).toEqual([]);
      // 5 × 1500m: a large claim holds 5 (7500m); one claim, bought as large.
      expect(claims.map((c) => [c.type.name, c.taskIds.length])).toEqual([['large', 5]]);
    });

    it('buys a small node for a straggler', () => {
      const { claims } = packNodeClaims([ptask('t', res(500, 1024))], types, 10);
      expect(claims.map((c) => c.type.name)).toEqual(['small']);
    });

    it('respects the node limit', () => {
      const tasks = Array.from({ length: 3 }, (_, i) => ptask(`t${i}`, res(8000, 1024), {}, i));
      const { claims, unplaced } = packNodeClaims(tasks, types, 2);
      expect(claims).toHaveLength(2);
      expect(unplaced).toEqual(['t2']);
    });

    it('is what the pass launches under karpenter-like', () => {
      const web = job('web', { resources: res(1500, 4096), count: 5 });
      const tasks = Array.from({ length: 5 }, (_, i) => task(`web-${i}`, 'web', { slot: i, resources: res(1500, 4096) }));
      const p = plan(snapshot({ jobs: [web], tasks, nodes: [] }), NOW, KARPENTER);
      const fromClaims = packNodeClaims(
        tasks.map((t, i) => ptask(t.id, t.resources, {}, i)),
        KARPENTER.scaleUp.instanceTypes,
        100,
      ).claims.map((c) => c.type.name);
      expect(p.launches.map((l) => l.instanceType)).toEqual(fromClaims);
    });
  });

  describe('consolidation', () => {
    const small = job('small', { resources: res(500, 512) });

    it('waits for the 15 s validation before acting on a new candidate', () => {
      const nodes = [node('a', 'm5.xlarge'), node('b', 'm5.xlarge', validated)];
      const tasks = [running('s-a', 'small', 'a'), running('s-b', 'small', 'b', { slot: 1 })];
      const p = plan(snapshot({ jobs: [{ ...small, count: 2 }], tasks, nodes }), NOW, KARPENTER);
      // a just became a candidate (marked now); b had passed validation and goes.
      expect(p.nodeUpdates.find((u) => u.nodeId === 'a')).toMatchObject({ underutilizedSince: NOW });
      expect(drained(p)).toEqual(['b']);
    });

    it('deletes several nodes in one multi-node command when their pods fit elsewhere together', () => {
      const big = node('big', 'm5.4xlarge', validated);
      const light = ['l1', 'l2', 'l3'].map((id) => node(id, 'm5.large', validated));
      // The heavy pod may not be disrupted, so only the three light nodes are candidates.
      const bigJob = job('heavy', { resources: res(8000, 16384), doNotDisrupt: true });
      const tasks = [running('h', 'heavy', 'big'), ...light.map((n, i) => running(`s${i}`, 'small', n.id, { slot: i }))];
      const p = plan(snapshot({ jobs: [bigJob, { ...small, count: 3 }], tasks, nodes: [big, ...light] }), NOW, KARPENTER);
      // Budget: ceil(10 % of 4 nodes) = 1, so one goes per pass.
      expect(drained(p)).toHaveLength(1);
      const wide = simPolicy('karpenter-like', DEFAULT_CATALOG, 100);
      const p2 = plan(
        snapshot({ jobs: [bigJob, { ...small, count: 3 }], tasks, nodes: [big, ...light] }),
        NOW,
        { ...wide, consolidation: { ...wide.consolidation, disruptionBudgetPercent: 100 } },
      );
      expect(drained(p2)).toEqual(['l1', 'l2', 'l3']);
      expect(p2.consolidations.every((c) => c.action === 'delete')).toBe(true);
    });

    it('replaces a node only with a strictly cheaper one', () => {
      // One 500m copy on an m5.2xlarge: no other node, so it must be replaced by something cheaper.
      const n = node('fat', 'm5.2xlarge', validated);
      const p = plan(snapshot({ jobs: [small], tasks: [running('s', 'small', 'fat')], nodes: [n] }), NOW, KARPENTER);
      expect(drained(p)).toEqual(['fat']);
      expect(p.launches).toHaveLength(1);
      expect(p.launches[0].pricePerHour).toBeLessThan(instanceType('m5.2xlarge').pricePerHour);
    });

    it('never moves a do-not-disrupt job', () => {
      const pinned = job('pinned', { doNotDisrupt: true });
      const p = plan(snapshot({ jobs: [pinned], tasks: [running('p', 'pinned', 'fat')], nodes: [node('fat', 'm5.2xlarge', validated)] }), NOW, KARPENTER);
      expect(drained(p)).toEqual([]);
    });
  });
});
