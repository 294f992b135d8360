import { followUpOf } from '../../../core/pass/follow-up';
import { plan } from '../../../core/pass/plan';
import { SnapshotIndex } from '../../../core/pass/snapshot';
import type { Node, Reclaim } from '../../../core/model';
import { applyPlan, job, node, NOW, policy, res, running, SECOND, snapshot } from '../fixtures';

const interruption: Reclaim = { notice: 'interruption', noticedAt: NOW - 10 * SECOND, deadline: NOW + 110 * SECOND };
const rebalance: Reclaim = { notice: 'rebalance', noticedAt: NOW - 10 * SECOND };
const reclaimed = (id: string, reclaim: Reclaim, overrides: Partial<Node> = {}) => node(id, 'm7g.xlarge', { capacityType: 'spot', state: 'DRAINING', reclaim, ...overrides });

const svc = job('svc');
const batch = job('batch', { kind: 'batch' });
const pinned = job('pinned', { doNotDisrupt: true });
const tasksOn = (nodeId: string) => [running('svc-0', 'svc', nodeId), running('batch-0', 'batch', nodeId), running('pinned-0', 'pinned', nodeId)];

describe('a node the cloud reclaims', () => {
  it('with an interruption deadline, restarts every copy elsewhere — batch and do-not-disrupt too — make-before-break', () => {
    const s = snapshot({ jobs: [svc, batch, pinned], tasks: tasksOn('spot'), nodes: [reclaimed('spot', interruption), node('room', 'm5.2xlarge')] });
    const p = plan(s, NOW, policy());
    const moved = p.assignments.filter((a) => a.create).map((a) => [a.create!.replaces, a.nodeId]);
    expect(moved.sort()).toEqual([
      ['batch-0', 'room'],
      ['pinned-0', 'room'],
      ['svc-0', 'room'],
    ]);
    expect(p.assignments.every((a) => a.create?.reason === undefined)).toBe(true);
    // The originals run on until their replacements do.
    expect(p.taskUpdates.filter((u) => u.to === 'STOPPED')).toEqual([]);
    expect(p.nodeUpdates.find((u) => u.nodeId === 'spot')?.to).toBeUndefined();
  });

  it('with a rebalance recommendation (no deadline), moves only what a drain moves; batch and do-not-disrupt copies finish where they are', () => {
    const s = snapshot({ jobs: [svc, batch, pinned], tasks: tasksOn('spot'), nodes: [reclaimed('spot', rebalance), node('room', 'm5.2xlarge')] });
    const p = plan(s, NOW, policy());
    expect(p.assignments.filter((a) => a.create).map((a) => a.create!.replaces)).toEqual(['svc-0']);
  });

  it('is never abandoned when the replacements fit nowhere: the node stays DRAINING, the copies wait PENDING and scale-up launches for them', () => {
    const s = snapshot({ jobs: [svc, batch], tasks: [running('svc-0', 'svc', 'spot'), running('batch-0', 'batch', 'spot')], nodes: [reclaimed('spot', interruption)] });
    const p = plan(s, NOW, policy());
    expect(p.nodeUpdates.find((u) => u.nodeId === 'spot')?.to).toBeUndefined();
    const waiting = (p.creates ?? []).map((c) => [c.replaces, c.status]);
    expect(waiting.sort()).toEqual([
      ['batch-0', 'PENDING'],
      ['svc-0', 'PENDING'],
    ]);
    for (const c of p.creates ?? []) expect(c.reason).toMatch(/waiting for a new /);
    const launchedFor = p.launches.flatMap((l) => l.forTasks).sort();
    expect(launchedFor).toEqual((p.creates ?? []).map((c) => c.id).sort());
    // The service is on-demand by default and the batch copy may use Spot: one launch of each kind.
    expect(p.launches.map((l) => l.capacityType ?? 'on-demand').sort()).toEqual(['on-demand', 'spot']);
  });

  it('keeps draining with scale-up off and no room: it is not set back ACTIVE', () => {
    const s = snapshot({ jobs: [svc], tasks: [running('svc-0', 'svc', 'spot')], nodes: [reclaimed('spot', interruption)] });
    const p = plan(s, NOW, policy({ scaleUp: { enabled: false } }));
    expect(p.nodeUpdates.filter((u) => u.to === 'ACTIVE')).toEqual([]);
    expect((p.creates ?? []).map((c) => c.replaces)).toEqual(['svc-0']);
  });

  it('moves a node that got a notice while ACTIVE to DRAINING, and starts its replacements in the same pass', () => {
    const s = snapshot({ jobs: [svc], tasks: [running('svc-0', 'svc', 'spot')], nodes: [reclaimed('spot', interruption, { state: 'ACTIVE' }), node('room', 'm5.xlarge')] });
    const p = plan(s, NOW, policy());
    expect(p.nodeUpdates.find((u) => u.nodeId === 'spot')).toMatchObject({ from: 'ACTIVE', to: 'DRAINING' });
    expect(p.assignments.find((a) => a.create?.replaces === 'svc-0')?.nodeId).toBe('room');
  });

  it('is never a target for copies: neither new work nor a consolidation move lands on it', () => {
    const fresh = job('fresh', { resources: res(100, 128) });
    const s = snapshot({ jobs: [svc, fresh], tasks: [running('svc-0', 'svc', 'spot'), { ...running('fresh-0', 'fresh', 'x'), status: 'PENDING', nodeId: undefined }], nodes: [reclaimed('spot', interruption), node('room', 'm5.xlarge')] });
    const p = plan(s, NOW, policy());
    expect(p.assignments.map((a) => a.nodeId)).not.toContain('spot');
  });

  it('is gone at its deadline: the pass marks it LOST, the original stops where its replacement exists, and what had none is placed again', () => {
    const s = snapshot({
      jobs: [svc, batch],
      tasks: [running('svc-0', 'svc', 'spot'), running('batch-0', 'batch', 'spot'), running('svc.0.g2', 'svc', 'room', { generation: 2, replaces: 'svc-0' })],
      nodes: [reclaimed('spot', interruption, { lastHeartbeatAt: NOW + 100 * SECOND }), node('room', 'm5.xlarge', { lastHeartbeatAt: NOW + 100 * SECOND })],
    });
    const at = interruption.deadline!;
    const p = plan(s, at, policy());
    expect(p.nodeUpdates.find((u) => u.nodeId === 'spot')).toMatchObject({ to: 'LOST' });
    expect(p.nodeUpdates.find((u) => u.nodeId === 'spot')!.reason).toMatch(/^reclaimed by the cloud at /);
    expect(p.taskUpdates.find((u) => u.taskId === 'svc-0')).toMatchObject({ to: 'STOPPED' });
    expect(p.assignments.find((a) => a.taskId === 'batch-0')).toMatchObject({ nodeId: 'room', releaseFrom: 'spot' });
  });

  it('asks for a pass at its deadline, so the loss is acted on when it happens', () => {
    const s = snapshot({ jobs: [svc], tasks: [running('svc-0', 'svc', 'spot')], nodes: [reclaimed('spot', interruption)] });
    const p = plan(s, NOW, policy({ scaleUp: { enabled: false } }));
    const settled = applyPlan(s, p);
    const q = plan(settled, NOW + SECOND, policy({ scaleUp: { enabled: false } }));
    const quiet = { ...q, assignments: [], taskUpdates: [], creates: [], jobUpdates: [], unplaced: [] };
    expect(followUpOf(new SnapshotIndex(settled), quiet, NOW + SECOND, policy({ heartbeatTimeoutMs: 10 * 60 * SECOND }))).toEqual({ at: interruption.deadline, reason: 'interruption deadline of spot' });
  });
});

describe('a batch copy restarted ahead of an interruption', () => {
  const nodes = [reclaimed('spot', interruption), node('room', 'm5.xlarge')];
  const original = running('batch-0', 'batch', 'spot');
  const twin = (overrides = {}) => running('batch.0.g2', 'batch', 'room', { generation: 2, replaces: 'batch-0', ...overrides });

  it('ends the original when its replacement completed first, so the slot runs once', () => {
    const s = snapshot({ jobs: [batch], tasks: [original, twin({ status: 'COMPLETED', exitCode: 0, finishedAt: NOW - SECOND })], nodes });
    const p = plan(s, NOW, policy());
    expect(p.taskUpdates.find((u) => u.taskId === 'batch-0')).toMatchObject({ to: 'STOPPED' });
    expect(p.assignments).toEqual([]);
    expect(p.creates ?? []).toEqual([]);
  });

  it('ends the replacement, running or still waiting, when the original completed first', () => {
    const done = { ...original, status: 'COMPLETED' as const, exitCode: 0, finishedAt: NOW - SECOND };
    for (const copy of [twin(), twin({ status: 'PENDING', nodeId: undefined })]) {
      const p = plan(snapshot({ jobs: [batch], tasks: [done, copy], nodes }), NOW, policy());
      expect(p.taskUpdates.find((u) => u.taskId === 'batch.0.g2')).toMatchObject({ to: 'STOPPED' });
      expect(p.assignments).toEqual([]);
    }
  });

  it("leaves a deployment's copy of the next version running when the old version's copy completed: it is not the same work", () => {
    const done = { ...original, status: 'COMPLETED' as const, exitCode: 0, finishedAt: NOW - SECOND, version: 1 };
    const v2 = twin({ version: 2 });
    const p = plan(snapshot({ jobs: [{ ...batch, version: 2 }], tasks: [done, v2], nodes }), NOW, policy());
    expect(p.taskUpdates.find((u) => u.taskId === 'batch.0.g2')).toBeUndefined();
  });

  it('is not placed again when its node is gone at the deadline if its replacement completed', () => {
    const s = snapshot({ jobs: [batch], tasks: [original, twin({ status: 'COMPLETED', exitCode: 0, finishedAt: NOW })], nodes });
    const p = plan(s, interruption.deadline!, policy());
    expect(p.taskUpdates.find((u) => u.taskId === 'batch-0')).toMatchObject({ to: 'STOPPED' });
    expect(p.assignments).toEqual([]);
  });
});

describe('consolidation and Spot nodes', () => {
  // A large node holding one small service copy that fits no other node: it needs a replacement.
  const web = job('web', { capacity: 'spot-or-on-demand' });
  // A second node, full, so the fleet may shrink by one and nothing fits there.
  const filler = job('filler', { resources: res(2000, 8192), doNotDisrupt: true });
  const lone = (n: Node) =>
    snapshot({ jobs: [web, filler], tasks: [running('web-0', 'web', n.id), running('filler-0', 'filler', 'full', { resources: res(2000, 8192) })], nodes: [n, node('full', 'm6g.large')] });
  const karpenter = policy({ scaleUp: { provisioner: 'karpenter' }, consolidation: { mode: 'karpenter', disruptionBudgetPercent: 100, underutilizedForMs: 0 } });

  it('replaces an On-Demand node by a cheaper Spot one when its copies accept Spot', () => {
    const p = plan(lone(node('big', 'm5.4xlarge')), NOW, policy());
    expect(p.consolidations).toEqual([expect.objectContaining({ nodeId: 'big', action: 'replace' })]);
    expect(p.launches).toHaveLength(1);
    expect(p.launches[0].capacityType).toBe('spot');
    expect(p.launches[0].pricePerHour).toBeLessThan(node('big', 'm5.4xlarge').pricePerHour);
  });

  it('keeps a Spot node rather than swap it for another Spot node (Stowage and karpenter-like alike)', () => {
    const spot = node('big', 'm5.4xlarge', { capacityType: 'spot', pricePerHour: 0.3 });
    for (const pol of [policy(), karpenter]) {
      const marked = plan(lone({ ...spot, underutilizedSince: NOW - 60 * SECOND }), NOW, pol);
      expect(marked.launches).toEqual([]);
      expect(marked.consolidations).toEqual([]);
    }
  });

  it('still deletes a Spot node whose copies fit elsewhere', () => {
    const spot = node('spot', 'm7g.xlarge', { capacityType: 'spot', pricePerHour: 0.07 });
    const s = snapshot({ jobs: [web], tasks: [running('web-0', 'web', 'spot')], nodes: [spot, node('od', 'm5.2xlarge', { capacityType: undefined })] });
    const p = plan(s, NOW, policy());
    expect(p.consolidations).toEqual([expect.objectContaining({ nodeId: 'spot', action: 'delete' })]);
  });
});
