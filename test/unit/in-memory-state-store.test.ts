import { InMemoryStateStore } from '../../core/fakes/in-memory-state-store';
import { describeStateStoreContract } from '../contract/state-store.contract';

describeStateStoreContract('InMemoryStateStore', async () => new InMemoryStateStore(), 300);
