import { Option, type Command } from 'commander';
import { positiveInteger } from '../option-parsers';

/**
 * What the API commands share in how they talk to the user: `--json` prints the API's
 * answer and nothing else on stdout; `--wait` and `--timeout` mean the same everywhere.
 */

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export const DEFAULT_WAIT_TIMEOUT_S = 120;

export interface WaitFlags {
  readonly wait?: boolean;
  readonly timeout: number;
}

export function addWaitOptions(cmd: Command, what: string): Command {
  return cmd
    .option('--wait', `poll every 500 ms until ${what}; exit 1 if a task fails or cannot be placed`)
    .addOption(new Option('--timeout <seconds>', 'give up waiting after this many seconds (exit 1; the job carries on)').argParser(positiveInteger('seconds')).default(DEFAULT_WAIT_TIMEOUT_S));
}

/** "1500/4000m [####......]": allocated over capacity with a bar of `width` cells. */
export function bar(used: number, capacity: number, width = 10): string {
  const share = capacity > 0 ? Math.min(1, Math.max(0, used / capacity)) : 0;
  const full = Math.round(share * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

/** A duration as the one largest unit a human reads at a glance: 12s, 5m, 3h, 2d. */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}
