import { CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';
import type { Interruptions } from './interruptions';
import type { Scheduler } from './scheduler';
import { StowageFunction } from './stowage-function';

export interface StackTeardownProps {
  readonly scheduler: Scheduler;
  /** Its queue's mapping is disabled with the scheduler's: a notice during the sweep would only wake passes. */
  readonly interruptions: Interruptions;
  readonly stackTag: { readonly key: string; readonly value: string };
  /**
   * What must outlive the sweep: the network (subnets, security group), the node
   * template and role, the scheduler. The resource depends on each, so CloudFormation
   * deletes it — and runs the sweep — before any of them.
   */
  readonly before: readonly IConstruct[];
  readonly handlersDir?: string;
}

/**
 * Makes `cdk destroy` work while the scheduler's instances live: a custom resource
 * whose Delete stops the scheduler's triggers and terminates every instance carrying
 * the stack tag, waiting until they are gone (lambdas/handlers/teardown.ts). One plain
 * Lambda answering CloudFormation itself, not the custom-resource Provider framework:
 * the sweep fits in one invocation (instances terminate in a minute or two), and the
 * framework would add two more functions and a state machine to the stack.
 */
export class StackTeardown extends Construct {
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: StackTeardownProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { scheduler, stackTag } = props;

    const fn = new StowageFunction(this, 'Function', {
      handler: 'teardown',
      handlersDir: props.handlersDir,
      description: 'Stowage teardown: on stack delete, stop the scheduler and terminate its instances',
      // Lambda's maximum: the sweep waits for EC2 to finish terminating.
      timeout: Duration.minutes(15),
      memorySize: 256,
    });

    const instances = stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' });
    const policy = new iam.Policy(this, 'Policy', {
      statements: [
        new iam.PolicyStatement({ sid: 'DisableSchedule', actions: ['events:DisableRule'], resources: [scheduler.schedule.ruleArn] }),
        new iam.PolicyStatement({
          sid: 'DisableStreamTrigger',
          actions: ['lambda:UpdateEventSourceMapping'],
          resources: [scheduler.streamSource.eventSourceMappingArn, scheduler.wakeSource.eventSourceMappingArn, props.interruptions.source.eventSourceMappingArn],
        }),
        new iam.PolicyStatement({ sid: 'DescribeInstances', actions: ['ec2:DescribeInstances'], resources: ['*'] }),
        new iam.PolicyStatement({
          sid: 'TerminateStackInstances',
          actions: ['ec2:TerminateInstances'],
          resources: [instances],
          conditions: { StringEquals: { [`aws:ResourceTag/${stackTag.key}`]: stackTag.value } },
        }),
      ],
    });
    policy.attachToRole(fn.role);
    Validations.of(policy).acknowledge(
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'ec2:DescribeInstances has no resource-level permissions; the sweep only reads, filtering on the stack tag.' },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
        reason: 'The scheduler launched these instances, so their ids are not known at deploy; TerminateInstances is conditioned on the stack tag (aws:ResourceTag).',
      },
    );

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: fn.fn.functionArn,
      resourceType: 'Custom::StowageTeardown',
      properties: {
        RuleName: scheduler.schedule.ruleName,
        EventSourceMappingId: scheduler.streamSource.eventSourceMappingId,
        WakeMappingId: scheduler.wakeSource.eventSourceMappingId,
        InterruptionMappingId: props.interruptions.source.eventSourceMappingId,
        TagKey: stackTag.key,
        TagValue: stackTag.value,
        // A pass already running when the triggers stop may still launch until its timeout.
        QuietSeconds: String(scheduler.timeout.toSeconds() + 15),
      },
    });
    // The grants must still exist when Delete runs: deleted after the resource, not before.
    this.resource.node.addDependency(policy, fn);
    for (const c of props.before) this.resource.node.addDependency(c);
  }
}
