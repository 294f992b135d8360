import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkJobId, checkService, checkTargets, describeRule, diffTargets, ruleKey, type LoadBalancedService, type LoadBalancer, type LoadBalancerTarget, type RegisteredTarget, type TargetChange } from '../control/load-balancer';
import { LoadBalancerError } from '../control/load-balancer-errors';
import { noServiceError, ruleTakenError, type LoadBalancerOperation } from '../control/load-balancer-errors';
import { adminCommand, serverHealth, workerPid } from './haproxy-admin-socket';
import { backendName, localUrl, renderHaproxyConfig } from './haproxy-config';
import type { Piece } from './lifecycle';

export interface HaproxyOptions {
  /** Where users reach services (default 8080, `--lb-port`); always on 127.0.0.1. */
  readonly port?: number;
  /** The `haproxy` binary (default: the one on PATH, Debian's package). */
  readonly binary?: string;
  readonly deregistrationDelaySeconds?: number;
  /** Health-check interval and thresholds (default 2 s, down after 3 failures, up after 2 passes). */
  readonly check?: { readonly intervalMs: number; readonly fall: number; readonly rise: number };
}

const READY_TIMEOUT_MS = 10_000;

/**
 * The LoadBalancer on the local cloud: Debian's haproxy (2.6) as a child process on
 * 127.0.0.1, configured whole from what the port was told, and reloaded on every change.
 *
 * Reloads use haproxy's master-worker mode (`-W`): SIGUSR2 makes the master re-read the
 * configuration and start a new worker, which takes the listening socket over from the old
 * one (`expose-fd listeners`), while the old worker stops accepting and finishes the
 * requests it has (soft stop, bounded by `hard-stop-after`). The adapter checks the file
 * with `haproxy -c` first, so a reload never meets a configuration the master would refuse,
 * and waits until the new worker answers on the admin socket before it returns: when
 * setTargets resolves, the new targets are what haproxy routes to.
 *
 * Servers are not added through the runtime API (`add server`, dynamic since 2.4): a new
 * job needs a new backend and ACL, which only a reload brings, and one mechanism for every
 * change keeps the file the whole truth. Health survives reloads through the
 * server-state file, saved from `show servers state` just before each one.
 *
 * What it routes lives in memory: a restarted local cloud starts empty and the next pass
 * ensures every exposed job again.
 */
export class HaproxyLoadBalancer implements LoadBalancer {
  readonly deregistrationDelaySeconds: number;
  readonly port: number;
  private readonly binary: string;
  private readonly check: { intervalMs: number; fall: number; rise: number };
  private readonly byJob = new Map<string, { service: LoadBalancedService; targets: LoadBalancerTarget[] }>();
  private dir: string | undefined;
  private child: ChildProcess | undefined;
  private output = '';
  /** Changes run one at a time: each renders, checks and reloads from the state the one before left. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Reloads done, for tests and the live view. */
  reloads = 0;

  constructor(options: HaproxyOptions = {}) {
    const port = options.port ?? 8080;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new LoadBalancerError(`haproxy port ${JSON.stringify(port)} must be an integer in 1..65535; pass another --lb-port`, { operation: 'start', retriable: false });
    }
    this.port = port;
    this.binary = options.binary ?? 'haproxy';
    this.deregistrationDelaySeconds = options.deregistrationDelaySeconds ?? 15;
    this.check = options.check ?? { intervalMs: 2000, fall: 3, rise: 2 };
  }

  /** The master process while running (the local cloud's run record keeps it for crash clean-up). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private get paths() {
    const dir = this.dir!;
    return { config: join(dir, 'haproxy.cfg'), next: join(dir, 'haproxy.cfg.next'), socket: join(dir, 'admin.sock'), state: join(dir, 'servers.state') };
  }

  /** Starts haproxy with no services (every request answers 404); the piece's stop stops it. */
  async start(): Promise<Piece<HaproxyLoadBalancer>> {
    if (this.child) throw new LoadBalancerError(`haproxy is already running on port ${this.port}; stop() it first`, { operation: 'start', retriable: false });
    if ((await run(this.binary, ['-v'])).error) {
      throw new LoadBalancerError(`the local load balancer needs haproxy and ${JSON.stringify(this.binary)} is not on PATH; on Debian: apt-get install -y haproxy (npm run local installs it)`, {
        operation: 'start',
        retriable: false,
      });
    }
    this.dir = mkdtempSync(join(tmpdir(), 'stowage-haproxy-'));
    this.writeConfig(this.paths.config);
    const child = spawn(this.binary, ['-W', '-f', this.paths.config], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout?.on('data', (d) => this.remember(d));
    child.stderr?.on('data', (d) => this.remember(d));
    try {
      await this.waitForWorker(undefined, 'start');
    } catch (err) {
      await this.stop();
      throw err;
    }
    return { value: this, stop: () => this.stop() };
  }

  /** Stops haproxy (SIGTERM to the master stops its workers too) and removes its files. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  ensureService(service: LoadBalancedService): Promise<{ url: string }> {
    return this.serially('ensureService', async () => {
      checkService(service);
      const key = ruleKey(service.rule);
      for (const [jobId, entry] of this.byJob) {
        if (jobId !== service.jobId && ruleKey(entry.service.rule) === key) throw ruleTakenError(service.jobId, describeRule(service.rule), entry.service);
      }
      const existing = this.byJob.get(service.jobId);
      const wanted: LoadBalancedService = { jobId: service.jobId, jobName: service.jobName, rule: { ...service.rule }, ...(service.healthPath !== undefined ? { healthPath: service.healthPath } : {}) };
      if (!existing || JSON.stringify(existing.service) !== JSON.stringify(wanted)) {
        await this.apply('ensureService', () => this.byJob.set(service.jobId, { service: wanted, targets: existing?.targets ?? [] }));
      }
      return { url: localUrl(this.bind, wanted) };
    });
  }

  setTargets(jobId: string, targets: readonly LoadBalancerTarget[]): Promise<TargetChange> {
    return this.serially('setTargets', async () => {
      checkJobId(jobId, 'setTargets');
      checkTargets(jobId, targets);
      const entry = this.byJob.get(jobId);
      if (!entry) throw noServiceError(jobId, 'setTargets');
      const { add, remove } = diffTargets(entry.targets, targets);
      const copy = targets.map((t) => ({ taskId: t.taskId, nodeId: t.nodeId, address: t.address, port: t.port })).sort((a, b) => a.taskId.localeCompare(b.taskId));
      // The same places under new task ids or addresses change no registration but do change the servers haproxy names.
      if (JSON.stringify(copy) !== JSON.stringify(entry.targets)) await this.apply('setTargets', () => (entry.targets = copy));
      return { registered: add, deregistered: remove };
    });
  }

  targets(jobId: string): Promise<readonly RegisteredTarget[]> {
    return this.serially('targets', async () => {
      const entry = this.byJob.get(jobId);
      if (!entry || entry.targets.length === 0) return [];
      const health = serverHealth(await this.admin('show stat', 'targets'));
      return entry.targets.map((t) => ({ ...t, health: health.get(`${backendName(jobId)}/${t.taskId}`) ?? 'unknown' }));
    });
  }

  async services(): Promise<readonly LoadBalancedService[]> {
    return [...this.byJob.values()].map((e) => e.service);
  }

  removeService(jobId: string): Promise<void> {
    return this.serially('removeService', async () => {
      if (!this.byJob.has(jobId)) return;
      await this.apply('removeService', () => this.byJob.delete(jobId));
    });
  }

  async urlOf(jobId: string): Promise<string | undefined> {
    const entry = this.byJob.get(jobId);
    return entry ? localUrl(this.bind, entry.service) : undefined;
  }

  private get bind() {
    return { address: '127.0.0.1', port: this.port };
  }

  /**
   * Changes the routing state, then makes haproxy route by it. If haproxy cannot be made
   * to, the change is undone, so what the adapter reports stays what haproxy does.
   */
  private async apply(operation: LoadBalancerOperation, change: () => unknown): Promise<void> {
    const before = new Map([...this.byJob].map(([id, e]) => [id, { service: e.service, targets: e.targets }]));
    change();
    try {
      await this.reload(operation);
    } catch (err) {
      this.byJob.clear();
      for (const [id, e] of before) this.byJob.set(id, { service: e.service, targets: e.targets });
      throw err;
    }
  }

  private async reload(operation: LoadBalancerOperation): Promise<void> {
    if (!this.child || !this.dir) throw new LoadBalancerError('haproxy is not running; start() the local load balancer first', { operation, retriable: false });
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      throw new LoadBalancerError(`haproxy has exited (${this.child.exitCode ?? this.child.signalCode}): ${this.output.trim() || 'no output'}; restart the local cloud`, { operation, retriable: false });
    }
    const { config, next, state } = this.paths;
    this.writeConfig(next);
    const checked = await run(this.binary, ['-c', '-q', '-f', next]);
    if (checked.error) {
      throw new LoadBalancerError(`haproxy refused the configuration it was given (a bug in its rendering): ${checked.output || checked.error.message}`.trim(), { operation, retriable: false });
    }
    const info = await this.admin('show info', operation);
    // Health as it stands, so the new worker starts each server where the old one left it.
    writeFileSync(state, await this.admin('show servers state', operation));
    renameSync(next, config);
    this.child.kill('SIGUSR2');
    await this.waitForWorker(workerPid(info), operation);
    this.reloads++;
  }

  /** Waits until a worker other than `oldPid` answers on the admin socket. */
  private async waitForWorker(oldPid: number | undefined, operation: LoadBalancerOperation): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) {
        const bind = /cannot bind/i.test(this.output) ? `; is port ${this.port} in use? pass another --lb-port` : '';
        throw new LoadBalancerError(`haproxy exited: ${this.output.trim() || 'no output'}${bind}`, { operation, retriable: false });
      }
      try {
        const pid = workerPid(await adminCommand(this.paths.socket, 'show info', 500));
        if (pid !== undefined && pid !== oldPid) return;
      } catch {
        // Not listening yet, or the socket is being rebound by the new worker.
      }
      if (Date.now() > deadline) {
        throw new LoadBalancerError(`haproxy did not ${oldPid === undefined ? 'start' : 'reload'} within ${READY_TIMEOUT_MS} ms: ${this.output.trim() || 'no output'}`, { operation, retriable: true });
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private async admin(command: 'show info' | 'show stat' | 'show servers state', operation: LoadBalancerOperation): Promise<string> {
    if (!this.dir) throw new LoadBalancerError('haproxy is not running; start() the local load balancer first', { operation, retriable: false });
    try {
      return await adminCommand(this.paths.socket, command);
    } catch (err) {
      throw new LoadBalancerError(`haproxy's admin socket did not answer "${command}": ${err instanceof Error ? err.message : String(err)}`, { operation, retriable: true }, { cause: err });
    }
  }

  private writeConfig(path: string): void {
    writeFileSync(
      path,
      renderHaproxyConfig({
        bind: this.bind,
        adminSocket: this.paths.socket,
        stateFile: this.paths.state,
        services: [...this.byJob.values()],
        check: this.check,
        // Old workers finish in-flight requests within the deregistration delay; past it the copy may be gone anyway.
        hardStopAfterSeconds: Math.max(this.deregistrationDelaySeconds, 5),
      }),
    );
  }

  private remember(chunk: Buffer): void {
    // Enough to explain a failure, not a log.
    this.output = (this.output + chunk.toString()).slice(-4000);
  }

  private serially<T>(operation: LoadBalancerOperation, work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run.catch((err: unknown) => {
      if (err instanceof LoadBalancerError) throw err;
      throw new LoadBalancerError(`haproxy ${operation} failed: ${err instanceof Error ? err.message : String(err)}`, { operation, retriable: true }, { cause: err });
    });
  }
}

/** Runs a program with an argv (no shell), without blocking the event loop the targets of a local cloud may share. */
function run(file: string, args: readonly string[]): Promise<{ error: Error | null; output: string }> {
  return new Promise((resolve) => execFile(file, [...args], { timeout: 10_000 }, (error, stdout, stderr) => resolve({ error, output: `${stderr}${stdout}`.trim() })));
}
