import { ImageNotFoundError } from '../control/container-runtime-errors';
import type { ContainerReport } from '../control/state/node-report';
import { ImagePullError, MAX_FAILURE_REASON } from './image-pull-error';

/**
 * Copies whose container could not be made because its image could not be had, kept
 * from the pass that failed to the heartbeats after it. No container exists to report,
 * so the failure is reported in the container's place — an exit with the reason — until
 * the control plane no longer asks this node for that copy (it recorded the failure and
 * its restart policy took over). Until then the agent does not try that copy again:
 * trying is the restart policy's call, with its back-off, not this node's every 10 s.
 */
export class StartFailures {
  private readonly byTask = new Map<string, { generation: number; reason: string; at: number }>();

  /** The failure to report for this start error, or undefined when it is not one the control plane should see (a busy engine: the next pass retries). */
  static reasonOf(err: unknown): string | undefined {
    if (err instanceof ImagePullError) return err.reason;
    if (err instanceof ImageNotFoundError) return err.message.slice(0, MAX_FAILURE_REASON);
    return undefined;
  }

  record(taskId: string, generation: number, reason: string, at: number): void {
    this.byTask.set(taskId, { generation, reason, at });
  }

  /** True while a failure of this copy waits for the control plane to act on it. */
  has(taskId: string, generation: number): boolean {
    return this.byTask.get(taskId)?.generation === generation;
  }

  /** The reports to add to the heartbeat, for copies with no container of their own. */
  reports(withContainer: ReadonlySet<string>): ContainerReport[] {
    const out: ContainerReport[] = [];
    for (const [taskId, f] of this.byTask) {
      if (withContainer.has(taskId)) continue;
      out.push({ taskId, generation: f.generation, state: 'exited', finishedAt: f.at, failure: f.reason });
    }
    return out;
  }

  /** Forgets every failure the control plane no longer asks this node about, at that generation. */
  retain(desired: ReadonlyArray<{ readonly taskId: string; readonly generation: number }>): void {
    const still = new Map(desired.map((d) => [d.taskId, d.generation]));
    for (const [taskId, f] of this.byTask) if (still.get(taskId) !== f.generation) this.byTask.delete(taskId);
  }

  get size(): number {
    return this.byTask.size;
  }
}
