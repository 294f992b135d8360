import { plan } from '../../../core/pass/plan';
import { applyPlan, job, node, NOW, policy, res, running, snapshot } from '../fixtures';

describe('finishing drains', () => {
  // A drains; t1's copy would fit B, t2's fits nowhere and scale-up is off.
  const j1 = job('j1');
  const j2 = job('j2', { resources: res(1500, 6000) });
  const start = snapshot({
    jobs: [j1, j2],
    nodes: [node('A', 'm5.large', { state: 'DRAINING' }), node('B', 'c5.large')],
    tasks: [running('t1', 'j1', 'A'), running('t2', 'j2', 'A', { resources: res(1500, 6000) })],
  });
  const pol = policy({ scaleUp: { enabled: false } });

  it('abandons the drain, all or nothing, when one copy does not fit: no copy is placed and A is ACTIVE again', () => {
    const p = plan(start, NOW, pol);
    expect(p.assignments).toEqual([]);
    expect(p.launches).toEqual([]);
    expect(p.nodeUpdates.find((u) => u.nodeId === 'A')).toMatchObject({ from: 'DRAINING', to: 'ACTIVE' });
    expect(p.nodeUpdates.find((u) => u.nodeId === 'A')!.reason).toMatch(/^drain abandoned: a replacement copy does not fit/);
  });

  it('stops a copy made by an earlier pass, so no slot runs twice once the drain is given up', () => {
    const earlierCopy = running('j1.0.g2', 'j1', 'B', { generation: 2, replaces: 't1', status: 'ASSIGNED' });
    const s = { ...start, tasks: [...start.tasks, earlierCopy] };
    const p = plan(s, NOW, pol);
    expect(p.taskUpdates).toContainEqual(expect.objectContaining({ taskId: 'j1.0.g2', to: 'STOPPED', releaseFrom: 'B' }));
    const after = applyPlan(s, p);
    const live = after.tasks.filter((t) => t.status === 'RUNNING' || t.status === 'ASSIGNED').map((t) => `${t.jobId}#${t.slot}`);
    expect(new Set(live).size).toBe(live.length);
  });

  it('never launches capacity to finish a drain, even with scale-up on', () => {
    const p = plan(start, NOW, policy());
    expect(p.launches).toEqual([]);
    expect(p.nodeUpdates.find((u) => u.nodeId === 'A')).toMatchObject({ to: 'ACTIVE' });
  });
});
