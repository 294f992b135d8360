import { DescribeSpotPriceHistoryCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { SPOT_HISTORY_WINDOW_MS, spotPriceHistory } from '../../../lambdas/adapters/spot-price-history';
import { main } from '../../../scripts/spot-prices';

const ec2 = mockClient(EC2Client);
const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
beforeEach(() => ec2.reset());

describe('spotPriceHistory', () => {
  it('asks for Linux/UNIX prices of the types over the last day and reads every page', async () => {
    ec2
      .on(DescribeSpotPriceHistoryCommand)
      .resolvesOnce({
        SpotPriceHistory: [{ InstanceType: 'm7g.large', AvailabilityZone: 'us-east-1a', ProductDescription: 'Linux/UNIX', SpotPrice: '0.036700', Timestamp: new Date(NOW - 60_000) }],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        SpotPriceHistory: [
          { InstanceType: 'c7g.large', AvailabilityZone: 'us-east-1b', ProductDescription: 'Linux/UNIX', SpotPrice: '0.029000', Timestamp: new Date(NOW - 120_000) },
          // EC2 names every field; one that does not is skipped rather than guessed.
          { InstanceType: 'c7g.large', ProductDescription: 'Linux/UNIX', SpotPrice: '0.02', Timestamp: new Date(NOW) },
        ],
        NextToken: '',
      });
    const seen = await spotPriceHistory(new EC2Client({ region: 'us-east-1' }), ['m7g.large', 'c7g.large'], NOW);
    expect(seen).toEqual([
      { instanceType: 'm7g.large', zone: 'us-east-1a', spotPrice: 0.0367, at: NOW - 60_000 },
      { instanceType: 'c7g.large', zone: 'us-east-1b', spotPrice: 0.029, at: NOW - 120_000 },
    ]);
    const calls = ec2.commandCalls(DescribeSpotPriceHistoryCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({ InstanceTypes: ['m7g.large', 'c7g.large'], ProductDescriptions: ['Linux/UNIX'], StartTime: new Date(NOW - SPOT_HISTORY_WINDOW_MS), EndTime: new Date(NOW), NextToken: undefined });
    expect(calls[1].NextToken).toBe('page-2');
  });

  it("passes EC2's refusal on (UnauthorizedOperation: the credentials may not read prices)", async () => {
    ec2.on(DescribeSpotPriceHistoryCommand).rejects(Object.assign(new Error('You are not authorized to perform this operation.'), { name: 'UnauthorizedOperation' }));
    await expect(spotPriceHistory(new EC2Client({ region: 'us-east-1' }), ['m7g.large'], NOW)).rejects.toThrow(/not authorized/);
  });
});

describe('npm run spot-prices (scripts/spot-prices.ts)', () => {
  it("prints each family's observed saving beside the bundled table, and the same as JSON", async () => {
    const now = Date.now();
    ec2.on(DescribeSpotPriceHistoryCommand).resolves({
      SpotPriceHistory: [
        { InstanceType: 'm7g.large', AvailabilityZone: 'us-east-1a', SpotPrice: '0.0408', Timestamp: new Date(now - 60_000) },
        { InstanceType: 'm7g.large', AvailabilityZone: 'us-east-1b', SpotPrice: '0.0326', Timestamp: new Date(now - 60_000) },
      ],
    });
    const lines: string[] = [];
    const report = await main(['--region', 'us-east-1'], {}, (l) => lines.push(l), new EC2Client({ region: 'us-east-1' }));
    expect(report.region).toBe('us-east-1');
    expect(report.pools).toEqual({ m7g: 2 });
    // The catalog's m7g.large On-Demand price decides the saving; the bundled figure is shown beside it.
    expect(report.discounts.m7g).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/^Spot savings over On-Demand in us-east-1 on \d{4}-\d{2}-\d{2}/);
    expect(lines.find((l) => l.startsWith('m7g'))).toMatch(new RegExp(`^m7g\\s+${Math.round(report.discounts.m7g * 100)} %\\s+2\\s+${Math.round(report.bundled.m7g * 100)} %$`));
    expect(lines.find((l) => l.startsWith('c7g'))).toMatch(/^c7g\s+—\s+0\s+\d+ %$/);
    const json: string[] = [];
    await main(['--region', 'us-east-1', '--json'], {}, (l) => json.push(l), new EC2Client({ region: 'us-east-1' }));
    expect(JSON.parse(json[0])).toMatchObject({ region: 'us-east-1', pools: { m7g: 2 } });
  });

  it('names the missing region', async () => {
    await expect(main([], {}, () => undefined, new EC2Client({ region: 'us-east-1' }))).rejects.toThrow(/no region: pass --region/);
  });
});
