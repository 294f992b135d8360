import type { ContainerInfo, ContainerSpec, ContainerState } from './container';

/**
 * The agent's decision function, after the ECS agent's task engine: given what this node
 * should run (desired) and what its Docker engine holds (known, from labels), the actions
 * that converge the two. Pure and deterministic, so a restarted agent that lists its
 * containers again reaches the same decisions, and tests need no Docker.
 *
 * Invariants:
 * - at most one copy of a task: duplicates of the desired generation are stopped but one;
 * - copies of another generation (the task moved while this node was unreachable) and
 *   copies of tasks no longer assigned here are stopped and removed;
 * - the agent never restarts an exited copy: it reports the exit and the scheduler, which
 *   owns restart policy and back-off, sends a new generation if it wants one. The exited
 *   container stays until its task is no longer desired, so its exit is never lost
 *   between a removal and the next heartbeat.
 */

export type DesiredTask = ContainerSpec;
export type KnownContainer = ContainerInfo;

export type StopReason = 'not-assigned' | 'stale-generation' | 'duplicate';
/** `never-started`: a copy left `created` by an agent that died between create and start. */
export type RemoveReason = StopReason | 'never-started';

export type ReconcileAction =
  | {
      readonly kind: 'stop';
      readonly containerId: string;
      readonly taskId: string;
      readonly reason: StopReason;
      /**
       * SIGTERM to SIGKILL: the job's grace as the heartbeat names it, else the one the
       * container was made with; absent when neither says (the agent's default applies).
       */
      readonly graceSeconds?: number;
    }
  | { readonly kind: 'remove'; readonly containerId: string; readonly taskId: string; readonly reason: RemoveReason }
  | { readonly kind: 'start'; readonly task: DesiredTask }
  | {
      readonly kind: 'report';
      readonly containerId: string;
      readonly taskId: string;
      readonly jobId: string;
      readonly generation: number;
      readonly state: 'exited' | 'dead';
      readonly exitCode?: number;
      readonly oomKilled?: boolean;
    };

/** The Docker calls reconciliation asks for; `none` means the state is already the goal (or the scheduler's to act on). */
export type DockerCall = 'none' | 'stop' | 'remove';

interface Transition {
  readonly call: DockerCall;
  readonly why: string;
}

/**
 * The one Docker call that moves a copy the agent keeps (its task is desired, at this
 * generation) toward "running as the scheduler last decided".
 */
export const TOWARD_KEPT: Readonly<Record<ContainerState, Transition>> = {
  running: { call: 'none', why: 'already the goal' },
  // Replacing rather than `docker start`-ing it: the port's create+start is the only way
  // in, so every running copy was made by the current agent from the current spec.
  // The removal comes before the new start in the action list, so no moment has two copies.
  created: { call: 'remove', why: 'an agent died between create and start; remove and start a fresh copy' },
  exited: { call: 'none', why: 'report the exit; the scheduler owns restarts and sends a new generation if it wants one' },
  dead: { call: 'none', why: 'Docker failed to remove it; report like an exit and remove once no longer desired' },
  // The agent never pauses and sets restart policy `no`: these come from outside (an
  // operator, a daemon restart). The copy exists and holds its resources, so it counts as
  // the task's copy; starting another would make two.
  paused: { call: 'none', why: 'made by someone else; still the one copy of the task' },
  restarting: { call: 'none', why: 'made by someone else; still the one copy of the task' },
};

/** The one Docker call that moves a copy the agent discards toward "gone". */
export const TOWARD_GONE: Readonly<Record<ContainerState, Transition>> = {
  // stop first (grace period, then kill) so the process can shut down cleanly; its
  // next state, exited, then takes `remove`.
  running: { call: 'stop', why: 'give the process its grace period before removal' },
  paused: { call: 'stop', why: 'Docker delivers the stop to a paused container (kill after the grace period)' },
  restarting: { call: 'stop', why: 'stop cancels the restart loop' },
  created: { call: 'remove', why: 'nothing runs; remove' },
  exited: { call: 'remove', why: 'nothing runs; remove' },
  dead: { call: 'remove', why: 'nothing runs; remove' },
};

/** States whose process may still run: a copy in one of these holds the task. */
const LIVE: ReadonlySet<ContainerState> = new Set<ContainerState>(['running', 'paused', 'restarting']);

/** Among copies of one task and generation, which one to keep: a live one first, then an exited one (its exit is still to report). */
const KEEP_RANK: Readonly<Record<ContainerState, number>> = { running: 0, restarting: 1, paused: 2, exited: 3, dead: 4, created: 5 };

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The actions, in the order to run them: stops, then removes (each container's stop
 * before its remove), then starts, then reports — so resources are freed before new
 * copies take them and a task is never started while another copy is still live.
 * Within each kind, ordered by container id or task id.
 */
export function reconcile(desired: readonly DesiredTask[], known: readonly KnownContainer[]): ReconcileAction[] {
  // A task listed twice is a bug upstream; the newer generation is the one that counts.
  const want = new Map<string, DesiredTask>();
  for (const t of desired) {
    const seen = want.get(t.taskId);
    if (!seen || t.generation > seen.generation) want.set(t.taskId, t);
  }

  const stops: Extract<ReconcileAction, { kind: 'stop' }>[] = [];
  const removes: Extract<ReconcileAction, { kind: 'remove' }>[] = [];
  const reports: Extract<ReconcileAction, { kind: 'report' }>[] = [];
  const discard = (c: KnownContainer, reason: StopReason) => {
    if (TOWARD_GONE[c.state].call === 'stop') {
      const graceSeconds = want.get(c.taskId)?.stopGraceSeconds ?? c.stopGraceSeconds;
      stops.push({ kind: 'stop', containerId: c.containerId, taskId: c.taskId, reason, ...(graceSeconds !== undefined ? { graceSeconds } : {}) });
    }
    removes.push({ kind: 'remove', containerId: c.containerId, taskId: c.taskId, reason });
  };

  // Copies of the desired generation, per task; the rest are discarded straight away.
  const current = new Map<string, KnownContainer[]>();
  for (const c of known) {
    const t = want.get(c.taskId);
    if (!t) discard(c, 'not-assigned');
    else if (c.generation !== t.generation) discard(c, 'stale-generation');
    else current.set(c.taskId, [...(current.get(c.taskId) ?? []), c]);
  }

  const starts: Extract<ReconcileAction, { kind: 'start' }>[] = [];
  for (const t of want.values()) {
    const copies = [...(current.get(t.taskId) ?? [])].sort(
      (a, b) => KEEP_RANK[a.state] - KEEP_RANK[b.state] || byString(a.containerId, b.containerId),
    );
    const [keep, ...rest] = copies;
    for (const c of rest) discard(c, 'duplicate');
    if (!keep) {
      starts.push({ kind: 'start', task: t });
    } else if (TOWARD_KEPT[keep.state].call === 'remove') {
      removes.push({ kind: 'remove', containerId: keep.containerId, taskId: t.taskId, reason: 'never-started' });
      starts.push({ kind: 'start', task: t });
    } else if (keep.state === 'exited' || keep.state === 'dead') {
      reports.push({
        kind: 'report',
        containerId: keep.containerId,
        taskId: t.taskId,
        jobId: t.jobId,
        generation: t.generation,
        state: keep.state,
        ...(keep.exitCode !== undefined ? { exitCode: keep.exitCode } : {}),
        ...(keep.oomKilled !== undefined ? { oomKilled: keep.oomKilled } : {}),
      });
    }
    // LIVE copies need nothing.
  }

  stops.sort((a, b) => byString(a.containerId, b.containerId));
  removes.sort((a, b) => byString(a.containerId, b.containerId));
  starts.sort((a, b) => byString(a.task.taskId, b.task.taskId));
  reports.sort((a, b) => byString(a.taskId, b.taskId) || byString(a.containerId, b.containerId));
  return [...stops, ...removes, ...starts, ...reports];
}

/** True when a copy in this state may still be running its process. */
export function isLive(state: ContainerState): boolean {
  return LIVE.has(state);
}
