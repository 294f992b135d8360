import { InMemoryStateStore } from '../../../control/fakes/in-memory-state-store';
import { describeStateStoreContract } from '../state/state-store.contract';
import { describeCapacityMemoryContract } from '../state/capacity-memory.contract';
import { describeReclaimContract } from '../state/reclaim.contract';

describeStateStoreContract('InMemoryStateStore', async () => new InMemoryStateStore(), 300);
describeCapacityMemoryContract('InMemoryStateStore', async () => new InMemoryStateStore());
describeReclaimContract('InMemoryStateStore', async () => new InMemoryStateStore());
