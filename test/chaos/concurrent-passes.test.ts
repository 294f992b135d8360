import { runConcurrentPasses, replayHint, chaosPolicy } from './concurrent-passes';
import { InMemoryFleet } from '../../control/fakes/in-memory-fleet';
import { RecordingNodeCommander } from '../../control/fakes/recording-node-commander';
import { GONE, type Job, type Task } from '../../core/model';
import { DEFAULT_SERVICE_RESTART } from '../../core/policy';
import { runPass } from '../../control/pass/run-pass';
import { DynamoStateStore } from '../../lambdas/adapters/dynamo-state-store';
import { useDynamoDbLocal } from '../support/dynamodb-local';

/**
 * The fast version of the concurrency chaos: seeded, replayable from the seed it prints
 * (STOWAGE_CHAOS_SEED). The long version: `npm run chaos` (STOWAGE_CHAOS_ROUNDS, STOWAGE_CHAOS_CONCURRENCY).
 */
const SEED = Number(process.env.STOWAGE_CHAOS_SEED ?? 20260707);
const ROUNDS = Number(process.env.STOWAGE_CHAOS_ROUNDS ?? 100);
const CONCURRENCY = Number(process.env.STOWAGE_CHAOS_CONCURRENCY ?? 3);

const ddb = useDynamoDbLocal();

describe('several scheduler passes at once on DynamoDB Local', () => {
  it(`keeps every invariant over ${ROUNDS} rounds of ${CONCURRENCY} concurrent passes (seed ${SEED})`, async () => {
    const section = await runConcurrentPasses({ seed: SEED, rounds: ROUNDS, concurrency: CONCURRENCY, dynamo: ddb.instance });
    console.log(section.lines.join('\n'));
    if (section.violations.length > 0 || section.crashes > 0) {
      throw new Error(`${section.violations.length} violations, ${section.crashes} crashes with seed ${SEED}:\n${section.violations.slice(0, 10).join('\n')}\n${replayHint(SEED, ROUNDS, CONCURRENCY)}`);
    }
    expect(section.counts.rounds).toBe(ROUNDS);
    expect(section.counts.passes).toBe(ROUNDS * CONCURRENCY);
    // The race was real: the store refused conflicting writes rather than never meeting one.
    expect(section.counts.refusedWrites).toBeGreaterThan(0);
  }, 240_000);

  // Regression: each pass planned launches from the same count of nodes and launched them
  // all, so passes at once took the fleet past maxNodes (found by the chaos above, seed 1).
  it('never launches past maxNodes when passes that all want nodes run at once', async () => {
    const store = new DynamoStateStore(ddb.client, await ddb.createTables('launch-race'));
    const policy = chaosPolicy();
    const now = 1_800_000_000_000;
    const job: Job = {
      id: 'wide', name: 'wide', image: 'stowage/busybox:local', command: ['true'], env: {}, resources: { cpu: 1500, memoryMiB: 3072 },
      count: 12, kind: 'service', restart: DEFAULT_SERVICE_RESTART, constraints: {}, doNotDisrupt: false, createdAt: now,
    };
    const tasks: Task[] = Array.from({ length: job.count }, (_, slot) => ({ id: `wide.${slot}`, jobId: 'wide', slot, generation: 0, status: 'PENDING', resources: job.resources, restarts: 0, createdAt: now }));
    await store.createJob(job, tasks);
    const fleet = new InMemoryFleet();
    const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const reports = await Promise.all(Array.from({ length: 4 }, () => runPass({ store, fleet, commander: new RecordingNodeCommander(), clock: { now: () => now }, policy, logger })));
    const inService = (await store.listNodes()).filter((n) => !GONE.has(n.state));
    expect(policy.scaleUp.maxNodes).toBeLessThan(job.count);
    expect(inService.length).toBeLessThanOrEqual(policy.scaleUp.maxNodes);
    expect(fleet.running.size).toBe(inService.length);
    // One pass launched; the others left it to the next pass rather than launching again.
    expect(reports.filter((r) => r.launched.length > 0)).toHaveLength(1);
  }, 60_000);
});
