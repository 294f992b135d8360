import type { NodeCommander } from '../node-commander';

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
