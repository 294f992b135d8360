import type { Node, Task } from '../../core/model';
import type { Snapshot } from '../../core/pass/snapshot';
import { renderView, type ViewInput } from '../../local/live-view';
import type { LocalEvent } from '../../local/local-cloud';
import { job, NOW, SECOND, task } from '../core/fixtures';

/** A local node of 2000 m CPU and 2048 MiB that reported 3 s before NOW. */
function localNode(id: string, overrides: Partial<Node> = {}): Node {
  return {
    id,
    instanceType: 'local.small',
    zone: 'local-a',
    labels: {},
    capacity: { cpu: 2000, memoryMiB: 2048 },
    state: 'ACTIVE',
    launchedAt: NOW - 60 * SECOND,
    lastHeartbeatAt: NOW - 3 * SECOND,
    pricePerHour: 0,
    ...overrides,
  };
}

function on(nodeId: string, id: string, jobId: string, overrides: Partial<Task> = {}): Task {
  return task(id, jobId, { status: 'RUNNING', nodeId, ...overrides });
}

function view(snapshot: Partial<Snapshot>, overrides: Partial<ViewInput> = {}): string[] {
  return renderView({
    apiUrl: 'http://127.0.0.1:4567',
    credentialsFile: '/tmp/cred.json',
    logFile: '/tmp/local.log',
    snapshot: { jobs: [], tasks: [], nodes: [], ...snapshot },
    events: [],
    passes: 7,
    now: NOW,
    width: 1000,
    ...overrides,
  });
}

/** The lines between a section heading and the next blank line. */
function section(lines: string[], heading: RegExp): string[] {
  const start = lines.findIndex((l) => heading.test(l));
  expect(start).toBeGreaterThanOrEqual(0);
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end === -1 ? undefined : end);
}

describe('renderView', () => {
  test('the header names the API, passes, credential and log files', () => {
    const lines = view({});
    expect(lines[0]).toContain('API http://127.0.0.1:4567');
    expect(lines[0]).toContain('7 scheduler passes');
    expect(lines[1]).toContain('/tmp/cred.json');
    expect(lines[1]).toContain('/tmp/local.log');
  });

  test('an empty fleet says so in every section', () => {
    const lines = view({});
    expect(lines).toContain('NODES (0)');
    expect(section(lines, /^NODES/)).toEqual(['  none yet']);
    expect(lines).toContain('WAITING (0)');
    expect(section(lines, /^WAITING/)).toEqual(['  nothing']);
    expect(lines.slice(lines.indexOf('EVENTS') + 1)).toEqual(['  none yet']);
  });

  test('nodes are sorted by launch time, then by id', () => {
    const nodes = [
      localNode('node-c', { launchedAt: NOW - 10 * SECOND }),
      localNode('node-b', { launchedAt: NOW - 50 * SECOND }),
      localNode('node-a', { launchedAt: NOW - 10 * SECOND }),
    ];
    const rows = section(view({ nodes }), /^NODES/);
    expect(rows.map((l) => l.trim().split(/\s+/)[0])).toEqual(['node-b', 'node-a', 'node-c']);
  });

  test('a node the cloud takes back says so under its row, with the seconds left', () => {
    const lines = view({
      nodes: [
        localNode('node-a', { state: 'DRAINING', capacityType: 'spot', reclaim: { notice: 'interruption', noticedAt: NOW - 30 * SECOND, deadline: NOW + 90 * SECOND } }),
        localNode('node-b', { state: 'DRAINING', reclaim: { notice: 'rebalance', noticedAt: NOW } }),
        localNode('node-c'),
      ],
    });
    const rows = section(lines, /^NODES/);
    expect(rows[rows.findIndex((l) => l.startsWith('  node-a')) + 1]).toBe('      Spot interruption: draining, taken back in 90s');
    expect(rows[rows.findIndex((l) => l.startsWith('  node-b')) + 1]).toBe('      rebalance recommended: draining');
    expect(rows.filter((l) => l.startsWith('      '))).toHaveLength(2);
  });

  test('bars are proportional to the allocation: 1000/2000 cpu → 6 of 12 #, 512/2048 MiB → 3 of 12', () => {
    const lines = view({
      jobs: [job('j1', { name: 'web' })],
      nodes: [localNode('node-a')],
      tasks: [on('node-a', 't1', 'j1', { resources: { cpu: 600, memoryMiB: 256 } }), on('node-a', 't2', 'j1', { resources: { cpu: 400, memoryMiB: 256 } })],
    });
    const row = lines.find((l) => l.startsWith('  node-a'))!;
    expect(row).toContain('cpu [######......]  50%');
    expect(row).toContain('mem [###.........]  25%');
  });

  test('a full node shows a full bar, an idle one an empty bar, and only tasks holding resources count', () => {
    const lines = view({
      jobs: [job('j1')],
      nodes: [localNode('full'), localNode('idle', { launchedAt: NOW })],
      tasks: [
        on('full', 't1', 'j1', { resources: { cpu: 2000, memoryMiB: 2048 } }),
        // Finished and failed copies no longer hold resources.
        on('idle', 't2', 'j1', { status: 'COMPLETED', resources: { cpu: 2000, memoryMiB: 2048 } }),
        on('idle', 't3', 'j1', { status: 'FAILED', resources: { cpu: 2000, memoryMiB: 2048 } }),
      ],
    });
    expect(lines.find((l) => l.startsWith('  full'))).toContain('cpu [############] 100%');
    expect(lines.find((l) => l.startsWith('  idle'))).toContain('cpu [............]   0%');
    // No task line under the idle node.
    const idle = lines.findIndex((l) => l.startsWith('  idle'));
    expect(lines[idle + 1]).not.toMatch(/^ {6}\S/);
  });

  test('tasks on a node are grouped by job name with counts and "(n starting)"', () => {
    const lines = view({
      jobs: [job('j-web', { name: 'web' }), job('j-batch', { name: 'batch' })],
      nodes: [localNode('node-a')],
      tasks: [
        on('node-a', 'w1', 'j-web', { resources: { cpu: 100, memoryMiB: 64 } }),
        on('node-a', 'w2', 'j-web', { status: 'STARTING', resources: { cpu: 100, memoryMiB: 64 } }),
        on('node-a', 'w3', 'j-web', { status: 'ASSIGNED', resources: { cpu: 100, memoryMiB: 64 } }),
        on('node-a', 'b1', 'j-batch', { resources: { cpu: 100, memoryMiB: 64 } }),
      ],
    });
    const row = lines.findIndex((l) => l.startsWith('  node-a'));
    expect(lines[row + 1]).toBe('      web ×3 (2 starting), batch ×1');
  });

  test('a task whose job is not in the snapshot is shown by job id', () => {
    const lines = view({ nodes: [localNode('node-a')], tasks: [on('node-a', 'x1', 'job-orphan', { resources: { cpu: 100, memoryMiB: 64 } })] });
    expect(lines).toContain('      job-orphan ×1');
  });

  test('waiting tasks are grouped by job, status and reason, largest group first', () => {
    const lines = view({
      jobs: [job('j-web', { name: 'web' }), job('j-big', { name: 'big' })],
      tasks: [
        task('w1', 'j-web', { status: 'PENDING' }),
        task('b1', 'j-big', { status: 'UNSCHEDULABLE', reason: 'no instance type fits' }),
        task('b2', 'j-big', { status: 'UNSCHEDULABLE', reason: 'no instance type fits' }),
        task('b3', 'j-big', { status: 'UNSCHEDULABLE', reason: 'no instance type fits' }),
        task('w2', 'j-web', { status: 'PENDING', reason: 'back-off' }),
        // Not waiting.
        task('w3', 'j-web', { status: 'RUNNING', nodeId: 'gone' }),
        task('w4', 'j-web', { status: 'LOST' }),
      ],
    });
    expect(lines).toContain('WAITING (5)');
    expect(section(lines, /^WAITING/)).toEqual(['  3 × big UNSCHEDULABLE: no instance type fits', '  1 × web PENDING', '  1 × web PENDING: back-off']);
  });

  test('at most 8 waiting groups are listed', () => {
    const jobs = Array.from({ length: 10 }, (_, i) => job(`j${i}`, { name: `job${i}` }));
    const tasks = jobs.map((j, i) => task(`t${i}`, j.id, { status: 'PENDING' }));
    const lines = view({ jobs, tasks });
    expect(lines).toContain('WAITING (10)');
    expect(section(lines, /^WAITING/)).toHaveLength(8);
  });

  test('events: the last 6, oldest first, each with its HH:MM:SS (UTC)', () => {
    const base = Date.UTC(2027, 0, 15, 9, 5, 0);
    const events: LocalEvent[] = Array.from({ length: 8 }, (_, i) => ({ at: base + i * 61 * SECOND, text: `event ${i}` }));
    const lines = view({}, { events });
    const shown = lines.slice(lines.indexOf('EVENTS') + 1);
    expect(shown).toEqual([
      '  09:07:02 event 2',
      '  09:08:03 event 3',
      '  09:09:04 event 4',
      '  09:10:05 event 5',
      '  09:11:06 event 6',
      '  09:12:07 event 7',
    ]);
  });

  test('lines longer than the width are cut to it, ending in …', () => {
    const width = 40;
    const lines = view({ nodes: [localNode('node-with-a-rather-long-id-indeed')] }, { width });
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(width);
    const cut = lines.filter((l) => l.endsWith('…'));
    expect(cut.length).toBeGreaterThan(0);
    for (const l of cut) expect(l).toHaveLength(width);
    expect(lines[0]).toBe(`${'Stowage local cloud · API http://127.0.0.1:4567 · 7 scheduler passes'.slice(0, width - 1)}…`);
    // A line that fits is untouched.
    expect(lines).toContain('EVENTS');
  });

  test('TERMINATING nodes without tasks are hidden; a TERMINATING node still holding a task is shown', () => {
    const lines = view({
      jobs: [job('j1', { name: 'web' })],
      nodes: [localNode('keep'), localNode('going-empty', { state: 'TERMINATING' }), localNode('going-busy', { state: 'TERMINATING' })],
      tasks: [on('going-busy', 't1', 'j1', { resources: { cpu: 100, memoryMiB: 64 } }), on('going-empty', 't2', 'j1', { status: 'STOPPED', resources: { cpu: 100, memoryMiB: 64 } })],
    });
    expect(lines).toContain('NODES (2)');
    const text = lines.join('\n');
    expect(text).not.toContain('going-empty');
    expect(text).toContain('going-busy');
    expect(lines.find((l) => l.startsWith('  going-busy'))).toContain('TERMINATING');
  });

  test('a node without lastHeartbeatAt says "no report yet"; others say how long ago they were seen', () => {
    const lines = view({
      nodes: [localNode('new', { state: 'LAUNCHING', lastHeartbeatAt: undefined }), localNode('old', { launchedAt: NOW - 120 * SECOND, lastHeartbeatAt: NOW - 12_400 })],
    });
    expect(lines.find((l) => l.startsWith('  new'))).toMatch(/no report yet$/);
    expect(lines.find((l) => l.startsWith('  old'))).toMatch(/seen 12s ago$/);
  });

  test('a heartbeat stamped after now reads as 0 s, never negative', () => {
    const lines = view({ nodes: [localNode('ahead', { lastHeartbeatAt: NOW + 5 * SECOND })] });
    expect(lines.find((l) => l.startsWith('  ahead'))).toMatch(/seen 0s ago$/);
  });

  test('lists each exposed job with the URL to open and how many copies run healthy', () => {
    const web = job('job-web', { name: 'web', count: 3, expose: { port: 'http', path: '/web/*' } });
    const api = job('job-api', { name: 'api', count: 1, expose: { port: 'http', host: 'api.example.com' } });
    const batch = job('job-batch', { name: 'batch' });
    const lines = view(
      {
        jobs: [web, api, batch],
        nodes: [localNode('n1')],
        tasks: [on('n1', 'job-web.0', 'job-web', { health: 'healthy' }), on('n1', 'job-web.1', 'job-web', { health: 'unhealthy' }), on('n1', 'job-api.0', 'job-api')],
      },
      { loadBalancerUrl: 'http://127.0.0.1:8080' },
    );
    const services = section(lines, /^SERVICES \(load balancer http:\/\/127\.0\.0\.1:8080\)$/);
    expect(services).toHaveLength(2);
    expect(services[0]).toMatch(/^ {2}api +http:\/\/api\.example\.com:8080\/ {2}\(curl -H 'Host: api\.example\.com' http:\/\/127\.0\.0\.1:8080\/\) +1\/1 running and healthy$/);
    expect(services[1]).toMatch(/^ {2}web +http:\/\/127\.0\.0\.1:8080\/web\/ +1\/3 running and healthy$/);
  });

  test('shows no services section without a load balancer or an exposed job', () => {
    expect(view({ jobs: [job('job-web', { name: 'web', expose: { port: 'http', path: '/web/*' } })] }).some((l) => l.startsWith('SERVICES'))).toBe(false);
    expect(view({ jobs: [job('job-b', { name: 'b' })] }, { loadBalancerUrl: 'http://127.0.0.1:8080' }).some((l) => l.startsWith('SERVICES'))).toBe(false);
  });
});
