import type { ContainerInfo, ContainerReport, ContainerRuntime } from '../core/ports';
import { reconcile, type KnownContainer, type ReconcileAction } from '../core/reconcile';
import { add, ZERO, type Resources } from '../core/resources';
import type { ControlPlane } from './api-client';
import type { NodeIdentity } from './node-identity';

/**
 * One reconcile pass, in this order: list this node's containers (by label, so a
 * restarted agent sees what the previous one made), report them in the heartbeat, take
 * the desired tasks from its response, and run what `reconcile` decides. The report
 * goes out before any removal: an exited copy is removed only once the control plane
 * no longer wants its task, which it knows only after it has recorded the exit.
 */

export interface SyncDeps {
  readonly runtime: ContainerRuntime;
  readonly controlPlane: ControlPlane;
  readonly identity: NodeIdentity;
  /** SIGTERM to SIGKILL, per stop. Default 10 s. */
  readonly graceSeconds?: number;
  /** Sample each running container's usage for the heartbeat. Default true. */
  readonly measureUsage?: boolean;
}

export interface SyncActionError {
  readonly action: ReconcileAction['kind'];
  readonly taskId: string;
  readonly containerId?: string;
  readonly message: string;
  readonly retriable: boolean;
}

export interface SyncSummary {
  readonly started: number;
  readonly stopped: number;
  readonly removed: number;
  /** Container reports sent in the heartbeat. */
  readonly reported: number;
  /** Desired tasks the control plane returned. */
  readonly desired: number;
  readonly errors: readonly SyncActionError[];
}

/** What the heartbeat says of a container; undefined for states it has no word for (paused, restarting: made by someone else). */
export function toReport(c: ContainerInfo): ContainerReport | undefined {
  const times = {
    ...(c.startedAt !== undefined ? { startedAt: c.startedAt } : {}),
    ...(c.finishedAt !== undefined ? { finishedAt: c.finishedAt } : {}),
  };
  switch (c.state) {
    case 'running':
      return { taskId: c.taskId, generation: c.generation, state: 'running', ...times };
    case 'created':
      return { taskId: c.taskId, generation: c.generation, state: 'starting', ...times };
    case 'exited':
    case 'dead':
      return {
        taskId: c.taskId,
        generation: c.generation,
        state: 'exited',
        ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
        ...(c.oomKilled !== undefined ? { oomKilled: c.oomKilled } : {}),
        ...times,
      };
    default:
      return undefined;
  }
}

/** Sum of the running containers' usage; a container whose stats fail counts as zero (best effort). */
async function measure(runtime: ContainerRuntime, known: readonly KnownContainer[]): Promise<Resources> {
  const samples = await Promise.all(known.filter((c) => c.state === 'running').map((c) => runtime.stats(c.containerId).catch(() => ZERO)));
  return samples.reduce((s, r) => add(s, r), ZERO);
}

/**
 * Runs one pass. Throws when the node's containers cannot be listed or the heartbeat
 * fails (nothing is changed then); a failed action is collected in `errors` and the
 * rest still run.
 */
export async function syncOnce(deps: SyncDeps): Promise<SyncSummary> {
  const { runtime, controlPlane, identity } = deps;
  const grace = deps.graceSeconds ?? 10;
  const known = await runtime.list(identity.nodeId);
  const usage = deps.measureUsage === false ? ZERO : await measure(runtime, known);
  const containers = known.map(toReport).filter((r): r is ContainerReport => r !== undefined);
  const desired = await controlPlane.heartbeat(identity.nodeId, {
    instanceType: identity.instanceType,
    zone: identity.zone,
    labels: identity.labels,
    capacity: identity.capacity,
    usage,
    pricePerHour: identity.pricePerHour,
    containers,
  });

  let started = 0;
  let stopped = 0;
  let removed = 0;
  const errors: SyncActionError[] = [];
  // A container whose stop failed keeps its process: no forced removal behind the grace period; the next pass retries.
  const stopFailed = new Set<string>();
  for (const a of reconcile(desired, known)) {
    try {
      if (a.kind === 'stop') {
        await runtime.stop(a.containerId, grace);
        stopped++;
      } else if (a.kind === 'remove') {
        if (stopFailed.has(a.containerId)) continue;
        await runtime.remove(a.containerId);
        removed++;
      } else if (a.kind === 'start') {
        await runtime.createAndStart(a.task, identity.nodeId);
        started++;
      }
      // 'report': already in the heartbeat above.
    } catch (err) {
      const containerId = a.kind === 'start' || a.kind === 'report' ? (a.kind === 'report' ? a.containerId : undefined) : a.containerId;
      if (a.kind === 'stop') stopFailed.add(a.containerId);
      errors.push({
        action: a.kind,
        taskId: a.kind === 'start' ? a.task.taskId : a.taskId,
        ...(containerId !== undefined ? { containerId } : {}),
        message: err instanceof Error ? err.message : String(err),
        retriable: (err as { retriable?: unknown } | null)?.retriable === true,
      });
    }
  }
  return { started, stopped, removed, reported: containers.length, desired: desired.length, errors };
}

/** One log line for a pass. */
export function describeSummary(s: SyncSummary): string {
  const base = `desired=${s.desired} reported=${s.reported} started=${s.started} stopped=${s.stopped} removed=${s.removed} errors=${s.errors.length}`;
  return s.errors.length === 0 ? base : `${base}: ${s.errors.map((e) => `${e.action} ${e.taskId}${e.retriable ? ' (retriable)' : ''}: ${e.message}`).join(' | ')}`;
}
