import { DescribeSpotPriceHistoryCommand, type DescribeSpotPriceHistoryCommandOutput, type EC2Client, type _InstanceType } from '@aws-sdk/client-ec2';
import type { SpotPriceObservation } from '../../core/spot-discounts';

/** How far back to look: EC2 records a pool's price only when it changes, so a quiet pool's latest entry may be hours old. */
export const SPOT_HISTORY_WINDOW_MS = 24 * 3_600_000;

/**
 * The Spot prices EC2 reports for `instanceTypes` over the last day, Linux/UNIX
 * (what the node template boots), every page (DescribeSpotPriceHistory pages with
 * NextToken; https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSpotPriceHistory.html).
 * Needs ec2:DescribeSpotPriceHistory, which has no resource-level permission: a user's
 * credentials, not the scheduler's role, run it (scripts/spot-prices.ts).
 */
export async function spotPriceHistory(client: EC2Client, instanceTypes: readonly string[], now: number): Promise<SpotPriceObservation[]> {
  const out: SpotPriceObservation[] = [];
  let token: string | undefined;
  do {
    const page: DescribeSpotPriceHistoryCommandOutput = await client.send(
      new DescribeSpotPriceHistoryCommand({
        InstanceTypes: instanceTypes as _InstanceType[],
        ProductDescriptions: ['Linux/UNIX'],
        StartTime: new Date(now - SPOT_HISTORY_WINDOW_MS),
        EndTime: new Date(now),
        MaxResults: 1000,
        NextToken: token,
      }),
    );
    for (const p of page.SpotPriceHistory ?? []) {
      const price = Number(p.SpotPrice);
      if (!p.InstanceType || !p.AvailabilityZone || !p.Timestamp || !Number.isFinite(price)) continue;
      out.push({ instanceType: p.InstanceType, zone: p.AvailabilityZone, spotPrice: price, at: p.Timestamp.getTime() });
    }
    token = page.NextToken || undefined;
  } while (token);
  return out;
}
