import { plan } from '../../../core/pass/plan';
import { validatePolicy } from '../../../core/policy';
import { instanceType, job, launching, MINUTE, node, NOW, policy, running, SECOND, snapshot, task } from '../fixtures';

const P = policy({ heartbeatTimeoutMs: 30 * SECOND, launchTimeoutMs: 10 * MINUTE });
const web = job('web', { count: 1 });

describe('plan: the follow-up a pass asks for', () => {
  it('asks for nothing when no node, copy or job waits on the clock', () => {
    expect(plan(snapshot({}), NOW, P).followUp).toBeUndefined();
  });

  it('on a settled fleet, is the earliest heartbeat deadline: a silent node is found within the timeout, not at the next schedule', () => {
    const nodes = [node('a', 'm5.large', { lastHeartbeatAt: NOW - 5 * SECOND }), node('b', 'm5.large', { lastHeartbeatAt: NOW - 12 * SECOND })];
    // Consolidation off: it would merge these two half-empty nodes, which is a move.
    const settled = policy({ heartbeatTimeoutMs: 30 * SECOND, consolidation: { mode: 'off' } });
    const p = plan(snapshot({ jobs: [web, job('api')], tasks: [running('web-0', 'web', 'a'), running('api-0', 'api', 'b')], nodes }), NOW, settled);
    expect(p.assignments).toEqual([]);
    expect(p.followUp).toEqual({ at: NOW - 12 * SECOND + 30 * SECOND + 1, reason: 'heartbeat deadline of b' });
  });

  it('watches a launching node by its launch deadline', () => {
    // Consolidation off: its windows (the node's minimum age) would come first.
    const p = plan(snapshot({ nodes: [launching('new', 'm5.large', 2 * MINUTE)] }), NOW, policy({ launchTimeoutMs: 10 * MINUTE, consolidation: { mode: 'off' } }));
    expect(p.followUp).toEqual({ at: NOW - 2 * MINUTE + 10 * MINUTE + 1, reason: 'launch deadline of new' });
  });

  it('does not watch a node the same pass declared lost', () => {
    const dead = node('dead', 'm5.large', { lastHeartbeatAt: NOW - 2 * MINUTE });
    const p = plan(snapshot({ nodes: [dead, node('a', 'm5.large', { lastHeartbeatAt: NOW - 1 * SECOND })] }), NOW, P);
    expect(p.nodeUpdates).toContainEqual(expect.objectContaining({ nodeId: 'dead', to: 'LOST' }));
    expect(p.followUp).toEqual({ at: NOW - 1 * SECOND + 30 * SECOND + 1, reason: 'heartbeat deadline of a' });
  });

  it('wakes when a restart back-off ends, so a crashed copy is placed again on time', () => {
    const backingOff = task('web-0', 'web', { status: 'PENDING', notBefore: NOW + 4 * SECOND, restarts: 2 });
    const p = plan(snapshot({ jobs: [web], tasks: [backingOff], nodes: [node('a')] }), NOW, P);
    expect(p.assignments).toEqual([]);
    expect(p.followUp).toEqual({ at: NOW + 4 * SECOND, reason: 'back-off of web-0' });
  });

  it('wakes at a deregistered copy\'s stop time', () => {
    const draining = running('web-0', 'web', 'a', { stopAt: NOW + 3 * SECOND });
    const p = plan(snapshot({ jobs: [job('web', { count: 0 })], tasks: [draining], nodes: [node('a')] }), NOW, P);
    expect(p.followUp?.reason).toBe('graceful stop of web-0');
    expect(p.followUp?.at).toBe(NOW + 3 * SECOND);
  });

  it('wakes when an empty node\'s grace ends, so it is handed back on time', () => {
    const empty = node('empty', 'm5.large', { emptySince: NOW - 100 * SECOND });
    // Not to be moved, so the only thing waiting is the empty node's grace.
    const pinned = job('web', { doNotDisrupt: true });
    const p = plan(snapshot({ jobs: [pinned], tasks: [running('web-0', 'web', 'a')], nodes: [node('a'), empty] }), NOW, P);
    expect(p.terminations).toEqual([]);
    expect(p.followUp).toEqual({ at: NOW - 100 * SECOND + P.consolidation.emptyGraceMs, reason: 'empty grace of empty' });
  });

  it('looks again one follow-up interval later while a deployment is in flight', () => {
    const deploying = job('web', { version: 2, deployment: { id: 2, fromVersion: 1, toVersion: 2, status: 'RUNNING', startedAt: NOW - 20 * SECOND } });
    const tasks = [running('web-0', 'web', 'a', { version: 1 })];
    const p = plan(snapshot({ jobs: [deploying], tasks, nodes: [node('a')] }), NOW, policy({ followUpMs: 4 * SECOND }));
    expect(p.followUp?.at).toBe(NOW + 4 * SECOND);
  });

  it('looks again soon after a pass that moved copies, whatever no node writes next', () => {
    const p = plan(snapshot({ jobs: [web], tasks: [task('web-0', 'web')], nodes: [node('a')] }), NOW, P);
    expect(p.assignments).toHaveLength(1);
    expect(p.followUp).toEqual({ at: NOW + 10 * SECOND, reason: 'this pass moved 1 copies or jobs on' });
  });

  it('is never sooner than a second away, so a deadline already due cannot spin passes', () => {
    const backingOff = task('web-0', 'web', { status: 'PENDING', notBefore: NOW + 200, restarts: 1 });
    const p = plan(snapshot({ jobs: [web], tasks: [backingOff], nodes: [node('a')] }), NOW, P);
    expect(p.followUp).toEqual({ at: NOW + SECOND, reason: 'back-off of web-0' });
  });
});

describe('policy: followUpMs', () => {
  it('refuses an interval outside a second to fifteen minutes, naming the field', () => {
    expect(() => validatePolicy(policy({ followUpMs: 500 }))).toThrow(/followUpMs.*\[1000, 900000\].*500/);
    expect(() => validatePolicy(policy({ followUpMs: 900_001 }))).toThrow(/followUpMs/);
    expect(() => validatePolicy(policy({ followUpMs: 2_000 }))).not.toThrow();
  });
});

describe('plan: the follow-up while work waits for a launch', () => {
  const big = job('big', { resources: { cpu: 60_000, memoryMiB: 1024 } });
  const waiting = task('big-0', 'big', { resources: { cpu: 60_000, memoryMiB: 1024 } });

  it('wakes when the refusal that keeps it waiting expires', () => {
    const only = policy({ heartbeatTimeoutMs: 30 * SECOND, scaleUp: { instanceTypes: [instanceType('m5.16xlarge')], zones: ['us-east-1a'] } });
    const refused = { kind: 'offering' as const, instanceType: 'm5.16xlarge', zone: 'us-east-1a', capacityType: 'on-demand' as const, reason: 'insufficient-capacity' as const, until: NOW + 7 * SECOND };
    const p = plan({ ...snapshot({ jobs: [big], tasks: [waiting], nodes: [node('a')] }), unavailable: [refused] }, NOW, only);
    expect(p.launches).toEqual([]);
    expect(p.followUp).toEqual({ at: NOW + 7 * SECOND, reason: 'refusal of m5.16xlarge in us-east-1a expires' });
  });
});

describe('plan: the follow-up never spins on a clock already past', () => {
  it('an empty node kept for minNodes past its grace asks for nothing but the heartbeat deadline', () => {
    const kept = node('kept', 'm5.large', { emptySince: NOW - 30 * MINUTE, lastHeartbeatAt: NOW - 2 * SECOND });
    const p = plan(snapshot({ nodes: [kept] }), NOW, policy({ heartbeatTimeoutMs: 30 * SECOND, consolidation: { minNodes: 1 } }));
    expect(p.terminations).toEqual([]);
    expect(p.followUp).toEqual({ at: NOW - 2 * SECOND + 30 * SECOND + 1, reason: 'heartbeat deadline of kept' });
  });

  it('wakes when the fleet has been quiet long enough to consolidate, and when a young node comes of age', () => {
    const young = node('young', 'm5.large', { launchedAt: NOW - 4 * MINUTE, lastHeartbeatAt: NOW - 1 * SECOND });
    const quiet = policy({ heartbeatTimeoutMs: 10 * MINUTE, consolidation: { stableForMs: 10 * MINUTE, nodeMinAgeMs: 5 * MINUTE } });
    const p = plan(snapshot({ jobs: [web], tasks: [running('web-0', 'web', 'young', { createdAt: NOW - 4 * MINUTE })], nodes: [young] }), NOW, quiet);
    expect(p.followUp).toEqual({ at: NOW + MINUTE, reason: 'young old enough to consolidate' });
  });
});
