import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createHandler, type SubmitDeps } from '../api/submit';
import { wakeAfterChange } from '../api/wake-after-change';
import { SqsPassWaker } from '../adapters/sqs-pass-waker';
import { ENV, required } from '../config';
import { adminsFrom } from '../api/ownership';
import { apiDeps } from './api-deps';

function realDeps(env: NodeJS.ProcessEnv = process.env): SubmitDeps {
  return {
    ...apiDeps('submit', env),
    // Secrets are checked against the stack's prefix: its name is the stack tag's value.
    stackName: required(env, ENV.stackTagValue),
    idempotencyStore: new DynamoDBPersistenceLayer({ tableName: required(env, ENV.idempotencyTable), awsSdkV3Client: new DynamoDBClient({}) }),
    admins: adminsFrom(env),
  };
}

const deps = realDeps();
// A created or changed job asks for a pass at once through the wake queue.
const waker = new SqsPassWaker({ sqs: new SQSClient({}), queueUrl: required(process.env, ENV.wakeQueueUrl) });

export const handler = wakeAfterChange(createHandler(deps), waker, deps.clock, deps.log);
