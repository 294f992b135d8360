import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHandler, type SubmitDeps } from '../api/submit';
import { ENV, required } from '../config';
import { apiDeps } from './api-deps';

function realDeps(env: NodeJS.ProcessEnv = process.env): SubmitDeps {
  return {
    ...apiDeps('submit', env),
    idempotencyStore: new DynamoDBPersistenceLayer({ tableName: required(env, ENV.idempotencyTable), awsSdkV3Client: new DynamoDBClient({}) }),
  };
}

export const handler = createHandler(realDeps());
