import { DEFAULT_CATALOG } from '../../core/catalog';
import { InMemoryFleet } from '../../control/fakes/in-memory-fleet';
import { RecordingNodeCommander } from '../../control/fakes/recording-node-commander';
import { InMemoryStateStore } from '../../control/fakes/in-memory-state-store';
import { runPass } from '../../control/pass/run-pass';
import { defaultPolicy, DEFAULT_SERVICE_RESTART } from '../../core/policy';
import { SimAgents } from '../../sim/sim-agents';

const TIMING = { launchDelayMs: 60_000, startDelayMs: 5_000, heartbeatIntervalMs: 10_000 };
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function world() {
  let now = 0;
  const clock = { now: () => now };
  const store = new InMemoryStateStore();
  const fleet = new InMemoryFleet(clock);
  const commander = new RecordingNodeCommander();
  const agents = new SimAgents(store, fleet, new Map(DEFAULT_CATALOG.map((t) => [t.name, t])), TIMING);
  const deps = { store, fleet, commander, clock, policy: defaultPolicy(DEFAULT_CATALOG), logger: quiet };
  const submit = (id: string) =>
    store.createJob(
      { id, name: id, image: 'trace', command: [], env: {}, resources: { cpu: 500, memoryMiB: 512 }, count: 1, kind: 'service', restart: DEFAULT_SERVICE_RESTART, constraints: {}, doNotDisrupt: false, createdAt: now },
      [{ id: `${id}.0`, jobId: id, slot: 0, generation: 0, status: 'PENDING', resources: { cpu: 500, memoryMiB: 512 }, restarts: 0, createdAt: now }],
    );
  const at = (t: number) => (now = t);
  return { store, fleet, commander, agents, deps, submit, at };
}

describe('SimAgents', () => {
  it('boots launchDelay after the launch, and runs the copies it learns at boot startDelay later, reported at its next beat', async () => {
    const w = world();
    await w.submit('a');
    const [id] = (await runPass(w.deps)).launched;
    w.at(15_000);
    expect((await runPass(w.deps)).assignments).toBe(1);
    w.at(30_000);
    await w.agents.beat(30_000);
    expect((await w.store.listNodes())[0]).toMatchObject({ id, state: 'LAUNCHING' });
    expect(w.agents.takeRequests()).toBe(0);
    w.at(60_000);
    await w.agents.beat(60_000);
    expect((await w.store.listNodes())[0]).toMatchObject({ id, state: 'ACTIVE', lastHeartbeatAt: 60_000 });
    expect((await w.store.getJob('a'))!.tasks[0].status).toBe('ASSIGNED');
    w.at(75_000);
    await w.agents.beat(75_000);
    expect((await w.store.getJob('a'))!.tasks[0]).toMatchObject({ status: 'RUNNING', startedAt: 65_000 });
    // Beats at 60 s and 70 s: the one at 70 s is what the store saw.
    expect(w.agents.takeRequests()).toBe(2);
    expect((await w.store.listNodes())[0].lastHeartbeatAt).toBe(70_000);
  });

  it('learns a copy from the sync a pass sends, so it runs startDelay after the pass that placed it', async () => {
    const w = world();
    await w.submit('a');
    await runPass(w.deps);
    w.at(60_000);
    await w.agents.beat(60_000);
    await w.submit('b');
    const report = await runPass(w.deps);
    expect(report.synced).toHaveLength(1);
    for (const ids of w.commander.calls.splice(0)) await w.agents.sync(ids, 60_000);
    w.at(75_000);
    await w.agents.beat(75_000);
    expect((await w.store.getJob('b'))!.tasks[0]).toMatchObject({ status: 'RUNNING', startedAt: 65_000 });
  });
});
