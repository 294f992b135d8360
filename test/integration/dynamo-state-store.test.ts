import { DynamoStateStore } from '../../lambdas/state/dynamo-state-store';
import { describeStateStoreContract } from '../contract/state-store.contract';
import { startDynamoDbLocal, type DynamoDbLocal } from '../support/dynamodb-local';

let ddb: DynamoDbLocal;
let n = 0;
beforeAll(async () => {
  ddb = await startDynamoDbLocal();
}, 60_000);
afterAll(async () => {
  await ddb?.stop();
});

describeStateStoreContract('DynamoStateStore on DynamoDB Local', async () => new DynamoStateStore(ddb.client, await ddb.createTables(`t${++n}`)), 40);
