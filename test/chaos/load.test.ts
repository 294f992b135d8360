import { runLoad } from './load';
import { useDynamoDbLocal } from '../support/dynamodb-local';

/**
 * The fast version of the load run: 200 simulated agents for 20 s against the local API
 * on loopback, with submits and back-to-back scheduler passes. It asserts what holds
 * whatever the machine's speed: every heartbeat answered, no errors, every submitted job
 * placed. Latencies are printed, not asserted: their goals belong to `npm run chaos`
 * (STOWAGE_CHAOS_AGENTS, STOWAGE_CHAOS_SECONDS) and the benchmarks.
 */
const AGENTS = Number(process.env.STOWAGE_LOAD_AGENTS ?? 200);
const SECONDS = Number(process.env.STOWAGE_LOAD_SECONDS ?? 20);

const ddb = useDynamoDbLocal();

describe('load on the local API and store', () => {
  it(`${AGENTS} agents heartbeating for ${SECONDS} s with submits and scheduler passes: every heartbeat answered, no errors, every job placed`, async () => {
    const section = await runLoad({ agents: AGENTS, seconds: SECONDS, intervalSeconds: 5, dynamo: ddb.instance });
    // The latencies, for whoever reads the run: the summary line carries heartbeat p50/p99/max and pass p50/max.
    console.log(section.lines.join('\n'));
    expect(section.violations).toEqual([]);
    expect(section.crashes).toBe(0);
    expect(section.counts.errors).toBe(0);
    // Every agent got through at least once, and every heartbeat sent was answered.
    expect(section.counts.heartbeats).toBeGreaterThanOrEqual(AGENTS);
    expect(section.counts.heartbeats).toBe(section.counts.heartbeatsSent);
    // Every submitted job holds nodes for all its copies.
    expect(section.counts.submits).toBeGreaterThan(0);
    expect(section.counts.jobsPlaced).toBe(section.counts.submits);
    expect(section.counts.assignments).toBeGreaterThanOrEqual(section.counts.submits);
  }, SECONDS * 1000 + 150_000);
});
