import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * One reconciler per node: when the daemon runs, `stowage-agent sync` (what SSM sends
 * after the scheduler changes a node's work) does not run a second pass beside it — two
 * passes at once would both see a task missing and race to start it — it wakes the
 * daemon, which passes at once. This also makes the push cheap: the signal is sent
 * before the agent's heavy modules load (Docker client, AWS SDK), in tens of
 * milliseconds instead of a second.
 *
 * Only this file's imports (node:fs) load on that path: keep it so.
 */

export const WAKE_SIGNAL = 'SIGUSR1';

export function pidFile(configFile: string): string {
  return `${configFile}.pid`;
}

export function writePidFile(configFile: string): void {
  writeFileSync(pidFile(configFile), `${process.pid}\n`, { mode: 0o600 });
}

export function removePidFile(configFile: string): void {
  // Only our own: a newer daemon may have replaced it.
  if (readPid(configFile) === process.pid) rmSync(pidFile(configFile), { force: true });
}

function readPid(configFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile(configFile), 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Signals the daemon of this config if one is running; returns its pid, or undefined
 * when there is none (the caller then runs the pass itself). A pid file left by a dead
 * daemon, or a pid reused by another program, is not signalled: the process's command
 * line must be the agent's.
 */
export function wakeDaemon(configFile: string): number | undefined {
  const pid = readPid(configFile);
  if (pid === undefined || pid === process.pid) return undefined;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
  if (!cmdline.includes('stowage-agent')) return undefined;
  try {
    process.kill(pid, WAKE_SIGNAL);
    return pid;
  } catch {
    return undefined;
  }
}
