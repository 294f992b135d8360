import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent, ScheduledEvent, SQSEvent } from 'aws-lambda';
import { SqsPassWaker } from '../adapters/sqs-pass-waker';
import { AlbLoadBalancer } from '../adapters/alb-load-balancer';
import { Ec2Fleet } from '../adapters/ec2-fleet';
import { SsmNodeCommander } from '../adapters/ssm-node-commander';
import { ENV, launchTemplatesFrom, loadBalancerFrom, policyFrom, required, subnetsFrom, tableNamesFrom } from '../config';
import type { Architecture } from '../../core/model';
import { runPass, type PassReport, type SchedulerDeps } from '../../control/pass/run-pass';
import { DynamoStateStore } from '../adapters/dynamo-state-store';
import { systemClock } from '../../control/clock';

/**
 * The scheduler Lambda: woken by the Nodes table's stream when a node item changes in a
 * way that matters (a heartbeat that only renews its time and usage is filtered out:
 * lambdas/adapters/scheduler-wake-filter.ts); by the wake queue, where the API asks for
 * a pass after a change and each pass asks for the follow-up its plan wants (a node's
 * heartbeat deadline, a back-off's end, a deployment in flight: core/pass/follow-up.ts);
 * and by a one-minute schedule, the safety net should a wake be lost. What woke it
 * does not matter: every pass reads the whole state, so one pass per invocation,
 * whatever the batch held.
 */
export function createHandler(deps: () => SchedulerDeps, metrics?: () => Metrics): (event: DynamoDBStreamEvent | ScheduledEvent | SQSEvent) => Promise<PassReport> {
  let built: SchedulerDeps | undefined;
  let m: Metrics | undefined;
  return async () => {
    built ??= deps();
    m ??= metrics?.();
    const report = await runPass(built);
    if (m) {
      m.addMetric('Placements', MetricUnit.Count, report.assignments);
      m.addMetric('PlanConflicts', MetricUnit.Count, report.conflicts);
      m.addMetric('Launches', MetricUnit.Count, report.launched.length);
      m.addMetric('LaunchFailures', MetricUnit.Count, report.launchFailures);
      m.addMetric('Terminations', MetricUnit.Count, report.terminated.length);
      m.addMetric('Unplaced', MetricUnit.Count, report.unplaced);
      m.addMetric('PlanTime', MetricUnit.Milliseconds, report.planMs);
      m.addMetric('OldestPendingSeconds', MetricUnit.Seconds, report.oldestPendingSeconds);
      m.addMetric('NodesLost', MetricUnit.Count, report.nodesLost);
      m.addMetric('LaunchesHeld', MetricUnit.Count, report.launchesHeld ? 1 : 0);
      m.publishStoredMetrics();
    }
    return report;
  };
}

function realDeps(): SchedulerDeps {
  const env = process.env;
  const subnets = subnetsFrom(env);
  const powertools = new Logger({ serviceName: 'stowage-scheduler' });
  // Structured extras go through as one JSON-safe attribute set.
  const extra = (e?: Record<string, unknown>) => JSON.parse(JSON.stringify(e ?? {}));
  const logger = {
    info: (m: string, e?: Record<string, unknown>) => powertools.info(m, extra(e)),
    warn: (m: string, e?: Record<string, unknown>) => powertools.warn(m, extra(e)),
    error: (m: string, e?: Record<string, unknown>) => powertools.error(m, extra(e)),
  };
  const stackTag = { key: required(env, ENV.stackTagKey), value: required(env, ENV.stackTagValue) };
  const lbConfig = loadBalancerFrom(env);
  // Only with -c loadBalancer=true: the stack then passes the listener, its DNS name and the VPC.
  const loadBalancer = lbConfig ? new AlbLoadBalancer({ client: new ElasticLoadBalancingV2Client({}), ...lbConfig, stackTag }) : undefined;
  const launchTemplates = launchTemplatesFrom(env);
  const policy = policyFrom(env, Object.keys(subnets), Object.keys(launchTemplates) as Architecture[]);
  const dynamodb = new DynamoDBClient({});
  const tables = tableNamesFrom(env);
  return {
    store: new DynamoStateStore(dynamodb, tables),
    waker: new SqsPassWaker({ sqs: new SQSClient({}), queueUrl: required(env, ENV.wakeQueueUrl), followUps: { doc: DynamoDBDocumentClient.from(dynamodb), leasesTable: tables.leases } }),
    commander: new SsmNodeCommander({ client: new SSMClient({ maxAttempts: 1 }), documentName: required(env, ENV.syncDocument) }),
    fleet: new Ec2Fleet({
      client: new EC2Client({}),
      launchTemplates,
      stackTag,
      subnetsByZone: subnets,
    }),
    clock: systemClock,
    // A copy is stopped once the target group's own deregistration delay is over.
    policy: loadBalancer ? { ...policy, deregistrationDelayMs: loadBalancer.deregistrationDelaySeconds * 1000 } : policy,
    logger,
    ...(loadBalancer ? { loadBalancer } : {}),
  };
}

export const handler = createHandler(realDeps, () => new Metrics({ namespace: 'Stowage', serviceName: 'stowage-scheduler' }));
