import { DynamoStateStore } from '../../../lambdas/adapters/dynamo-state-store';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../../local/dynamodb-local';
import { describeDeploymentRoutes } from '../../lambdas/api/deployments.suite';

let ddb: DynamoDbLocal;
let n = 0;
beforeAll(async () => {
  ddb = await startDynamoDbLocal();
}, 60_000);
afterAll(async () => {
  await ddb?.stop();
});

describeDeploymentRoutes('DynamoStateStore on DynamoDB Local', async () => new DynamoStateStore(ddb.client, await ddb.createTables(`d${++n}`)));
