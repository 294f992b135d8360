import { formatNodes } from '../../cli/commands/nodes';
import { formatReport as formatPack } from '../../cli/commands/pack';
import { formatJob, formatJobList } from '../../cli/commands/status';
import { formatTable, outputWidth } from '../../cli/format-table';
import type { JobResponse } from '../../contract/job-view';
import type { NodeView } from '../../contract/node-view';
import { buildReport, compareReports, renderReport } from '../../report';
import { MIXED } from '../report/fixtures';
import { jobView } from './fixtures';

/**
 * Every table the CLI prints, rendered at 80 columns (what a pipe or a file gets) with
 * realistic long values, has no line longer than 80; and a wide terminal still gets the
 * one-line-per-row table.
 */

const widest = (text: string) => Math.max(...text.split('\n').map((l) => l.length));

const JOB: JobResponse['job'] = jobView({
  name: 'web-frontend',
  image: 'registry.example.com/team/web-frontend:2027-01-01-abcdef0',
  command: ['sh', '-c', 'mkdir -p /tmp/web && echo "$GREETING from $(hostname)" | tee /tmp/index.html > /tmp/web/index.html && exec httpd -f -v -p 8080 -h /tmp'],
  createdAt: 1,
  ports: [{ name: 'http', containerPort: 8080, protocol: 'tcp' }],
  expose: { port: 'http', host: 'web.example.com', path: '/api/*' },
  healthCheck: { http: { port: 'http', path: '/healthz' }, intervalSeconds: 10, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 30 },
  version: 3,
  latestVersion: 4,
  stableVersion: 2,
  deployment: { id: 5, fromVersion: 4, toVersion: 3, status: 'RUNNING', startedAt: 1, rollbackOf: { version: 4, reason: 'copies of v4 keep failing (job-0123456789abcdef0123.1.g7: unhealthy: the http health check on port http path /healthz failed past its retries, 3 restarts)' }, copies: { '3': { total: 2, serving: 1 }, '4': { total: 1, serving: 0 } } },
});

const JOB_DETAIL: JobResponse = {
  job: JOB,
  tasks: [
    { id: `${JOB.id}.0`, slot: 0, generation: 1, version: 3, status: 'RUNNING', nodeId: 'local-123456-1', restarts: 0, endpoints: [{ port: 'http', containerPort: 8080, hostPort: 32768 }], health: 'healthy' },
    { id: `${JOB.id}.1`, slot: 1, generation: 2, version: 3, status: 'PENDING', nodeId: null, restarts: 4, reason: 'no node fits: 3 nodes rejected (insufficient-memory on 2, constraint:instance-type on 1); waiting for a launch of m5.xlarge' },
  ],
};

/** EC2 nodes as GET /nodes lists them on AWS: 19-character ids, zones, DRAINING the longest state. */
const NODES: NodeView[] = [1, 2, 3].map((i) => ({
  id: `i-0123456789abcdef${i}`,
  type: 'm5.xlarge',
  zone: 'us-east-1a',
  state: i === 3 ? 'DRAINING' : 'ACTIVE',
  labels: {},
  capacity: { cpu: 4000, memoryMiB: 16384 },
  allocated: { cpu: 3750, memoryMiB: 15000 },
  usage: null,
  launchedAt: 0,
  lastHeartbeatAt: 0,
  pricePerHour: 4.608,
}));

const LOCAL_NODES: NodeView[] = NODES.map((n, i) => ({ ...n, id: `local-123456-${i + 1}`, type: 'm5.large', zone: `local-${'abc'[i]}`, capacity: { cpu: 2000, memoryMiB: 8192 }, allocated: { cpu: 1750, memoryMiB: 6000 } }));

const REPORT = buildReport(MIXED, { from: MIXED[0].t, to: MIXED[MIXED.length - 1].t });
const COMPARISON = compareReports('Replay of data/openb/openb_pod_list_default.csv: 8152 tasks, stowage vs first-fit vs static', [
  { name: 'stowage', description: "Stowage's placement: best fit on the dominant resource, consolidation on", report: REPORT },
  { name: 'first-fit', description: 'First-fit in arrival order, no consolidation (the static provisioning baseline)', report: REPORT },
]);

const TABLES: Record<string, (width: number) => string> = {
  'status (job list)': (w) =>
    formatJobList(
      [
        { id: JOB.id, name: JOB.name, kind: 'service', count: 3, createdAt: 1, stopRequestedAt: 2, tasks: { PENDING: 1, UNSCHEDULABLE: 1, ASSIGNED: 1, STARTING: 2, RUNNING: 30, COMPLETED: 4, FAILED: 2, LOST: 1, STOPPED: 9 } },
        { id: 'job-ffffffffffffffffffff', name: 'primes', kind: 'batch', count: 4, createdAt: 1, tasks: { COMPLETED: 4 } },
      ],
      w,
    ),
  'status <job>': (w) => formatJob(JOB_DETAIL, w),
  'nodes (local)': (w) => formatNodes(LOCAL_NODES, new Map([[LOCAL_NODES[0].id, 12]]), 90_000, w),
  'nodes (AWS)': (w) => formatNodes(NODES, new Map([[NODES[0].id, 12]]), 90_000, w),
  report: (w) => renderReport(REPORT, 'table', { width: w }),
  'report (comparison)': (w) => renderReport(COMPARISON, 'table', { width: w }),
  pack: (w) =>
    formatPack('data/openb/openb_pod_list_default.csv', { cpu: 96000, memoryMiB: 393216 }, [
      { strategy: 'stowage', tasks: 8152, unplaceable: 0, nodes: 1234, lowerBound: 1200, ratio: 1.0283, ms: 1234.5 },
      { strategy: 'first-fit', tasks: 8152, unplaceable: 0, nodes: 1301, lowerBound: 1200, ratio: 1.0842, ms: 98.1 },
    ], w),
};

/** Each table's header line: at 80 columns every one is still a table, not a block per row. */
const HEADER: Record<string, RegExp> = {
  'status (job list)': /^id +name +kind +replicas +tasks$/m,
  'status <job>': /^slot +gen +status +node +restarts +endpoints +health +reason$/m,
  // The bar goes, the headers wrap, then ids after a hyphen and figures at a space.
  'nodes (local)': /^id +type +zone +state +cpu +mem +tasks +heartbeat\n +alloc\/cap +alloc\/cap\nlocal- +m5\.large +local-a +ACTIVE +1750\/2000m +6000\/8192 +12 +1m ago\n123456-1 +MiB\n/m,
  // Eight columns of 19-character ids and zones need 88 columns even wrapped: a block per
  // node, as `kubectl describe` prints, rather than ids broken in two.
  'nodes (AWS)': /^id +i-0123456789abcdef1\ntype +m5\.xlarge\nzone +us-east-1a\nstate +ACTIVE\ncpu alloc\/cap +3750\/4000m\nmem alloc\/cap +15000\/16384 MiB\ntasks +12\nheartbeat +1m ago\n\nid +i-0123456789abcdef2$/m,
  report: /^figure +value$/m,
  // Eleven figures do not fit 80 columns side by side: turned on its side, a figure a row.
  'report (comparison)': /^figure +stowage +first-fit\nnode-hours +6 +6\n/m,
  pack: /^strategy +models +nodes +ratio +ms$/m,
};

describe('CLI tables at 80 columns', () => {
  test.each(Object.keys(TABLES))('%s: no line longer than 80', (name) => {
    const text = TABLES[name](80);
    expect(widest(text)).toBeLessThanOrEqual(80);
    expect(text).toMatch(HEADER[name]);
    // Nothing dropped or added to make it fit but the decoration (the CPU bar): the same
    // characters as the wide rendering. (A block per row adds labels; a comparison on its
    // side names its first column "figure".)
    const chars = (t: string) => [...t.replace(/\s+|\[[#.]*\]/g, '')].sort().join('');
    if (!name.includes('AWS') && !name.includes('comparison')) expect(chars(text)).toBe(chars(TABLES[name](1000)));
  });

  test('a wide terminal gets one line per row, as before', () => {
    const list = TABLES['status (job list)'](1000).trimEnd().split('\n');
    expect(list).toHaveLength(3);
    expect(list[1]).toMatch(/^job-0123456789abcdef0123\s+web-frontend\s+service\s+3\s+1 pending, .* 9 stopped\s+stopping$/);
  });

  test("the report's long values wrap under their own start, beside their label", () => {
    const lines = renderReport(REPORT, 'table', { width: 60 }).split('\n');
    const start = lines.findIndex((l) => l.startsWith('control plane'));
    const valueColumn = lines[start].indexOf('$');
    expect(lines[start + 1].slice(0, valueColumn).trim()).toBe('');
    expect(lines[start + 1].charAt(valueColumn)).not.toBe(' ');
  });
});

describe('formatTable', () => {
  test('narrows the widest column first and wraps its cells at spaces; short columns keep their width', () => {
    const out = formatTable(['id', 'reason'], [['job-1', 'one two three four five six seven eight nine ten']], ['left', 'left'], 24);
    expect(out).toBe('id     reason\njob-1  one two three\n       four five six\n       seven eight nine\n       ten\n');
  });

  test('when even the longest words do not fit side by side, one block per row', () => {
    const out = formatTable(['id', 'description'], [['abcdefghijklmnop', 'qrstuvwxyzabcdefgh'], ['b', 'c']], ['left', 'left'], 34);
    expect(out).toBe('id           abcdefghijklmnop\ndescription  qrstuvwxyzabcdefgh\n\nid           b\ndescription  c\n');
  });
});

describe('outputWidth', () => {
  test("a terminal's columns; else $COLUMNS; else 80", () => {
    expect(outputWidth({ isTTY: true, columns: 132 }, {})).toBe(132);
    expect(outputWidth({ isTTY: false }, { COLUMNS: '100' })).toBe(100);
    expect(outputWidth({ isTTY: false }, { COLUMNS: 'wide' })).toBe(80);
    expect(outputWidth({}, {})).toBe(80);
  });
});
