import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STRATEGY_NAMES } from '../../../core/placement/strategies';
import { stowage } from '../../support/run-cli';

describe('stowage pack', () => {
  let dir: string;
  let trace: (name: string, rows: readonly string[]) => string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-pack-'));
    trace = (name, rows) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, ['name,cpu_milli,memory_mib', ...rows].join('\n') + '\n');
      return file;
    };
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // Four 50,000m tasks: two would need 100,000m > 96,000m, so each needs a node of its
  // own (and the bound knows it: all four are over half a node). The 100,000m task fits
  // no node at all and is counted, not dropped.
  const HALVES = ['a,50000,1024', 'b,50000,1024', 'c,50000,1024', 'd,50000,1024', 'huge,100000,1024'];

  it('prints one JSON object for the chosen strategy', () => {
    const run = stowage('pack', '--trace', trace('halves.csv', HALVES), '--json');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ strategy: 'stowage', tasks: 5, unplaceable: 1, nodes: 4, lowerBound: 4, ratio: 1 });
  });

  it('takes the node shape from flags', () => {
    // On 100,000m nodes two halves share a node and the big task fits alone: 2 + 1 nodes.
    const run = stowage('pack', '--trace', trace('halves.csv', HALVES), '--node-cpu', '100000', '--node-memory-mib', '4096', '--strategy', 'ffd', '--json');
    expect(JSON.parse(run.stdout)).toEqual({ strategy: 'ffd', tasks: 5, unplaceable: 0, nodes: 3, lowerBound: 3, ratio: 1 });
  });

  it('reports every strategy with --strategy all, Stowage at the top level', () => {
    // Seven 34,000m tasks on 100,000m nodes: only two fit a node, so 4 nodes against a volume bound of 3.
    const thirds = Array.from({ length: 7 }, (_, i) => `t${i},34000,1`);
    const run = stowage('pack', '--trace', trace('thirds.csv', thirds), '--node-cpu', '100000', '--strategy', 'all', '--json');
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ strategy: 'stowage', tasks: 7, unplaceable: 0, nodes: 4, lowerBound: 3, ratio: 1.3333 });
    expect(Object.keys(out.strategies)).toEqual([...STRATEGY_NAMES]);
    expect(STRATEGY_NAMES.length).toBeGreaterThanOrEqual(8);
    for (const result of Object.values(out.strategies) as { nodes: number; ratio: number; ms: number }[]) {
      expect(Object.keys(result).sort()).toEqual(['ms', 'nodes', 'ratio']);
      expect(result.nodes).toBe(4);
      expect(result.ratio).toBe(1.3333);
      expect(Number(result.ms.toFixed(1))).toBe(result.ms);
    }
  });

  it('prints a readable table without --json', () => {
    const thirds = Array.from({ length: 7 }, (_, i) => `t${i},34000,1`);
    const file = trace('thirds.csv', thirds);
    const run = stowage('pack', '--trace', file, '--node-cpu', '100000', '--strategy', 'first-fit');
    expect(run.status).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^strategy\s+models\s+nodes\s+ratio\s+ms$/);
    expect(lines[1]).toMatch(/^first-fit\s+First-fit in arrival order\s+4\s+1\.333\s+\d+\.\d$/);
    expect(run.stdout).toContain(`${file}: 7 tasks, 0 unplaceable (larger than one node), lower bound 3 nodes of 100000m CPU / 393216 MiB`);
  });

  describe('refuses', () => {
    it('a bad trace, naming file, line and field, with no partial output', () => {
      const file = trace('bad.csv', ['a,1,1', 'b,1,lots']);
      const run = stowage('pack', '--trace', file, '--json');
      expect(run.status).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(`stowage: ${file} line 3, field memory_mib: "lots" is not a non-negative integer\n`);
    });

    it('a missing trace file', () => {
      const file = path.join(dir, 'nope.csv');
      const run = stowage('pack', '--trace', file);
      expect(run.status).toBe(1);
      expect(run.stderr).toBe(`stowage: ${file}: no such file; pass the path of a trace CSV (see sim/TRACE-FORMAT.md)\n`);
    });

    it.each([
      ['--strategy', 'best-guess', /option '--strategy <name>' argument 'best-guess' is invalid\. Allowed choices are stowage, /],
      ['--node-cpu', '0', /option '--node-cpu <millicores>' argument '0' is invalid\. Expected a positive integer/],
      ['--node-cpu', '1.5', /option '--node-cpu <millicores>' argument '1.5' is invalid/],
      ['--node-memory-mib', '-8', /option '--node-memory-mib <mib>' argument '-8' is invalid/],
    ])('%s %s, naming the flag', (flag, value, message) => {
      const run = stowage('pack', '--trace', trace('ok.csv', ['a,1,1']), flag, value);
      expect(run.status).not.toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(message);
    });

    it('a missing --trace', () => {
      const run = stowage('pack');
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain("required option '--trace <file>' not specified");
    });
  });
});
