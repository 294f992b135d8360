import type { SimOptions } from './simulator';
import { clockTimers } from '../core/pass/clock-timers';
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
  const timers: number[] = clockTimers(state.snapshot(), policy).map((t) => t.at);
  if (nextEvent !== undefined) timers.push(nextEvent);
  const future = timers.filter((t) => t > now);
  if (future.length === 0) return undefined;
  const t = Math.min(...future);
  return Math.max(now + grid, Math.ceil(t / grid) * grid);
}
