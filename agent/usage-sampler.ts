import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ContainerRuntime } from '../control/container-runtime';
import { add, ZERO, type Resources } from '../core/resources';

/**
 * Measures the node's container usage in the background, for the heartbeat to report.
 * Docker's one-shot stats take about a second (they wait for a second sample), so a
 * pass that measured before its heartbeat delayed every start by that much. The latest
 * sample also goes to a file beside the agent config, for `stowage-agent sync` (what
 * SSM runs) to report without measuring.
 */
export class UsageSampler {
  private current: Resources | undefined;
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly nodeId: string,
    private readonly file: string,
    private readonly everySeconds: number,
  ) {}

  /** Undefined until the first sample is in: the pass then measures itself. */
  get latest(): Resources | undefined {
    return this.current;
  }

  /** Resolves when the loop has ended after `signal` aborted. */
  get stopped(): Promise<void> {
    return this.done;
  }

  start(signal: AbortSignal): void {
    this.done = (async () => {
      while (!signal.aborted) {
        try {
          const known = await this.runtime.list(this.nodeId);
          const samples = await Promise.all(known.filter((c) => c.state === 'running').map((c) => this.runtime.stats(c.containerId).catch(() => ZERO)));
          this.current = samples.reduce((s, r) => add(s, r), ZERO);
          writeUsage(this.file, this.current, Date.now());
        } catch {
          // Docker unavailable: the pass reports that itself; keep the last sample.
        }
        await sleep(this.everySeconds * 1000, signal);
      }
    })();
  }
}

export function usageFile(configFile: string): string {
  return `${configFile}.usage.json`;
}

function writeUsage(file: string, usage: Resources, at: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ at, usage }), { mode: 0o600 });
  renameSync(tmp, file);
}

/** The daemon's last sample if it is at most `maxAgeMs` old; undefined otherwise. */
export function readUsage(file: string, maxAgeMs = 30_000, now = Date.now()): Resources | undefined {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as { at?: unknown; usage?: { cpu?: unknown; memoryMiB?: unknown } };
    if (typeof r.at !== 'number' || now - r.at > maxAgeMs || typeof r.usage?.cpu !== 'number' || typeof r.usage.memoryMiB !== 'number') return undefined;
    return { cpu: r.usage.cpu, memoryMiB: r.usage.memoryMiB };
  } catch {
    return undefined;
  }
}

/** Waits `ms`, or less if `signal` aborts; leaves no listener behind either way. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
