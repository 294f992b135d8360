import { InvalidInstanceId, SendCommandCommand, SSMClient, SSMServiceException, ThrottlingException, TooManyUpdates, type SendCommandCommandInput } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { AdapterConfigError } from '../../../lambdas/adapters/errors';
import { NodeCommandError } from '../../../control/node-commander';
import { SsmNodeCommander } from '../../../lambdas/adapters/ssm-node-commander';

const ssm = mockClient(SSMClient);

/** A valid 17-hex-digit instance id from a number. */
const iid = (n: number) => `i-${n.toString(16).padStart(17, '0')}`;
const ids = (count: number, from = 1) => Array.from({ length: count }, (_, k) => iid(from + k));

const meta = { $metadata: {} };
const throttled = () => new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', ...meta });
const unmanaged = () => new InvalidInstanceId({ message: 'Instances not in a valid state for account', ...meta });
const serviceError = (name: string, extra: Partial<{ $fault: 'client' | 'server'; $retryable: { throttling?: boolean }; status: number }> = {}) =>
  Object.assign(new SSMServiceException({ name, $fault: extra.$fault ?? 'client', message: `${name} happened`, $metadata: { httpStatusCode: extra.status ?? 400 } }), {
    $retryable: extra.$retryable,
  });

/** What CloudFormation names the stack's sync document (infra/node-documents.ts). */
const DOCUMENT = 'Stowage-NodeDocumentsSync-AbC123dEf456';

let sleeps: number[];
function commander(options: { maxAttempts?: number; commentPrefix?: string; documentName?: string } = {}) {
  return new SsmNodeCommander({ client: new SSMClient({ region: 'us-east-1' }), documentName: DOCUMENT, sleep: async (ms) => void sleeps.push(ms), ...options });
}
const sent = () => ssm.commandCalls(SendCommandCommand).map((c) => c.args[0].input);

beforeEach(() => {
  ssm.reset();
  ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'c-1' } });
  sleeps = [];
});

describe('SsmNodeCommander', () => {
  describe('the request', () => {
    it("sends the stack's own sync document, with no parameters, to the given instances", async () => {
      const result = await commander().sync([iid(1), iid(2)]);

      expect(result).toEqual({ failed: [] });
      // Exactly these fields: no Parameters, so nothing is added to the document's one fixed command.
      const expected: SendCommandCommandInput = {
        DocumentName: DOCUMENT,
        InstanceIds: [iid(1), iid(2)],
        TimeoutSeconds: 60,
        Comment: 'stowage sync',
        MaxErrors: '100%',
      };
      expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input).toEqual(expected);
      expect(sent()).toHaveLength(1);
    });

    it('puts the comment prefix into the Comment', async () => {
      await commander({ commentPrefix: 'stowage-prod' }).sync([iid(1)]);
      expect(sent()[0].Comment).toBe('stowage-prod sync');
    });

    it('accepts the older 8-hex-digit instance ids', async () => {
      await commander().sync(['i-0123abcd']);
      expect(sent()[0].InstanceIds).toEqual(['i-0123abcd']);
    });

    it('makes no call for an empty list', async () => {
      expect(await commander().sync([])).toEqual({ failed: [] });
      expect(sent()).toEqual([]);
    });

    it('names an instance once even when asked twice, since SSM refuses duplicate ids', async () => {
      await commander().sync([iid(1), iid(2), iid(1)]);
      expect(sent()[0].InstanceIds).toEqual([iid(1), iid(2)]);
    });

    it('splits 120 instances into calls of 50, 50 and 20, each instance exactly once', async () => {
      const all = ids(120);
      await commander().sync(all);

      expect(sent().map((i) => i.InstanceIds?.length)).toEqual([50, 50, 20]);
      expect(sent().flatMap((i) => i.InstanceIds)).toEqual(all);
    });
  });

  describe('what reaches the command', () => {
    it.each([
      ['a command separator', 'i-0123456789abcdef0; rm -rf /'],
      ['command substitution', '$(reboot)'],
      ['backticks', '`id`'],
      ['a conjunction', 'i-0123abcd && curl evil'],
      ['a newline', 'i-0123abcd\nreboot'],
      ['a redirect', 'i-0123abcd > /etc/passwd'],
    ])('refuses an id with %s before any call', async (_what, bad) => {
      const error = await commander().sync([iid(1), bad]).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(NodeCommandError);
      expect(error).toMatchObject({ name: 'NodeCommandError', retriable: false, instanceIds: [bad] });
      expect(sent()).toEqual([]);
    });

    it('refuses local node ids such as local-1 and says where they belong', async () => {
      const error = await commander().sync(['local-1']).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(NodeCommandError);
      expect((error as Error).message).toMatch(/"local-1" is not an EC2 instance id/);
      expect((error as Error).message).toMatch(/local commander/);
      expect(sent()).toEqual([]);
    });

    it('for any input, either sends the fixed document the ids only in InstanceIds or sends nothing', async () => {
      const anyId = fc.oneof(
        fc.string(),
        fc.stringMatching(/^i-[0-9a-f]{17}$/),
        fc.stringMatching(/^i-[0-9a-f]{17}$/).map((id) => `${id};reboot`),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(anyId, { maxLength: 60 }), async (input) => {
          ssm.resetHistory();
          const outcome = await commander()
            .sync(input)
            .then(() => 'sent' as const)
            .catch((e: unknown) => e);
          const allValid = input.every((id) => /^i-[0-9a-f]{8,17}$/.test(id));
          if (!allValid) {
            expect(outcome).toBeInstanceOf(NodeCommandError);
            expect(sent()).toEqual([]);
            return;
          }
          expect(outcome).toBe('sent');
          for (const call of sent()) {
            expect(call.Parameters).toBeUndefined();
            expect(call.DocumentName).toBe(DOCUMENT);
          }
          expect(new Set(sent().flatMap((c) => c.InstanceIds))).toEqual(new Set(input));
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('retries', () => {
    it('retries a throttled call with doubling waits, then succeeds', async () => {
      ssm.on(SendCommandCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({});

      expect(await commander().sync([iid(1)])).toEqual({ failed: [] });
      expect(sent()).toHaveLength(3);
      expect(sleeps).toEqual([200, 400]);
      expect(sent().every((i) => i.InstanceIds?.[0] === iid(1))).toBe(true);
    });

    it.each([
      ['TooManyUpdates', () => new TooManyUpdates({ message: 'too many', ...meta })],
      ['an error the SDK marks retryable', () => serviceError('SomethingTransient', { $retryable: {} })],
      ['a 5xx', () => serviceError('InternalServerError', { $fault: 'server', status: 500 })],
      ['a 503 without a server fault mark', () => serviceError('ServiceUnavailable', { status: 503 })],
      ['a 429', () => serviceError('SomethingNew', { status: 429 })],
      ['a dropped connection', () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ])('retries %s', async (_what, error) => {
      ssm.on(SendCommandCommand).rejectsOnce(error()).resolves({});

      expect(await commander().sync([iid(1)])).toEqual({ failed: [] });
      expect(sent()).toHaveLength(2);
      expect(sleeps).toEqual([200]);
    });

    it('gives up after maxAttempts with a retriable NodeCommandError naming the instances not sent to', async () => {
      ssm.on(SendCommandCommand).callsFake((input: SendCommandCommandInput) => {
        if (input.InstanceIds?.includes(iid(51))) throw throttled();
        return {};
      });

      const error = await commander({ maxAttempts: 4 })
        .sync(ids(120))
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(NodeCommandError);
      expect(error).toMatchObject({ retriable: true, instanceIds: ids(70, 51) });
      expect((error as Error).cause).toBeInstanceOf(ThrottlingException);
      expect((error as Error).message).toMatch(/after 4 attempts/);
      // first batch once, second batch four times, third batch never
      expect(sent().map((i) => i.InstanceIds?.[0])).toEqual([iid(1), iid(51), iid(51), iid(51), iid(51)]);
      expect(sleeps).toEqual([200, 400, 800]);
    });

    it('makes five attempts by default', async () => {
      ssm.on(SendCommandCommand).rejects(throttled());
      await expect(commander().sync([iid(1)])).rejects.toMatchObject({ retriable: true });
      expect(sent()).toHaveLength(5);
    });

    it('does not retry an error retrying cannot fix, and reports it as not retriable with its cause', async () => {
      const denied = serviceError('AccessDeniedException');
      ssm.on(SendCommandCommand).rejects(denied);

      const error = await commander()
        .sync([iid(1), iid(2)])
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(NodeCommandError);
      expect(error).toMatchObject({ retriable: false, instanceIds: [iid(1), iid(2)], cause: denied });
      expect((error as Error).message).toMatch(/AccessDeniedException/);
      expect((error as Error).message).toMatch(/ssm:SendCommand/);
      expect(sent()).toHaveLength(1);
      expect(sleeps).toEqual([]);
    });
  });

  describe('instances SSM does not manage', () => {
    it('retries the batch one instance at a time so one unmanaged instance does not starve the others', async () => {
      const bad = iid(3);
      ssm.on(SendCommandCommand).callsFake((input: SendCommandCommandInput) => {
        if (input.InstanceIds?.includes(bad)) throw unmanaged();
        return {};
      });

      const result = await commander().sync([iid(1), iid(2), bad, iid(4)]);

      expect(result).toEqual({ failed: [bad] });
      expect(sent().map((i) => i.InstanceIds)).toEqual([[iid(1), iid(2), bad, iid(4)], [iid(1)], [iid(2)], [bad], [iid(4)]]);
    });

    it('isolates only the batch that held the unmanaged instance', async () => {
      const bad = iid(60);
      ssm.on(SendCommandCommand).callsFake((input: SendCommandCommandInput) => {
        if (input.InstanceIds?.includes(bad)) throw unmanaged();
        return {};
      });

      const result = await commander().sync(ids(120));

      expect(result).toEqual({ failed: [bad] });
      // 3 batch calls, plus 50 single-id calls for the second batch
      expect(sent()).toHaveLength(3 + 50);
      expect(sent().filter((i) => i.InstanceIds?.length === 1)).toHaveLength(50);
    });

    it('reports a lone unmanaged instance as failed without a second call', async () => {
      ssm.on(SendCommandCommand).rejects(unmanaged());

      expect(await commander().sync([iid(9)])).toEqual({ failed: [iid(9)] });
      expect(sent()).toHaveLength(1);
    });

    it('counts unmanaged instances among those not reached when a later error stops the batch', async () => {
      const bad = iid(2);
      ssm.on(SendCommandCommand).callsFake((input: SendCommandCommandInput) => {
        if (input.InstanceIds?.includes(bad)) throw unmanaged();
        if (input.InstanceIds?.[0] === iid(3)) throw serviceError('AccessDeniedException');
        return {};
      });

      await expect(commander().sync([iid(1), bad, iid(3), iid(4)])).rejects.toMatchObject({ name: 'NodeCommandError', retriable: false, instanceIds: [bad, iid(3), iid(4)] });
    });

    it('still retries throttling while sending one at a time', async () => {
      const bad = iid(2);
      let throttledOnce = false;
      ssm.on(SendCommandCommand).callsFake((input: SendCommandCommandInput) => {
        if (input.InstanceIds?.includes(bad)) throw unmanaged();
        if (input.InstanceIds?.length === 1 && !throttledOnce) {
          throttledOnce = true;
          throw throttled();
        }
        return {};
      });

      expect(await commander().sync([iid(1), bad])).toEqual({ failed: [bad] });
      expect(sent().map((i) => i.InstanceIds)).toEqual([[iid(1), bad], [iid(1)], [iid(1)], [bad]]);
    });
  });

  describe('configuration', () => {
    it.each([
      ['maxAttempts', 0],
      ['maxAttempts', 2.5],
      ['commentPrefix', ''],
      ['commentPrefix', 'x'.repeat(96)],
    ])('refuses %s = %p at construction, naming the option', (field, value) => {
      const build = () => commander({ [field]: value });
      expect(build).toThrow(AdapterConfigError);
      expect(build).toThrow(new RegExp(`SsmNodeCommander: ${field}:`));
    });

    it.each([undefined, '', 'AWS-RunShellScript; reboot', 'x'])('refuses a document name that is not one (%p), naming the variable the stack sets', (documentName) => {
      const build = () => commander({ documentName: documentName as string });
      expect(build).toThrow(AdapterConfigError);
      expect(build).toThrow(/SsmNodeCommander: documentName: .*STOWAGE_SYNC_DOCUMENT/);
    });

    it('names the document and the grant to fix when SSM denies it', async () => {
      ssm.on(SendCommandCommand).rejects(serviceError('AccessDeniedException'));
      const error = (await commander().sync([iid(1)]).catch((e: unknown) => e)) as Error;
      expect(error.message).toContain(`with ${DOCUMENT}`);
      expect(error.message).toMatch(/infra\/scheduler\.ts/);
    });

    it('refuses to be built without a client', () => {
      expect(() => new SsmNodeCommander({} as never)).toThrow(/client: an SSMClient is required/);
    });
  });
});
