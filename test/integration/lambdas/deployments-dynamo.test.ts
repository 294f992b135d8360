import { DynamoStateStore } from '../../../lambdas/adapters/dynamo-state-store';
import { describeDeploymentRoutes } from '../../lambdas/api/deployments.suite';
import { useDynamoDbLocal } from '../../support/dynamodb-local';

const ddb = useDynamoDbLocal();

describeDeploymentRoutes('DynamoStateStore on DynamoDB Local', async () => new DynamoStateStore(ddb.client, await ddb.freshTables('d')));
