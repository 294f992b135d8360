import type { InstanceType, Task } from '../../core/model';
import type { ContainerInfo, ContainerState } from '../../core/agent/container';
import type { ContainerReport } from '../../control/state/node-report';
import type { StateStore } from '../../control/state/state-store';
import { acceptHeartbeat } from '../../control/heartbeat';
import { reconcile, type DesiredTask } from '../../core/agent/reconcile';
import { ZERO } from '../../core/resources';
import type { LiveContainer } from './invariants';

/** How a batch job's containers end: after `durationMs`, with `exitCode`. Services run until stopped or killed. */
export interface ContainerFate {
  readonly durationMs: number;
  readonly exitCode: number;
}

interface SimContainer extends ContainerInfo {
  readonly slot: number;
  /** Simulated (true) time the process exits on its own; absent for a service. */
  readonly exitAt?: number;
}

/**
 * A node's agent, simulated: exactly what the real one reports and does (agent/sync.ts),
 * with a map for Docker. Each sync lists its containers, reports them in a heartbeat
 * (recordHeartbeat, as the API does), reads the node's desired tasks (tasksForNode) and
 * converges with the agent's own decision function (core/agent/reconcile.ts): stop what is not
 * desired, start what is missing, and never restart an exited copy by itself.
 */
export class SimAgent {
  private readonly containers = new Map<string, SimContainer>();
  private nextContainer = 0;
  /** Added to every timestamp this agent reports. */
  skewMs = 0;
  silentUntil = 0;
  dead = false;

  constructor(
    readonly nodeId: string,
    readonly type: InstanceType,
    readonly zone: string,
    /** When the instance has booted and the agent first reports. */
    readonly bootAt: number,
    private readonly store: StateStore,
    private readonly fateOf: (jobId: string) => ContainerFate | undefined,
    /** Starts per sync, the rest deferred to the next (agent/sync.ts maxStartsPerPass): what makes a copy take a while to run. */
    private readonly maxStartsPerSync = 1,
  ) {}

  /** Reachable: booted, alive, not in a restart's silence. */
  up(now: number): boolean {
    return !this.dead && now >= this.bootAt && now >= this.silentUntil;
  }

  /** The instance is gone: nothing it ran survives. */
  die(): void {
    this.dead = true;
    this.containers.clear();
  }

  /** Kills one live container (exit 137); false when none runs. */
  killOne(pick: number, now: number): string | undefined {
    const live = [...this.containers.values()].filter((c) => c.state === 'running').sort((a, b) => (a.containerId < b.containerId ? -1 : 1));
    if (live.length === 0) return undefined;
    const c = live[Math.min(live.length - 1, Math.floor(pick * live.length))];
    this.containers.set(c.containerId, { ...c, state: 'exited', exitCode: 137, finishedAt: now + this.skewMs, exitAt: undefined });
    return c.taskId;
  }

  /** Containers whose process runs, for the fleet-level single-copy check. */
  live(): LiveContainer[] {
    return [...this.containers.values()].filter((c) => c.state === 'running').map((c) => ({ nodeId: this.nodeId, taskId: c.taskId, jobId: c.jobId, slot: c.slot, generation: c.generation }));
  }

  /** One agent pass at true time `now`; the store's failures propagate (the real agent retries next interval). */
  async sync(now: number): Promise<void> {
    if (!this.up(now)) return;
    for (const c of this.containers.values()) {
      if (c.state === 'running' && c.exitAt !== undefined && c.exitAt <= now) {
        const fate = this.fateOf(c.jobId);
        this.containers.set(c.containerId, { ...c, state: 'exited', exitCode: fate?.exitCode ?? 0, finishedAt: c.exitAt + this.skewMs });
      }
    }
    const known = [...this.containers.values()];
    const { desired } = await acceptHeartbeat(
      this.store,
      {
        nodeId: this.nodeId,
        instanceType: this.type.name,
        zone: this.zone,
        labels: {},
        capacity: this.type.capacity,
        usage: ZERO,
        pricePerHour: this.type.pricePerHour,
        containers: known.map(toReport),
      },
      now + this.skewMs,
    );
    const tasks = desired.map((d) => d.task);
    const byId = new Map<string, Task>(tasks.map((t) => [t.id, t]));
    let starts = 0;
    for (const a of reconcile(tasks.map(desiredOf), known)) {
      if (a.kind === 'stop') {
        const c = this.containers.get(a.containerId);
        if (c && c.state === 'running') this.containers.set(c.containerId, { ...c, state: 'exited', exitCode: 143, finishedAt: now + this.skewMs });
      } else if (a.kind === 'remove') {
        this.containers.delete(a.containerId);
      } else if (a.kind === 'start' && starts++ < this.maxStartsPerSync) {
        const t = byId.get(a.task.taskId)!;
        const fate = this.fateOf(t.jobId);
        const id = `${this.nodeId}/c${this.nextContainer++}`;
        this.containers.set(id, {
          containerId: id,
          taskId: t.id,
          jobId: t.jobId,
          slot: t.slot,
          generation: t.generation,
          state: 'running',
          startedAt: now + this.skewMs,
          exitAt: fate ? now + fate.durationMs : undefined,
        });
      }
    }
  }
}

function desiredOf(t: Task): DesiredTask {
  return { taskId: t.id, jobId: t.jobId, generation: t.generation, image: 'chaos', command: [], env: {}, resources: t.resources };
}

/** As agent/sync.ts toReport: running → running, created → starting, exited/dead → exited. */
function toReport(c: SimContainer): ContainerReport {
  const state: ContainerState = c.state;
  const base = { taskId: c.taskId, generation: c.generation, startedAt: c.startedAt };
  if (state === 'exited' || state === 'dead') return { ...base, state: 'exited', exitCode: c.exitCode, finishedAt: c.finishedAt };
  return { ...base, state: state === 'created' ? 'starting' : 'running' };
}
