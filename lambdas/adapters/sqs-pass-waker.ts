import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { PassWaker, WakeOutcome } from '../../control/pass-waker';
import { AdapterConfigError } from './errors';
import { LEASE_TTL_ATTRIBUTE, LEASE_TTL_GRACE_SECONDS } from './table-schema';

/** SQS's longest DelaySeconds: a later follow-up is woken then, and that pass asks again. */
export const MAX_WAKE_DELAY_SECONDS = 900;

/** The Leases item that records the follow-up already on its way. */
const FOLLOW_UP_ITEM = 'follow-up';

export interface SqsPassWakerOptions {
  readonly sqs: SQSClient;
  /** The scheduler's wake queue (the stack's WakeQueue). */
  readonly queueUrl: string;
  /**
   * Where the follow-up on its way is recorded, so that a pass asks only for one earlier
   * than it; absent (the API's waker), every request is sent: each is a user's change.
   */
  readonly followUps?: { readonly doc: DynamoDBDocumentClient; readonly leasesTable: string };
}

/**
 * The wake queue: one message per requested pass, delayed until its time (DelaySeconds,
 * at most 15 minutes); the queue is an event source of the scheduler function.
 *
 * A pass asks for a follow-up every time, and passes are also woken by changes, so
 * unchecked each woken pass would start a chain of follow-ups of its own. A delayed
 * request is sent only if it is due before the one already recorded in the Leases
 * table (a conditional put: the item is absent, later, or already past); otherwise the
 * earlier message covers it, since that pass asks again for whatever still waits.
 */
export class SqsPassWaker implements PassWaker {
  constructor(private readonly o: SqsPassWakerOptions) {
    if (!/^https:\/\/\S+$/.test(o.queueUrl)) throw new AdapterConfigError('SqsPassWaker', 'queueUrl', `must be the queue's https URL, got ${JSON.stringify(o.queueUrl)}`);
  }

  async wakeAt(at: number, now: number): Promise<WakeOutcome> {
    const delaySeconds = Math.min(MAX_WAKE_DELAY_SECONDS, Math.max(0, Math.ceil((at - now) / 1000)));
    const dueAt = now + delaySeconds * 1000;
    const followUps = this.o.followUps;
    const recorded = followUps && delaySeconds > 0 ? await this.record(followUps, dueAt, now) : undefined;
    if (recorded === 'covered') return 'covered';
    try {
      await this.o.sqs.send(new SendMessageCommand({ QueueUrl: this.o.queueUrl, DelaySeconds: delaySeconds, MessageBody: JSON.stringify({ wakeAt: dueAt, askedAt: now }) }));
    } catch (err) {
      // Unsent: take back the record, or later passes would think this pass is coming.
      if (followUps && recorded === 'sent') await this.forget(followUps, dueAt).catch(() => undefined);
      throw err;
    }
    return 'sent';
  }

  private async record(f: NonNullable<SqsPassWakerOptions['followUps']>, dueAt: number, now: number): Promise<WakeOutcome> {
    try {
      await f.doc.send(
        new PutCommand({
          TableName: f.leasesTable,
          Item: { name: FOLLOW_UP_ITEM, dueAt, [LEASE_TTL_ATTRIBUTE]: Math.floor(dueAt / 1000) + LEASE_TTL_GRACE_SECONDS },
          ConditionExpression: 'attribute_not_exists(#name) OR dueAt > :due OR dueAt < :now',
          ExpressionAttributeNames: { '#name': 'name' },
          ExpressionAttributeValues: { ':due': dueAt, ':now': now },
        }),
      );
      return 'sent';
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as { name?: string }).name === 'ConditionalCheckFailedException') return 'covered';
      throw err;
    }
  }

  private async forget(f: NonNullable<SqsPassWakerOptions['followUps']>, dueAt: number): Promise<void> {
    await f.doc.send(new DeleteCommand({ TableName: f.leasesTable, Key: { name: FOLLOW_UP_ITEM }, ConditionExpression: 'dueAt = :due', ExpressionAttributeValues: { ':due': dueAt } }));
  }
}
