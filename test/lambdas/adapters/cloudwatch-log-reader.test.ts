import { CloudWatchLogsClient, FilterLogEventsCommand, ResourceNotFoundException, ThrottlingException } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { LogReaderError } from '../../../control/log-reader';
import { CloudWatchLogReader } from '../../../lambdas/adapters/cloudwatch-log-reader';

const logs = mockClient(CloudWatchLogsClient);
const meta = { $metadata: {} };
const JOB = 'job-0123456789abcdef0123';
const reader = (maxPages?: number) => new CloudWatchLogReader({ logs: new CloudWatchLogsClient({ region: 'eu-west-1' }), groupPrefix: '/stowage/Prod', ...(maxPages ? { maxPages } : {}) });
const sent = () => logs.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input);
const event = (stream: string, at: number, message: string) => ({ logStreamName: stream, timestamp: at, message, eventId: `${at}` });

beforeEach(() => logs.reset());

describe('CloudWatchLogReader', () => {
  it('filters the job\'s group to the copies\' streams from since, asking for the limit', async () => {
    logs.on(FilterLogEventsCommand).resolves({ events: [event(`${JOB}.0`, 1000, 'hello\n'), event(`${JOB}.0.g1`, 2000, 'again')] });
    const page = await reader().read({ jobId: JOB, taskIds: [`${JOB}.0`, `${JOB}.0.g1`], since: 500, limit: 100 });
    expect(sent()).toEqual([{ logGroupName: `/stowage/Prod/${JOB}`, logStreamNames: [`${JOB}.0`, `${JOB}.0.g1`], startTime: 500, limit: 100 }]);
    expect(page).toEqual({ lines: [{ taskId: `${JOB}.0`, at: 1000, text: 'hello' }, { taskId: `${JOB}.0.g1`, at: 2000, text: 'again' }], truncated: false });
  });

  it('reads the whole group when no copy is named, following nextToken with the rest of the limit', async () => {
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [event('a', 1, 'one'), event('b', 2, 'two')], nextToken: 't1' })
      .resolvesOnce({ events: [event('a', 3, 'three')] });
    const page = await reader().read({ jobId: JOB, since: 0, limit: 5 });
    expect(sent()).toEqual([
      { logGroupName: `/stowage/Prod/${JOB}`, startTime: 0, limit: 5 },
      { logGroupName: `/stowage/Prod/${JOB}`, startTime: 0, limit: 3, nextToken: 't1' },
    ]);
    expect(page.lines.map((l) => l.text)).toEqual(['one', 'two', 'three']);
    expect(page.truncated).toBe(false);
  });

  it('stops at the limit, and after maxPages calls, answering truncated', async () => {
    logs.on(FilterLogEventsCommand).resolves({ events: [event('a', 1, 'x'), event('a', 2, 'y')], nextToken: 'more' });
    expect(await reader().read({ jobId: JOB, since: 0, limit: 2 })).toEqual({ lines: [{ taskId: 'a', at: 1, text: 'x' }, { taskId: 'a', at: 2, text: 'y' }], truncated: true });
    logs.reset();
    logs.on(FilterLogEventsCommand).resolves({ events: [], nextToken: 'sparse' });
    expect(await reader(3).read({ jobId: JOB, since: 0, limit: 10 })).toEqual({ lines: [], truncated: true });
    expect(sent()).toHaveLength(3);
  });

  it('reads a job whose group does not exist yet as no lines', async () => {
    logs.on(FilterLogEventsCommand).rejects(new ResourceNotFoundException({ message: 'The specified log group does not exist.', ...meta }));
    expect(await reader().read({ jobId: JOB, since: 0, limit: 10 })).toEqual({ lines: [], truncated: false });
  });

  it('throws a retriable LogReaderError on throttling and a final one on access denied', async () => {
    logs.on(FilterLogEventsCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', ...meta }));
    await expect(reader().read({ jobId: JOB, since: 0, limit: 10 })).rejects.toMatchObject({ name: 'LogReaderError', retriable: true });
    logs.reset();
    logs.on(FilterLogEventsCommand).rejects(Object.assign(new Error('not authorized to perform: logs:FilterLogEvents'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    const err = await reader().read({ jobId: JOB, since: 0, limit: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogReaderError);
    expect(err).toMatchObject({ retriable: false, message: expect.stringContaining('AccessDeniedException') });
  });

  it('refuses more streams than FilterLogEvents takes, and a prefix that is not a group path', async () => {
    const many = Array.from({ length: 101 }, (_, i) => `${JOB}.0.g${i}`);
    await expect(reader().read({ jobId: JOB, taskIds: many, since: 0, limit: 10 })).rejects.toThrow(/101 copies, more than the 100 streams/);
    expect(() => new CloudWatchLogReader({ logs: new CloudWatchLogsClient({}), groupPrefix: 'stowage/x/' })).toThrow(/groupPrefix must look like \/stowage\/<stack>/);
  });
});
