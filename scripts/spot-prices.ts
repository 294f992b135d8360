/**
 * Refreshes the Spot discounts from what EC2 charges now, with your AWS credentials:
 *
 *   npm run spot-prices -- --region us-east-1 [--json]
 *
 * It reads DescribeSpotPriceHistory for every type of the bundled catalog over the last
 * day (lambdas/adapters/spot-price-history.ts), takes each family's median saving over
 * its pools (core/spot-discounts.ts), and prints it beside the bundled table
 * (core/spot-prices.ts SPOT_DISCOUNT_BY_FAMILY) — the figures a maintainer puts in that
 * table, with the date, when refreshing it. The scheduler itself keeps to the bundled
 * table: the price a node is billed at in the report is the one its agent computes from
 * the same table, so both sides agree without either reading prices at run time.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_CATALOG } from '../core/catalog';
import type { InstanceType } from '../core/model';
import { spotDiscountsFrom, type SpotDiscounts } from '../core/spot-discounts';
import { SPOT_DISCOUNT_BY_FAMILY, SPOT_DISCOUNTS_TAKEN } from '../core/spot-prices';
import { spotPriceHistory } from '../lambdas/adapters/spot-price-history';

type Say = (line: string) => void;

export interface SpotPricesReport extends SpotDiscounts {
  readonly region: string;
  readonly taken: string;
  /** The bundled figure of each family, for comparison. */
  readonly bundled: Readonly<Record<string, number>>;
}

/** Reads the prices through `client` and compares the families' medians with the bundled table. */
export async function spotPricesReport(client: EC2Client, region: string, catalog: readonly InstanceType[], now: number): Promise<SpotPricesReport> {
  const observed = await spotPriceHistory(client, catalog.map((t) => t.name), now);
  const { discounts, pools } = spotDiscountsFrom(observed, catalog);
  return { region, taken: new Date(now).toISOString().slice(0, 10), discounts, pools, bundled: SPOT_DISCOUNT_BY_FAMILY };
}

export function formatSpotPrices(r: SpotPricesReport): string[] {
  const families = [...new Set([...Object.keys(r.bundled), ...Object.keys(r.discounts)])].sort();
  const pct = (v: number | undefined) => (v === undefined ? '—' : `${Math.round(v * 100)} %`);
  return [
    `Spot savings over On-Demand in ${r.region} on ${r.taken} (median over each family's pools; bundled table of ${SPOT_DISCOUNTS_TAKEN} beside it)`,
    'family  observed  pools  bundled',
    ...families.map((f) => `${f.padEnd(7)} ${pct(r.discounts[f]).padStart(8)} ${String(r.pools[f] ?? 0).padStart(6)} ${pct(r.bundled[f]).padStart(8)}`),
  ];
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, say: Say = (line) => process.stdout.write(`${line}\n`), client?: EC2Client): Promise<SpotPricesReport> {
  const program = new Command('spot-prices')
    .description("read EC2's Spot prices for the bundled catalog's types and print each family's saving beside the bundled table")
    .option('--region <region>', 'the region to read (default AWS_REGION)')
    .option('--json', 'print one JSON object')
    .exitOverride()
    .configureOutput({ writeOut: (s) => say(s.trimEnd()), writeErr: (s) => say(s.trimEnd()) });
  program.parse([...argv], { from: 'user' });
  const o = program.opts<{ region?: string; json?: boolean }>();
  const region = o.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new InvalidArgumentError('no region: pass --region (e.g. us-east-1) or set AWS_REGION');
  const report = await spotPricesReport(client ?? new EC2Client({ region }), region, DEFAULT_CATALOG, Date.now());
  if (o.json) say(JSON.stringify(report));
  else for (const line of formatSpotPrices(report)) say(line);
  return report;
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`spot-prices failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
