import { Option, type Command } from 'commander';
import { STRATEGIES, STRATEGY_NAMES, type StrategyName } from '../../core/placement/strategies';
import type { Resources } from '../../core/resources';
import { packOffline, type OfflinePackResult } from '../../sim/offline-pack';
import { fitText, formatTable, outputWidth } from '../format-table';
import { readTraceFor } from '../trace-input';
import { positiveInteger, round } from '../option-parsers';

interface PackOptions {
  readonly trace: string;
  readonly nodeCpu: number;
  readonly nodeMemoryMib: number;
  readonly strategy: StrategyName | 'all';
  readonly json?: boolean;
}

/** `stowage pack`: how many identical nodes a trace's requests need, per strategy. */
export function register(program: Command): void {
  program
    .command('pack')
    .description('pack every request of a trace onto identical nodes, offline, and compare with the lower bound')
    .requiredOption('--trace <file>', 'trace CSV: OpenB pod list or plain (see sim/TRACE-FORMAT.md)')
    .option('--node-cpu <millicores>', 'CPU of one node, in millicores', positiveInteger('millicores'), 96000)
    .option('--node-memory-mib <mib>', 'memory of one node, in MiB', positiveInteger('MiB'), 393216)
    .addOption(
      new Option('--strategy <name>', 'placement strategy, or "all" to compare every one').choices([...STRATEGY_NAMES, 'all']).default('stowage'),
    )
    .option('--json', 'print one JSON object instead of a table')
    .action((options: PackOptions) => {
      process.stdout.write(runPack(options));
    });
}

/** Returns the command's whole output, so it is written in one piece (or not at all on error). */
function runPack(options: PackOptions): string {
  const requests: Resources[] = readTraceFor(options.trace, { times: false }).map((t) => t.resources);
  const node: Resources = { cpu: options.nodeCpu, memoryMiB: options.nodeMemoryMib };
  const names: readonly StrategyName[] = options.strategy === 'all' ? STRATEGY_NAMES : [options.strategy];
  const results = names.map((name) => packOffline(requests, node, name));
  if (options.json) return JSON.stringify(toJson(results, options.strategy === 'all')) + '\n';
  return formatReport(options.trace, node, results);
}

function toJson(results: readonly OfflinePackResult[], all: boolean): object {
  // With `all` the top level still answers "what would Stowage do", so scripts read one shape.
  const main = results.find((r) => r.strategy === 'stowage') ?? results[0];
  const summary = {
    strategy: main.strategy,
    tasks: main.tasks,
    unplaceable: main.unplaceable,
    nodes: main.nodes,
    lowerBound: main.lowerBound,
    ratio: round(main.ratio, 4),
  };
  if (!all) return summary;
  const strategies = Object.fromEntries(results.map((r) => [r.strategy, { nodes: r.nodes, ratio: round(r.ratio, 4), ms: round(r.ms, 1) }]));
  return { ...summary, strategies };
}

export function formatReport(trace: string, node: Resources, results: readonly OfflinePackResult[], width: number = outputWidth()): string {
  const rows = results.map((r) => [r.strategy, STRATEGIES[r.strategy].models, String(r.nodes), r.ratio.toFixed(3), r.ms.toFixed(1)]);
  const table = formatTable(['strategy', 'models', 'nodes', 'ratio', 'ms'], rows, ['left', 'left', 'right', 'right', 'right'], width);
  // Tasks, unplaceable and the bound do not depend on the strategy: say them once.
  const { tasks, unplaceable, lowerBound } = results[0];
  return (
    table +
    fitText(`\n${trace}: ${tasks} tasks, ${unplaceable} unplaceable (larger than one node), lower bound ${lowerBound} nodes of ${node.cpu}m CPU / ${node.memoryMiB} MiB; ratio = nodes / lower bound`, width) +
    '\n'
  );
}
