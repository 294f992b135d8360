import type { ContainerHealth, HealthCheck } from '../core/service';
import { probeHttp, probeTcp, type ProbeTarget } from './health-probe';
import { ProbeTracker } from './probe-tracker';

/**
 * The agent's http/tcp health checks, one loop per running container, between passes:
 * a check every `intervalSeconds`, whatever the heartbeat interval, so an unhealthy copy
 * is known within interval × retries. The runtime's `list()` says which containers to
 * watch; a container it no longer lists running is forgotten with its timer.
 */

/** Where to probe: the container's own address and port (see `DockerRuntime.probeTarget`). */
export interface ProbeAddress {
  readonly host: string;
  readonly port: number;
}

export type HttpOrTcpCheck = Extract<HealthCheck, { http: unknown } | { tcp: unknown }>;

/** One probe, injectable for tests: resolves to the verdict, never rejects. */
export type Probe = (check: HttpOrTcpCheck, target: ProbeTarget) => Promise<boolean>;

export const defaultProbe: Probe = (check, target) => ('http' in check ? probeHttp({ ...target, path: check.http.path }) : probeTcp(target));

interface Watched {
  readonly nodeId: string;
  readonly tracker: ProbeTracker;
  readonly first: Promise<void>;
  timer?: NodeJS.Timeout;
  closed: boolean;
}

export interface ContainerProbesOptions {
  readonly probe?: Probe;
  /** ms since the epoch; injectable for tests. */
  readonly now?: () => number;
}

export class ContainerProbes {
  private readonly watched = new Map<string, Watched>();
  private readonly probe: Probe;
  private readonly now: () => number;

  constructor(options: ContainerProbesOptions = {}) {
    this.probe = options.probe ?? defaultProbe;
    this.now = options.now ?? Date.now;
  }

  /**
   * Watches a running container (once; later calls only read). Resolves once its first
   * probe is in, so a restarted agent reports a serving copy healthy at once rather than
   * `starting`, which would take it out of the load balancer.
   */
  async watch(containerId: string, nodeId: string, check: HttpOrTcpCheck, address: ProbeAddress, startedAt: number): Promise<ContainerHealth> {
    let w = this.watched.get(containerId);
    if (!w) {
      const tracker = new ProbeTracker(check, startedAt);
      const target: ProbeTarget = { ...address, timeoutMs: check.timeoutSeconds * 1000 };
      const entry: Watched = { nodeId, tracker, closed: false, first: Promise.resolve() };
      const once = async () => {
        const ok = await this.probe(check, target).catch(() => false);
        if (!entry.closed) tracker.record(ok, this.now());
      };
      // Timeouts chained rather than an interval: a slow probe never overlaps the next.
      const loop = () => {
        if (entry.closed) return;
        entry.timer = setTimeout(() => void once().then(loop), check.intervalSeconds * 1000);
        // The agent's exit is not held up by a health check.
        entry.timer.unref();
      };
      (entry as { first: Promise<void> }).first = once().then(loop);
      this.watched.set(containerId, entry);
      w = entry;
    }
    await w.first;
    return w.tracker.status;
  }

  /** The latest health of a watched container; undefined when it is not watched. */
  health(containerId: string): ContainerHealth | undefined {
    return this.watched.get(containerId)?.tracker.status;
  }

  /** Stops watching one container (stopped, removed, or gone). */
  forget(containerId: string): void {
    const w = this.watched.get(containerId);
    if (!w) return;
    w.closed = true;
    clearTimeout(w.timer);
    this.watched.delete(containerId);
  }

  /** Stops watching this node's containers other than `keep` (those `list()` found running). */
  retain(nodeId: string, keep: ReadonlySet<string>): void {
    for (const [id, w] of this.watched) if (w.nodeId === nodeId && !keep.has(id)) this.forget(id);
  }

  close(): void {
    for (const id of [...this.watched.keys()]) this.forget(id);
  }
}
