import { createWriteStream, existsSync, renameSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { Piece } from './lifecycle';
import type { LocalEvent } from './local-cloud';

/**
 * The local cloud's log file (`<dir>/logs/local.log`: what the API, the scheduler and every
 * agent said) and its recent events (launches, terminations, failed passes), which the
 * live view shows and the log keeps.
 */
export interface EventLog {
  readonly file: string;
  /** The last EVENTS_KEPT events, newest last; the same array throughout, updated in place. */
  readonly events: readonly LocalEvent[];
  line(source: string, text: string): void;
  event(text: string): void;
}

/** The log is moved aside at start once it is this big. */
const LOG_ROTATE_BYTES = 50 * 1024 * 1024;
const EVENTS_KEPT = 50;

/** Opens the log (rotating it first); stop closes it. `<dir>/logs` must exist. */
export function startEventLog(dir: string): Piece<EventLog> {
  const file = path.join(dir, 'logs', 'local.log');
  // Agents log every pass: keep one previous run's worth once the file gets large.
  if (existsSync(file) && statSync(file).size > LOG_ROTATE_BYTES) renameSync(file, `${file}.1`);
  const stream = createWriteStream(file, { flags: 'a' });
  // A log that cannot be written (disk full) must not take the cloud down with it.
  let open = true;
  stream.on('error', () => (open = false));
  const events: LocalEvent[] = [];
  const line = (source: string, text: string) => {
    if (open) stream.write(`${new Date().toISOString()} ${source} ${text}\n`);
  };
  return {
    value: {
      file,
      events,
      line,
      event(text) {
        events.push({ at: Date.now(), text });
        if (events.length > EVENTS_KEPT) events.splice(0, events.length - EVENTS_KEPT);
        line('event', text);
      },
    },
    // Later lines (an agent's last words after its stop) are dropped, not written after end.
    stop: () =>
      new Promise<void>((resolve) => {
        if (!open) return resolve();
        open = false;
        stream.end(() => resolve());
      }),
  };
}
