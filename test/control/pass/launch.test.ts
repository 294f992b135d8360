import { LAUNCH_HOLD_PROBE_MS } from '../../../core/launch-hold';
import { LAUNCH_CONCURRENCY } from '../../../control/pass/launch';
import { runPass } from '../../../control/pass/run-pass';
import { beat, job, NOW, setup, tasks } from './pass-fixture';

describe('launching', () => {
  it('launches a node for work that fits none and records it LAUNCHING; the next pass assigns to it without a sync', async () => {
    const { store, fleet, commander, deps, clock } = setup();
    const j = job('web', 2);
    await store.createJob(j, tasks(j));
    const first = await runPass(deps);
    expect(first.launched).toHaveLength(1);
    const [id] = first.launched;
    expect(fleet.running.get(id)).toMatchObject({ zone: 'us-east-1a' });
    expect((await store.listNodes())[0]).toMatchObject({ id, state: 'LAUNCHING', launchedAt: NOW });
    clock.t += 15_000;
    const second = await runPass(deps);
    expect(second.assignments).toBe(2);
    expect(second.launched).toEqual([]);
    // Its agent reads its tasks at boot: SSM does not know the instance yet.
    expect(commander.calls).toEqual([]);
  });

  it('keeps going when a launch fails, logging it, and plans it again next pass', async () => {
    const { store, fleet, logs, deps, clock } = setup();
    fleet.failLaunches.push(new Error('InsufficientInstanceCapacity'));
    const j = job('web', 1);
    await store.createJob(j, tasks(j));
    const first = await runPass(deps);
    expect(first).toMatchObject({ launched: [], launchFailures: 1 });
    expect(logs.some((l) => l.level === 'error' && /launch failed/.test(l.message))).toBe(true);
    clock.t += 15_000;
    expect((await runPass(deps)).launched).toHaveLength(1);
  });
});

describe('launching around refused offerings', () => {
  it('a launch refused for capacity in one zone lands in another zone on the next pass, and the memory outlives the pass', async () => {
    const j = job('web', 1);
    const learn = setup();
    await learn.store.createJob(j, tasks(j));
    await runPass(learn.deps);
    // The type and zone the plan picks with nothing remembered.
    const [{ instanceType, zone }] = learn.fleet.attempts;
    expect(zone).toBe('us-east-1a');

    const { store: s2, fleet: f2, deps: d2, clock: c2 } = setup();
    f2.refusals.push({ instanceType, zone: 'us-east-1a', reason: 'insufficient-capacity' });
    await s2.createJob(j, tasks(j));
    const refused = await runPass(d2);
    expect(refused).toMatchObject({ launched: [], launchFailures: 1 });
    expect((await s2.capacityMemory()).unavailable).toEqual([
      { kind: 'offering', instanceType, zone: 'us-east-1a', capacityType: 'on-demand', reason: 'insufficient-capacity', until: c2.t + 180_000 },
    ]);
    c2.t += 15_000;
    const next = await runPass(d2);
    expect(next.launched).toHaveLength(1);
    expect(f2.attempts.map((a) => `${a.instanceType}@${a.zone}`)).toEqual([`${instanceType}@us-east-1a`, `${instanceType}@us-east-1b`]);
  });

  it('a type refused as Unsupported in every zone is replaced by another type on the next pass', async () => {
    const j = job('web', 1);
    const learn = setup();
    await learn.store.createJob(j, tasks(j));
    await runPass(learn.deps); // the type the plan wants
    const wanted = learn.fleet.attempts[0].instanceType;
    const { store: s2, fleet: f2, deps: d2, clock: c2 } = setup();
    f2.refusals.push({ instanceType: wanted, reason: 'unsupported' });
    await s2.createJob(j, tasks(j));
    for (let pass = 0; pass < 4; pass++) {
      await runPass(d2);
      c2.t += 15_000;
    }
    // One refusal per zone (each remembered for an hour), then another type.
    expect(f2.attempts.map((a) => a.zone)).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1a']);
    expect(f2.attempts.slice(0, 3).every((a) => a.instanceType === wanted)).toBe(true);
    expect(f2.attempts[3].instanceType).not.toBe(wanted);
    expect(f2.running.size).toBe(1);
  });

  it('after VcpuLimitExceeded, the next pass launches only types with fewer vCPUs than the refused one', async () => {
    const j = job('web', 4, { resources: { cpu: 1500, memoryMiB: 2048 } });
    const learn = setup();
    await learn.store.createJob(j, tasks(j));
    await runPass(learn.deps);
    const wanted = learn.fleet.attempts[0].instanceType;
    const vcpus = (type: string) => learn.deps.policy.scaleUp.instanceTypes.find((t) => t.name === type)!.capacity.cpu / 1000;
    expect(vcpus(wanted)).toBeGreaterThan(2);

    const { store, fleet, deps, clock } = setup();
    await store.createJob(j, tasks(j));
    fleet.refusals.push({ instanceType: wanted, reason: 'vcpu-limit' });
    const refused = await runPass(deps);
    expect(refused).toMatchObject({ launched: [], launchFailures: 1 });
    expect((await store.capacityMemory()).unavailable).toEqual([{ kind: 'vcpu-limit', capacityType: 'on-demand', vcpus: vcpus(wanted), reason: 'vcpu-limit', until: clock.t + 15 * 60_000 }]);
    clock.t += 15_000;
    const next = await runPass(deps);
    expect(next.launched.length).toBeGreaterThan(0);
    for (const a of fleet.attempts.slice(1)) expect(vcpus(a.instanceType)).toBeLessThan(vcpus(wanted));
  });

  it('does not remember failures that say nothing about the offering', async () => {
    const { store, fleet, deps } = setup();
    fleet.failLaunches.push(new Error('RequestLimitExceeded'));
    const j = job('web', 1);
    await store.createJob(j, tasks(j));
    await runPass(deps);
    expect((await store.capacityMemory()).unavailable).toEqual([]);
  });
});

describe('launching many at once', () => {
  it('runs up to LAUNCH_CONCURRENCY launches at a time and records every one', async () => {
    const { store, fleet, deps } = setup();
    let inFlight = 0;
    let most = 0;
    const order: string[] = [];
    const slow = {
      async launch(request: Parameters<typeof fleet.launch>[0]) {
        inFlight++;
        most = Math.max(most, inFlight);
        // Later launches finish first.
        await new Promise((resolve) => setTimeout(resolve, 30 - Math.min(order.length, 29)));
        order.push(request.zone);
        inFlight--;
        return fleet.launch(request);
      },
      terminate: (ids: readonly string[]) => fleet.terminate(ids),
    };
    // 25 tasks each needing a node of its own.
    const j = job('big', 25, { resources: { cpu: 60_000, memoryMiB: 4096 } });
    await store.createJob(j, tasks(j));
    const started = Date.now();
    const report = await runPass({ ...deps, fleet: slow });
    const elapsed = Date.now() - started;
    expect(report.launched).toHaveLength(25);
    expect(most).toBe(LAUNCH_CONCURRENCY);
    expect([...fleet.running.keys()].sort()).toEqual([...report.launched].sort());
    const recorded = (await store.listNodes()).map((n) => n.id).sort();
    expect(recorded).toEqual([...report.launched].sort());
    // Three rounds of at most 30 ms each rather than 25 in a row.
    expect(elapsed).toBeLessThan(25 * 20);
  });
});

describe('holding launches after launch timeouts', () => {
  it('stops launching after three launches in a row never heartbeat, says why, and resumes when a new node heartbeats', async () => {
    const { store, fleet, deps, clock, logs } = setup();
    const j = job('web', 1);
    await store.createJob(j, tasks(j));
    const timeout = deps.policy.launchTimeoutMs;
    const reports = [];
    for (let i = 0; i < 4; i++) {
      reports.push(await runPass(deps));
      clock.t += timeout + 1000;
    }
    // Launch, then each pass finds the last launch timed out and launches again, until the third.
    expect(reports.map((r) => r.launched.length)).toEqual([1, 1, 1, 0]);
    expect(reports.map((r) => r.nodesLost)).toEqual([0, 1, 1, 1]);
    expect(reports[3].launchesHeld).toMatch(/^launches held: the last 3 new nodes \(.+\) never sent a heartbeat/);
    expect((await store.capacityMemory()).launchTimeouts?.nodeIds).toEqual(reports.slice(0, 3).flatMap((r) => r.launched));
    expect(logs.some((l) => l.level === 'warn' && l.message === 'launches held from this pass on')).toBe(true);

    const held = await runPass(deps);
    expect(held).toMatchObject({ launched: [] });
    expect(held.launchesHeld).toBeDefined();
    const task = (await store.getJob('web'))!.tasks[0];
    expect(task.reason).toMatch(/launches held/);

    // The probe: one launch once the hold has lasted its interval; it heartbeats, and the hold ends.
    clock.t += LAUNCH_HOLD_PROBE_MS;
    const probe = await runPass(deps);
    expect(probe.launched).toHaveLength(1);
    clock.t += 20_000;
    await store.recordHeartbeat({ ...beat(probe.launched[0]), instanceType: fleet.running.get(probe.launched[0])!.instanceType }, clock.t);
    const after = await runPass(deps);
    expect(after.launchesHeld).toBeUndefined();
    expect((await store.capacityMemory()).launchTimeouts).toBeUndefined();
  });
});
