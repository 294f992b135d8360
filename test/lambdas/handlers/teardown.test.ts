import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { TeardownTimeoutError, type TeardownTriggers } from '../../../lambdas/adapters/stack-teardown';
import { createHandler, type TeardownDeps } from '../../../lambdas/handlers/teardown';

const PROPS = { ServiceToken: 'arn:aws:lambda:us-east-1:111122223333:function:teardown', RuleName: 'rule-1', EventSourceMappingId: 'uuid-1', TagKey: 'stowage:stack', TagValue: 'prod', QuietSeconds: '75' };

function event(type: 'Create' | 'Update' | 'Delete', props: Record<string, string> = PROPS): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: PROPS.ServiceToken,
    ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/signed',
    StackId: 'arn:aws:cloudformation:us-east-1:111122223333:stack/Stowage/abc',
    RequestId: 'req-1',
    LogicalResourceId: 'TeardownResource',
    ResourceType: 'Custom::StowageTeardown',
    ResourceProperties: props as never,
  };
  if (type === 'Create') return { ...common, RequestType: 'Create' };
  if (type === 'Update') return { ...common, RequestType: 'Update', PhysicalResourceId: 'stowage-teardown-TeardownResource', OldResourceProperties: props as never };
  return { ...common, RequestType: 'Delete', PhysicalResourceId: 'stowage-teardown-TeardownResource' };
}

const context = { getRemainingTimeInMillis: () => 900_000, logStreamName: '2026/12/02/[$LATEST]abc' };

function harness(outcome: () => Promise<{ terminated: string[]; sweeps: number }> = async () => ({ terminated: ['i-1', 'i-2'], sweeps: 3 })) {
  const calls: Array<[string, unknown]> = [];
  const answers: Array<{ url: string; body: Record<string, unknown> }> = [];
  const deps: TeardownDeps = {
    teardown: (tag) => {
      calls.push(['tag', tag]);
      return {
        stopTriggers: async (t: TeardownTriggers) => void calls.push(['stopTriggers', t]),
        terminateAll: async (o: { quietUntil: number; deadline: number }) => {
          calls.push(['terminateAll', o]);
          return outcome();
        },
      };
    },
    respond: async (url, body) => void answers.push({ url, body: JSON.parse(body) }),
    now: () => 1_000_000,
  };
  return { handler: createHandler(deps), calls, answers };
}

describe('the teardown custom resource', () => {
  it.each(['Create', 'Update'] as const)('answers SUCCESS to %s and touches nothing', async (type) => {
    const h = harness();
    await h.handler(event(type), context);
    expect(h.calls).toEqual([]);
    expect(h.answers).toEqual([
      {
        url: event(type).ResponseURL,
        body: { Status: 'SUCCESS', Reason: 'nothing to do until the stack is deleted', PhysicalResourceId: 'stowage-teardown-TeardownResource', StackId: event(type).StackId, RequestId: 'req-1', LogicalResourceId: 'TeardownResource', Data: {} },
      },
    ]);
  });

  it('on Delete stops the triggers first, then sweeps with a quiet period and a deadline that leaves time to answer', async () => {
    const h = harness();
    await h.handler(event('Delete'), context);
    expect(h.calls).toEqual([
      ['tag', { key: 'stowage:stack', value: 'prod' }],
      ['stopTriggers', { ruleName: 'rule-1', eventSourceMappingId: 'uuid-1' }],
      ['terminateAll', { quietUntil: 1_000_000 + 75_000, deadline: 1_000_000 + 900_000 - 30_000 }],
    ]);
    expect(h.answers[0].body).toMatchObject({ Status: 'SUCCESS', Reason: 'scheduler triggers stopped; 2 instance(s) terminated in 3 sweep(s)', Data: { Terminated: '2' } });
  });

  it('passes the wake queue mapping on when the stack names one', async () => {
    const h = harness();
    await h.handler(event('Delete', { ...PROPS, WakeMappingId: 'uuid-2' }), context);
    expect(h.calls[1]).toEqual(['stopTriggers', { ruleName: 'rule-1', eventSourceMappingId: 'uuid-1', wakeMappingId: 'uuid-2' }]);
  });

  it('passes the interruption queue mapping on when the stack names one', async () => {
    const h = harness();
    await h.handler(event('Delete', { ...PROPS, WakeMappingId: 'uuid-2', InterruptionMappingId: 'uuid-3' }), context);
    expect(h.calls[1]).toEqual(['stopTriggers', { ruleName: 'rule-1', eventSourceMappingId: 'uuid-1', wakeMappingId: 'uuid-2', interruptionMappingId: 'uuid-3' }]);
  });

  it('answers FAILED with the reason when instances outlive the sweep, so cdk destroy stops and says why', async () => {
    const h = harness(async () => {
      throw new TeardownTimeoutError(['i-0aaa']);
    });
    await h.handler(event('Delete'), context);
    expect(h.answers[0].body.Status).toBe('FAILED');
    expect(h.answers[0].body.Reason).toMatch(/^"i-0aaa" is still not terminated; .* \(log stream 2026\/12\/02\/\[\$LATEST\]abc\)$/);
  });

  it('answers FAILED, naming what is missing, when the properties lack the stack tag', async () => {
    const h = harness();
    const rest = Object.fromEntries(Object.entries(PROPS).filter(([k]) => k !== 'TagValue'));
    await h.handler(event('Delete', rest), context);
    expect(h.calls).toEqual([]);
    expect(h.answers[0].body).toMatchObject({ Status: 'FAILED' });
    expect(h.answers[0].body.Reason).toMatch(/need RuleName, EventSourceMappingId, TagKey, TagValue and QuietSeconds/);
  });
});
