import { DescribeInstancesCommand, EC2Client, EC2ServiceException, TerminateInstancesCommand, type DescribeInstancesCommandInput, type InstanceStateName } from '@aws-sdk/client-ec2';
import { DisableRuleCommand, EventBridgeClient, EventBridgeServiceException } from '@aws-sdk/client-eventbridge';
import { LambdaClient, LambdaServiceException, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { StackTeardown, TeardownError, TeardownTimeoutError } from '../../../lambdas/adapters/stack-teardown';
import { AdapterConfigError } from '../../../lambdas/adapters/errors';

const ec2 = mockClient(EC2Client);
const events = mockClient(EventBridgeClient);
const lambda = mockClient(LambdaClient);

const TAG = { key: 'stowage:stack', value: 'prod' };
const iid = (n: number) => `i-${n.toString(16).padStart(17, '0')}`;
const TRIGGERS = { ruleName: 'Stowage-SchedulerEveryMinute-1ABC', eventSourceMappingId: '6f1c2d3e-0000-4000-8000-000000000001' };

const ec2Error = (code: string, status = 400) => new EC2ServiceException({ name: code, $fault: status >= 500 ? 'server' : 'client', message: `${code} happened`, $metadata: { httpStatusCode: status } });
const lambdaError = (code: string) => new LambdaServiceException({ name: code, $fault: 'client', message: `${code} happened`, $metadata: { httpStatusCode: 409 } });

/**
 * An account whose instances EC2 moves one step per DescribeInstances: running →
 * shutting-down once terminated → terminated on the next look. `launchLate` adds
 * instances at a given sweep, as a pass already running when the triggers stopped would.
 */
function account(initial: Array<{ id: string; tags?: Record<string, string>; state?: InstanceStateName }>, launchLate: Record<number, string[]> = {}) {
  const instances = new Map(initial.map((i) => [i.id, { ...i, state: i.state ?? ('running' as InstanceStateName) }]));
  let describes = 0;
  ec2.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
    describes++;
    for (const id of launchLate[describes] ?? []) instances.set(id, { id, tags: { [TAG.key]: TAG.value }, state: 'pending' });
    const states = input.Filters?.find((f) => f.Name === 'instance-state-name')?.Values ?? [];
    const tag = input.Filters?.find((f) => f.Name?.startsWith('tag:'));
    const found = [...instances.values()].filter((i) => states.includes(i.state) && tag?.Values?.includes(i.tags?.[tag.Name!.slice(4)] ?? '\u0000'));
    const answer = { Reservations: found.length ? [{ Instances: found.map((i) => ({ InstanceId: i.id, State: { Name: i.state }, Tags: Object.entries(i.tags ?? {}).map(([Key, Value]) => ({ Key, Value })) })) }] : [] };
    for (const i of instances.values()) if (i.state === 'shutting-down') i.state = 'terminated';
    return answer;
  });
  ec2.on(TerminateInstancesCommand).callsFake((input: { InstanceIds?: string[] }) => {
    if ((input.InstanceIds ?? []).some((id) => !instances.has(id))) throw ec2Error('InvalidInstanceID.NotFound');
    for (const id of input.InstanceIds ?? []) instances.get(id)!.state = 'shutting-down';
    return {};
  });
  return instances;
}

function teardown(clock = { t: 0 }) {
  return new StackTeardown({
    ec2: new EC2Client({ region: 'us-east-1' }),
    events: new EventBridgeClient({ region: 'us-east-1' }),
    lambda: new LambdaClient({ region: 'us-east-1' }),
    stackTag: TAG,
    pollMs: 10_000,
    now: () => clock.t,
    sleep: async (ms) => void (clock.t += ms),
  });
}

beforeEach(() => {
  ec2.reset();
  events.reset();
  lambda.reset();
});

describe('StackTeardown', () => {
  it('refuses an empty stack tag value, which would match other stacks\' instances', () => {
    expect(() => new StackTeardown({ ec2: new EC2Client({}), events: new EventBridgeClient({}), lambda: new LambdaClient({}), stackTag: { key: 'k', value: '' } })).toThrow(AdapterConfigError);
  });

  describe('stopTriggers', () => {
    it('disables the schedule rule and the stream mapping', async () => {
      events.on(DisableRuleCommand).resolves({});
      lambda.on(UpdateEventSourceMappingCommand).resolves({});
      await teardown().stopTriggers(TRIGGERS);
      expect(events.commandCalls(DisableRuleCommand).map((c) => c.args[0].input)).toEqual([{ Name: TRIGGERS.ruleName }]);
      expect(lambda.commandCalls(UpdateEventSourceMappingCommand).map((c) => c.args[0].input)).toEqual([{ UUID: TRIGGERS.eventSourceMappingId, Enabled: false }]);
    });

    it('disables the wake queue mapping too when the stack has one', async () => {
      events.on(DisableRuleCommand).resolves({});
      lambda.on(UpdateEventSourceMappingCommand).resolves({});
      await teardown().stopTriggers({ ...TRIGGERS, wakeMappingId: '6f1c2d3e-0000-4000-8000-000000000002' });
      expect(lambda.commandCalls(UpdateEventSourceMappingCommand).map((c) => c.args[0].input)).toEqual([
        { UUID: TRIGGERS.eventSourceMappingId, Enabled: false },
        { UUID: '6f1c2d3e-0000-4000-8000-000000000002', Enabled: false },
      ]);
    });

    it('disables the interruption queue mapping too when the stack has one', async () => {
      events.on(DisableRuleCommand).resolves({});
      lambda.on(UpdateEventSourceMappingCommand).resolves({});
      await teardown().stopTriggers({ ...TRIGGERS, wakeMappingId: '6f1c2d3e-0000-4000-8000-000000000002', interruptionMappingId: '6f1c2d3e-0000-4000-8000-000000000003' });
      expect(lambda.commandCalls(UpdateEventSourceMappingCommand).map((c) => c.args[0].input)).toEqual([
        { UUID: TRIGGERS.eventSourceMappingId, Enabled: false },
        { UUID: '6f1c2d3e-0000-4000-8000-000000000002', Enabled: false },
        { UUID: '6f1c2d3e-0000-4000-8000-000000000003', Enabled: false },
      ]);
    });

    it('counts a rule or mapping already gone (ResourceNotFoundException) as stopped: a retried delete finds them so', async () => {
      events.on(DisableRuleCommand).rejects(new EventBridgeServiceException({ name: 'ResourceNotFoundException', $fault: 'client', message: 'Rule x does not exist on EventBus default.', $metadata: {} }));
      lambda.on(UpdateEventSourceMappingCommand).rejects(lambdaError('ResourceNotFoundException'));
      await expect(teardown().stopTriggers(TRIGGERS)).resolves.toBeUndefined();
    });

    it('waits out a mapping still being updated (ResourceInUseException), then disables it', async () => {
      events.on(DisableRuleCommand).resolves({});
      lambda.on(UpdateEventSourceMappingCommand).rejectsOnce(lambdaError('ResourceInUseException')).rejectsOnce(lambdaError('ResourceInUseException')).resolves({});
      await teardown().stopTriggers(TRIGGERS);
      expect(lambda.commandCalls(UpdateEventSourceMappingCommand)).toHaveLength(3);
    });

    it('fails with the operation and the code when the role may not disable the rule', async () => {
      events.on(DisableRuleCommand).rejects(new EventBridgeServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'not authorized to perform: events:DisableRule', $metadata: {} }));
      const err = await teardown().stopTriggers(TRIGGERS).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TeardownError);
      expect((err as Error).message).toBe(`DisableRule ${TRIGGERS.ruleName} failed: AccessDeniedException: not authorized to perform: events:DisableRule`);
    });
  });

  describe('terminateAll', () => {
    it('terminates every live instance with the stack tag, waits until EC2 shows them gone, and leaves others alone', async () => {
      const instances = account([
        { id: iid(1), tags: { [TAG.key]: TAG.value } },
        { id: iid(2), tags: { [TAG.key]: TAG.value }, state: 'stopped' },
        { id: iid(3), tags: { [TAG.key]: 'other-stack' } },
        { id: iid(4) },
      ]);
      const out = await teardown().terminateAll({ quietUntil: 0, deadline: 600_000 });

      expect([...out.terminated].sort()).toEqual([iid(1), iid(2)]);
      expect(ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input)).toEqual([{ InstanceIds: [iid(1), iid(2)] }]);
      expect(instances.get(iid(1))!.state).toBe('terminated');
      expect(instances.get(iid(3))!.state).toBe('running');
      expect(instances.get(iid(4))!.state).toBe('running');
      // Sweep 1 terminates; sweep 2 still sees them shutting down; sweep 3 sees none.
      expect(out.sweeps).toBe(3);
      expect(describes()[0].Filters).toEqual([
        { Name: 'tag:stowage:stack', Values: ['prod'] },
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] },
      ]);
    });

    it('keeps sweeping until the quiet period ends, catching a launch by a pass that was already running', async () => {
      account([], { 3: [iid(9)] });
      const out = await teardown().terminateAll({ quietUntil: 75_000, deadline: 600_000 });
      expect(out.terminated).toEqual([iid(9)]);
      expect(out.sweeps).toBeGreaterThanOrEqual(8);
    });

    it('drops an instance gone between the look and the terminate (InvalidInstanceID.NotFound) and terminates the rest', async () => {
      account([{ id: iid(1), tags: { [TAG.key]: TAG.value } }, { id: iid(2), tags: { [TAG.key]: TAG.value } }]);
      ec2.on(TerminateInstancesCommand, { InstanceIds: [iid(1), iid(2)] }).rejects(ec2Error('InvalidInstanceID.NotFound'));
      ec2.on(TerminateInstancesCommand, { InstanceIds: [iid(1)] }).rejects(ec2Error('InvalidInstanceID.NotFound'));
      ec2.on(TerminateInstancesCommand, { InstanceIds: [iid(2)] }).resolves({});
      const out = await teardown().terminateAll({ quietUntil: 0, deadline: 30_000 }).catch((e: unknown) => e);
      expect(ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds)).toContainEqual([iid(2)]);
      // iid(1) never shows as terminating in this account, so the sweep runs out of time naming it.
      expect(out).toBeInstanceOf(TeardownTimeoutError);
      expect((out as TeardownTimeoutError).instanceIds).toContain(iid(1));
    });

    it('fails naming the instances still alive when they outlast the deadline', async () => {
      account([{ id: iid(5), tags: { [TAG.key]: TAG.value } }]);
      ec2.on(TerminateInstancesCommand).resolves({}); // EC2 accepts, but the instance never moves (stuck)
      const err = await teardown().terminateAll({ quietUntil: 0, deadline: 60_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TeardownTimeoutError);
      expect((err as Error).message).toBe(`"${iid(5)}" is still not terminated; the stack cannot delete its subnets and security group while they live — wait until EC2 shows them terminated, then run cdk destroy again`);
    });

    it('reports a refused TerminateInstances (UnauthorizedOperation) with the code, not as a timeout', async () => {
      account([{ id: iid(6), tags: { [TAG.key]: TAG.value } }]);
      ec2.on(TerminateInstancesCommand).rejects(ec2Error('UnauthorizedOperation'));
      const err = await teardown().terminateAll({ quietUntil: 0, deadline: 60_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TeardownError);
      expect((err as Error).message).toMatch(/^TerminateInstances "i-0+6" failed: UnauthorizedOperation: UnauthorizedOperation happened$/);
    });

    it('says a throttled DescribeInstances (RequestLimitExceeded) may be retried', async () => {
      ec2.on(DescribeInstancesCommand).rejects(ec2Error('RequestLimitExceeded', 503));
      await expect(teardown().terminateAll({ quietUntil: 0, deadline: 60_000 })).rejects.toThrow(/RequestLimitExceeded: .*\(retriable: run cdk destroy again\)/);
    });
  });
});

function describes() {
  return ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input);
}
