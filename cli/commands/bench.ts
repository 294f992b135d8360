import type { Command } from 'commander';
import { BENCH_CASES, runBench } from '../../sim/bench';
import { formatTable } from '../format-table';
import { round } from '../option-parsers';

/** `stowage bench`: placement throughput of one plan() at scale. */
export function register(program: Command): void {
  program
    .command('bench')
    .description('time one plan() placing 10,000 tasks onto 1,000 nodes and 100,000 onto 10,000')
    .option('--json', 'print one JSON object instead of a table')
    .action((options: { json?: boolean }) => {
      // One warm-up on the small case so the JIT is not what gets measured.
      runBench(BENCH_CASES[0]);
      const results = BENCH_CASES.map(runBench);
      if (options.json) {
        const cases = results.map((r) => ({ ...r, ms: round(r.ms, 1), placementsPerSecond: Math.round(r.placementsPerSecond) }));
        process.stdout.write(JSON.stringify({ node: process.version, cases }) + '\n');
        return;
      }
      const rows = results.map((r) => [String(r.tasks), String(r.nodes), String(r.placed), String(r.unplaced), r.ms.toFixed(0), Math.round(r.placementsPerSecond).toLocaleString('en-US')]);
      process.stdout.write(formatTable(['tasks', 'nodes', 'placed', 'unplaced', 'wall ms', 'placements/s'], rows, ['right', 'right', 'right', 'right', 'right', 'right']));
    });
}
