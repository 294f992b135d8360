import { App, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LAUNCH_LEASE_MS } from '../../control/state/state-store';
import { StowageStack } from '../../infra/stowage-stack';

// Bundling the handlers with esbuild takes a while.
jest.setTimeout(300_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let outdir: string;
let app: App;
let stack: StowageStack;
let template: Template;
let resources: Record<string, Json>;

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-ops-'));
  app = new App({ outdir });
  stack = new StowageStack(app, 'Stowage', { maxNodes: 4 });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Record<string, Json>;
});

afterAll(() => {
  if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
});

const idOf = (construct: { node: { defaultChild?: unknown } }) => stack.resolve((construct.node.defaultChild as { logicalId: string }).logicalId) as string;
const alarmNamed = (name: keyof StowageStack['operations']['alarms']) => resources[idOf(stack.operations.alarms[name])].Properties;
const topicRef = () => ({ Ref: idOf(stack.operations.topic) });
const scheduler = () => resources[idOf(stack.scheduler.fn)].Properties;

describe('launch lease', () => {
  it('outlasts the scheduler function timeout, so a pass still launching keeps its lease', () => {
    const timeoutSeconds = scheduler().Timeout as number;
    expect(timeoutSeconds).toBe(60);
    expect(LAUNCH_LEASE_MS).toBeGreaterThan(timeoutSeconds * 1000);
  });
});

describe('Operations', () => {
  it('alarms on scheduler errors and the p95 pass duration from the function itself', () => {
    expect(alarmNamed('schedulerErrors')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: idOf(stack.scheduler.fn) } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 3,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(alarmNamed('passDuration')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Duration',
      ExtendedStatistic: 'p95',
      Threshold: (scheduler().Timeout * 1000) / 2,
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it.each([
    ['tasksWaiting', 'OldestPendingSeconds', 'Maximum', 600, 2, 'GreaterThanThreshold'],
    ['launchFailures', 'LaunchFailures', 'Sum', 3, 1, 'GreaterThanOrEqualToThreshold'],
    ['nodesLost', 'NodesLost', 'Sum', 1, 1, 'GreaterThanOrEqualToThreshold'],
    ['launchesHeld', 'LaunchesHeld', 'Maximum', 1, 1, 'GreaterThanOrEqualToThreshold'],
  ] as const)('alarms on %s from the scheduler metric %s (%s, threshold %d)', (name, metricName, statistic, threshold, periods, comparison) => {
    expect(alarmNamed(name)).toMatchObject({
      // Where Powertools' Metrics (namespace Stowage, service stowage-scheduler) publishes them.
      Namespace: 'Stowage',
      MetricName: metricName,
      Dimensions: [{ Name: 'service', Value: 'stowage-scheduler' }],
      Statistic: statistic,
      Period: 300,
      Threshold: threshold,
      EvaluationPeriods: periods,
      ComparisonOperator: comparison,
      TreatMissingData: 'notBreaching',
    });
  });

  it('sends every alarm to the one topic, and nothing else', () => {
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(6);
    for (const a of alarms) {
      expect(a.Properties.AlarmActions).toEqual([topicRef()]);
      expect(String(a.Properties.AlarmDescription).length).toBeGreaterThan(40);
    }
  });

  it('encrypts the topic with a rotated key CloudWatch may use, refuses publishing without TLS, and outputs its ARN', () => {
    const topic = resources[idOf(stack.operations.topic)].Properties;
    const keyId = topic.KmsMasterKeyId['Fn::GetAtt'][0];
    expect(resources[keyId].Properties.EnableKeyRotation).toBe(true);
    const keyStatements = resources[keyId].Properties.KeyPolicy.Statement as Json[];
    expect(keyStatements).toContainEqual(
      expect.objectContaining({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Effect: 'Allow' }),
    );
    const policies = Object.values(resources).filter((r) => r.Type === 'AWS::SNS::TopicPolicy' && JSON.stringify(r.Properties.Topics) === JSON.stringify([topicRef()]));
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    template.hasOutput('AlarmTopicArn', { Value: topicRef() });
    template.hasOutput('DashboardName', Match.anyValue());
  });

  it('draws a dashboard with the alarms and the metrics they watch', () => {
    const dashboards = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(stack.resolve(dashboards[0].Properties.DashboardBody));
    for (const m of ['OldestPendingSeconds', 'LaunchFailures', 'NodesLost', 'LaunchesHeld', 'PlanTime', 'Errors', 'Duration']) expect(body).toContain(m);
  });

  it('keeps cdk-nag AwsSolutions clean', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    const errors = report.violations.filter((v) => v.severity === 'error').map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(errors).toEqual([]);
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });
});
