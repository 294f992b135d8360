import { InMemoryStateStore } from '../../../control/fakes/in-memory-state-store';
import { describeDeploymentRoutes } from './deployments.suite';

describeDeploymentRoutes('InMemoryStateStore', async () => new InMemoryStateStore());
