import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { AdapterConfigError } from '../../../../lambdas/adapters/errors';
import { MAX_WAKE_DELAY_SECONDS, SqsPassWaker } from '../../../../lambdas/adapters/sqs-pass-waker';
import { useDynamoDbLocal } from '../../../support/dynamodb-local';

/**
 * The wake queue's waker: SQS has no emulator here, so its requests are checked for
 * shape (aws-sdk-client-mock); the follow-up record that keeps passes from each starting
 * a chain of wakes is a conditional put, checked on DynamoDB Local.
 */
const ddb = useDynamoDbLocal();
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/111122223333/Stowage-SchedulerWakeQueue';
const T0 = 1_800_000_000_000;
const sqs = mockClient(SQSClient);

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
});

const sent = () => sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);

describe('SqsPassWaker', () => {
  it('refuses a queue URL that is not an https URL, naming the option', () => {
    expect(() => new SqsPassWaker({ sqs: new SQSClient({ region: 'us-east-1' }), queueUrl: 'Stowage-WakeQueue' })).toThrow(AdapterConfigError);
    expect(() => new SqsPassWaker({ sqs: new SQSClient({ region: 'us-east-1' }), queueUrl: '' })).toThrow(/queueUrl: must be the queue's https URL/);
  });

  it("sends the API's wake at once (no delay) and every one of them: each is a user's change", async () => {
    const waker = new SqsPassWaker({ sqs: new SQSClient({ region: 'us-east-1' }), queueUrl: QUEUE });
    expect(await waker.wakeAt(T0, T0)).toBe('sent');
    expect(await waker.wakeAt(T0 - 5_000, T0)).toBe('sent');
    expect(sent()).toEqual([
      { QueueUrl: QUEUE, DelaySeconds: 0, MessageBody: JSON.stringify({ wakeAt: T0, askedAt: T0 }) },
      { QueueUrl: QUEUE, DelaySeconds: 0, MessageBody: JSON.stringify({ wakeAt: T0, askedAt: T0 }) },
    ]);
  });

  it('delays a follow-up to its time, rounded up to whole seconds, at most 15 minutes', async () => {
    const tables = await ddb.freshTables('wake');
    const waker = new SqsPassWaker({ sqs: new SQSClient({ region: 'us-east-1' }), queueUrl: QUEUE, followUps: { doc: DynamoDBDocumentClient.from(ddb.client), leasesTable: tables.leases } });
    expect(await waker.wakeAt(T0 + 12_300, T0)).toBe('sent');
    expect(sent()[0]).toMatchObject({ DelaySeconds: 13 });
    const later = new SqsPassWaker({ sqs: new SQSClient({ region: 'us-east-1' }), queueUrl: QUEUE, followUps: { doc: DynamoDBDocumentClient.from(ddb.client), leasesTable: (await ddb.freshTables('wake')).leases } });
    expect(await later.wakeAt(T0 + 3 * 3600_000, T0)).toBe('sent');
    expect(sent()[1]).toMatchObject({ DelaySeconds: MAX_WAKE_DELAY_SECONDS });
  });

  it('sends a follow-up only when it is due before the one already on its way, and again once that one is past', async () => {
    const tables = await ddb.freshTables('wake');
    const waker = new SqsPassWaker({ sqs: new SQSClient({ region: 'us-east-1' }), queueUrl: QUEUE, followUps: { doc: DynamoDBDocumentClient.from(ddb.client), leasesTable: tables.leases } });
    expect(await waker.wakeAt(T0 + 20_000, T0)).toBe('sent');
    // Passes woken by changes meanwhile ask for the same or a later time: covered.
    expect(await waker.wakeAt(T0 + 25_000, T0 + 2_000)).toBe('covered');
    expect(await waker.wakeAt(T0 + 20_000, T0 + 3_000)).toBe('covered');
    // An earlier need (a back-off ending sooner) is sent, and becomes the one on its way.
    expect(await waker.wakeAt(T0 + 8_000, T0 + 4_000)).toBe('sent');
    expect(await waker.wakeAt(T0 + 15_000, T0 + 5_000)).toBe('covered');
    // The pass that message wakes finds the record past and asks for the next one.
    expect(await waker.wakeAt(T0 + 40_000, T0 + 8_500)).toBe('sent');
    expect(sent().map((m) => m.DelaySeconds)).toEqual([20, 4, 32]);
    const item = await ddb.client.send(new GetItemCommand({ TableName: tables.leases, Key: { name: { S: 'follow-up' } } }));
    expect(item.Item?.dueAt).toEqual({ N: String(T0 + 8_500 + 32_000) });
  });

  it('takes its record back when SQS refuses, so the next pass asks again rather than waiting on a wake that never comes', async () => {
    const tables = await ddb.freshTables('wake');
    const waker = new SqsPassWaker({ sqs: new SQSClient({ region: 'us-east-1' }), queueUrl: QUEUE, followUps: { doc: DynamoDBDocumentClient.from(ddb.client), leasesTable: tables.leases } });
    sqs.on(SendMessageCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(waker.wakeAt(T0 + 20_000, T0)).rejects.toThrow(/Rate exceeded/);
    const item = await ddb.client.send(new GetItemCommand({ TableName: tables.leases, Key: { name: { S: 'follow-up' } } }));
    expect(item.Item).toBeUndefined();
    expect(await waker.wakeAt(T0 + 20_000, T0 + 1_000)).toBe('sent');
  });
});
