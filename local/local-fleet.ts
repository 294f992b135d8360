import type Docker from 'dockerode';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { LABELS } from '../agent/container-config';
import { keepAllOfNode } from '../agent/kept-logs';
import type { InstanceType } from '../core/model';
import { spotPricePerHour } from '../core/spot-prices';
import { FleetError, type Fleet, type LaunchedInstance, type LaunchRequest } from '../control/fleet';
import type { NodeCommander } from '../control/node-commander';
import { newToken } from './credentials';

/**
 * The Fleet on one machine: each "instance" is a `stowage-agent run` process with the
 * capacity of the instance type it stands for, talking to the local API. Launch starts
 * one; terminate stops it (SIGTERM, then SIGKILL) and, given `docker`, removes its
 * containers — the machine and everything on it goes, as an EC2 instance would.
 *
 * Each node gets its own token (file `<stateDir>/<id>/token`), which the local API takes
 * as that node's identity and only for its own heartbeat; `tokenFile` instead shares one
 * token among all nodes (for tests against an API that trusts any node holding it).
 */
export interface LocalFleetOptions {
  readonly apiUrl: string;
  readonly tokenFile?: string;
  /** Removes a terminated node's containers; without it they are left to the caller. */
  readonly docker?: Docker;
  /** Node ids start with this (default `local-<pid>-`): leftovers of a crashed run are found by it. */
  readonly idPrefix?: string;
  /** Where each node's agent config lives (one folder per node). */
  readonly stateDir: string;
  readonly catalog: readonly InstanceType[];
  /** The repository root (bin/stowage-agent.js). */
  readonly repoRoot: string;
  readonly intervalSeconds?: number;
  /** Called with each line an agent prints, for the local cloud's log. */
  readonly onLog?: (nodeId: string, line: string) => void;
  /** The local cloud's secrets file, handed to each agent (STOWAGE_SECRETS_FILE). */
  readonly secretsFile?: string;
  /** Called when an agent process starts or ends, so its pid can be recorded for crash clean-up. */
  readonly onProcessesChanged?: (pids: readonly number[]) => void;
}

export class LocalFleet implements Fleet {
  private readonly agents = new Map<string, ChildProcess>();
  /** Token → node: the local API asks on every heartbeat, so by token. */
  private readonly nodeByToken = new Map<string, string>();
  private readonly args = new Map<string, readonly string[]>();
  private next = 0;

  constructor(private readonly options: LocalFleetOptions) {}

  /** The ids of agents running now. */
  get running(): string[] {
    return [...this.agents.keys()];
  }

  /** The node a token belongs to (only nodes this fleet launched and has not terminated). */
  nodeForToken(token: string): string | undefined {
    return this.nodeByToken.get(token);
  }

  /** The agent process of a node (tests kill it to play a machine dying). */
  pidOf(nodeId: string): number | undefined {
    return this.agents.get(nodeId)?.pid;
  }

  /** One machine of the request's type; alternatives are never needed (this machine has room for any). */
  async launch(request: LaunchRequest): Promise<LaunchedInstance> {
    const type = this.options.catalog.find((t) => t.name === request.instanceType);
    if (!type) {
      throw new FleetError(`local fleet: unknown instance type ${request.instanceType}; the local catalog has ${this.options.catalog.map((t) => t.name).join(', ')}`, {
        operation: 'launch',
        retriable: false,
      });
    }
    // Only FleetError leaves a Fleet: a failure to write the agent's files or start it is the launch failing.
    try {
      const id = `${this.options.idPrefix ?? `local-${process.pid}-`}${++this.next}`;
      const dir = path.dirname(configFor(this.options.stateDir, id));
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      let tokenFile = this.options.tokenFile;
      if (!tokenFile) {
        const token = newToken();
        tokenFile = path.join(dir, 'token');
        writeFileSync(tokenFile, token, { mode: 0o600 });
        this.nodeByToken.set(token, id);
      }
      const args = [
        path.join(this.options.repoRoot, 'bin', 'stowage-agent.js'),
        'run',
        '--api-url', this.options.apiUrl,
        '--token-file', tokenFile,
        '--node-id', id,
        '--cpu', String(type.capacity.cpu),
        '--memory-mib', String(type.capacity.memoryMiB),
        '--instance-type', type.name,
        '--zone', request.zone,
        '--price-per-hour', String(request.capacityType === 'spot' ? spotPricePerHour(type) : type.pricePerHour),
        '--capacity-type', request.capacityType ?? 'on-demand',
        '--interval-s', String(this.options.intervalSeconds ?? 2),
        '--grace-s', '2',
        // Local nodes share this machine: publish containers' ports on loopback only, where
        // the local load balancer reaches them, and say so in the heartbeat.
        '--bind-address', '127.0.0.1',
        '--address', '127.0.0.1',
      ];
      this.args.set(id, args);
      this.startAgent(id, args);
      return { id, instanceType: type.name, zone: request.zone };
    } catch (err) {
      throw new FleetError(`local fleet: could not start an agent for ${request.instanceType}: ${String(err)}`, { operation: 'launch', retriable: true }, { cause: err });
    }
  }

  /**
   * Every id is tried; those whose agent or containers could not be removed are the
   * FleetError's `instanceIds` (retriable: the next pass asks again).
   */
  async terminate(instanceIds: readonly string[]): Promise<void> {
    const failed: string[] = [];
    let cause: unknown;
    await Promise.all(
      instanceIds.map(async (id) => {
        try {
          await stop(this.agents.get(id));
          // The instance is gone: its token no longer opens the API, its containers go with it.
          for (const [token, node] of this.nodeByToken) if (node === id) this.nodeByToken.delete(token);
          if (this.options.docker) {
            await keepAllOfNode(this.options.docker, id, path.join(path.dirname(configFor(this.options.stateDir, id)), 'kept-logs'));
            await removeContainers(this.options.docker, (node) => node === id);
          }
        } catch (err) {
          failed.push(id);
          cause ??= err;
        }
      }),
    );
    if (failed.length > 0) {
      throw new FleetError(`local fleet: could not terminate ${failed.join(', ')}: ${String(cause)}`, { operation: 'terminate', instanceIds: failed, retriable: true }, { cause });
    }
  }

  /** Stops every agent this fleet started. */
  async stopAll(): Promise<void> {
    await this.terminate(this.running);
  }

  /**
   * Kills a node's agent (SIGKILL, as a crash) and starts a new one with the same
   * identity: its containers are untouched and the new agent adopts them by label, as
   * after a restart of the agent's systemd unit on EC2. For fault tests.
   */
  async restartAgent(nodeId: string): Promise<void> {
    const args = this.args.get(nodeId);
    const child = this.agents.get(nodeId);
    if (!args || !child) throw new Error(`local fleet: no running agent for ${nodeId}`);
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
    this.startAgent(nodeId, args);
  }

  private startAgent(id: string, args: readonly string[]): void {
    const child = spawn(process.execPath, args, { env: { ...process.env, STOWAGE_AGENT_CONFIG: configFor(this.options.stateDir, id), ...(this.options.secretsFile ? { STOWAGE_SECRETS_FILE: this.options.secretsFile } : {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = (data: Buffer) => {
      for (const line of data.toString().split('\n')) if (line.trim()) this.options.onLog?.(id, line);
    };
    child.stdout?.on('data', log);
    child.stderr?.on('data', log);
    child.once('exit', () => {
      // A restarted agent has replaced this one already: leave the new one's entry be.
      if (this.agents.get(id) === child) this.agents.delete(id);
      this.reportPids();
    });
    this.agents.set(id, child);
    this.reportPids();
  }

  private reportPids(): void {
    this.options.onProcessesChanged?.([...this.agents.values()].flatMap((c) => (c.pid === undefined ? [] : [c.pid])));
  }
}

/**
 * `stowage-agent sync` for local nodes, as SSM runs it: no arguments, the node's own
 * config. Like SendCommand, `sync` returns once the command is handed over, not when it
 * has run: a scheduler pass must not wait seconds for containers to start. A node with
 * a sync still running gets one more after it (never two at once); a node without an
 * agent config (never launched here, or gone) fails at once, as an unmanaged instance
 * does in SSM.
 */
export class LocalNodeCommander implements NodeCommander {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  constructor(private readonly options: { stateDir: string; repoRoot: string; timeoutMs?: number; onResult?: (nodeId: string, ok: boolean) => void }) {}

  async sync(instanceIds: readonly string[]): Promise<{ failed: readonly string[] }> {
    const failed: string[] = [];
    for (const id of instanceIds) {
      if (!existsSync(configFor(this.options.stateDir, id))) {
        failed.push(id);
        continue;
      }
      if (this.running.has(id)) this.again.add(id);
      else this.launch(id);
    }
    return { failed };
  }

  /** Resolves when every sync handed over so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  private launch(id: string): void {
    const done = this.runOnce(id).then((ok) => {
      this.options.onResult?.(id, ok);
      this.running.delete(id);
      if (this.again.delete(id)) this.launch(id);
    });
    this.running.set(id, done);
  }

  private runOnce(id: string): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const child = spawn(process.execPath, [path.join(this.options.repoRoot, 'bin', 'stowage-agent.js'), 'sync'], {
        env: { ...process.env, STOWAGE_AGENT_CONFIG: configFor(this.options.stateDir, id) },
        stdio: 'ignore',
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), this.options.timeoutMs ?? 60_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code === 0);
      });
      child.once('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
  }
}

/** Removes (forcibly) every container whose Stowage node label passes `matches`; returns how many. */
export async function removeContainers(docker: Docker, matches: (nodeId: string) => boolean): Promise<number> {
  const all = await docker.listContainers({ all: true, filters: { label: [LABELS.node] } });
  const ours = all.filter((c) => matches(c.Labels[LABELS.node] ?? ''));
  await Promise.all(
    ours.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch((err: { statusCode?: number }) => {
          // 404: gone already; 409: removal already in progress.
          if (err.statusCode !== 404 && err.statusCode !== 409) throw err;
        }),
    ),
  );
  return ours.length;
}

export function configFor(stateDir: string, nodeId: string): string {
  return path.join(stateDir, nodeId, 'agent.json');
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, 10_000)))]);
  clearTimeout(timer);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
}
