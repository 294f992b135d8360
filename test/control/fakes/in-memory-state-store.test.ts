import { InMemoryStateStore } from '../../../control/fakes/in-memory-state-store';
import { describeStateStoreContract } from '../state/state-store.contract';

describeStateStoreContract('InMemoryStateStore', async () => new InMemoryStateStore(), 300);
