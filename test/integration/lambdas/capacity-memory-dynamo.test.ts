import { EC2Client, EC2ServiceException, RunInstancesCommand, type RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { RecordingNodeCommander } from '../../../control/fakes/recording-node-commander';
import { runPass, type SchedulerDeps } from '../../../control/pass/run-pass';
import { DEFAULT_CATALOG } from '../../../core/catalog';
import { defaultPolicy } from '../../../core/policy';
import { DynamoStateStore } from '../../../lambdas/adapters/dynamo-state-store';
import { Ec2Fleet } from '../../../lambdas/adapters/ec2-fleet';
import { job, NOW, tasks } from '../../control/pass/pass-fixture';
import { useDynamoDbLocal } from '../../support/dynamodb-local';

const ddb = useDynamoDbLocal();
const ec2 = mockClient(EC2Client);

const SUBNETS = { 'us-east-1a': 'subnet-0aaaaaaaaaaaaaaaa', 'us-east-1b': 'subnet-0bbbbbbbbbbbbbbbb' };
const zoneOf = (subnet: string | undefined) => Object.entries(SUBNETS).find(([, s]) => s === subnet)?.[0];

/** One scheduler invocation: a fresh store and fleet over the same tables, as a new Lambda container would build them. */
function invocation(tables: Awaited<ReturnType<typeof ddb.freshTables>>, now: number): SchedulerDeps {
  const clock = { now: () => now };
  const policy = defaultPolicy(DEFAULT_CATALOG.filter((t) => t.arch === 'arm64'));
  return {
    store: new DynamoStateStore(ddb.client, tables, { clock }),
    fleet: new Ec2Fleet({ client: new EC2Client({ region: 'us-east-1' }), launchTemplates: { arm64: 'lt-0fedcba9876543210' }, stackTag: { key: 'stowage:stack', value: 'test' }, subnetsByZone: SUBNETS }),
    commander: new RecordingNodeCommander(),
    clock,
    policy: { ...policy, scaleUp: { ...policy.scaleUp, zones: Object.keys(SUBNETS) } },
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
}

beforeEach(() => ec2.reset());

describe('the capacity memory across scheduler invocations (DynamoDB Local, EC2 request shapes)', () => {
  it('a launch EC2 refused for capacity in one zone goes to the other zone on the next invocation', async () => {
    const tables = await ddb.freshTables('cap');
    ec2.on(RunInstancesCommand).callsFake((input: RunInstancesCommandInput) => {
      if (input.SubnetId === SUBNETS['us-east-1a']) {
        throw new EC2ServiceException({ name: 'InsufficientInstanceCapacity', $fault: 'client', message: `We currently do not have sufficient ${input.InstanceType} capacity in the Availability Zone you requested (us-east-1a).`, $metadata: { httpStatusCode: 400 } });
      }
      return { Instances: [{ InstanceId: 'i-0123456789abcdef0' }] };
    });
    const first = invocation(tables, NOW);
    const j = job('web', 1);
    await new DynamoStateStore(ddb.client, tables).createJob(j, tasks(j));

    const refused = await runPass(first);
    expect(refused).toMatchObject({ launched: [], launchFailures: 1 });
    const second = await runPass(invocation(tables, NOW + 15_000));
    expect(second.launched).toEqual(['i-0123456789abcdef0']);

    const runs = ec2.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
    expect(runs.map((r) => zoneOf(r.SubnetId))).toEqual(['us-east-1a', 'us-east-1b']);
    expect(runs[1].InstanceType).toBe(runs[0].InstanceType);
    // Remembered for three minutes, in the store rather than in any invocation.
    const memory = await invocation(tables, NOW).store.capacityMemory();
    expect(memory.unavailable).toEqual([expect.objectContaining({ kind: 'offering', zone: 'us-east-1a', instanceType: runs[0].InstanceType, until: NOW + 180_000 })]);
  });
});
