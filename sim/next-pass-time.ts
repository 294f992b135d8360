import type { SimOptions } from './simulator';
import { lastFleetChange } from '../core/pass/consolidation';
import type { Plan } from '../core/pass/plan-types';
import type { SchedulerPolicy } from '../core/policy';
import type { InMemoryState } from '../control/fakes/in-memory-state-store';

/**
 * When the replay runs its next pass, or undefined when nothing will ever move again:
 * the next grid step while anything is in motion (a copy placed or starting, a node
 * launching or draining, work pending); otherwise the first timer plan() would act on,
 * rounded up to the grid, so skipping ahead changes no decision.
 */
export function nextPassTime(
  state: InMemoryState,
  p: Plan,
  now: number,
  policy: SchedulerPolicy,
  options: Pick<SimOptions, 'passIntervalMs'>,
  nextEvent: number | undefined,
): number | undefined {
  const grid = options.passIntervalMs;
  const inMotion =
    p.assignments.length > 0 ||
    p.launches.length > 0 ||
    p.terminations.length > 0 ||
    p.unplaced.length > 0 ||
    p.taskUpdates.length > 0 ||
    p.nodeUpdates.some((u) => u.to !== undefined) ||
    [...state.nodes.values()].some((n) => n.state !== 'ACTIVE') ||
    [...state.tasks.values()].some((t) => t.status === 'ASSIGNED' || t.status === 'STARTING' || t.status === 'PENDING' || t.status === 'LOST');
  if (inMotion) return now + grid;
  const c = policy.consolidation;
  const timers: number[] = [];
  if (nextEvent !== undefined) timers.push(nextEvent);
  // Every clock plan() reads, or a skip-ahead would change its decisions: back-off ends,
  // deregistration delays, and the quiet period consolidation waits for after the last
  // launch or copy.
  for (const t of state.tasks.values()) {
    if (t.notBefore !== undefined) timers.push(t.notBefore);
    if (t.stopAt !== undefined && t.status === 'RUNNING') timers.push(t.stopAt);
  }
  const drainsNodes = c.mode === 'stowage' || c.mode === 'underutilized' || c.mode === 'karpenter';
  if (drainsNodes) timers.push(lastFleetChange(state.snapshot()) + c.stableForMs);
  for (const n of state.nodes.values()) {
    if (n.emptySince !== undefined) timers.push(n.emptySince + (c.mode === 'underutilized' ? c.underutilizedForMs : c.emptyGraceMs));
    if (n.underutilizedSince !== undefined) timers.push(n.underutilizedSince + c.underutilizedForMs);
    if (drainsNodes) timers.push(n.launchedAt + c.nodeMinAgeMs);
  }
  const future = timers.filter((t) => t > now);
  if (future.length === 0) return undefined;
  const t = Math.min(...future);
  return Math.max(now + grid, Math.ceil(t / grid) * grid);
}
