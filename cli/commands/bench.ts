import type { Command } from 'commander';
import { BENCH_CASES, runBench } from '../../sim/bench';
import { formatTable } from '../format-table';
import { positiveInteger, round } from '../option-parsers';
import { runLocalBench } from '../../local/local-bench';

/** `stowage bench`: placement throughput of one plan() at scale. */
export function register(program: Command): void {
  program
    .command('bench')
    .description('time one plan() placing 10,000 tasks onto 1,000 nodes and 100,000 onto 10,000; with --local, submit-to-running latency on the local cloud')
    .option('--json', 'print one JSON object instead of a table')
    .option('--local', 'start a local cloud (3 m5.large nodes, real containers) and measure submit-to-running latency through its API')
    .option('--tasks <n>', 'with --local: one-replica jobs to submit', positiveInteger('tasks'), 50)
    .option('--spacing-ms <ms>', 'with --local: pause between submits', positiveInteger('milliseconds'), 1000)
    .action(async (options: { json?: boolean; local?: boolean; tasks: number; spacingMs: number }) => {
      if (options.local) {
        const say = (line: string) => process.stderr.write(`stowage bench: ${line}\n`);
        const r = await runLocalBench({ tasks: options.tasks, spacingMs: options.spacingMs, say });
        if (options.json) {
          process.stdout.write(JSON.stringify({ node: process.version, local: r }) + '\n');
          return;
        }
        const rows = [
          ['container started (Docker StartedAt)', String(r.startedMs.p50), String(r.startedMs.p95), String(r.startedMs.max)],
          ['RUNNING visible in GET /jobs', String(r.visibleMs.p50), String(r.visibleMs.p95), String(r.visibleMs.max)],
        ];
        process.stdout.write(`submit-to-running latency, ${r.tasks} one-replica jobs, one every ${options.spacingMs} ms, ${r.nodes} nodes, ${r.schedulerPasses} scheduler passes, ${(r.wallMs / 1000).toFixed(1)} s\n`);
        process.stdout.write(formatTable(['measured until', 'p50 ms', 'p95 ms', 'max ms'], rows, ['left', 'right', 'right', 'right']));
        return;
      }
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
