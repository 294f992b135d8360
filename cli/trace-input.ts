import { TraceFormatError } from '../sim/errors';
import { readTrace, type TraceTask } from '../sim/trace-reader';

/**
 * Reads a trace for a command, adding the command's own rules to the reader's: a
 * trace with no tasks has nothing to measure, and a replay needs to know when each
 * task arrives and leaves (without deletion times every policy would be compared over
 * a different, arbitrary window).
 */
export function readTraceFor(file: string, needs: { times: boolean }): TraceTask[] {
  const tasks = readTrace(file);
  if (tasks.length === 0) throw new TraceFormatError({ file, rule: 'has a header but no tasks; add at least one row' });
  if (needs.times) {
    for (const t of tasks) {
      for (const field of ['creation_time', 'deletion_time'] as const) {
        const value = field === 'creation_time' ? t.creationTime : t.deletionTime;
        if (value === undefined) {
          throw new TraceFormatError({ file, line: t.line, field, rule: 'is empty; `stowage sim` replays arrivals and departures, so every task needs both times (seconds)' });
        }
      }
    }
  }
  return tasks;
}
