import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { StackTeardown } from '../adapters/stack-teardown';

/**
 * The stack's teardown custom resource (infra/teardown.ts). Create and Update do
 * nothing; Delete — which CloudFormation runs before it deletes the network, the
 * scheduler and the node template, all of which the resource depends on — stops the
 * scheduler's triggers and terminates every instance carrying the stack tag, then
 * waits until they are gone. The answer goes to the pre-signed URL CloudFormation
 * gives; a failed Delete answers FAILED with the reason, so `cdk destroy` stops and
 * says why rather than failing later on a subnet still in use.
 */
export interface TeardownProperties {
  readonly RuleName: string;
  readonly EventSourceMappingId: string;
  /** The wake queue's mapping; absent on a stack deployed before the queue existed. */
  readonly WakeMappingId?: string;
  /** The interruption queue's mapping; absent on a stack deployed before Spot. */
  readonly InterruptionMappingId?: string;
  readonly TagKey: string;
  readonly TagValue: string;
  /** How long after the triggers stop a pass already running may still launch: the scheduler's timeout and a margin. */
  readonly QuietSeconds: string;
}

export interface TeardownDeps {
  readonly teardown: (tag: { key: string; value: string }) => Pick<StackTeardown, 'stopTriggers' | 'terminateAll'>;
  /** PUTs the response document to CloudFormation's URL. */
  readonly respond: (url: string, body: string) => Promise<void>;
  readonly now: () => number;
}

/** What is left of the Lambda's time is kept for the answer: a resource that never answers holds the stack for an hour. */
const ANSWER_MARGIN_MS = 30_000;

export function createHandler(deps: TeardownDeps): (event: CloudFormationCustomResourceEvent, context: Pick<Context, 'getRemainingTimeInMillis' | 'logStreamName'>) => Promise<void> {
  return async (event, context) => {
    const physicalId = event.RequestType === 'Create' ? `stowage-teardown-${event.LogicalResourceId}` : event.PhysicalResourceId;
    let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
    let reason = 'nothing to do until the stack is deleted';
    const data: Record<string, string> = {};
    if (event.RequestType === 'Delete') {
      try {
        const p = event.ResourceProperties as unknown as TeardownProperties;
        const quietSeconds = Number(p.QuietSeconds);
        if (!p.RuleName || !p.EventSourceMappingId || !p.TagKey || !p.TagValue || !Number.isFinite(quietSeconds) || quietSeconds < 0) {
          throw new Error('the resource properties need RuleName, EventSourceMappingId, TagKey, TagValue and QuietSeconds ≥ 0; the stack sets them (infra/teardown.ts)');
        }
        const t = deps.teardown({ key: p.TagKey, value: p.TagValue });
        await t.stopTriggers({
          ruleName: p.RuleName,
          eventSourceMappingId: p.EventSourceMappingId,
          ...(p.WakeMappingId ? { wakeMappingId: p.WakeMappingId } : {}),
          ...(p.InterruptionMappingId ? { interruptionMappingId: p.InterruptionMappingId } : {}),
        });
        const start = deps.now();
        const out = await t.terminateAll({ quietUntil: start + quietSeconds * 1000, deadline: start + context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS });
        reason = `scheduler triggers stopped; ${out.terminated.length} instance(s) terminated in ${out.sweeps} sweep(s)`;
        data.Terminated = String(out.terminated.length);
      } catch (err) {
        status = 'FAILED';
        reason = `${err instanceof Error ? err.message : String(err)} (log stream ${context.logStreamName})`;
      }
    }
    // CloudFormation shows at most 4 KB of a reason.
    const body = JSON.stringify({
      Status: status,
      Reason: reason.slice(0, 3_500),
      PhysicalResourceId: physicalId,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
      Data: data,
    });
    await deps.respond(event.ResponseURL, body);
  };
}

/** The pre-signed S3 URL takes a PUT with no content type (it is part of the signature). */
async function respondToCloudFormation(url: string, body: string): Promise<void> {
  const res = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!res.ok) throw new Error(`answering CloudFormation failed: HTTP ${res.status} ${await res.text()}`);
}

export const handler = createHandler({
  teardown: (stackTag) => new StackTeardown({ ec2: new EC2Client({}), events: new EventBridgeClient({}), lambda: new LambdaClient({}), stackTag }),
  respond: respondToCloudFormation,
  now: Date.now,
});
