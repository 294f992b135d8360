import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** Where the scheduler's Powertools metrics land (lambdas/handlers/scheduler.ts). */
export const SCHEDULER_METRICS = { namespace: 'Stowage', dimensions: { service: 'stowage-scheduler' } } as const;

export interface OperationsProps {
  /** The scheduler function: its errors and duration are alarmed on. */
  readonly scheduler: lambda.IFunction;
  /** The scheduler's timeout: a pass that takes half of it is close to being cut off. */
  readonly schedulerTimeout: Duration;
  /** A task waiting to be placed longer than this raises an alarm. Default 10 minutes. */
  readonly pendingAlarmAfter?: Duration;
}

/**
 * The stack's operations view: one dashboard and the alarms a human must hear about,
 * all sending to one SNS topic (subscribe an address or a chat hook to its ARN, a stack
 * output). Alarms treat missing data as fine: the scheduler publishes its metrics on
 * every pass, and an account with no passes (nothing deployed yet) has nothing wrong.
 */
export class Operations extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: Readonly<Record<'schedulerErrors' | 'passDuration' | 'tasksWaiting' | 'launchFailures' | 'nodesLost' | 'launchesHeld', cloudwatch.Alarm>>;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // A key of the stack's own rather than alias/aws/sns: CloudWatch must be allowed to
    // encrypt what it publishes, and the AWS-managed key's policy cannot be changed.
    const key = new kms.Key(this, 'AlarmTopicKey', { enableKeyRotation: true, description: 'Encrypts the Stowage alarm topic' });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Stowage alarms', masterKey: key, enforceSSL: true });

    const period = Duration.minutes(5);
    const metric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({ namespace: SCHEDULER_METRICS.namespace, metricName, dimensionsMap: { ...SCHEDULER_METRICS.dimensions }, statistic, period });
    const pendingAfter = props.pendingAlarmAfter ?? Duration.minutes(10);
    const passBudgetMs = props.schedulerTimeout.toMilliseconds() / 2;

    const alarm = (name: string, description: string, m: cloudwatch.IMetric, threshold: number, evaluationPeriods = 1, comparison = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD) => {
      const a = new cloudwatch.Alarm(this, name, {
        alarmDescription: description,
        metric: m,
        threshold,
        evaluationPeriods,
        comparisonOperator: comparison,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(new actions.SnsAction(this.topic));
      return a;
    };

    this.alarms = {
      schedulerErrors: alarm(
        'SchedulerErrors',
        'Scheduler passes failed (3 or more in 5 minutes): nothing is placed, launched or terminated while they fail; see the scheduler log group',
        props.scheduler.metricErrors({ period, statistic: 'Sum' }),
        3,
      ),
      passDuration: alarm(
        'PassDuration',
        `The slowest 5 % of scheduler passes took over ${passBudgetMs / 1000} s, half the function timeout, for 15 minutes: passes risk being cut off mid-apply`,
        props.scheduler.metricDuration({ period, statistic: 'p95' }),
        passBudgetMs,
        3,
        cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      ),
      tasksWaiting: alarm(
        'TasksWaiting',
        `A task has waited over ${pendingAfter.toMinutes()} minutes to be placed (OldestPendingSeconds): see its reason with stowage status, and the fleet's limits`,
        metric('OldestPendingSeconds', 'Maximum'),
        pendingAfter.toSeconds(),
        2,
        cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      ),
      launchFailures: alarm(
        'LaunchFailures',
        'EC2 refused 3 or more launches in 5 minutes (capacity, quota, permissions or configuration); the scheduler log names each code',
        metric('LaunchFailures', 'Sum'),
        3,
      ),
      nodesLost: alarm('NodesLost', 'A node stopped heartbeating (or never started) and was marked LOST; its tasks are being placed elsewhere', metric('NodesLost', 'Sum'), 1),
      launchesHeld: alarm(
        'LaunchesHeld',
        'Launches are held: the last 3 new nodes never sent a heartbeat. Check the node image, its user data and its route to the API; a new node that heartbeats clears the hold',
        metric('LaunchesHeld', 'Maximum'),
        1,
      ),
    };

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: `${stack.stackName}-operations` });
    const graph = (title: string, left: cloudwatch.IMetric[]) => new cloudwatch.GraphWidget({ title, left, width: 8 });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms), width: 24 }),
    );
    this.dashboard.addWidgets(
      graph('Scheduler errors and invocations', [props.scheduler.metricErrors({ period, statistic: 'Sum' }), props.scheduler.metricInvocations({ period, statistic: 'Sum' })]),
      graph('Pass duration (p95) and plan time', [props.scheduler.metricDuration({ period, statistic: 'p95' }), metric('PlanTime', 'p95')]),
      graph('Oldest pending task (s)', [metric('OldestPendingSeconds', 'Maximum')]),
    );
    this.dashboard.addWidgets(
      graph('Launches and failures', [metric('Launches', 'Sum'), metric('LaunchFailures', 'Sum'), metric('LaunchesHeld', 'Maximum')]),
      graph('Nodes lost and terminated', [metric('NodesLost', 'Sum'), metric('Terminations', 'Sum')]),
      graph('Placements, unplaced, conflicts', [metric('Placements', 'Sum'), metric('Unplaced', 'Maximum'), metric('PlanConflicts', 'Sum')]),
    );

    new CfnOutput(stack, 'AlarmTopicArn', { value: this.topic.topicArn, description: 'SNS topic every Stowage alarm publishes to; subscribe to it to hear about them' });
    new CfnOutput(stack, 'DashboardName', { value: this.dashboard.dashboardName, description: 'CloudWatch dashboard of the scheduler and the fleet' });
  }
}
