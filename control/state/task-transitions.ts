import { canonicalJson } from '../../core/canonical-json';
import { HOLDS_RESOURCES, type Task, type TaskStatus } from '../../core/model';
import type { TaskUpdate } from '../../core/pass/plan-types';
import type { ContainerReport } from './node-report';

/**
 * How a task record changes, in one place for every store: the in-memory fake and
 * DynamoDB apply these same functions, so they cannot disagree on what a committed
 * update or a container report leaves behind. The stores own only the conditions.
 */

/**
 * The task after a plan's update committed at `now`: copies that stop holding leave
 * their node; a graceful-stop mark is set by the update that carries it and cleared by
 * any other; a copy the scheduler ends (STOPPED, or FAILED by its health check) ends
 * now, which is where its restart back-off counts from.
 */
export function taskAfterUpdate(t: Task, u: TaskUpdate, now: number): Task {
  const ends = HOLDS_RESOURCES.has(t.status) && (u.to === 'FAILED' || u.to === 'COMPLETED');
  return {
    ...t,
    status: u.to,
    reason: u.reason,
    notBefore: u.notBefore ?? t.notBefore,
    restarts: u.restarts ?? t.restarts,
    nodeId: HOLDS_RESOURCES.has(u.to) ? t.nodeId : undefined,
    finishedAt: u.to === 'STOPPED' || ends ? now : t.finishedAt,
    stopAt: u.stopAt,
    ...(HOLDS_RESOURCES.has(u.to) ? {} : { endpoints: undefined, health: undefined, healthySince: undefined }),
  };
}

/**
 * Where a container report moves its task, or null when it changes nothing. Besides the
 * status, a live copy's endpoints and health follow what its agent last reported (a
 * write only when they differ, so a steady heartbeat costs no task writes), and a copy
 * that ends loses them: its ports are gone with its container.
 */
export function containerTransition(t: Task, c: ContainerReport, now: number): Task | null {
  const from: TaskStatus = t.status;
  if (c.state === 'starting' && from === 'ASSIGNED') return withObserved({ ...t, status: 'STARTING' }, c, now);
  if (c.state === 'running' && (from === 'ASSIGNED' || from === 'STARTING')) return withObserved({ ...t, status: 'RUNNING', startedAt: c.startedAt ?? now }, c, now);
  if (c.state === 'exited' && HOLDS_RESOURCES.has(from)) {
    // A failure report (no container ran) is never a success, whatever else it says.
    const ok = c.exitCode === 0 && !c.oomKilled && c.failure === undefined;
    return {
      ...t,
      status: ok ? 'COMPLETED' : 'FAILED',
      nodeId: undefined,
      exitCode: c.exitCode,
      oomKilled: c.oomKilled,
      startedAt: t.startedAt ?? c.startedAt,
      finishedAt: c.finishedAt ?? now,
      reason: c.failure ?? (ok ? 'exited 0' : c.oomKilled ? 'killed for exceeding its memory limit (OOM)' : `exited ${c.exitCode}`),
      endpoints: undefined,
      health: undefined,
      healthySince: undefined,
      stopAt: undefined,
    };
  }
  if (c.state !== 'exited' && HOLDS_RESOURCES.has(from)) {
    const next = withObserved(t, c, now);
    return sameObserved(t, next) ? null : next;
  }
  return null;
}

/**
 * The task with the endpoints and health a live container reported; an absent field
 * clears the old value. `healthySince` marks when the copy turned healthy (a deployment
 * counts a new copy once it has been so for minHealthySeconds) and clears when it stops being.
 */
function withObserved(t: Task, c: ContainerReport, now: number): Task {
  const healthySince = c.health === 'healthy' ? (t.health === 'healthy' && t.healthySince !== undefined ? t.healthySince : now) : undefined;
  return { ...t, endpoints: c.endpoints !== undefined && c.endpoints.length > 0 ? c.endpoints : undefined, health: c.health, healthySince };
}

function sameObserved(a: Task, b: Task): boolean {
  return canonicalJson([a.endpoints ?? null, a.health ?? null, a.healthySince ?? null]) === canonicalJson([b.endpoints ?? null, b.health ?? null, b.healthySince ?? null]);
}
