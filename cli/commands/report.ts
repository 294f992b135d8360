import { InvalidArgumentError, Option, type Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { REPORT_FORMATS, renderReport, type ReportFormat } from '../../report';
import { addApiOptions, clientFromOptions } from '../api/client';
import type { ApiOptions } from '../api/endpoint';
import { outputWidth } from '../format-table';

interface ReportOptions extends ApiOptions {
  readonly hours: number;
  readonly baseline?: string;
  readonly format: ReportFormat;
  readonly out?: string;
  readonly json?: boolean;
}

const hours = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 31 * 24) throw new InvalidArgumentError('--hours must be a number of hours above 0 and at most 744 (31 days)');
  return n;
};

/** `stowage report`: GET /report for a window ending now, rendered as a table, JSON or one HTML file. */
export function register(program: Command): void {
  const cmd = program
    .command('report')
    .description('cost and utilisation of a deployment (local or AWS): node-hours, allocated and measured utilisation, cost, savings against a static fleet')
    .option('--hours <n>', 'the window: this many hours up to now', hours, 24)
    .option('--baseline <fleet>', 'the static fleet to compare with, e.g. 70xm5.large or 10xm5.large+4xc5.xlarge (default: the peak fleet held all window)')
    .addOption(new Option('--format <format>', 'output format').choices([...REPORT_FORMATS]).default('table'))
    .option('--out <file>', 'write to this file instead of stdout (the natural place for --format html)')
    .option('--json', 'same as --format json');
  addApiOptions(cmd).action(async (o: ReportOptions) => {
    const client = await clientFromOptions(o);
    const to = Date.now();
    const from = Math.round(to - o.hours * 3_600_000);
    const query: Record<string, string> = { from: String(from), to: String(to), ...(o.baseline ? { baseline: o.baseline } : {}) };
    const report = await client.call('getReport', { query });
    // A file is read anywhere: fitted to 80 columns; stdout to the terminal it is shown in.
    const text = renderReport(report, o.json ? 'json' : o.format, { width: o.out ? 80 : outputWidth() });
    if (o.out) {
      writeFileSync(o.out, text);
      process.stderr.write(`stowage: wrote the report to ${o.out}\n`);
    } else {
      process.stdout.write(text);
    }
  });
}
