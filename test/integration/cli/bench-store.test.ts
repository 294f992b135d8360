import { runInProcess } from '../../support/cli-test-api';

/** No API is called: the store bench starts its own DynamoDB Local. */
const NO_API = { url: 'http://127.0.0.1:9', token: 'unused' };

async function bench(history: number): Promise<Record<string, unknown>> {
  const run = await runInProcess(['bench', '--store', 'dynamodb', '--nodes', '20', '--tasks', '100', '--history', String(history), '--passes', '3', '--heartbeats', '10', '--json'], { api: NO_API });
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

const STATS = { p50: expect.any(Number), p95: expect.any(Number), mean: expect.any(Number) };

describe('stowage bench --store dynamodb', () => {
  it('reports pass and heartbeat time and units, and a pass reads no more with history than without', async () => {
    const without = await bench(0);
    const withHistory = await bench(500);
    for (const [r, history] of [
      [without, 0],
      [withHistory, 500],
    ] as const) {
      expect(r).toEqual({
        node: process.version,
        store: 'dynamodb',
        nodes: 20,
        liveTasks: 100,
        history,
        passes: 3,
        passMs: STATS,
        passReadUnits: STATS,
        passWriteUnits: STATS,
        heartbeats: 10,
        heartbeatMs: STATS,
        heartbeatReadUnits: STATS,
        heartbeatWriteUnits: STATS,
        buildMs: expect.any(Number),
        fullScanReadUnits: expect.any(Number),
        // The steady pass rate follows the report period (report/control-plane-scale.ts steadyPassRate).
        controlPlaneMonth: [
          [10, 4],
          [30, 2],
        ].map(([heartbeatSeconds, passesPerMinute]) => expect.objectContaining({ heartbeatSeconds, passesPerMinute, total: expect.any(Number), dynamoReads: expect.any(Number) })),
        prices: expect.stringContaining('us-east-1'),
      });
      const units = r.passReadUnits as { mean: number };
      // A pass reads the live copies, jobs and nodes: something, always.
      expect(units.mean).toBeGreaterThan(0);
    }
    const read = (r: Record<string, unknown>) => (r.passReadUnits as { mean: number }).mean;
    expect(Math.abs(read(withHistory) - read(without))).toBeLessThanOrEqual(0.1 * read(without));
    // Scanning everything, as a snapshot without the live index would, grows with history.
    expect(withHistory.fullScanReadUnits as number).toBeGreaterThan(read(withHistory));
    // A steady heartbeat writes the node's liveness at most: no copy moved.
    expect((withHistory.heartbeatWriteUnits as { p95: number }).p95).toBeLessThanOrEqual(1);
  }, 240_000);
});
