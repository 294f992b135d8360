import { InvalidArgumentError, type Command } from 'commander';
import { BENCH_CASES, runBench } from '../../sim/bench';
import { formatTable } from '../format-table';
import { positiveInteger, round, wholeNumber } from '../option-parsers';
import { runLocalBench } from '../../local/local-bench';
import { runDynamoBench } from '../../local/dynamo-bench';
import { CONTROL_PLANE_SCALE_PRICES_NOTE, controlPlaneMonths } from '../../report/control-plane-scale';

const STEADY_NOTE = 'steady: the schedule and a follow-up every two report periods (a 10 s period: 4 passes a minute; 30 s: 2)';

interface BenchOptions {
  json?: boolean;
  local?: boolean;
  tasks: number;
  spacingMs: number;
  store?: string;
  nodes: number;
  history: number;
  passes: number;
  heartbeats: number;
  heartbeatRefreshMs?: number;
  heartbeatPeriodS: number;
}

/** `stowage bench`: placement throughput of one plan() at scale. */
export function register(program: Command): void {
  program
    .command('bench')
    .description('time one plan() placing 10,000 tasks onto 1,000 nodes and 100,000 onto 10,000; with --local, submit-to-running latency on the local cloud')
    .option('--json', 'print one JSON object instead of a table')
    .option('--local', 'start a local cloud (3 m5.large nodes, real containers) and measure submit-to-running latency through its API')
    .option('--tasks <n>', 'with --local: one-replica jobs to submit (default 50); with --store dynamodb: live copies (default 10 a node)', positiveInteger('tasks'), 50)
    .option('--spacing-ms <ms>', 'with --local: pause between submits', positiveInteger('milliseconds'), 1000)
    .option('--store <store>', 'dynamodb: build a fleet in DynamoDB Local and measure whole scheduler passes and heartbeats through the real store')
    .option('--nodes <n>', 'with --store dynamodb: ACTIVE nodes', positiveInteger('nodes'), 1000)
    .option('--history <n>', 'with --store dynamodb: finished copies of stopped jobs kept in the tables', wholeNumber('history', 10_000_000), 0)
    .option('--passes <n>', 'with --store dynamodb: scheduler passes to measure', positiveInteger('passes'), 10)
    .option('--heartbeats <n>', 'with --store dynamodb: steady heartbeats to measure', positiveInteger('heartbeats'), 200)
    .option('--heartbeat-period-s <s>', 'with --store dynamodb: seconds between one node\'s reports', positiveInteger('heartbeat-period-s'), 10)
    .option('--heartbeat-refresh-ms <ms>', "with --store dynamodb: the store's heartbeatRefreshMs (0: every report writes; default 1.5 periods, as deployed)", wholeNumber('heartbeat-refresh-ms', 3_600_000))
    .action(async (options: BenchOptions, command: Command) => {
      if (options.store !== undefined) {
        if (options.store !== 'dynamodb') throw new InvalidArgumentError(`--store must be dynamodb, got ${JSON.stringify(options.store)}`);
        const say = (line: string) => process.stderr.write(`stowage bench: ${line}\n`);
        // --tasks defaults to 50 for --local; a store bench without it means ten copies a node.
        const tasks = command.getOptionValueSource('tasks') === 'cli' ? options.tasks : options.nodes * 10;
        const r = await runDynamoBench({ nodes: options.nodes, tasks, history: options.history, passes: options.passes, heartbeats: options.heartbeats, heartbeatPeriodS: options.heartbeatPeriodS, ...(options.heartbeatRefreshMs !== undefined ? { heartbeatRefreshMs: options.heartbeatRefreshMs } : {}), say });
        // The bill of a fleet this size, at 10 s and 30 s heartbeats, from the units just measured (means).
        const months = controlPlaneMonths(
          { heartbeatReadUnits: r.heartbeatReadUnits.mean, heartbeatWriteUnits: r.heartbeatWriteUnits.mean, heartbeatMs: r.heartbeatMs.mean, passReadUnits: r.passReadUnits.mean, passWriteUnits: r.passWriteUnits.mean, passMs: r.passMs.mean },
          r.nodes,
        );
        const dollars = (v: number) => round(v, 2);
        const controlPlaneMonth = months.map((m) => ({
          heartbeatSeconds: m.scenario.heartbeatSeconds,
          passesPerMinute: m.scenario.passesPerMinute,
          apiGateway: dollars(m.apiGateway),
          heartbeatLambda: dollars(m.heartbeatLambda),
          schedulerLambda: dollars(m.schedulerLambda),
          dynamoReads: dollars(m.dynamoReads),
          dynamoWrites: dollars(m.dynamoWrites),
          sqs: dollars(m.sqs),
          streams: dollars(m.streams),
          total: dollars(m.total),
        }));
        if (options.json) {
          process.stdout.write(JSON.stringify({ node: process.version, store: 'dynamodb', ...r, controlPlaneMonth, prices: CONTROL_PLANE_SCALE_PRICES_NOTE }) + '\n');
          return;
        }
        const row = (what: string, s: { p50: number; p95: number; mean: number }) => [what, String(s.p50), String(s.p95), String(s.mean)];
        process.stdout.write(`DynamoDB Local: ${r.nodes} nodes, ${r.liveTasks} live copies, ${r.history} finished copies; ${r.passes} passes, ${r.heartbeats} heartbeats\n`);
        process.stdout.write(
          formatTable(
            ['measure', 'p50', 'p95', 'mean'],
            [
              row('pass ms', r.passMs),
              row('pass read units', r.passReadUnits),
              row('pass write units', r.passWriteUnits),
              row('heartbeat ms', r.heartbeatMs),
              row('heartbeat read units', r.heartbeatReadUnits),
              row('heartbeat write units', r.heartbeatWriteUnits),
              ['the same state as consistent full scans, read units', String(r.fullScanReadUnits), '', ''],
            ],
            ['left', 'right', 'right', 'right'],
          ),
        );
        process.stdout.write(`\ncontrol plane at ${r.nodes} nodes, $/month (${STEADY_NOTE}; ${CONTROL_PLANE_SCALE_PRICES_NOTE})\n`);
        process.stdout.write(
          formatTable(
            ['heartbeat', 'API Gateway', 'heartbeat λ', 'scheduler λ', 'DynamoDB reads', 'DynamoDB writes', 'SQS', 'total'],
            controlPlaneMonth.map((m) => [`${m.heartbeatSeconds} s`, ...[m.apiGateway, m.heartbeatLambda, m.schedulerLambda, m.dynamoReads, m.dynamoWrites, m.sqs, m.total].map((v) => v.toFixed(2))]),
            ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
          ),
        );
        return;
      }
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
