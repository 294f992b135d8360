import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { StowageLoadBalancer } from './load-balancer';
import { NodeDocuments } from './node-documents';
import type { NodeFleet } from './node-fleet';
import { RUNTIME_ENV } from './runtime-env';
import type { StateTables } from './state-tables';
import { StowageFunction } from './stowage-function';

export interface SchedulerProps {
  readonly tables: StateTables;
  readonly fleet: NodeFleet;
  /** Availability zone → subnet id nodes launch into. */
  readonly subnetsByZone: Record<string, string>;
  readonly stackTag: { readonly key: string; readonly value: string };
  readonly maxNodes?: number;
  readonly minNodes?: number;
  /** Seconds between node reports: the scheduler's heartbeat timeout is four of them (lambdas/config.ts). */
  readonly heartbeatSeconds: number;
  /** Instance type names the scheduler may launch; empty means the whole bundled catalog. */
  readonly instanceTypes?: readonly string[];
  readonly handlersDir?: string;
  /** The stack's load balancer, when it has one: the scheduler keeps its target groups and rules. */
  readonly loadBalancer?: StowageLoadBalancer;
  /** The stack's sync document (NodeDocuments.sync): the only document the scheduler may send. */
  readonly syncDocument: ssm.CfnDocument;
}

/**
 * Must equal QUIET_HEARTBEAT_ATTRIBUTE and SCHEDULER_WAKE_PATTERNS in
 * lambdas/adapters/scheduler-wake-filter.ts, which says why (the test compares): a node
 * appearing or going, or any write that is not a quiet heartbeat, wakes the scheduler.
 */
const QUIET_HEARTBEAT_ATTRIBUTE = 'quietBeat';
const SCHEDULER_WAKE_FILTERS = [
  lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.or('INSERT', 'REMOVE') }),
  lambda.FilterCriteria.filter({
    eventName: lambda.FilterRule.isEqual('MODIFY'),
    dynamodb: { NewImage: { [QUIET_HEARTBEAT_ATTRIBUTE]: { BOOL: lambda.FilterRule.notExists() } } },
  }),
];

/**
 * The scheduler Lambda and what wakes it: the Nodes table's stream, filtered to changes
 * (a new or gone node, a heartbeat that changes the node or its copies, the scheduler's
 * own node writes), batched; the wake queue, where the API asks for a pass after a
 * change and each pass asks, by a delayed message, for the follow-up its plan wants (a
 * node's heartbeat deadline, so a silent node is found within the timeout; a back-off's
 * end; a deployment in flight); and a one-minute schedule, the safety net should a wake
 * be lost. Its EC2 and SSM grants
 * reach only instances carrying this stack's tag: it can launch them (tagged at launch),
 * sync them and terminate them, and nothing else in the account.
 */
export class Scheduler extends Construct {
  readonly fn: lambda.IFunction;
  readonly schedule: events.Rule;
  /** The Nodes stream's event source mapping; the teardown disables it. */
  readonly streamSource: DynamoEventSource;
  /** Where passes are asked for (lambdas/adapters/sqs-pass-waker.ts); the API functions that change jobs send to it. */
  readonly wakeQueue: sqs.Queue;
  /** The wake queue's event source mapping; the teardown disables it. */
  readonly wakeSource: SqsEventSource;
  /** The function's timeout: how long a pass already running may still act once nothing wakes it. */
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: SchedulerProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { tables, fleet, stackTag } = props;

    this.timeout = Duration.seconds(60);
    this.wakeQueue = new sqs.Queue(this, 'WakeQueue', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      // A wake is worth nothing after an hour: the schedule has run sixty passes since.
      retentionPeriod: Duration.hours(1),
      // Lambda's guidance for SQS sources: six times the function's timeout, so a batch
      // being handled does not reappear for a second pass.
      visibilityTimeout: Duration.seconds(this.timeout.toSeconds() * 6),
    });
    Validations.of(this.wakeQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'A wake that fails is not worth replaying: the next wake or the one-minute schedule runs a pass on fresh state. A dead-letter queue would only collect stale wake-ups.',
    });

    const environment: Record<string, string> = {
      ...tables.environment,
      [RUNTIME_ENV.wakeQueueUrl]: this.wakeQueue.queueUrl,
      [RUNTIME_ENV.launchTemplates]: stack.toJsonString(Object.fromEntries([...fleet.launchTemplates].map(([arch, lt]) => [arch, lt.launchTemplateId!]))),
      [RUNTIME_ENV.subnets]: stack.toJsonString(props.subnetsByZone),
      [RUNTIME_ENV.stackTagKey]: stackTag.key,
      [RUNTIME_ENV.stackTagValue]: stackTag.value,
      [RUNTIME_ENV.instanceTypes]: (props.instanceTypes ?? []).join(','),
      [RUNTIME_ENV.syncDocument]: props.syncDocument.ref,
    };
    environment[RUNTIME_ENV.heartbeatSeconds] = String(props.heartbeatSeconds);
    if (props.maxNodes !== undefined) environment[RUNTIME_ENV.maxNodes] = String(props.maxNodes);
    if (props.minNodes !== undefined) environment[RUNTIME_ENV.minNodes] = String(props.minNodes);
    const lb = props.loadBalancer;
    if (lb) {
      environment[RUNTIME_ENV.lbListenerArn] = lb.listener.listenerArn;
      environment[RUNTIME_ENV.lbDnsName] = lb.alb.loadBalancerDnsName;
      environment[RUNTIME_ENV.vpcId] = lb.vpcId;
    }

    const scheduler = new StowageFunction(this, 'Function', {
      handler: 'scheduler',
      handlersDir: props.handlersDir,
      description: 'Stowage scheduler pass: snapshot, plan, apply',
      // A pass applies transactions, SSM commands and EC2 calls with back-off; a minute
      // leaves room for throttling retries, and the schedule fires again after it anyway.
      timeout: this.timeout,
      memorySize: 1024,
      environment,
    });
    this.fn = scheduler.fn;

    for (const table of [tables.jobs, tables.tasks, tables.nodes, tables.samples]) table.grantReadWriteData(this.fn);
    // The launch lease is taken with a conditional put and released with a conditional
    // delete (DynamoStateStore.withLaunchLease), and the follow-up on its way is recorded
    // the same way (SqsPassWaker); the capacity memory (refused offerings, launches that
    // never heartbeated) is one item there, read whole and updated per attribute.
    tables.leases.grant(this.fn, 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem');

    // Only changes pass the filters: a heartbeat that changes nothing but its time is
    // dropped before the function is invoked (and billed). Changes can still come from
    // many nodes at once; a 5 s window turns them into one pass. Retries are bounded: a
    // failed pass is not worth replaying, the next change or the next minute re-plans
    // from fresh state.
    this.streamSource = new DynamoEventSource(tables.nodes, {
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(5),
      retryAttempts: 2,
      maxRecordAge: Duration.minutes(5),
      parallelizationFactor: 1,
      filters: SCHEDULER_WAKE_FILTERS,
    });
    this.fn.addEventSource(this.streamSource);

    // A pass asks for its follow-up here; several wakes due together make one pass.
    this.wakeSource = new SqsEventSource(this.wakeQueue, { batchSize: 10, maxBatchingWindow: Duration.seconds(1) });
    this.fn.addEventSource(this.wakeSource);
    this.wakeQueue.grantSendMessages(this.fn);

    tables.acknowledgeIndexGrant(scheduler.role);
    // DynamoEventSource grants dynamodb:ListStreams on '*' (the action takes no resource);
    // reading the stream itself (GetRecords, GetShardIterator, DescribeStream) is granted
    // on the Nodes stream ARN only.
    Validations.of(scheduler.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'dynamodb:ListStreams, added by the DynamoDB event source, supports no resource-level permission; it lists stream ARNs and reads no data.',
    });

    this.schedule = new events.Rule(this, 'EveryMinute', {
      description: 'Stowage scheduler safety net: a pass even when no heartbeat arrives',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      // A missed tick is superseded by the next one; retrying it would only stack passes.
      targets: [new targets.LambdaFunction(this.fn, { retryAttempts: 0, maxEventAge: Duration.minutes(1) })],
    });

    this.grantFleet(scheduler.role, props);
    lb?.grantTargetManagement(scheduler.role);
  }

  private grantFleet(role: iam.Role, props: SchedulerProps): void {
    const stack = Stack.of(this);
    const { fleet, stackTag } = props;
    const ec2Arn = (resource: string, account = stack.account) =>
      stack.formatArn({ service: 'ec2', account, resource, resourceName: '*' }) ;
    const instances = ec2Arn('instance');
    const launchTemplateArns = [...fleet.launchTemplates.values()].map((lt) =>
      stack.formatArn({ service: 'ec2', resource: 'launch-template', resourceName: lt.launchTemplateId! }),
    );
    // Every RunInstances statement holds only for a launch from one of the stack's
    // templates: its user data, image, security group and node role, never a launch the
    // scheduler composes itself. ec2:LaunchTemplate is set on every resource of such a
    // request, whatever it overrides; so the resources the template names (image,
    // security group) also need ec2:IsLaunchTemplateResource, true only when the request
    // did not replace them — without it, a launch from the template with any
    // Amazon-owned AMI swapped in would be allowed.
    const fromTemplate = { ArnLike: { 'ec2:LaunchTemplate': launchTemplateArns } };
    const asTemplateSays = { ...fromTemplate, Bool: { 'ec2:IsLaunchTemplateResource': 'true' } };
    const requestTagged = { StringEquals: { [`aws:RequestTag/${stackTag.key}`]: stackTag.value }, ...fromTemplate };

    // A Spot launch (or one with alternatives) is a CreateFleet of type instant, which
    // launches on the caller's own permissions: each statement that allows RunInstances
    // allows CreateFleet on the same resources and conditions
    // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instant-fleet.html;
    // an instant fleet needs no AWSServiceRoleForEC2Fleet: ec2-fleet-prerequisites.html).
    const launch = ['ec2:RunInstances', 'ec2:CreateFleet'];
    const statements = [
      // Launch: the instance only when tagged with the stack tag in the request (Ec2Fleet
      // tags at launch, so an untagged launch is refused outright).
      new iam.PolicyStatement({
        sid: 'RunTaggedInstances',
        actions: launch,
        resources: [instances],
        conditions: requestTagged,
      }),
      // Its volumes, from the stack's templates: RunInstances tags them in the request, but
      // CreateFleet's TagSpecifications take only `instance` and `fleet`, so a Spot node's
      // volumes carry no tag at launch to condition on. A volume is only ever the root
      // device the template describes, attached to an instance the statement above allows.
      new iam.PolicyStatement({
        sid: 'RunVolumesFromStackTemplate',
        actions: launch,
        resources: [ec2Arn('volume')],
        conditions: fromTemplate,
      }),
      // The instant fleet request itself, tagged with the stack tag like its instances.
      new iam.PolicyStatement({
        sid: 'CreateTaggedFleet',
        actions: ['ec2:CreateFleet'],
        resources: [ec2Arn('fleet')],
        conditions: { StringEquals: { [`aws:RequestTag/${stackTag.key}`]: stackTag.value } },
      }),
      // EC2 creates the Spot service-linked role on the first Spot request when the caller
      // may (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/service-linked-roles-spot-instance-requests.html);
      // only that role, only for spot.amazonaws.com.
      new iam.PolicyStatement({
        sid: 'CreateSpotServiceLinkedRole',
        actions: ['iam:CreateServiceLinkedRole'],
        resources: [stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: 'aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot' })],
        conditions: { StringEquals: { 'iam:AWSServiceName': 'spot.amazonaws.com' } },
      }),
      // ...from this stack's launch templates, into this VPC's subnets (Ec2Fleet picks the
      // subnet per zone, so it is the one resource the request names itself). The network
      // interface RunInstances creates has no id yet.
      new iam.PolicyStatement({
        sid: 'RunFromStackLaunchTemplate',
        actions: launch,
        resources: [
          ...launchTemplateArns,
          ...Object.values(props.subnetsByZone).map((subnetId) => stack.formatArn({ service: 'ec2', resource: 'subnet', resourceName: subnetId })),
          ec2Arn('network-interface'),
        ],
        conditions: fromTemplate,
      }),
      // ...with the node security group, as the template names it.
      new iam.PolicyStatement({
        sid: 'RunWithTemplateSecurityGroup',
        actions: launch,
        resources: [stack.formatArn({ service: 'ec2', resource: 'security-group', resourceName: fleet.securityGroup.securityGroupId })],
        conditions: asTemplateSays,
      }),
      // ...with the Amazon-owned image the template resolves (the AL2023 AMI of its
      // architecture), and no other.
      new iam.PolicyStatement({
        sid: 'RunTemplateImage',
        actions: launch,
        resources: [stack.formatArn({ service: 'ec2', account: '', resource: 'image', resourceName: '*' })],
        conditions: { ...asTemplateSays, StringEquals: { 'ec2:Owner': 'amazon' } },
      }),
      // Tags only as part of a launch: the scheduler cannot tag (and so adopt) an
      // instance it did not launch.
      new iam.PolicyStatement({
        sid: 'TagOnLaunchOnly',
        actions: ['ec2:CreateTags'],
        resources: [instances, ec2Arn('volume'), ec2Arn('fleet')],
        conditions: { StringEquals: { 'ec2:CreateAction': ['RunInstances', 'CreateFleet'] } },
      }),
      new iam.PolicyStatement({
        sid: 'TerminateStackInstances',
        actions: ['ec2:TerminateInstances'],
        resources: [instances],
        conditions: { StringEquals: { [`aws:ResourceTag/${stackTag.key}`]: stackTag.value } },
      }),
      // DescribeInstances supports no resource-level permissions: '*' is the only form.
      new iam.PolicyStatement({ sid: 'DescribeInstances', actions: ['ec2:DescribeInstances'], resources: ['*'] }),
      new iam.PolicyStatement({
        sid: 'PassNodeRole',
        actions: ['iam:PassRole'],
        resources: [fleet.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      }),
      // SendCommand is authorised on the document and on each target: the stack's own sync
      // document (one fixed command, no parameters, so nothing can be added to what runs),
      // and instances carrying the stack tag.
      new iam.PolicyStatement({
        sid: 'SendSyncDocument',
        actions: ['ssm:SendCommand'],
        resources: [NodeDocuments.arnOf(this, props.syncDocument)],
      }),
      new iam.PolicyStatement({
        sid: 'SendToStackInstances',
        actions: ['ssm:SendCommand'],
        resources: [instances],
        conditions: { StringEquals: { [`ssm:resourceTag/${stackTag.key}`]: stackTag.value } },
      }),
    ];
    const policy = new iam.Policy(this, 'FleetPolicy', { statements });
    policy.attachToRole(role);

    const instanceArn = 'Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*';
    Validations.of(policy).acknowledge(
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'ec2:DescribeInstances has no resource-level permissions; it only reads, and Ec2Fleet uses it to check the stack tag before terminating.' },
      { id: `AwsSolutions-IAM5[${instanceArn}]`, reason: 'Instance ids are not known before launch; every statement on instance/* is conditioned on the stack tag (aws:RequestTag, aws:ResourceTag, ssm:resourceTag) or on ec2:CreateAction=RunInstances.' },
      { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:volume/*]', reason: "Volume ids are not known before launch; a launch on volume/* must come from the stack's launch templates (ec2:LaunchTemplate), CreateTags requires ec2:CreateAction=RunInstances or CreateFleet." },
      { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:fleet/*]', reason: 'An instant fleet id is not known before CreateFleet; it is allowed only with the stack tag in the request, and tagged only as part of that call.' },
      { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*]', reason: 'RunInstances creates the node\'s network interface, whose id does not exist before the call; it is bound to this stack\'s subnets and security group by the same statement.' },
      { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::image/*]', reason: 'The AL2023 AMI id changes with every release (resolved from the public SSM parameter at deploy); limited to Amazon-owned images by ec2:Owner, and to the image the stack\'s launch template names by ec2:LaunchTemplate with ec2:IsLaunchTemplateResource.' },
    );
  }
}
