import { inParallel } from '../control/in-parallel';
import type { ContainerInfo } from '../core/agent/container';
import type { ContainerRuntime } from '../control/container-runtime';
import type { ContainerReport } from '../control/state/node-report';
import { reconcile, type KnownContainer, type ReconcileAction } from '../core/agent/reconcile';
import { add, ZERO, type Resources } from '../core/resources';
import { DEFAULT_STOP_GRACE_SECONDS } from '../core/service';
import type { ControlPlane } from './api-client';
import type { NodeIdentity } from './node-identity';
import { StartFailures } from './start-failures';

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
  /**
   * SIGTERM to SIGKILL for a stop whose job names no grace (nor its container's label).
   * Default DEFAULT_STOP_GRACE_SECONDS (30 s).
   */
  readonly graceSeconds?: number;
  /** Sample each running container's usage for the heartbeat. Default true. */
  readonly measureUsage?: boolean;
  /**
   * The usage to report, when something else measures it: the daemon samples in the
   * background, because Docker's one-shot stats wait about a second for a second sample
   * and the heartbeat (and every start behind it) must not wait for that each pass.
   */
  readonly usage?: () => Resources | undefined;
  /**
   * Copies whose image could not be pulled, kept across passes (the daemon owns one):
   * reported in the next heartbeats as failed, and not started again meanwhile.
   * Absent: a pull failure is reported by no heartbeat and retried every pass.
   */
  readonly startFailures?: StartFailures;
  /** For the time a failure is reported at. Default Date.now. */
  readonly now?: () => number;
  /** Containers started (or stopped) at once. Default 4. */
  readonly parallelism?: number;
  /**
   * Most containers started in one pass; the rest wait for the next (reported as
   * `deferred`, so the daemon passes again at once). Bounds the time between
   * heartbeats: a node told to start thirty containers must not fall silent for the
   * half minute Docker takes and be declared lost. Default: no bound.
   */
  readonly maxStartsPerPass?: number;
  /**
   * While the pass's actions run, report every this many ms anyway (the containers as
   * they are, the answer unused): a graceful stop waits out its grace period — 30 s by
   * default, and a process that ignores SIGTERM, as a shell or busybox httpd as PID 1
   * does, takes all of it — and a node silent that long is declared lost, its copies
   * placed elsewhere. Liveness must not wait for the work. Default: no keep-alive.
   */
  readonly keepAliveMs?: number;
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
  /** Starts left for the next pass (see `maxStartsPerPass`). */
  readonly deferred?: number;
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
      return {
        taskId: c.taskId,
        generation: c.generation,
        state: 'running',
        ...times,
        ...(c.endpoints && c.endpoints.length > 0 ? { endpoints: c.endpoints } : {}),
        ...(c.health !== undefined ? { health: c.health } : {}),
      };
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
  const grace = deps.graceSeconds ?? DEFAULT_STOP_GRACE_SECONDS;
  const known = await runtime.list(identity.nodeId);
  const usage = deps.usage?.() ?? (deps.measureUsage === false ? ZERO : await measure(runtime, known));
  const failures = deps.startFailures;
  const containers = known.map(toReport).filter((r): r is ContainerReport => r !== undefined);
  if (failures) containers.push(...failures.reports(new Set(known.map((c) => c.taskId))));
  const desired = await controlPlane.heartbeat(identity.nodeId, {
    instanceType: identity.instanceType,
    zone: identity.zone,
    labels: identity.labels,
    capacity: identity.capacity,
    usage,
    pricePerHour: identity.pricePerHour,
    ...(identity.address !== undefined ? { address: identity.address } : {}),
    ...(identity.capacityType !== undefined ? { capacityType: identity.capacityType } : {}),
    containers,
  });

  let started = 0;
  let stopped = 0;
  let removed = 0;
  const errors: SyncActionError[] = [];
  // A container whose stop failed keeps its process: no forced removal behind the grace period; the next pass retries.
  const stopFailed = new Set<string>();
  const act = async (a: ReconcileAction) => {
    try {
      if (a.kind === 'stop') {
        await runtime.stop(a.containerId, a.graceSeconds ?? grace);
        stopped++;
      } else if (a.kind === 'remove') {
        if (stopFailed.has(a.containerId)) return;
        await runtime.remove(a.containerId);
        removed++;
      } else if (a.kind === 'start') {
        try {
          await runtime.createAndStart(a.task, identity.nodeId);
        } catch (err) {
          const reason = StartFailures.reasonOf(err);
          if (reason !== undefined && failures) failures.record(a.task.taskId, a.task.generation, reason, (deps.now ?? Date.now)());
          throw err;
        }
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
  };
  // In phases, each phase's actions side by side: every stop (each may wait out its
  // grace period) before the removals that follow them, and both before the starts, so
  // a node never holds old and new copies at once beyond what the plan allowed; within a
  // phase the containers are independent, and one at a time made a node with several
  // changes take seconds per container.
  // The control plane answered after hearing the failures: those it no longer asks for
  // are settled; those it still asks for wait for it rather than being pulled again.
  failures?.retain(desired);
  const actions = reconcile(desired, known).filter((a) => !(a.kind === 'start' && failures?.has(a.task.taskId, a.task.generation)));
  let deferred = 0;
  const keepAlive = deps.keepAliveMs !== undefined && actions.some((a) => a.kind !== 'report') ? startKeepAlive(deps, usage, deps.keepAliveMs) : undefined;
  try {
    for (const phase of ['stop', 'remove', 'start'] as const) {
      let these = actions.filter((a) => a.kind === phase);
      if (phase === 'start' && deps.maxStartsPerPass !== undefined && these.length > deps.maxStartsPerPass) {
        deferred = these.length - deps.maxStartsPerPass;
        these = these.slice(0, deps.maxStartsPerPass);
      }
      await inParallel(these, deps.parallelism ?? 4, act);
    }
  } finally {
    await keepAlive?.stop();
  }
  return { started, stopped, removed, reported: containers.length, desired: desired.length, errors, ...(deferred > 0 ? { deferred } : {}) };
}

/**
 * Heartbeats every `everyMs` until stopped, one at a time (a slow one is not overlapped),
 * each with the containers as they are then. A failed keep-alive is dropped: the pass's
 * own heartbeat is what reports errors, and the next keep-alive tries again.
 */
function startKeepAlive(deps: SyncDeps, usage: Resources, everyMs: number): { stop(): Promise<void> } {
  const { runtime, controlPlane, identity } = deps;
  let inFlight: Promise<void> | undefined;
  const beat = async () => {
    const containers = (await runtime.list(identity.nodeId)).map(toReport).filter((r): r is ContainerReport => r !== undefined);
    await controlPlane.heartbeat(identity.nodeId, {
      instanceType: identity.instanceType,
      zone: identity.zone,
      labels: identity.labels,
      capacity: identity.capacity,
      usage: deps.usage?.() ?? usage,
      pricePerHour: identity.pricePerHour,
      ...(identity.address !== undefined ? { address: identity.address } : {}),
      ...(identity.capacityType !== undefined ? { capacityType: identity.capacityType } : {}),
      containers,
    });
  };
  const timer = setInterval(() => {
    if (inFlight) return;
    inFlight = beat()
      .catch(() => undefined)
      .finally(() => {
        inFlight = undefined;
      });
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}

/** One log line for a pass. */
export function describeSummary(s: SyncSummary): string {
  const base = `desired=${s.desired} reported=${s.reported} started=${s.started}${s.deferred ? ` deferred=${s.deferred}` : ''} stopped=${s.stopped} removed=${s.removed} errors=${s.errors.length}`;
  return s.errors.length === 0 ? base : `${base}: ${s.errors.map((e) => `${e.action} ${e.taskId}${e.retriable ? ' (retriable)' : ''}: ${e.message}`).join(' | ')}`;
}
