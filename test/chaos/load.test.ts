import { runLoad } from './load';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local';

/**
 * The fast version of the load run: 200 simulated agents for 20 s against the local API
 * on loopback, with submits and back-to-back scheduler passes. It asserts no errors and
 * that work got through; the figures are printed, not asserted (timings depend on the
 * machine). The long version: `npm run chaos` (STOWAGE_CHAOS_AGENTS, STOWAGE_CHAOS_SECONDS).
 */
const AGENTS = Number(process.env.STOWAGE_LOAD_AGENTS ?? 200);
const SECONDS = Number(process.env.STOWAGE_LOAD_SECONDS ?? 20);

let ddb: DynamoDbLocal;
beforeAll(async () => {
  ddb = await startDynamoDbLocal();
}, 60_000);
afterAll(async () => {
  await ddb?.stop();
});

describe('load on the local API and store', () => {
  it(`${AGENTS} agents heartbeating for ${SECONDS} s with submits and scheduler passes: no errors`, async () => {
    const section = await runLoad({ agents: AGENTS, seconds: SECONDS, intervalSeconds: 5, dynamo: ddb });
    console.log(section.lines.join('\n'));
    expect(section.violations).toEqual([]);
    expect(section.crashes).toBe(0);
    expect(section.counts.errors).toBe(0);
    expect(section.counts.heartbeats).toBeGreaterThan(0);
    expect(section.counts.heartbeatsPerSecond).toBeGreaterThan(0);
    expect(section.counts.submits).toBeGreaterThan(0);
    expect(section.counts.passes).toBeGreaterThan(0);
    for (const k of ['heartbeatP50Ms', 'heartbeatP99Ms', 'passP50Ms', 'passMaxMs']) expect({ [k]: Number.isFinite(section.counts[k]) }).toEqual({ [k]: true });
  }, SECONDS * 1000 + 120_000);
});
