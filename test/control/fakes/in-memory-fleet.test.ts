import { InMemoryFleet } from '../../../control/fakes/in-memory-fleet';

describe('InMemoryFleet', () => {
  const request = { instanceType: 'm5.large', zone: 'us-east-1a', labels: {} };

  it('with a clock, keeps each instance life from launch to termination, as the bill counts it', async () => {
    let t = 1_000;
    const fleet = new InMemoryFleet({ now: () => t });
    const { id: a } = await fleet.launch(request);
    t = 5_000;
    const { id: b } = await fleet.launch(request);
    t = 9_000;
    await fleet.terminate([a]);
    await fleet.terminate([a]);
    expect(fleet.lives.get(a)).toEqual({ request, launchedAt: 1_000, terminatedAt: 9_000 });
    expect(fleet.lives.get(b)).toEqual({ request, launchedAt: 5_000 });
    expect([...fleet.running.keys()]).toEqual([b]);
  });

  it('hands out ids that sort in launch order', async () => {
    const fleet = new InMemoryFleet();
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push(await fleet.launch(request));
    expect([...ids].sort()).toEqual(ids);
    expect(fleet.lives.size).toBe(0);
  });
});
