import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { systemClock, type Clock } from '../../control/clock';
import type { PassWaker } from '../../control/pass-waker';
import type { PassLogger } from '../../control/pass/run-pass';
import type { ReclaimStore } from '../../control/state/state-store';
import { DynamoStateStore } from '../adapters/dynamo-state-store';
import { MalformedReclaimEventError, parseReclaimEvent, SPOT_INTERRUPTION_WARNING_MS } from '../adapters/reclaim-event';
import { SqsPassWaker } from '../adapters/sqs-pass-waker';
import { ENV, required, tableNamesFrom } from '../config';

export interface InterruptionDeps {
  readonly store: ReclaimStore;
  readonly waker: PassWaker;
  readonly clock: Clock;
  readonly logger: PassLogger;
  /** EC2's two minutes between the warning and the interruption; the local cloud's tests shorten it. */
  readonly warningMs?: number;
}

/**
 * EC2's Spot interruption warnings and rebalance recommendations, from the stack's
 * interruption queue (EventBridge rule → SQS → this function): each marks its node
 * DRAINING with the notice (StateStore.markReclaimed), then one pass is asked for at
 * once, so the node's copies are placed elsewhere well inside the two minutes. (The
 * node write wakes a pass through the Nodes stream too; asking directly does not wait
 * for the stream's batching window, and either alone suffices.)
 *
 * Per message:
 * - an instance that is not a node of this deployment (any Spot instance in the account
 *   and region raises these events) or a node already past draining: logged, done;
 * - a malformed message: logged with the field at fault, and dropped. Reporting it as
 *   failed would only have SQS deliver the same bytes again until it reaches the
 *   dead-letter queue, and no retry can fix a message's shape;
 * - a store that failed (throttled, unavailable): reported as a batch item failure, so
 *   SQS delivers that message again (ReportBatchItemFailures) and the others stand.
 */
export function createHandler(deps: () => InterruptionDeps): (event: SQSEvent) => Promise<SQSBatchResponse> {
  let built: InterruptionDeps | undefined;
  return async (event) => {
    built ??= deps();
    const { store, waker, clock, logger } = built;
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    let marked = 0;
    for (const record of event.Records) {
      const now = clock.now();
      let notice;
      try {
        notice = parseReclaimEvent(record.body, now, built.warningMs ?? SPOT_INTERRUPTION_WARNING_MS);
      } catch (err) {
        if (!(err instanceof MalformedReclaimEventError)) throw err;
        logger.error('malformed reclaim event dropped: a retry cannot fix its shape', { messageId: record.messageId, field: err.field, error: err.message });
        continue;
      }
      const { nodeId, reclaim } = notice;
      try {
        const outcome = await store.markReclaimed(nodeId, reclaim);
        if (outcome === 'marked') {
          marked++;
          logger.warn('the cloud will take a node back: draining it', { nodeId, notice: reclaim.notice, ...(reclaim.deadline !== undefined ? { deadline: new Date(reclaim.deadline).toISOString(), secondsLeft: Math.round((reclaim.deadline - now) / 1000) } : {}) });
        } else if (outcome === 'unchanged') {
          logger.info('reclaim notice already recorded', { nodeId, notice: reclaim.notice });
        } else {
          logger.info(outcome === 'not-found' ? 'reclaim notice for an instance that is not a node of this deployment; ignored' : 'reclaim notice for a node already gone; ignored', { nodeId, notice: reclaim.notice });
        }
      } catch (err) {
        logger.error('could not record a reclaim notice; SQS delivers it again', { nodeId, messageId: record.messageId, error: String(err) });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    if (marked > 0) {
      const now = clock.now();
      try {
        await waker.wakeAt(now, now);
      } catch (err) {
        // The node write's stream record wakes a pass as well, and the schedule runs one within a minute.
        logger.warn('could not ask for a pass after a reclaim notice; the Nodes stream wakes one', { error: String(err) });
      }
    }
    return { batchItemFailures };
  };
}

function realDeps(): InterruptionDeps {
  const env = process.env;
  const powertools = new Logger({ serviceName: 'stowage-interruptions' });
  const extra = (e?: Record<string, unknown>) => JSON.parse(JSON.stringify(e ?? {}));
  return {
    store: new DynamoStateStore(new DynamoDBClient({}), tableNamesFrom(env)),
    // No follow-up record: each notice is news, as a user's change is for the API's waker.
    waker: new SqsPassWaker({ sqs: new SQSClient({}), queueUrl: required(env, ENV.wakeQueueUrl) }),
    clock: systemClock,
    logger: {
      info: (m, e) => powertools.info(m, extra(e)),
      warn: (m, e) => powertools.warn(m, extra(e)),
      error: (m, e) => powertools.error(m, extra(e)),
    },
  };
}

export const handler = createHandler(realDeps);
