import { CreateFleetCommand, EC2Client, EC2ServiceException, RunInstancesCommand, type CreateFleetCommandInput, type CreateFleetError } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { FleetError } from '../../../control/fleet';
import { Ec2Fleet } from '../../../lambdas/adapters/ec2-fleet';

/**
 * Spot launches and launches with alternatives go through CreateFleet of type instant
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instant-fleet.html): the request
 * shape, the answer with the offering EC2 chose, and the per-offering `Errors` an
 * instant fleet answers with (HTTP 200) when it launched nothing.
 */

const ec2 = mockClient(EC2Client);
const X86_TEMPLATE = 'lt-0123456789abcdef0';
const ARM_TEMPLATE = 'lt-0fedcba9876543210';
const SUBNETS = { 'us-east-1a': 'subnet-0aaaaaaaaaaaaaaaa', 'us-east-1b': 'subnet-0bbbbbbbbbbbbbbbb' };
const STACK_TAG = { Key: 'stowage:stack', Value: 'prod' };
const MANAGED = { Key: 'stowage:managed', Value: 'true' };
const INSTANCE = 'i-0000000000000002a';

const fleet = () =>
  new Ec2Fleet({ client: new EC2Client({ region: 'us-east-1' }), launchTemplates: { x86_64: X86_TEMPLATE, arm64: ARM_TEMPLATE }, stackTag: { key: 'stowage:stack', value: 'prod' }, subnetsByZone: SUBNETS });
const fleets = () => ec2.commandCalls(CreateFleetCommand).map((c) => c.args[0].input);

/** One CreateFleet error entry as EC2 returns it: the refused override, its lifecycle, code and message. */
const refusal = (instanceType: string, subnet: string, code: string, message: string): CreateFleetError => ({
  LaunchTemplateAndOverrides: { LaunchTemplateSpecification: { LaunchTemplateId: X86_TEMPLATE, Version: '$Latest' }, Overrides: { InstanceType: instanceType as never, SubnetId: subnet } },
  Lifecycle: 'spot',
  ErrorCode: code,
  ErrorMessage: message,
});

beforeEach(() => ec2.reset());

describe('Ec2Fleet Spot launches (CreateFleet instant)', () => {
  it('asks for one Spot instance, price-capacity-optimized, over every offering with its zone\'s subnet, tagged at launch', async () => {
    ec2.on(CreateFleetCommand).resolves({
      FleetId: 'fleet-0123',
      Instances: [
        {
          InstanceIds: [INSTANCE],
          InstanceType: 'm7i.large',
          Lifecycle: 'spot',
          LaunchTemplateAndOverrides: { Overrides: { InstanceType: 'm7i.large', SubnetId: SUBNETS['us-east-1b'] } },
        },
      ],
      Errors: [],
    });

    const launched = await fleet().launch({
      instanceType: 'm5.large',
      zone: 'us-east-1a',
      labels: { team: 'batch' },
      capacityType: 'spot',
      alternatives: [
        { instanceType: 'm7i.large', zone: 'us-east-1b' },
        { instanceType: 'm6g.large', zone: 'us-east-1a' },
      ],
    });

    // EC2 chose the second offering: the record must say so, not the planned first.
    expect(launched).toEqual({ id: INSTANCE, instanceType: 'm7i.large', zone: 'us-east-1b' });
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
    const tags = [STACK_TAG, MANAGED, { Key: 'stowage:label:team', Value: 'batch' }];
    const expected: CreateFleetCommandInput = {
      Type: 'instant',
      TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: 'spot' },
      SpotOptions: { AllocationStrategy: 'price-capacity-optimized' },
      LaunchTemplateConfigs: [
        {
          LaunchTemplateSpecification: { LaunchTemplateId: X86_TEMPLATE, Version: '$Latest' },
          Overrides: [
            { InstanceType: 'm5.large', SubnetId: SUBNETS['us-east-1a'] },
            { InstanceType: 'm7i.large', SubnetId: SUBNETS['us-east-1b'] },
          ],
        },
        // An override cannot change the image, so the Graviton type goes with the arm64 template.
        { LaunchTemplateSpecification: { LaunchTemplateId: ARM_TEMPLATE, Version: '$Latest' }, Overrides: [{ InstanceType: 'm6g.large', SubnetId: SUBNETS['us-east-1a'] }] },
      ],
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'fleet', Tags: [STACK_TAG, MANAGED] },
      ],
    };
    expect(fleets()).toEqual([expected]);
  });

  it('sends an On-Demand launch with alternatives through CreateFleet too, in the plan\'s order of preference', async () => {
    ec2.on(CreateFleetCommand).resolves({ Instances: [{ InstanceIds: [INSTANCE], InstanceType: 'm5.large', LaunchTemplateAndOverrides: { Overrides: { InstanceType: 'm5.large', SubnetId: SUBNETS['us-east-1a'] } } }] });

    await expect(fleet().launch({ instanceType: 'm5.large', zone: 'us-east-1a', labels: {}, alternatives: [{ instanceType: 'm5.large', zone: 'us-east-1b' }] })).resolves.toEqual({
      id: INSTANCE,
      instanceType: 'm5.large',
      zone: 'us-east-1a',
    });
    const [input] = fleets();
    expect(input.TargetCapacitySpecification).toEqual({ TotalTargetCapacity: 1, DefaultTargetCapacityType: 'on-demand' });
    expect(input.OnDemandOptions).toEqual({ AllocationStrategy: 'prioritized' });
    expect(input.SpotOptions).toBeUndefined();
    expect(input.LaunchTemplateConfigs?.[0].Overrides).toEqual([
      { InstanceType: 'm5.large', SubnetId: SUBNETS['us-east-1a'], Priority: 0 },
      { InstanceType: 'm5.large', SubnetId: SUBNETS['us-east-1b'], Priority: 1 },
    ]);
  });

  it('names each refused offering and why, so the pass remembers every one of them under Spot', async () => {
    // The messages EC2 documents for these codes (EC2 API error codes reference).
    ec2.on(CreateFleetCommand).resolves({
      FleetId: 'fleet-0123',
      Instances: [],
      Errors: [
        refusal('m5.large', SUBNETS['us-east-1a'], 'InsufficientInstanceCapacity', 'There is no Spot capacity available that matches your request.'),
        refusal('m7i.large', SUBNETS['us-east-1b'], 'Unsupported', 'Your requested instance type (m7i.large) is not supported in your requested Availability Zone (us-east-1b).'),
      ],
    });

    const error = await fleet()
      .launch({ instanceType: 'm5.large', zone: 'us-east-1a', labels: {}, capacityType: 'spot', alternatives: [{ instanceType: 'm7i.large', zone: 'us-east-1b' }] })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FleetError);
    expect(error).toMatchObject({
      operation: 'launch',
      retriable: true,
      unavailable: 'insufficient-capacity',
      refusedOfferings: [
        { instanceType: 'm5.large', zone: 'us-east-1a', reason: 'insufficient-capacity' },
        { instanceType: 'm7i.large', zone: 'us-east-1b', reason: 'unsupported' },
      ],
    });
    expect((error as Error).message).toMatch(/launched nothing: InsufficientInstanceCapacity \(m5\.large\): There is no Spot capacity/);
  });

  it.each([
    ['MaxSpotInstanceCountExceeded', 'Max spot instance count exceeded'],
    ['VcpuLimitExceeded', 'You have requested more vCPU capacity than your current vCPU limit of 32 allows'],
  ])('maps %s to the vCPU quota, not retried unchanged', async (code, message) => {
    ec2.on(CreateFleetCommand).resolves({ Instances: [], Errors: [refusal('m5.large', SUBNETS['us-east-1a'], code, message)] });

    const error = await fleet().launch({ instanceType: 'm5.large', zone: 'us-east-1a', labels: {}, capacityType: 'spot' }).catch((e: unknown) => e);

    expect(error).toMatchObject({ retriable: false, unavailable: 'vcpu-limit', refusedOfferings: [{ instanceType: 'm5.large', zone: 'us-east-1a', reason: 'vcpu-limit' }] });
  });

  it('remembers nothing for an error that is not about where or how much', async () => {
    ec2.on(CreateFleetCommand).resolves({ Instances: [], Errors: [refusal('m5.large', SUBNETS['us-east-1a'], 'InvalidParameterValue', 'The launch template is invalid')] });

    const error = await fleet().launch({ instanceType: 'm5.large', zone: 'us-east-1a', labels: {}, capacityType: 'spot' }).catch((e: unknown) => e);

    expect(error).toMatchObject({ retriable: false });
    expect((error as FleetError).unavailable).toBeUndefined();
    expect((error as FleetError).refusedOfferings).toBeUndefined();
    expect((error as Error).message).toMatch(/EC2 refused a parameter/);
  });

  it('turns an exception of the call itself into a FleetError, as RunInstances\' are', async () => {
    ec2.on(CreateFleetCommand).rejects(new EC2ServiceException({ name: 'UnauthorizedOperation', $fault: 'client', message: 'You are not authorized to perform this operation.', $metadata: { httpStatusCode: 403 } }));

    const error = await fleet().launch({ instanceType: 'm5.large', zone: 'us-east-1a', labels: {}, capacityType: 'spot' }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'FleetError', retriable: false });
    expect((error as Error).message).toMatch(/CreateFleet \(spot\) of m5\.large in us-east-1a failed with UnauthorizedOperation/);
  });

  it('fails loudly when the fleet answers with neither an instance nor an error', async () => {
    ec2.on(CreateFleetCommand).resolves({ FleetId: 'fleet-0123', Instances: [], Errors: [] });
    await expect(fleet().launch({ instanceType: 'm5.large', zone: 'us-east-1a', labels: {}, capacityType: 'spot' })).rejects.toThrow(/neither an instance nor an error; look for an instance tagged stowage:stack=prod/);
  });

  it('checks every alternative before any call: an unknown zone or a type outside the catalog is refused', async () => {
    await expect(fleet().launch({ instanceType: 'm5.large', zone: 'us-east-1a', labels: {}, capacityType: 'spot', alternatives: [{ instanceType: 'm5.large', zone: 'eu-west-1a' }] })).rejects.toThrow(
      /zone "eu-west-1a" has no subnet configured/,
    );
    await expect(fleet().launch({ instanceType: 'm5.large', zone: 'us-east-1a', labels: {}, capacityType: 'spot', alternatives: [{ instanceType: 'x9.huge', zone: 'us-east-1a' }] })).rejects.toThrow(
      /x9\.huge is not in the catalog/,
    );
    expect(fleets()).toEqual([]);
  });

  it('refuses a capacity type EC2 does not sell', async () => {
    await expect(fleet().launch({ instanceType: 'm5.large', zone: 'us-east-1a', labels: {}, capacityType: 'reserved' as never })).rejects.toThrow(/capacityType "reserved" must be "on-demand" or "spot"/);
  });
});
