import type { Fleet, LaunchRequest } from '../fleet';
import type { NodeCommander } from '../node-commander';

/**
 * The Fleet in memory: hands out instance ids, remembers what runs, and can be told to
 * fail the next calls, so the scheduler's handling of cloud errors is testable.
 */
export class InMemoryFleet implements Fleet {
  readonly running = new Map<string, LaunchRequest>();
  readonly terminated: string[] = [];
  /** Errors the next launch calls throw, in order. */
  readonly failLaunches: Error[] = [];
  private next = 0;

  async launch(request: LaunchRequest): Promise<string> {
    const failure = this.failLaunches.shift();
    if (failure) throw failure;
    const id = `i-${(0x1000_0000 + this.next++).toString(16).padStart(17, '0')}`;
    this.running.set(id, request);
    return id;
  }

  async terminate(instanceIds: readonly string[]): Promise<void> {
    for (const id of instanceIds) {
      this.running.delete(id);
      this.terminated.push(id);
    }
  }
}

/** The NodeCommander in memory: records each sync it was asked for. */
export class RecordingNodeCommander implements NodeCommander {
  readonly calls: string[][] = [];
  /** Ids to report as unreachable. */
  readonly unreachable = new Set<string>();

  async sync(instanceIds: readonly string[]): Promise<{ failed: readonly string[] }> {
    this.calls.push([...instanceIds]);
    return { failed: instanceIds.filter((id) => this.unreachable.has(id)) };
  }
}
