import { spotPricePerHour } from '../core/spot-prices';
import { acceptHeartbeat } from '../control/heartbeat';
import type { InMemoryFleet } from '../control/fakes/in-memory-fleet';
import type { ContainerReport } from '../control/state/node-report';
import type { NodeReportStore } from '../control/state/state-store';
import type { InstanceType } from '../core/model';
import { ZERO } from '../core/resources';

export interface AgentTiming {
  /** From the instance's launch to its agent's first heartbeat. */
  readonly launchDelayMs: number;
  /** From the agent learning of a copy to its container running. */
  readonly startDelayMs: number;
  /** Each agent heartbeats on its own grid, counted from when it came up. */
  readonly heartbeatIntervalMs: number;
}

/** A copy an agent runs (or is starting): known from a heartbeat's answer. */
interface Container {
  readonly generation: number;
  readonly runningAt: number;
}

/**
 * The agents of a replay: one per instance the fleet runs, reaching the store only as a
 * real agent does, through the heartbeat flow (control/heartbeat.ts acceptHeartbeat):
 * report its containers, learn from the answer what to run. An agent comes up
 * `launchDelayMs` after its launch and beats on its own grid from then; a copy's
 * container runs `startDelayMs` after the agent learned of it. The scheduler's sync
 * command (`stowage-agent sync`) makes an agent beat at once, as the real one does, so
 * a copy placed on a running node starts from the pass that placed it; a node that was
 * still booting learns its copies from its first heartbeat.
 *
 * Time is evaluated only at pass times: of the grid beats since the previous pass, only
 * the latest is sent (the pass sees the latest beat, as the Nodes table would); the
 * others are counted as the API requests they were, for the control plane's cost.
 */
export class SimAgents {
  private readonly containers = new Map<string, Map<string, Container>>();
  private requests = 0;
  private lastBeatCheck: number | undefined;

  constructor(
    private readonly store: NodeReportStore,
    private readonly fleet: InMemoryFleet,
    private readonly types: ReadonlyMap<string, InstanceType>,
    private readonly timing: AgentTiming,
  ) {}

  /** The grid heartbeats every agent sent since the previous call, each up agent's latest one reported now. */
  async beat(now: number): Promise<void> {
    const prev = this.lastBeatCheck;
    this.lastBeatCheck = now;
    const every = this.timing.heartbeatIntervalMs;
    for (const id of this.fleet.running.keys()) {
      const up = this.fleet.lives.get(id)!.launchedAt + this.timing.launchDelayMs;
      if (now < up) continue;
      const beatsBy = (t: number) => (t < up ? 0 : Math.floor((t - up) / every) + 1);
      const beats = beatsBy(now) - (prev === undefined ? 0 : beatsBy(prev));
      if (beats <= 0) continue;
      this.requests += beats;
      await this.heartbeat(id, up + (beatsBy(now) - 1) * every);
    }
  }

  /** `stowage-agent sync` reached these nodes at `now`: each booted agent beats at once. */
  async sync(ids: readonly string[], now: number): Promise<void> {
    for (const id of ids) {
      const life = this.fleet.lives.get(id);
      if (!this.fleet.running.has(id) || !life || now < life.launchedAt + this.timing.launchDelayMs) continue;
      this.requests++;
      await this.heartbeat(id, now);
    }
  }

  /** Heartbeats (API requests) since the previous call: what the pass's sample counts. */
  takeRequests(): number {
    const n = this.requests;
    this.requests = 0;
    return n;
  }

  /** Agents of terminated instances go with them. */
  forget(ids: readonly string[]): void {
    for (const id of ids) this.containers.delete(id);
  }

  private async heartbeat(id: string, at: number): Promise<void> {
    const launch = this.fleet.running.get(id)!;
    const type = this.types.get(launch.instanceType)!;
    const known = this.containers.get(id) ?? new Map<string, Container>();
    const reports: ContainerReport[] = [...known].map(([taskId, c]) =>
      c.runningAt <= at ? { taskId, generation: c.generation, state: 'running', startedAt: c.runningAt } : { taskId, generation: c.generation, state: 'starting' },
    );
    const { desired } = await acceptHeartbeat(
      this.store,
      // As the agent on EC2 reports (agent/node-identity.ts): how it was bought, at that price.
      {
        nodeId: id,
        instanceType: type.name,
        zone: launch.zone,
        labels: launch.labels,
        capacity: type.capacity,
        usage: ZERO,
        pricePerHour: launch.capacityType === 'spot' ? spotPricePerHour(type) : type.pricePerHour,
        ...(launch.capacityType ? { capacityType: launch.capacityType } : {}),
        containers: reports,
      },
      at,
    );
    // Converge on the answer: start what is new, drop what is no longer this node's.
    const next = new Map<string, Container>();
    for (const { task } of desired) {
      const c = known.get(task.id);
      next.set(task.id, c && c.generation === task.generation ? c : { generation: task.generation, runningAt: at + this.timing.startDelayMs });
    }
    this.containers.set(id, next);
  }
}
