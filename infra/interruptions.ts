import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RUNTIME_ENV } from './runtime-env';
import type { StateTables } from './state-tables';
import { StowageFunction } from './stowage-function';

/**
 * The EventBridge detail types of EC2's notices that a Spot instance may be taken back;
 * must equal INTERRUPTION_DETAIL_TYPE and REBALANCE_DETAIL_TYPE in
 * lambdas/adapters/reclaim-event.ts (infra imports no runtime code; test/infra compares).
 */
export const RECLAIM_DETAIL_TYPES = ['EC2 Spot Instance Interruption Warning', 'EC2 Instance Rebalance Recommendation'] as const;

export interface InterruptionsProps {
  readonly tables: StateTables;
  /** The scheduler's wake queue: each notice asks for a pass at once. */
  readonly wakeQueue: sqs.IQueue;
  readonly handlersDir?: string;
}

/**
 * Spot interruption warnings and rebalance recommendations, as Karpenter takes them
 * (an EventBridge rule per notice into one SQS queue its controller reads:
 * karpenter's website docs, "Interruption" in concepts/disruption): a rule on source
 * aws.ec2 for the two detail types → an encrypted queue with a dead-letter queue → the
 * interruptions function (lambdas/handlers/interruptions.ts), which marks the node
 * DRAINING with the deadline and wakes the scheduler.
 *
 * The rule matches every Spot instance of the account and region (EventBridge cannot
 * filter on this stack's tag: the events carry only the instance id); the handler
 * ignores instances that are not nodes. The queue rather than the function as the
 * rule's target: a throttled or failing invocation is retried from the queue, and a
 * message that keeps failing lands in the DLQ instead of vanishing.
 */
export class Interruptions extends Construct {
  readonly rule: events.Rule;
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;
  /** The queue's event source mapping; the teardown disables it. */
  readonly source: SqsEventSource;
  readonly fn: StowageFunction;

  constructor(scope: Construct, id: string, props: InterruptionsProps) {
    super(scope, id);
    const timeout = Duration.seconds(30);

    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      // A notice is moot once its instance is gone (two minutes); kept for a look at why it failed.
      retentionPeriod: Duration.days(4),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      // A notice older than its two minutes has nothing left to save.
      retentionPeriod: Duration.minutes(10),
      // Lambda's guidance for SQS sources: six times the function's timeout.
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: 5 },
    });
    Validations.of(this.deadLetters).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'This is the dead-letter queue of the interruption queue; it has none of its own.' });

    this.rule = new events.Rule(this, 'Rule', {
      description: 'Stowage: EC2 Spot interruption warnings and rebalance recommendations to the interruption queue',
      eventPattern: { source: ['aws.ec2'], detailType: [...RECLAIM_DETAIL_TYPES] },
      targets: [new targets.SqsQueue(this.queue)],
    });

    this.fn = new StowageFunction(this, 'Function', {
      handler: 'interruptions',
      handlersDir: props.handlersDir,
      description: 'Stowage interruptions: mark a Spot node DRAINING on its interruption warning or rebalance recommendation',
      timeout,
      memorySize: 256,
      environment: { ...props.tables.environment, [RUNTIME_ENV.wakeQueueUrl]: props.wakeQueue.queueUrl },
    });
    // markReclaimed: one conditional UpdateItem, and a GetItem to say why one was refused.
    props.tables.nodes.grant(this.fn.role, 'dynamodb:UpdateItem', 'dynamodb:GetItem');
    props.wakeQueue.grantSendMessages(this.fn.role);
    // Failed messages only are retried; the others of a batch are done.
    this.source = new SqsEventSource(this.queue, { batchSize: 10, maxBatchingWindow: Duration.seconds(1), reportBatchItemFailures: true });
    this.fn.fn.addEventSource(this.source);
    this.queue.grantConsumeMessages(this.fn.role as iam.IGrantable);
  }
}
