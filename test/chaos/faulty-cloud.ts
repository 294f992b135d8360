import type { Fleet, LaunchedInstance, LaunchRequest } from '../../control/fleet';
import type { NodeCommander } from '../../control/node-commander';
import { InMemoryFleet } from '../../control/fakes/in-memory-fleet';

/**
 * SSM under fault: a sync command is accepted (SendCommand succeeds) but, while a drop
 * window is open, never delivered; while a duplicate window is open, delivered twice.
 * Delivery is asynchronous, as SSM's is: commands land in `outbox` and the run hands
 * them to agents a moment later.
 */
export class FaultyCommander implements NodeCommander {
  readonly outbox: string[] = [];
  dropUntil = -1;
  duplicateUntil = -1;
  dropped = 0;
  duplicated = 0;

  constructor(private readonly clock: { now(): number }) {}

  async sync(instanceIds: readonly string[]): Promise<{ failed: readonly string[] }> {
    const now = this.clock.now();
    for (const id of instanceIds) {
      if (now < this.dropUntil) {
        this.dropped++;
        continue;
      }
      this.outbox.push(id);
      if (now < this.duplicateUntil) {
        this.duplicated++;
        this.outbox.push(id);
      }
    }
    return { failed: [] };
  }
}

/** The fleet, telling the run which instances come and go so it can boot and kill their agents. */
export class ObservedFleet implements Fleet {
  readonly inner = new InMemoryFleet();

  constructor(
    private readonly onLaunch: (id: string, request: LaunchRequest) => void,
    private readonly onTerminate: (id: string) => void,
  ) {}

  async launch(request: LaunchRequest): Promise<LaunchedInstance> {
    const launched = await this.inner.launch(request);
    this.onLaunch(launched.id, { ...request, instanceType: launched.instanceType, zone: launched.zone });
    return launched;
  }

  async terminate(instanceIds: readonly string[]): Promise<void> {
    await this.inner.terminate(instanceIds);
    for (const id of instanceIds) this.onTerminate(id);
  }
}
