import { deathReason } from '../../../core/pass/liveness';
import { plan } from '../../../core/pass/plan';
import { assignmentOf, job, launching, node, nodeUpdateOf, NOW, policy, running, SECOND, snapshot, task, unplacedReason, updateOf, MINUTE } from '../fixtures';

const P = policy({ heartbeatTimeoutMs: 30 * SECOND, launchTimeoutMs: 10 * MINUTE });

describe('deathReason', () => {
  it('is null for a node that reported within the heartbeat timeout, up to the boundary', () => {
    expect(deathReason(node('n', 'm5.large', { lastHeartbeatAt: NOW - 5 * SECOND }), NOW, P)).toBeNull();
    expect(deathReason(node('n', 'm5.large', { lastHeartbeatAt: NOW - 30 * SECOND }), NOW, P)).toBeNull();
  });

  it('names the silence and the timeout once a node is silent past it', () => {
    expect(deathReason(node('n', 'm5.large', { lastHeartbeatAt: NOW - 30 * SECOND - 1 }), NOW, P)).toBe('silent for 30 s (heartbeat timeout 30 s)');
    expect(deathReason(node('n', 'm5.large', { lastHeartbeatAt: NOW - 95 * SECOND }), NOW, P)).toBe('silent for 95 s (heartbeat timeout 30 s)');
  });

  it('judges a DRAINING node by its heartbeat too', () => {
    expect(deathReason(node('n', 'm5.large', { state: 'DRAINING', lastHeartbeatAt: NOW - MINUTE }), NOW, P)).toMatch(/^silent for 60 s/);
  });

  it('judges a node that never reported by its launch timeout', () => {
    expect(deathReason(launching('n', 'm5.large', 10 * MINUTE), NOW, P)).toBeNull();
    expect(deathReason(launching('n', 'm5.large', 11 * MINUTE), NOW, P)).toBe('no heartbeat 660 s after launch (launch timeout 600 s)');
  });

  it('never reports a node that is already LOST or TERMINATING', () => {
    expect(deathReason(node('n', 'm5.large', { state: 'LOST', lastHeartbeatAt: NOW - 60 * MINUTE }), NOW, P)).toBeNull();
    expect(deathReason(node('n', 'm5.large', { state: 'TERMINATING', lastHeartbeatAt: NOW - 60 * MINUTE }), NOW, P)).toBeNull();
  });
});

describe('plan: node loss', () => {
  const web = job('web', { count: 2 });
  const dead = node('dead', 'm5.large', { lastHeartbeatAt: NOW - 2 * MINUTE, launchedAt: NOW - 3 * 60 * MINUTE });
  const alive = node('alive', 'm5.xlarge');
  const onDead = [running('web-0', 'web', 'dead', { slot: 0, generation: 3 }), running('web-1', 'web', 'dead', { slot: 1, generation: 1, status: 'STARTING' })];

  it('marks a node silent past the heartbeat timeout LOST and terminates it', () => {
    const p = plan(snapshot({ jobs: [web], tasks: onDead, nodes: [dead, alive] }), NOW, P);
    expect(nodeUpdateOf(p, 'dead')).toMatchObject({ from: 'ACTIVE', to: 'LOST', reason: 'silent for 120 s (heartbeat timeout 30 s)' });
    expect(p.terminations).toEqual([{ nodeId: 'dead', reason: 'lost: silent for 120 s (heartbeat timeout 30 s)' }]);
  });

  it("assigns the lost node's running copies to another node in the same plan, releasing the dead node and raising the generation", () => {
    const p = plan(snapshot({ jobs: [web], tasks: onDead, nodes: [dead, alive] }), NOW, P);
    expect(assignmentOf(p, 'web-0')).toMatchObject({ nodeId: 'alive', from: 'RUNNING', releaseFrom: 'dead', generation: 4 });
    expect(assignmentOf(p, 'web-1')).toMatchObject({ nodeId: 'alive', from: 'STARTING', releaseFrom: 'dead', generation: 2 });
    expect(p.launches).toEqual([]);
  });

  it('marks a LAUNCHING node past its launch timeout LOST and places its tasks elsewhere', () => {
    const stuck = launching('stuck', 'm5.large', 11 * MINUTE);
    const tasks = [task('web-0', 'web', { status: 'ASSIGNED', nodeId: 'stuck' })];
    const p = plan(snapshot({ jobs: [web], tasks, nodes: [stuck, alive] }), NOW, P);
    expect(nodeUpdateOf(p, 'stuck')).toMatchObject({ from: 'LAUNCHING', to: 'LOST' });
    expect(p.terminations.map((t) => t.nodeId)).toEqual(['stuck']);
    expect(assignmentOf(p, 'web-0')).toMatchObject({ nodeId: 'alive', from: 'ASSIGNED', releaseFrom: 'stuck', generation: 2 });
  });

  it('leaves a node within its timeouts untouched', () => {
    const quiet = node('quiet', 'm5.large', { lastHeartbeatAt: NOW - 29 * SECOND });
    const young = launching('young', 'm5.large', 9 * MINUTE);
    const tasks = [running('web-0', 'web', 'quiet'), task('web-1', 'web', { slot: 1, status: 'ASSIGNED', nodeId: 'young' })];
    const p = plan(snapshot({ jobs: [web], tasks, nodes: [quiet, young] }), NOW, P);
    expect(p.nodeUpdates.filter((u) => u.to !== undefined)).toEqual([]);
    expect(p.terminations).toEqual([]);
    expect(p.assignments).toEqual([]);
    expect(p.taskUpdates).toEqual([]);
  });

  it('re-places copies still recorded on a node that was already LOST', () => {
    const gone = node('gone', 'm5.large', { state: 'LOST', lastHeartbeatAt: NOW - 60 * MINUTE });
    const p = plan(snapshot({ jobs: [web], tasks: [running('web-0', 'web', 'gone')], nodes: [gone, alive] }), NOW, P);
    expect(assignmentOf(p, 'web-0')).toMatchObject({ nodeId: 'alive', releaseFrom: 'gone' });
    // Already LOST: no second state change.
    expect(nodeUpdateOf(p, 'gone')?.to).toBeUndefined();
  });

  it('re-places copies still recorded on a TERMINATING node', () => {
    // Reachable when two passes race: one sees the node empty and terminates it, the
    // other has just placed a copy there. The instance is going away; the copy must not
    // be stranded on it (and a TERMINATING node is never judged by its heartbeat).
    const dying = node('dying', 'm5.large', { state: 'TERMINATING', lastHeartbeatAt: NOW - 60 * MINUTE });
    const p = plan(snapshot({ jobs: [web], tasks: [running('web-0', 'web', 'dying')], nodes: [dying, alive] }), NOW, P);
    expect(assignmentOf(p, 'web-0')).toMatchObject({ nodeId: 'alive', releaseFrom: 'dying' });
  });

  it('re-places copies on a node that no longer exists', () => {
    const p = plan(snapshot({ jobs: [web], tasks: [running('web-0', 'web', 'vanished')], nodes: [alive] }), NOW, P);
    expect(assignmentOf(p, 'web-0')).toMatchObject({ nodeId: 'alive', releaseFrom: 'vanished' });
  });

  it('marks a lost copy LOST, releasing the dead node, when no node has room and the fleet is at its maximum', () => {
    const full = node('full', 'm5.large');
    const filler = running('big-0', 'big', 'full', { resources: full.capacity });
    const p = plan(snapshot({ jobs: [web, job('big')], tasks: [onDead[0], filler], nodes: [dead, full] }), NOW, policy({ scaleUp: { maxNodes: 1 } }));
    expect(updateOf(p, 'web-0')).toMatchObject({ from: 'RUNNING', to: 'LOST', releaseFrom: 'dead' });
    expect(updateOf(p, 'web-0')?.reason).toMatch(/^node dead lost: silent for 120 s .*maximum of 1 nodes/);
    expect(unplacedReason(p, 'web-0')).toMatch(/insufficient-cpu ×1.*maximum of 1 nodes/);
    expect(p.launches).toEqual([]);
  });

  it('marks a lost copy UNSCHEDULABLE, releasing the dead node, when no node could ever hold it', () => {
    const p = plan(snapshot({ jobs: [web], tasks: [onDead[0]], nodes: [dead] }), NOW, policy({ scaleUp: { enabled: false } }));
    expect(updateOf(p, 'web-0')).toMatchObject({ from: 'RUNNING', to: 'UNSCHEDULABLE', releaseFrom: 'dead' });
    expect(unplacedReason(p, 'web-0')).toMatch(/scale-up is disabled/);
  });

  it('stops a lost copy whose migration copy already carries its slot instead of placing it twice', () => {
    const draining = node('dead', 'm5.large', { state: 'DRAINING', lastHeartbeatAt: NOW - 2 * MINUTE });
    const tasks = [running('web-0', 'web', 'dead', { generation: 1 }), task('web.0.g2', 'web', { status: 'ASSIGNED', nodeId: 'alive', generation: 2, replaces: 'web-0' })];
    const p = plan(snapshot({ jobs: [web], tasks, nodes: [draining, alive] }), NOW, P);
    expect(updateOf(p, 'web-0')).toMatchObject({ from: 'RUNNING', to: 'STOPPED', releaseFrom: 'dead' });
    expect(updateOf(p, 'web-0')?.reason).toMatch(/web\.0\.g2 continues$/);
    expect(p.assignments).toEqual([]);
  });
});
