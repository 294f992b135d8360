import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CapacityChoice } from '../../core/model';
import { DEFAULT_SPOT_INTERRUPTIONS_PER_NODE_HOUR, DEFAULT_SPOT_SEED } from '../../sim/spot-model';
import { CATALOG_PRICES_TAKEN, CATALOG_REGION, DEFAULT_CATALOG } from '../../core/catalog';
import { STRATEGY_NAMES, type StrategyName } from '../../core/placement/strategies';
import { SIM_POLICIES, SIM_POLICY_MODELS, simPolicy, type SimPolicyName } from '../../sim/baselines';
import { readCatalog } from '../../sim/catalog-reader';
import { DEFAULT_SIM_OPTIONS, simulate, type SimResult } from '../../sim/simulator';
import { fitText, formatTable, outputWidth } from '../format-table';
import { readTraceFor } from '../trace-input';
import { positiveInteger, round, wholeNumber } from '../option-parsers';
import { DEFAULT_SERVICES_WORKLOAD, servicesWorkload } from '../../sim/services-workload';
import { buildReport, compareReports, renderReport, ReportInputError, REPORT_FORMATS, type ReportFormat } from '../../report';

interface SimCliOptions {
  readonly trace?: string;
  readonly workload: 'trace' | 'services';
  readonly seed: number;
  readonly services: number;
  readonly days: number;
  readonly catalog?: string;
  readonly strategy?: StrategyName;
  readonly policy: SimPolicyName | 'all';
  readonly consolidation: boolean;
  readonly launchDelayS: number;
  readonly passIntervalS: number;
  readonly heartbeatIntervalS: number;
  readonly maxNodes: number;
  readonly json?: boolean;
  readonly report?: ReportFormat;
  readonly out?: string;
  readonly baseline?: string;
  readonly spot?: boolean;
  readonly capacity?: CapacityChoice;
  readonly spotInterruptionRate: number;
  readonly spotSeed: number;
}

/** `stowage sim`: replay a trace through plan() with Stowage and the baselines it is measured against. */
export function register(program: Command): void {
  program
    .command('sim')
    .description('replay a trace (or a generated services workload) through the scheduler with a simulated clock and fleet; compare Stowage with Karpenter-like, ECS-like and autoscaler-like policies')
    .option('--trace <file>', 'trace CSV with creation_time and deletion_time (see sim/TRACE-FORMAT.md); required with --workload trace')
    .addOption(new Option('--workload <kind>', 'what to replay: a trace file, or generated long-running services with a daily curve (sim/services-workload.ts)').choices(['trace', 'services']).default('trace'))
    .option('--seed <n>', 'services workload: seed of the generator', wholeNumber('--seed', 2 ** 31), DEFAULT_SERVICES_WORKLOAD.seed)
    .option('--services <n>', 'services workload: how many services', positiveInteger('services'), DEFAULT_SERVICES_WORKLOAD.services)
    .option('--days <n>', 'services workload: days of simulated time', positiveInteger('days'), DEFAULT_SERVICES_WORKLOAD.days)
    .option('--catalog <file>', `instance catalog JSON (default: bundled ${CATALOG_REGION} on-demand prices of ${CATALOG_PRICES_TAKEN})`)
    .addOption(new Option('--strategy <name>', "placement strategy for Stowage's policy").choices([...STRATEGY_NAMES]))
    .addOption(new Option('--policy <name>', 'which policy to replay').choices([...SIM_POLICIES, 'all']).default('all'))
    .option('--no-consolidation', 'never remove or drain nodes (scale-up only)')
    .option('--launch-delay-s <seconds>', 'seconds from launch to first heartbeat', positiveInteger('seconds'), DEFAULT_SIM_OPTIONS.launchDelayMs / 1000)
    .option('--pass-interval-s <seconds>', 'seconds between scheduler passes while anything moves', positiveInteger('seconds'), DEFAULT_SIM_OPTIONS.passIntervalMs / 1000)
    .option('--heartbeat-interval-s <seconds>', 'seconds between agent heartbeats', positiveInteger('seconds'), DEFAULT_SIM_OPTIONS.heartbeatIntervalMs / 1000)
    .option('--max-nodes <n>', 'fleet size limit', positiveInteger('nodes'), 2000)
    .option('--spot', 'let every replayed task run on Spot (same as --capacity spot-or-on-demand): the trace\'s pods are batch work')
    .addOption(new Option('--capacity <choice>', "how every replayed task may be bought (default: its kind's, on-demand for the trace's long-running tasks)").choices(['on-demand', 'spot', 'spot-or-on-demand']))
    .option('--spot-interruption-rate <per-node-hour>', "Spot interruptions per node-hour (default: AWS Spot Instance Advisor's \"<5 %\" a month, 0.05/730)", rate, DEFAULT_SPOT_INTERRUPTIONS_PER_NODE_HOUR)
    .option('--spot-seed <n>', 'seed of the Spot interruption times', wholeNumber('--spot-seed', 2 ** 31), DEFAULT_SPOT_SEED)
    .option('--json', 'print one JSON object instead of a table')
    .addOption(new Option('--report <format>', 'render the cost and utilisation report of each policy side by side (docs/report.md)').choices([...REPORT_FORMATS]))
    .option('--out <file>', 'write the report to this file instead of standard output')
    .option('--baseline <fleet>', "static fleet each report compares with, e.g. 70xm5.large or 40xm5.large+8xr5.2xlarge (default: each policy's peak fleet held)")
    .action(async (options: SimCliOptions, command: Command) => {
      if (options.json && options.report) command.error('error: --json and --report are exclusive; use --report json for the report as JSON');
      if (options.workload === 'trace' && options.trace === undefined) command.error("error: required option '--trace <file>' not specified (or use --workload services)");
      if (options.workload === 'services' && options.trace !== undefined) command.error('error: --trace and --workload services are exclusive: the services workload is generated');
      if ((options.out !== undefined || options.baseline !== undefined) && !options.report) command.error('error: --out and --baseline go with --report table|json|html');
      if (options.spot && options.capacity !== undefined && options.capacity !== 'spot-or-on-demand') command.error(`error: --spot means --capacity spot-or-on-demand; it cannot go with --capacity ${options.capacity}`);
      let text: string;
      try {
        text = await runSim(options);
      } catch (err) {
        // The report's own input errors name the option; say it the way commander does.
        if (err instanceof ReportInputError) command.error(`error: option '--${err.field}': ${err.message.slice(err.field.length + 2)}`);
        throw err;
      }
      if (options.out === undefined) {
        process.stdout.write(text);
        return;
      }
      try {
        writeFileSync(options.out, text);
      } catch (err) {
        command.error(`error: option '--out': cannot write ${options.out} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
      process.stderr.write(`stowage: report written to ${options.out}\n`);
    });
}

async function runSim(options: SimCliOptions): Promise<string> {
  const trace =
    options.workload === 'services'
      ? servicesWorkload({ ...DEFAULT_SERVICES_WORKLOAD, seed: options.seed, services: options.services, days: options.days })
      : readTraceFor(options.trace!, { times: true });
  const source = options.workload === 'services' ? `services workload (seed ${options.seed}, ${options.services} services, ${options.days} days)` : options.trace!;
  const catalog = options.catalog ? readCatalog(options.catalog) : DEFAULT_CATALOG;
  const capacity: CapacityChoice | undefined = options.spot ? 'spot-or-on-demand' : options.capacity;
  const sim = {
    ...DEFAULT_SIM_OPTIONS,
    catalog,
    launchDelayMs: options.launchDelayS * 1000,
    passIntervalMs: options.passIntervalS * 1000,
    heartbeatIntervalMs: options.heartbeatIntervalS * 1000,
    ...(capacity ? { capacity } : {}),
    spot: { interruptionsPerNodeHour: options.spotInterruptionRate, seed: options.spotSeed },
  };
  const names: readonly SimPolicyName[] = options.policy === 'all' ? SIM_POLICIES : [options.policy];
  // One replay after another: each is CPU-bound, so running them at once would only interleave them.
  const results: { name: SimPolicyName; result: SimResult }[] = [];
  for (const name of names) {
    const policy = simPolicy(name, catalog, options.maxNodes, options.consolidation);
    const strategy = name === 'stowage' && options.strategy ? options.strategy : policy.strategy;
    results.push({ name, result: await simulate(trace, { ...policy, strategy }, sim) });
  }
  if (options.report) {
    const catalogLabel = options.catalog ? `catalog file ${options.catalog}` : undefined;
    const reports = results.map(({ name, result }) => ({
      name,
      description: SIM_POLICY_MODELS[name],
      // A replay writes a sample only per pass and skips ahead while nothing moves: no interval is a gap.
      // Trace times are offsets from its start: the report shows day N hh:mm, not 1970 dates.
      report: buildReport(result.utilisation, { maxGapMs: Infinity, catalog, catalogLabel, baseline: options.baseline, clock: 'trace' }),
    }));
    const title = `Replay of ${source}: ${trace.length} tasks, ${names.join(' vs ')}`;
    // A file is read anywhere: fitted to 80 columns; stdout to the terminal it is shown in.
    return renderReport(compareReports(title, reports), options.report, { width: options.out ? 80 : outputWidth() });
  }
  if (options.json) {
    const policies = Object.fromEntries(results.map(({ name, result }) => [name, summary(result)]));
    const spot = { capacity: capacity ?? 'kind default', interruptionsPerNodeHour: options.spotInterruptionRate, seed: options.spotSeed };
    return JSON.stringify({ trace: source, tasks: trace.length, catalog: options.catalog ?? `bundled ${CATALOG_REGION} ${CATALOG_PRICES_TAKEN}`, spot, policies }) + '\n';
  }
  const rows = results.map(({ name, result: r }) => [
    name,
    r.nodeHours.toFixed(0),
    `$${r.cost.toFixed(0)}`,
    String(r.peakNodes),
    pct(r.meanCpuAllocated),
    pct(r.meanMemoryAllocated),
    String(r.migrations),
    r.migrationsPerTaskHour.toFixed(3),
    String(r.tasksNeverPlaced),
    `${seconds(r.waitingP50Ms)} / ${seconds(r.waitingP95Ms)}`,
    (r.cost / r.lowerBoundCost).toFixed(2),
    ...(capacity ? [r.spot.spotNodeHours.toFixed(0), String(r.spot.interruptions), String(r.spot.interruptionMigrations)] : []),
  ]);
  const spotColumns = capacity ? ['spot node-h', 'interruptions', 'moved by them'] : [];
  const first = results[0].result;
  return (
    formatTable(
      ['policy', 'node-hours', 'cost', 'peak', 'cpu alloc', 'mem alloc', 'migrations', 'per task-h', 'never placed', 'wait p50 / p95', 'cost / bound', ...spotColumns],
      rows,
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', ...spotColumns.map(() => 'right' as const)],
    ) +
    fitText(
      `\n${source}: ${trace.length} tasks, ${first.taskHours.toFixed(0)} task-hours. ` +
        `Integrated lower bounds: ${first.lowerBoundNodeHours.toFixed(0)} node-hours of the largest type; $${first.lowerBoundCost.toFixed(0)}, the cheapest fractional fleet of the catalog's types at each instant (core/cost-bound.ts${capacity !== undefined && capacity !== 'on-demand' ? ', at Spot prices' : ''}).\n` +
        results.map(({ name }) => `  ${name}: ${SIM_POLICY_MODELS[name]}`).join('\n'),
    ) +
    '\n'
  );
}

function summary(r: SimResult): object {
  return {
    nodeHours: round(r.nodeHours, 2),
    cost: round(r.cost, 2),
    peakNodes: r.peakNodes,
    meanCpuAllocated: round(r.meanCpuAllocated, 4),
    meanMemoryAllocated: round(r.meanMemoryAllocated, 4),
    migrations: r.migrations,
    migrationsPerTaskHour: round(r.migrationsPerTaskHour, 4),
    taskHours: round(r.taskHours, 2),
    tasksNeverPlaced: r.tasksNeverPlaced,
    waitingP50S: round(r.waitingP50Ms / 1000, 1),
    waitingP95S: round(r.waitingP95Ms / 1000, 1),
    unschedulable: r.unschedulable,
    passes: r.passes,
    lowerBoundNodeHours: round(r.lowerBoundNodeHours, 2),
    lowerBoundCost: round(r.lowerBoundCost, 2),
    costToLowerBound: round(r.cost / r.lowerBoundCost, 4),
    nodeHoursByType: Object.fromEntries(Object.entries(r.nodeHoursByType).map(([k, v]) => [k, round(v, 2)])),
    rejectedWrites: r.rejectedWrites,
    spotNodeHours: round(r.spot.spotNodeHours, 2),
    interruptions: r.spot.interruptions,
    interruptionMigrations: r.spot.interruptionMigrations,
    ms: round(r.ms, 1),
  };
}

/** A rate: a finite number ≥ 0. */
function rate(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`must be a number ≥ 0 (interruptions per node-hour, e.g. 0.0000685), got "${value}"`);
  return n;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(0)} s`;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}
