import type { NodeState } from '../../../core/model';
import type { SpreadRule } from '../../../core/placement/spread';
import { binFrom } from '../../../core/placement/bin';
import {
  archFilter,
  cpuFilter,
  describeRejections,
  FILTERS,
  firstRejection,
  instanceTypeFilter,
  memoryFilter,
  nodeLabelFilter,
  nodeStateFilter,
  zoneFilter,
} from '../../../core/placement/filters';
import { bin, ptask, res } from '../fixtures';

const CAP = res(2000, 8192);

describe('placement filters', () => {
  describe('nodeStateFilter', () => {
    it.each<NodeState>(['ACTIVE', 'LAUNCHING'])('accepts a %s node', (state) => {
      expect(nodeStateFilter.accepts(bin('n', CAP, CAP, { state }), ptask('t', res(1, 1)))).toBe(true);
      expect(firstRejection(bin('n', CAP, CAP, { state }), ptask('t', res(1, 1)))).toBeNull();
    });

    it.each<NodeState>(['DRAINING', 'LOST', 'TERMINATING'])('rejects a %s node as node-not-accepting-work', (state) => {
      expect(nodeStateFilter.accepts(bin('n', CAP, CAP, { state }), ptask('t', res(1, 1)))).toBe(false);
      expect(firstRejection(bin('n', CAP, CAP, { state }), ptask('t', res(1, 1)))).toBe('node-not-accepting-work');
    });
  });

  describe('instanceTypeFilter', () => {
    it('rejects a node whose type is not in the allowed list as constraint:instance-type', () => {
      const t = ptask('t', res(1, 1), { instanceTypes: ['c5.large', 'c5.xlarge'] });
      expect(firstRejection(bin('n', CAP, CAP, { instanceType: 'm5.large' }), t)).toBe('constraint:instance-type');
      expect(firstRejection(bin('n', CAP, CAP, { instanceType: 'c5.xlarge' }), t)).toBeNull();
    });

    it('treats an empty or missing list as any type', () => {
      expect(instanceTypeFilter.accepts(bin('n', CAP), ptask('t', res(1, 1), { instanceTypes: [] }))).toBe(true);
      expect(instanceTypeFilter.accepts(bin('n', CAP), ptask('t', res(1, 1)))).toBe(true);
    });
  });

  describe('archFilter', () => {
    const arm = ptask('t', res(1, 1), { arch: 'arm64' });

    it('rejects a node of another architecture as constraint:arch', () => {
      expect(firstRejection(bin('n', CAP, CAP, { arch: 'x86_64' }), arm)).toBe('constraint:arch');
      expect(firstRejection(bin('n', CAP, CAP, { arch: 'arm64' }), arm)).toBeNull();
    });

    it('lets a job that names no architecture run anywhere, even where the architecture is unknown', () => {
      expect(archFilter.accepts(bin('n', CAP, CAP, { arch: 'x86_64' }), ptask('t', res(1, 1)))).toBe(true);
      expect(archFilter.accepts(bin('n', CAP, CAP, { arch: undefined }), ptask('t', res(1, 1)))).toBe(true);
    });

    it('keeps a job that names one off a node whose architecture nobody knows', () => {
      expect(firstRejection(bin('n', CAP, CAP, { instanceType: 'made-up.large', arch: undefined }), arm)).toBe('constraint:arch');
    });

    it('reads a node\'s architecture from what its agent reports before what the catalog says of its type', () => {
      // A local node plays an m5.large (x86_64 in the catalog) on an arm64 host.
      const local = binFrom({ id: 'n', instanceType: 'm5.large', zone: 'local-a', labels: { 'stowage.io/arch': 'arm64' }, capacity: CAP, state: 'ACTIVE' }, res(0, 0), 0);
      expect(local.arch).toBe('arm64');
      expect(firstRejection(local, arm)).toBeNull();
      const unheard = binFrom({ id: 'n', instanceType: 'm7g.large', zone: 'us-east-1a', labels: {}, capacity: CAP, state: 'LAUNCHING' }, res(0, 0), 0);
      expect(unheard.arch).toBe('arm64');
      const x86 = binFrom({ id: 'n', instanceType: 'c7i.large', zone: 'us-east-1a', labels: {}, capacity: CAP, state: 'ACTIVE' }, res(0, 0), 0);
      expect(firstRejection(x86, arm)).toBe('constraint:arch');
    });

    it('ignores a reported label that is not an architecture, falling back to the catalog', () => {
      const b = binFrom({ id: 'n', instanceType: 'm5.large', zone: 'z', labels: { 'stowage.io/arch': 'sparc' }, capacity: CAP, state: 'ACTIVE' }, res(0, 0), 0);
      expect(b.arch).toBe('x86_64');
    });

    it('names the architecture in the reason a copy is left unplaced', () => {
      expect(describeRejections([bin('a', CAP, CAP, { arch: 'x86_64' }), bin('b', CAP, CAP, { arch: 'x86_64' })], arm)).toBe('no node fits: constraint:arch ×2');
    });
  });

  describe('zoneFilter', () => {
    it('rejects a node in another zone as constraint:zone', () => {
      const t = ptask('t', res(1, 1), { zones: ['us-east-1b'] });
      expect(firstRejection(bin('n', CAP, CAP, { zone: 'us-east-1a' }), t)).toBe('constraint:zone');
      expect(firstRejection(bin('n', CAP, CAP, { zone: 'us-east-1b' }), t)).toBeNull();
    });

    it('treats an empty or missing list as any zone', () => {
      expect(zoneFilter.accepts(bin('n', CAP), ptask('t', res(1, 1), { zones: [] }))).toBe(true);
      expect(zoneFilter.accepts(bin('n', CAP), ptask('t', res(1, 1)))).toBe(true);
    });
  });

  describe('nodeLabelFilter', () => {
    const t = ptask('t', res(1, 1), { nodeLabels: { disk: 'ssd', team: 'payments' } });

    it('rejects a node missing a wanted label as constraint:node-label', () => {
      expect(firstRejection(bin('n', CAP, CAP, { labels: { disk: 'ssd' } }), t)).toBe('constraint:node-label');
    });

    it('rejects a node carrying the label with another value', () => {
      expect(firstRejection(bin('n', CAP, CAP, { labels: { disk: 'hdd', team: 'payments' } }), t)).toBe('constraint:node-label');
    });

    it('accepts a node carrying every wanted label, whatever else it carries', () => {
      expect(firstRejection(bin('n', CAP, CAP, { labels: { disk: 'ssd', team: 'payments', extra: 'x' } }), t)).toBeNull();
      expect(nodeLabelFilter.accepts(bin('n', CAP), ptask('u', res(1, 1)))).toBe(true);
    });
  });

  describe('resource filters', () => {
    it('rejects a task asking more CPU than is free as insufficient-cpu', () => {
      const b = bin('n', CAP, res(499, 8192));
      expect(firstRejection(b, ptask('t', res(500, 1)))).toBe('insufficient-cpu');
      expect(cpuFilter.accepts(b, ptask('t', res(499, 1)))).toBe(true);
    });

    it('rejects a task asking more memory than is free as insufficient-memory', () => {
      const b = bin('n', CAP, res(2000, 511));
      expect(firstRejection(b, ptask('t', res(1, 512)))).toBe('insufficient-memory');
      expect(memoryFilter.accepts(b, ptask('t', res(1, 511)))).toBe(true);
    });

    it('accepts a task that exactly fills the free capacity', () => {
      expect(firstRejection(bin('n', CAP, res(700, 300)), ptask('t', res(700, 300)))).toBeNull();
    });
  });

  describe('spread', () => {
    const rule = (scope: 'node' | 'zone', max: number, counts: Array<[string, number]>): SpreadRule => ({ jobId: 'web', scope, max, counts: new Map(counts) });
    const copy = (r: SpreadRule) => ({ ...ptask('t', res(100, 100)), jobId: 'web', spread: r });

    it('rejects a node holding the most copies of the job its node spread allows, as spread:node', () => {
      const r = rule('node', 2, [['full', 2], ['one', 1]]);
      expect(firstRejection(bin('full', CAP), copy(r))).toBe('spread:node');
      expect(firstRejection(bin('one', CAP), copy(r))).toBeNull();
      expect(firstRejection(bin('none', CAP), copy(r))).toBeNull();
    });

    it('rejects every node of a zone at the maximum, as spread:zone, and none elsewhere', () => {
      const r = rule('zone', 1, [['us-east-1a', 1]]);
      expect(firstRejection(bin('a1', CAP, CAP, { zone: 'us-east-1a' }), copy(r))).toBe('spread:zone');
      expect(firstRejection(bin('a2', CAP, CAP, { zone: 'us-east-1a' }), copy(r))).toBe('spread:zone');
      expect(firstRejection(bin('b1', CAP, CAP, { zone: 'us-east-1b' }), copy(r))).toBeNull();
    });

    it('comes after constraints and before resources', () => {
      const r = rule('node', 1, [['n', 1]]);
      const full = bin('n', CAP, res(0, 0), { zone: 'us-east-1a' });
      expect(firstRejection(full, copy(r))).toBe('spread:node');
      expect(firstRejection(full, { ...copy(r), constraints: { zones: ['us-east-1b'] } })).toBe('constraint:zone');
    });

    it('never rejects a task without spread, whatever the counts of its job', () => {
      expect(firstRejection(bin('n', CAP), ptask('t', res(1, 1)))).toBeNull();
    });

    it('names spread in the reason a copy is left unplaced', () => {
      const r = rule('node', 1, [['a', 1], ['b', 1]]);
      expect(describeRejections([bin('a', CAP), bin('b', CAP), bin('c', CAP, res(0, 0))], copy(r))).toBe('no node fits: spread:node ×2, insufficient-cpu ×1');
    });
  });

  describe('the pipeline', () => {
    it('runs state, instance type, zone, node label, arch, capacity, spread, cpu, memory — in that order', () => {
      expect(FILTERS.map((f) => f.reason)).toEqual([
        'node-not-accepting-work',
        'constraint:instance-type',
        'constraint:zone',
        'constraint:node-label',
        'constraint:arch',
        'constraint:capacity',
        'spread:node',
        'spread:zone',
        'insufficient-cpu',
        'insufficient-memory',
      ]);
    });

    it('reports the first failing filter when several fail', () => {
      // Fails every filter at once.
      const hopeless = bin('n', CAP, res(0, 0), { state: 'DRAINING', instanceType: 'm5.large', zone: 'us-east-1a', labels: {} });
      const t = ptask('t', res(100, 100), { instanceTypes: ['c5.large'], zones: ['us-east-1b'], nodeLabels: { gpu: 'yes' } });
      expect(firstRejection(hopeless, t)).toBe('node-not-accepting-work');
      expect(firstRejection({ ...hopeless, state: 'ACTIVE' }, t)).toBe('constraint:instance-type');
      expect(firstRejection({ ...hopeless, state: 'ACTIVE', instanceType: 'c5.large' }, t)).toBe('constraint:zone');
      expect(firstRejection({ ...hopeless, state: 'ACTIVE', instanceType: 'c5.large', zone: 'us-east-1b' }, t)).toBe('constraint:node-label');
      const labelled = { ...hopeless, state: 'ACTIVE' as const, instanceType: 'c5.large', zone: 'us-east-1b', labels: { gpu: 'yes' } };
      expect(firstRejection(labelled, t)).toBe('insufficient-cpu');
      expect(firstRejection({ ...labelled, freeCpu: 100 }, t)).toBe('insufficient-memory');
      expect(firstRejection({ ...labelled, freeCpu: 100, freeMemoryMiB: 100 }, t)).toBeNull();
    });

    it('uses only the filters it is given', () => {
      const b = bin('n', CAP, res(0, 0), { state: 'LOST' });
      expect(firstRejection(b, ptask('t', res(1, 1)), [memoryFilter])).toBe('insufficient-memory');
      expect(firstRejection(b, ptask('t', res(1, 1)), [])).toBeNull();
    });
  });

  describe('describeRejections', () => {
    it('counts each first reason over the fleet, most frequent first', () => {
      const bins = [
        bin('a', CAP, res(100, 8192)),
        bin('b', CAP, res(100, 8192)),
        bin('c', CAP, res(100, 8192)),
        bin('d', CAP, CAP, { zone: 'us-east-1c' }),
        bin('e', CAP, CAP, { state: 'DRAINING', zone: 'us-east-1c' }),
        bin('f', CAP, res(2000, 10)),
      ];
      const t = ptask('t', res(500, 512), { zones: ['us-east-1a'] });
      expect(describeRejections(bins, t)).toBe('no node fits: insufficient-cpu ×3, constraint:zone ×1, insufficient-memory ×1, node-not-accepting-work ×1');
    });

    it('breaks equal counts by reason name', () => {
      const bins = [bin('a', CAP, res(0, 8192)), bin('b', CAP, res(2000, 0))];
      expect(describeRejections(bins, ptask('t', res(1, 1)))).toBe('no node fits: insufficient-cpu ×1, insufficient-memory ×1');
    });

    it('says so when the fleet is empty', () => {
      expect(describeRejections([], ptask('t', res(1, 1)))).toBe('no nodes in the fleet');
    });

    it('says the task fits but lost the race when every node is feasible', () => {
      expect(describeRejections([bin('a', CAP), bin('b', CAP)], ptask('t', res(1, 1)))).toBe('fits a node, but the pass placed other tasks there first');
    });
  });
});
