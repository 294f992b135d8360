import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stowage } from '../../support/run-cli';

describe('stowage sim', () => {
  let dir: string;
  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-sim-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // Ten 1-vCPU tasks for an hour, then two of them for a day.
  const rows = Array.from({ length: 10 }, (_, i) => `t${i},1000,2048,${i * 10},${i < 2 ? 86_400 : 3_600}`);
  const header = 'name,cpu_milli,memory_mib,creation_time,deletion_time\n';

  it('prints one JSON object with Stowage and every baseline', () => {
    const trace = write('day.csv', header + rows.join('\n') + '\n');
    const run = stowage('sim', '--trace', trace, '--json');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(Object.keys(out.policies)).toEqual(['stowage', 'karpenter-like', 'ecs-like', 'autoscaler-like']);
    for (const p of Object.values(out.policies) as Array<Record<string, number>>) {
      expect(p.tasksNeverPlaced).toBe(0);
      expect(p.nodeHours).toBeGreaterThan(0);
      expect(p.cost).toBeGreaterThanOrEqual(p.lowerBoundCost);
      expect(p).toEqual(expect.objectContaining({ peakNodes: expect.any(Number), migrations: expect.any(Number), migrationsPerTaskHour: expect.any(Number) }));
    }
    expect(out.tasks).toBe(10);
  });

  it('replays with a catalog file and one policy', () => {
    const trace = write('day2.csv', header + rows.join('\n') + '\n');
    const catalog = write('catalog.json', JSON.stringify([{ name: 'x.large', vcpu: 4, memoryGiB: 16, pricePerHour: 0.2 }]));
    const run = stowage('sim', '--trace', trace, '--catalog', catalog, '--policy', 'stowage', '--json');
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(Object.keys(out.policies)).toEqual(['stowage']);
    expect(Object.keys(out.policies.stowage.nodeHoursByType)).toEqual(['x.large']);
  });

  it('reports a replay in trace time (day N hh:mm), in the table, the JSON and the HTML axes, never as 1970 dates', () => {
    const trace = write('replay.csv', header + rows.join('\n') + '\n');
    const [table, json, html] = (['table', 'json', 'html'] as const).map((format) => stowage('sim', '--trace', trace, '--policy', 'stowage', '--report', format));
    for (const run of [table, json, html]) {
      expect([run.status, run.stderr]).toEqual([0, '']);
      expect(run.stdout).not.toMatch(/1970/);
    }
    expect(table.stdout).toMatch(/^window day 1 00:00 → day 2 00:0\d \(trace time\)$/m);
    const report = (JSON.parse(json.stdout) as { policies: Array<{ report: { clock: string; from: number; window: { from: string; to: string } } }> }).policies[0].report;
    expect(report).toMatchObject({ clock: 'trace', from: 0, window: { from: 'day 1 00:00' } });
    expect(report.window.to).toMatch(/^day 2 00:0\d$/);
    expect(html.stdout).toMatch(/class="tick">day 1 00:00</);
  });

  it('names the file and the field of a bad catalog entry', () => {
    const trace = write('day3.csv', header + rows.join('\n') + '\n');
    const catalog = write('bad.json', JSON.stringify([{ name: 'x.large', vcpu: -4, memoryGiB: 16, pricePerHour: 0.2 }]));
    const run = stowage('sim', '--trace', trace, '--catalog', catalog);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`stowage: ${catalog} field [0].vcpu: must be a positive number\n`);
  });

  it('refuses a trace without deletion times, naming the line and field', () => {
    const trace = write('notimes.csv', 'name,cpu_milli,memory_mib\na,1000,2048\n');
    const run = stowage('sim', '--trace', trace);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${trace} line 2, field creation_time: is empty`);
  });

  it('refuses a trace with a header and no tasks', () => {
    const trace = write('hdr.csv', header);
    for (const command of ['sim', 'pack']) {
      const run = stowage(command, '--trace', trace);
      expect(run.status).toBe(1);
      expect(run.stderr).toBe(`stowage: ${trace}: has a header but no tasks; add at least one row\n`);
    }
  });

  it('refuses a trace line with a negative request, naming file, line and field', () => {
    const trace = write('neg.csv', header + 'a,1000,2048,0,60\nb,-5,2048,0,60\n');
    const run = stowage('sim', '--trace', trace);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${trace} line 3, field cpu_milli`);
  });
});
