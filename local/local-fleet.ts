import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { InstanceType } from '../core/model';
import type { Fleet, LaunchRequest, NodeCommander } from '../core/ports';

/**
 * The Fleet on one machine: each "instance" is a `stowage-agent run` process with the
 * capacity of the instance type it stands for, talking to the local API. Launch starts
 * one; terminate stops it (SIGTERM, then SIGKILL) — its containers are the agent's
 * business and are removed by `cleanup` (the local cloud removes every container it made
 * on shutdown and before start).
 */
export interface LocalFleetOptions {
  readonly apiUrl: string;
  readonly tokenFile: string;
  /** Where each node's agent config lives (one folder per node). */
  readonly stateDir: string;
  readonly catalog: readonly InstanceType[];
  /** The repository root (bin/stowage-agent.js). */
  readonly repoRoot: string;
  readonly intervalSeconds?: number;
  /** Called with each line an agent prints, for the local cloud's log. */
  readonly onLog?: (nodeId: string, line: string) => void;
}

export class LocalFleet implements Fleet {
  private readonly agents = new Map<string, ChildProcess>();
  private next = 0;

  constructor(private readonly options: LocalFleetOptions) {}

  /** The ids of agents running now. */
  get running(): string[] {
    return [...this.agents.keys()];
  }

  async launch(request: LaunchRequest): Promise<string> {
    const type = this.options.catalog.find((t) => t.name === request.instanceType);
    if (!type) throw new Error(`local fleet: unknown instance type ${request.instanceType}`);
    const id = `local-${process.pid}-${++this.next}`;
    mkdirSync(path.dirname(configFor(this.options.stateDir, id)), { recursive: true });
    const child = spawn(
      process.execPath,
      [
        path.join(this.options.repoRoot, 'bin', 'stowage-agent.js'),
        'run',
        '--api-url', this.options.apiUrl,
        '--token-file', this.options.tokenFile,
        '--node-id', id,
        '--cpu', String(type.capacity.cpu),
        '--memory-mib', String(type.capacity.memoryMiB),
        '--instance-type', type.name,
        '--zone', request.zone,
        '--price-per-hour', String(type.pricePerHour),
        '--interval-s', String(this.options.intervalSeconds ?? 2),
        '--grace-s', '2',
      ],
      { env: { ...process.env, STOWAGE_AGENT_CONFIG: configFor(this.options.stateDir, id) }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const log = (data: Buffer) => {
      for (const line of data.toString().split('\n')) if (line.trim()) this.options.onLog?.(id, line);
    };
    child.stdout?.on('data', log);
    child.stderr?.on('data', log);
    child.once('exit', () => this.agents.delete(id));
    this.agents.set(id, child);
    return id;
  }

  async terminate(instanceIds: readonly string[]): Promise<void> {
    await Promise.all(instanceIds.map((id) => stop(this.agents.get(id))));
  }

  /** Stops every agent this fleet started. */
  async stopAll(): Promise<void> {
    await this.terminate(this.running);
  }
}

/** `stowage-agent sync` for local nodes, exactly as SSM would run it: no arguments, the node's own config. */
export class LocalNodeCommander implements NodeCommander {
  constructor(private readonly options: { stateDir: string; repoRoot: string; timeoutMs?: number }) {}

  async sync(instanceIds: readonly string[]): Promise<{ failed: readonly string[] }> {
    const results = await Promise.all(
      instanceIds.map(
        (id) =>
          new Promise<boolean>((resolve) => {
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
          }),
      ),
    );
    return { failed: instanceIds.filter((_, i) => !results[i]) };
  }
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
