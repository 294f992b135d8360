import {
  DescribeInstancesCommand,
  EC2Client,
  EC2ServiceException,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type DescribeInstancesCommandInput,
  type Instance,
  type InstanceStateName,
  type RunInstancesCommandInput,
  type TerminateInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { Ec2Fleet, type Ec2FleetOptions } from '../../../lambdas/adapters/ec2-fleet';
import { AdapterConfigError } from '../../../lambdas/adapters/errors';
import { FleetError } from '../../../control/fleet';

const ec2 = mockClient(EC2Client);

const iid = (n: number) => `i-${n.toString(16).padStart(17, '0')}`;
const ids = (count: number, from = 1) => Array.from({ length: count }, (_, k) => iid(from + k));

/** The x86_64 template; ARM_TEMPLATE boots arm64 (Graviton) types. */
const TEMPLATE = 'lt-0123456789abcdef0';
const ARM_TEMPLATE = 'lt-0fedcba9876543210';
const STACK = { key: 'stowage:stack', value: 'prod' };
const SUBNETS = { 'us-east-1a': 'subnet-0aaaaaaaaaaaaaaaa', 'us-east-1b': 'subnet-0bbbbbbbbbbbbbbbb' };
const STACK_TAG = { Key: 'stowage:stack', Value: 'prod' };

function fleet(overrides: Partial<Ec2FleetOptions> = {}) {
  return new Ec2Fleet({ client: new EC2Client({ region: 'us-east-1' }), launchTemplates: { x86_64: TEMPLATE, arm64: ARM_TEMPLATE }, stackTag: STACK, subnetsByZone: SUBNETS, ...overrides });
}

/** An EC2 error as the SDK deserialises one: the service's code as `name`. */
function ec2Error(code: string, status = 400) {
  return new EC2ServiceException({ name: code, $fault: status >= 500 ? 'server' : 'client', message: `${code} happened`, $metadata: { httpStatusCode: status } });
}

const runs = () => ec2.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
const describes = () => ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input);
const terminations = () => ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input);
const terminated = () => terminations().flatMap((i) => i.InstanceIds ?? []);

/**
 * A small EC2 account: DescribeInstances applies the `instance-id` and `tag:` filters as
 * EC2 does (absent ids simply do not match), TerminateInstances fails the whole call
 * with InvalidInstanceID.NotFound when any id is unknown, as EC2 does.
 */
function account(instances: Array<{ id: string; tags?: Record<string, string>; state?: InstanceStateName }>) {
  const byId = new Map(instances.map((i) => [i.id, i]));
  const toInstance = (i: (typeof instances)[number]): Instance => ({
    InstanceId: i.id,
    State: { Name: i.state ?? 'running' },
    Tags: Object.entries(i.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
  });
  ec2.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
    let found = [...byId.values()];
    for (const f of input.Filters ?? []) {
      if (f.Name === 'instance-id') found = found.filter((i) => f.Values?.includes(i.id));
      else if (f.Name?.startsWith('tag:')) found = found.filter((i) => f.Values?.includes(i.tags?.[f.Name!.slice(4)] ?? '\u0000'));
      else throw ec2Error('InvalidParameterValue');
    }
    return { Reservations: found.length ? [{ Instances: found.map(toInstance) }] : [] };
  });
  ec2.on(TerminateInstancesCommand).callsFake((input: TerminateInstancesCommandInput) => {
    if ((input.InstanceIds ?? []).some((id) => !byId.has(id))) throw ec2Error('InvalidInstanceID.NotFound');
    return { TerminatingInstances: (input.InstanceIds ?? []).map((InstanceId) => ({ InstanceId })) };
  });
}
const ours = { 'stowage:stack': 'prod', 'stowage:managed': 'true' };

beforeEach(() => ec2.reset());

describe('Ec2Fleet', () => {
  describe('construction', () => {
    it.each<[string, Partial<Ec2FleetOptions>, RegExp]>([
      ['no launch template', { launchTemplates: {} }, /launchTemplates: names no template/],
      ['an empty launch template id', { launchTemplates: { arm64: '' } }, /launchTemplates\.arm64: is empty/],
      ['a launch template name instead of its id', { launchTemplates: { x86_64: 'stowage-nodes' } }, /launchTemplates\.x86_64: .*pass the id, not the name/],
      ['an architecture EC2 does not name so', { launchTemplates: { amd64: TEMPLATE } as Ec2FleetOptions['launchTemplates'] }, /"amd64" is not an architecture; use arm64 or x86_64/],
      ['an unknown launch template version', { launchTemplateVersion: 'latest' }, /launchTemplateVersion: .*\$Latest, \$Default or a version number/],
      ['no subnets', { subnetsByZone: {} }, /subnetsByZone: names no subnets/],
      ['a subnet that is not a subnet id', { subnetsByZone: { 'us-east-1a': 'my-subnet' } }, /subnetsByZone\.us-east-1a: "my-subnet" is not a subnet id/],
      ['a stack tag key in the aws: namespace', { stackTag: { key: 'aws:cloudformation:stack-name', value: 'x' } }, /stackTag.key: .*reserved aws: prefix/],
      ['a stack tag key Stowage sets itself', { stackTag: { key: 'stowage:managed', value: 'x' } }, /stackTag.key: .*collides/],
      ['an empty stack tag value', { stackTag: { key: 'stowage:stack', value: '' } }, /stackTag.value: must be 1..256/],
      ['no client', { client: undefined }, /client: an EC2Client is required/],
    ])('refuses %s with a message naming the option', (_what, overrides, message) => {
      const build = () => fleet(overrides);
      expect(build).toThrow(AdapterConfigError);
      expect(build).toThrow(message);
    });

    it('accepts a numbered launch template version', () => {
      expect(() => fleet({ launchTemplateVersion: '7' })).not.toThrow();
    });
  });

  describe('launch', () => {
    beforeEach(() => ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: iid(42) }] }));

    it('runs one instance of the chosen type from the launch template in the zone\'s subnet, tagging instance and volumes', async () => {
      const id = await fleet().launch({ instanceType: 'm5.large', zone: 'us-east-1b', labels: { gpu: 'none', team: 'search' } });

      expect(id).toEqual({ id: iid(42), instanceType: 'm5.large', zone: 'us-east-1b' });
      const tags = [STACK_TAG, { Key: 'stowage:managed', Value: 'true' }, { Key: 'stowage:label:gpu', Value: 'none' }, { Key: 'stowage:label:team', Value: 'search' }];
      const expected: RunInstancesCommandInput = {
        MinCount: 1,
        MaxCount: 1,
        LaunchTemplate: { LaunchTemplateId: TEMPLATE, Version: '$Latest' },
        InstanceType: 'm5.large',
        SubnetId: 'subnet-0bbbbbbbbbbbbbbbb',
        TagSpecifications: [
          { ResourceType: 'instance', Tags: tags },
          { ResourceType: 'volume', Tags: tags },
        ],
      };
      expect(ec2.commandCalls(RunInstancesCommand)[0].args[0].input).toEqual(expected);
    });

    it('passes the configured template version and the caller\'s client token', async () => {
      await fleet({ launchTemplateVersion: '$Default' }).launch({ instanceType: 'c7g.xlarge', zone: 'us-east-1a', labels: {}, clientToken: 'plan-17-launch-0' });

      expect(runs()[0]).toMatchObject({ LaunchTemplate: { LaunchTemplateId: ARM_TEMPLATE, Version: '$Default' }, ClientToken: 'plan-17-launch-0' });
    });

    it('launches each type from the template of its own architecture', async () => {
      for (const instanceType of ['m7g.large', 'r7g.2xlarge', 'm8g.xlarge', 'm6g.large', 'c7i.large', 'r7i.xlarge', 'm5.large']) {
        await fleet().launch({ instanceType, zone: 'us-east-1a', labels: {} });
      }
      expect(runs().map((r) => [r.InstanceType, r.LaunchTemplate?.LaunchTemplateId])).toEqual([
        ['m7g.large', ARM_TEMPLATE],
        ['r7g.2xlarge', ARM_TEMPLATE],
        ['m8g.xlarge', ARM_TEMPLATE],
        ['m6g.large', ARM_TEMPLATE],
        ['c7i.large', TEMPLATE],
        ['r7i.xlarge', TEMPLATE],
        ['m5.large', TEMPLATE],
      ]);
    });

    it('refuses, without calling EC2, a type whose architecture the stack has no template for', async () => {
      const grav = fleet({ launchTemplates: { arm64: ARM_TEMPLATE } });
      const error = await grav.launch({ instanceType: 'r5.large', zone: 'us-east-1a', labels: {} }).catch((e: unknown) => e);

      expect(error).toMatchObject({ name: 'FleetError', operation: 'launch', retriable: false });
      expect((error as Error).message).toBe(
        "cannot launch: r5.large is x86_64 and the stack has no x86_64 launch template (it has arm64); add the type to the stack's instanceTypes context and redeploy, which creates that template",
      );
      expect(runs()).toEqual([]);
    });

    it('refuses, without calling EC2, a type outside the catalog, whose architecture nobody knows', async () => {
      await expect(fleet().launch({ instanceType: 'x9.huge', zone: 'us-east-1a', labels: {} })).rejects.toThrow(/x9\.huge is not in the catalog, so its architecture and launch template are unknown/);
      expect(runs()).toEqual([]);
    });

    it('reports EC2\'s architecture mismatch (InvalidParameterValue) as not retriable: the same launch would fail again', async () => {
      // The message EC2 answers when an AMI's architecture is not the type's.
      const mismatch = new EC2ServiceException({
        name: 'InvalidParameterValue',
        $fault: 'client',
        message: "The architecture 'x86_64' of the specified instance type does not match the architecture 'arm64' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again.",
        $metadata: { httpStatusCode: 400 },
      });
      ec2.on(RunInstancesCommand).rejects(mismatch);
      const error = await fleet().launch({ instanceType: 'm5.large', zone: 'us-east-1a', labels: {} }).catch((e: unknown) => e);

      expect(error).toMatchObject({ name: 'FleetError', retriable: false, cause: mismatch });
      expect((error as Error).message).toMatch(/failed with InvalidParameterValue: The architecture 'x86_64' .* — EC2 refused a parameter/);
    });

    it('refuses a zone with no subnet without calling EC2, naming the zone and the known ones', async () => {
      const error = await fleet()
        .launch({ instanceType: 'm5.large', zone: 'eu-west-1a', labels: {} })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(FleetError);
      expect(error).toMatchObject({ name: 'FleetError', operation: 'launch', retriable: false });
      expect((error as Error).message).toMatch(/"eu-west-1a".*known zones: us-east-1a, us-east-1b/);
      expect(runs()).toEqual([]);
    });

    it('does not mistake an inherited property for a zone', async () => {
      await expect(fleet().launch({ instanceType: 'm5.large', zone: 'toString', labels: {} })).rejects.toThrow(/"toString" has no subnet/);
    });

    it.each<[string, Record<string, string>, RegExp]>([
      ['a label in the aws: namespace', { 'aws:team': 'x' }, /reserved aws: prefix/],
      ['a label key longer than a tag key allows', { ['k'.repeat(115)]: 'x' }, /tag key has 129 characters, at most 128/],
      ['a label value longer than a tag value allows', { team: 'v'.repeat(257) }, /at most 256 characters/],
      ['an empty label key', { '': 'x' }, /empty key/],
      ['more labels than EC2 allows tags', Object.fromEntries(ids(49).map((k) => [k, 'x'])), /49 labels/],
    ])('refuses %s without calling EC2', async (_what, labels, message) => {
      const error = await fleet()
        .launch({ instanceType: 'm5.large', zone: 'us-east-1a', labels })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(FleetError);
      expect(error).toMatchObject({ retriable: false });
      expect((error as Error).message).toMatch(message);
      expect(runs()).toEqual([]);
    });

    it('accepts label keys and values at the tag limits', async () => {
      await fleet().launch({ instanceType: 'm5.large', zone: 'us-east-1a', labels: { ['k'.repeat(114)]: 'v'.repeat(256) } });
      expect(runs()[0].TagSpecifications?.[0].Tags).toContainEqual({ Key: `stowage:label:${'k'.repeat(114)}`, Value: 'v'.repeat(256) });
    });

    it('refuses something that is not an instance type', async () => {
      await expect(fleet().launch({ instanceType: 'm5.large; reboot', zone: 'us-east-1a', labels: {} })).rejects.toThrow(/not an EC2 instance type/);
      expect(runs()).toEqual([]);
    });

    it.each([
      ['InsufficientInstanceCapacity', 400],
      ['RequestLimitExceeded', 503],
      ['InternalError', 500],
      ['SomethingNew', 502],
      ['SomethingNew', 429],
      ['Unavailable', 400],
    ])('reports %s as a retriable FleetError carrying the SDK error', async (code, status) => {
      const cause = ec2Error(code, status);
      ec2.on(RunInstancesCommand).rejects(cause);

      const error = await fleet()
        .launch({ instanceType: 'm5.large', zone: 'us-east-1a', labels: {} })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(FleetError);
      expect(error).toMatchObject({ operation: 'launch', retriable: true, cause });
      expect((error as Error).message).toMatch(new RegExp(`RunInstances of m5.large in us-east-1a failed with ${code}`));
    });

    it.each(['UnauthorizedOperation', 'InvalidParameterValue', 'InvalidLaunchTemplateId.NotFound'])('reports %s as a FleetError that is not retriable, with what to fix', async (code) => {
      ec2.on(RunInstancesCommand).rejects(ec2Error(code));

      const error = await fleet()
        .launch({ instanceType: 'm5.large', zone: 'us-east-1a', labels: {} })
        .catch((e: unknown) => e);

      expect(error).toMatchObject({ name: 'FleetError', retriable: false });
      expect((error as Error).message).toMatch(/ — \S/);
    });

    it.each([
      // The codes and messages EC2 documents for these refusals (EC2 API error codes reference).
      ['InsufficientInstanceCapacity', 'We currently do not have sufficient m5.large capacity in the Availability Zone you requested (us-east-1a).', 'insufficient-capacity', true],
      ['Unsupported', 'Your requested instance type (m5.large) is not supported in your requested Availability Zone (us-east-1a).', 'unsupported', false],
      ['VcpuLimitExceeded', 'You have requested more vCPU capacity than your current vCPU limit of 32 allows for the instance bucket that the specified instance type belongs to.', 'vcpu-limit', false],
    ])('marks %s as an unavailable offering (%s) for the pass to remember, after one RunInstances of that type and subnet', async (code, message, unavailable, retriable) => {
      ec2.on(RunInstancesCommand).rejects(new EC2ServiceException({ name: code, $fault: 'client', message, $metadata: { httpStatusCode: 400 } }));

      const error = await fleet()
        .launch({ instanceType: 'm5.large', zone: 'us-east-1a', labels: {} })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(FleetError);
      expect(error).toMatchObject({ operation: 'launch', unavailable, retriable });
      expect((error as Error).message).toContain(message);
      expect(runs()).toEqual([expect.objectContaining({ InstanceType: 'm5.large', SubnetId: SUBNETS['us-east-1a'], MinCount: 1, MaxCount: 1 })]);
    });

    it('marks no other refusal as an unavailable offering', async () => {
      for (const code of ['RequestLimitExceeded', 'InvalidParameterValue', 'UnauthorizedOperation', 'InsufficientHostCapacity']) {
        ec2.on(RunInstancesCommand).rejects(ec2Error(code));
        const error = await fleet()
          .launch({ instanceType: 'm5.large', zone: 'us-east-1a', labels: {} })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(FleetError);
        expect((error as FleetError).unavailable).toBeUndefined();
      }
    });

    it('fails loudly when EC2 answers without an instance id', async () => {
      ec2.on(RunInstancesCommand).resolves({ Instances: [] });
      await expect(fleet().launch({ instanceType: 'm5.large', zone: 'us-east-1a', labels: {} })).rejects.toThrow(/without an instance id/);
    });
  });

  describe('terminate', () => {
    it('finds the instances by id and stack tag, then terminates them', async () => {
      account([
        { id: iid(1), tags: ours },
        { id: iid(2), tags: ours },
      ]);

      await fleet().terminate([iid(1), iid(2)]);

      const expectedDescribe: DescribeInstancesCommandInput = {
        Filters: [
          { Name: 'instance-id', Values: [iid(1), iid(2)] },
          { Name: 'tag:stowage:stack', Values: ['prod'] },
        ],
      };
      expect(ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input).toEqual(expectedDescribe);
      expect(describes()).toHaveLength(1);
      const expectedTerminate: TerminateInstancesCommandInput = { InstanceIds: [iid(1), iid(2)] };
      expect(ec2.commandCalls(TerminateInstancesCommand)[0].args[0].input).toEqual(expectedTerminate);
      expect(terminations()).toHaveLength(1);
    });

    it('terminates the tagged instances, never touches the untagged ones, then refuses those', async () => {
      account([
        { id: iid(1), tags: ours },
        { id: iid(2), tags: { Name: 'someone-elses-database' } },
        { id: iid(3), tags: { 'stowage:stack': 'staging' } },
        { id: iid(4), tags: ours },
      ]);

      const error = await fleet()
        .terminate([iid(1), iid(2), iid(3), iid(4)])
        .catch((e: unknown) => e);

      expect(terminated()).toEqual([iid(1), iid(4)]);
      expect(error).toBeInstanceOf(FleetError);
      expect(error).toMatchObject({ operation: 'terminate', retriable: false, instanceIds: [iid(2), iid(3)] });
      expect((error as Error).message).toMatch(/stowage:stack=prod/);
      expect((error as Error).message).toMatch(/2 owned instance\(s\) were terminated/);
    });

    it('refuses an untagged instance even when it is the only one, calling TerminateInstances not at all', async () => {
      account([{ id: iid(7) }]);

      await expect(fleet().terminate([iid(7)])).rejects.toMatchObject({ name: 'FleetError', instanceIds: [iid(7)], retriable: false });
      expect(terminations()).toEqual([]);
    });

    it('checks the tag itself rather than trusting the filter alone', async () => {
      // An endpoint that ignores filters (some emulators do) answers with an untagged instance.
      ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: iid(1), State: { Name: 'running' }, Tags: [] }] }] });
      ec2.on(TerminateInstancesCommand).resolves({});

      await expect(fleet().terminate([iid(1)])).rejects.toMatchObject({ instanceIds: [iid(1)] });
      expect(terminations()).toEqual([]);
    });

    it('treats instances that no longer exist, or are already terminated, as terminated', async () => {
      account([
        { id: iid(1), tags: ours },
        { id: iid(2), tags: ours, state: 'terminated' },
        { id: iid(3), state: 'shutting-down' },
      ]);

      await expect(fleet().terminate([iid(1), iid(2), iid(3), iid(99)])).resolves.toBeUndefined();

      expect(terminated()).toEqual([iid(1)]);
    });

    it('treats an instance that vanished before TerminateInstances as terminated, and still terminates the others', async () => {
      account([
        { id: iid(1), tags: ours },
        { id: iid(2), tags: ours },
        { id: iid(3), tags: ours },
      ]);
      // iid(2) disappears between the look-up and the termination.
      ec2.on(TerminateInstancesCommand).callsFake((input: TerminateInstancesCommandInput) => {
        if (input.InstanceIds?.includes(iid(2))) throw ec2Error('InvalidInstanceID.NotFound');
        return {};
      });

      await expect(fleet().terminate([iid(1), iid(2), iid(3)])).resolves.toBeUndefined();

      expect(terminations().map((i) => i.InstanceIds)).toEqual([[iid(1), iid(2), iid(3)], [iid(1)], [iid(2)], [iid(3)]]);
    });

    it('terminates at most 1000 instances per call', async () => {
      const all = ids(1500);
      account(all.map((id) => ({ id, tags: ours })));

      await fleet().terminate(all);

      expect(terminations().map((i) => i.InstanceIds?.length)).toEqual([1000, 500]);
      expect(terminated()).toEqual(all);
      expect(describes().every((d) => (d.Filters?.[0].Values?.length ?? 0) <= 200)).toBe(true);
    });

    it('follows DescribeInstances pages', async () => {
      ec2
        .on(DescribeInstancesCommand)
        .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: iid(1), State: { Name: 'running' }, Tags: [STACK_TAG] }] }], NextToken: 'page-2' })
        .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: iid(2), State: { Name: 'running' }, Tags: [STACK_TAG] }] }] });
      ec2.on(TerminateInstancesCommand).resolves({});

      await fleet().terminate([iid(1), iid(2)]);

      expect(describes()[1].NextToken).toBe('page-2');
      expect(terminated()).toEqual([iid(1), iid(2)]);
    });

    it('refuses malformed ids before any call', async () => {
      account([{ id: iid(1), tags: ours }]);

      await expect(fleet().terminate([iid(1), 'local-1'])).rejects.toMatchObject({ name: 'FleetError', instanceIds: ['local-1'], retriable: false });
      expect(describes()).toEqual([]);
      expect(terminations()).toEqual([]);
    });

    it('makes no call for an empty list', async () => {
      await fleet().terminate([]);
      expect(describes()).toEqual([]);
    });

    it('reports throttled termination as retriable, naming the instances not terminated', async () => {
      const all = ids(1500);
      account(all.map((id) => ({ id, tags: ours })));
      ec2.on(TerminateInstancesCommand).resolvesOnce({}).rejects(ec2Error('RequestLimitExceeded', 503));

      const error = await fleet()
        .terminate(all)
        .catch((e: unknown) => e);

      expect(error).toMatchObject({ name: 'FleetError', operation: 'terminate', retriable: true, instanceIds: all.slice(1000) });
    });

    it('reports a look-up the role may not make as not retriable, having terminated nothing', async () => {
      ec2.on(DescribeInstancesCommand).rejects(ec2Error('UnauthorizedOperation', 403));

      const error = await fleet()
        .terminate([iid(1)])
        .catch((e: unknown) => e);

      expect(error).toMatchObject({ name: 'FleetError', operation: 'terminate', retriable: false, instanceIds: [iid(1)] });
      expect((error as Error).message).toMatch(/UnauthorizedOperation.*fix the grants/);
      expect(terminations()).toEqual([]);
    });
  });
});
