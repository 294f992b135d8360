import { systemClock } from '../../control/clock';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { StateStore } from '../../control/state/state-store';
import type { ApiDeps } from '../api/deps';
import { tableNamesFrom } from '../config';
import { DynamoStateStore, type DynamoStateStoreOptions } from '../adapters/dynamo-state-store';

/**
 * The real dependencies of an API handler, built once per cold start from the
 * environment the CDK stack sets: a missing table name fails here, with its variable.
 * The DynamoDB store plays every role; each handler's type takes only the one it uses.
 */
export function apiDeps(service: string, env: NodeJS.ProcessEnv = process.env, storeOptions: Pick<DynamoStateStoreOptions, 'heartbeatRefreshMs'> = {}): ApiDeps<StateStore> {
  return {
    // The API reads the live index and leaves pruning it to the scheduler's passes.
    store: new DynamoStateStore(new DynamoDBClient({}), tableNamesFrom(env), { ...storeOptions, pruneLiveIndex: false }),
    clock: systemClock,
    log: new Logger({ serviceName: `stowage-${service}` }),
    metrics: new Metrics({ namespace: 'Stowage', serviceName: `stowage-${service}` }),
  };
}
