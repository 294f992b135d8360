import { InMemoryState } from '../../../control/fakes/in-memory-state-store';
import type { Job, Node, Task } from '../../../core/model';
import { plan } from '../../../core/pass/plan';
import type { Plan } from '../../../core/pass/plan-types';
import { PolicyError } from '../../../core/errors';
import { validatePolicy } from '../../../core/policy';
import { job, MINUTE, node, NOW, policy, running, SECOND, task, updateOf } from '../fixtures';

const HTTP = { name: 'http', containerPort: 80, protocol: 'tcp' as const };
const CHECK = { http: { port: 'http', path: '/health' }, intervalSeconds: 5, timeoutSeconds: 2, retries: 3, startPeriodSeconds: 0 };
const exposed = (id: string, over: Partial<Job> = {}): Job => job(id, { ports: [HTTP], expose: { port: 'http', path: `/${id}/*` }, ...over });
const at = (hostPort: number) => [{ port: 'http', containerPort: 80, hostPort }];
const addressed = (id: string, over: Partial<Node> = {}): Node => node(id, 'm5.large', { address: `10.0.0.${id.length}`, ...over });

/** A store holding the world, so each pass plans from what the last one committed (the fake applies the stores' rules). */
function world(jobs: Job[], tasks: Task[], nodes: Node[]) {
  const state = new InMemoryState();
  for (const j of jobs) state.jobs.set(j.id, j);
  for (const n of nodes) state.nodes.set(n.id, { ...n, allocated: { cpu: 0, memoryMiB: 0 } });
  for (const t of tasks) state.tasks.set(t.id, t);
  const pass = (now: number, p = policy()): Plan => {
    // Agents keep reporting, so no node goes silent unless a test says so.
    for (const n of state.nodes.values()) if (n.lastHeartbeatAt !== undefined && n.state !== 'LOST') state.nodes.set(n.id, { ...n, lastHeartbeatAt: now - SECOND });
    const result = plan(state.snapshot(), now, p);
    state.applyPlan(result);
    return result;
  };
  return { state, pass };
}

describe('graceful stops', () => {
  it('validates deregistrationDelayMs', () => {
    expect(() => validatePolicy(policy({ deregistrationDelayMs: -1 }))).toThrow(PolicyError);
    expect(() => validatePolicy(policy({ deregistrationDelayMs: 4_000_000 }))).toThrow(/deregistrationDelayMs/);
    expect(() => validatePolicy(policy({ deregistrationDelayMs: 0 }))).not.toThrow();
    expect(policy().deregistrationDelayMs).toBe(15_000);
  });

  describe('stopping an exposed job', () => {
    const web = exposed('web', { stopRequestedAt: NOW - SECOND });

    it('marks a serving copy for deregistration, keeps it running through the delay, then stops it releasing its node', () => {
      const { state, pass } = world([web], [running('web-0', 'web', 'n1', { endpoints: at(32768) })], [addressed('n1')]);
      const first = pass(NOW);
      expect(updateOf(first, 'web-0')).toEqual({ taskId: 'web-0', from: 'RUNNING', generation: 1, to: 'RUNNING', stopAt: NOW + 15_000, reason: expect.stringContaining('job stopped') });
      expect(state.tasks.get('web-0')).toMatchObject({ status: 'RUNNING', nodeId: 'n1', stopAt: NOW + 15_000 });

      const during = pass(NOW + 10 * SECOND);
      expect(updateOf(during, 'web-0')).toBeUndefined();
      expect(state.tasks.get('web-0')!.status).toBe('RUNNING');

      const after = pass(NOW + 15 * SECOND);
      expect(updateOf(after, 'web-0')).toMatchObject({ from: 'RUNNING', to: 'STOPPED', reason: 'job stopped', releaseFrom: 'n1' });
      expect(state.tasks.get('web-0')).toMatchObject({ status: 'STOPPED', nodeId: undefined, stopAt: undefined });
    });

    it('honours the policy delay', () => {
      const { pass } = world([web], [running('web-0', 'web', 'n1', { endpoints: at(32768) })], [addressed('n1')]);
      expect(updateOf(pass(NOW, policy({ deregistrationDelayMs: 2_000 })), 'web-0')?.stopAt).toBe(NOW + 2_000);
    });

    it('stops at once a copy that is not serving: not healthy yet, no endpoint, or on a node without an address', () => {
      const checked = exposed('web', { stopRequestedAt: NOW - SECOND, healthCheck: CHECK });
      const { pass } = world(
        [checked],
        [
          running('web-0', 'web', 'n1', { slot: 0, endpoints: at(32768), health: 'starting' }),
          running('web-1', 'web', 'n1', { slot: 1 }),
          running('web-2', 'web', 'bare', { slot: 2, endpoints: at(32769), health: 'healthy' }),
        ],
        [addressed('n1'), node('bare')],
      );
      const p = pass(NOW);
      for (const id of ['web-0', 'web-1', 'web-2']) expect(updateOf(p, id)).toMatchObject({ to: 'STOPPED', reason: 'job stopped' });
    });

    it('stops at once the copies on a node that died, marked or not', () => {
      const dead = addressed('dead', { lastHeartbeatAt: NOW - 10 * MINUTE });
      const { state } = world(
        [web],
        [running('web-0', 'web', 'dead', { slot: 0, endpoints: at(32768) }), running('web-1', 'web', 'dead', { slot: 1, endpoints: at(32769), stopAt: NOW + 5 * SECOND })],
        [dead],
      );
      const p = plan(state.snapshot(), NOW, policy());
      expect(updateOf(p, 'web-0')).toMatchObject({ to: 'STOPPED', releaseFrom: 'dead' });
      expect(updateOf(p, 'web-1')).toMatchObject({ to: 'STOPPED', releaseFrom: 'dead' });
    });

    it('leaves a job that is not exposed as it always was: stopped at once', () => {
      const plain = job('plain', { stopRequestedAt: NOW - SECOND, ports: [HTTP] });
      const { pass } = world([plain], [running('plain-0', 'plain', 'n1', { endpoints: at(32768) })], [addressed('n1')]);
      expect(updateOf(pass(NOW), 'plain-0')).toEqual({ taskId: 'plain-0', from: 'RUNNING', generation: 1, to: 'STOPPED', reason: 'job stopped', releaseFrom: 'n1' });
    });
  });

  it('re-places a live job\'s marked copy whose node died, without the mark', () => {
    const web = exposed('web');
    const { state, pass } = world([web], [running('web-0', 'web', 'old', { endpoints: at(32768), stopAt: NOW + 5 * SECOND, health: 'unhealthy' })], [addressed('old'), addressed('fresh')]);
    state.nodes.set('old', { ...state.nodes.get('old')!, lastHeartbeatAt: NOW - 10 * MINUTE, state: 'LOST' });
    const p = pass(NOW);
    expect(p.assignments.find((a) => a.taskId === 'web-0')?.nodeId).toBe('fresh');
    expect(state.tasks.get('web-0')).toMatchObject({ status: 'ASSIGNED', nodeId: 'fresh', stopAt: undefined });
  });

  describe('make-before-break drains of an exposed job', () => {
    const web = exposed('web', { healthCheck: CHECK });
    const original = running('web-0', 'web', 'old', { endpoints: at(32768), health: 'healthy' });
    const replacement = (health: Task['health']) => running('web.0.g2', 'web', 'new', { generation: 2, replaces: 'web-0', endpoints: at(32770), health });

    it('waits while the replacement runs but does not serve yet', () => {
      const { pass } = world([web], [original, replacement('starting')], [addressed('old', { state: 'DRAINING' }), addressed('new')]);
      const p = pass(NOW);
      expect(updateOf(p, 'web-0')).toBeUndefined();
      expect(p.nodeUpdates.find((u) => u.nodeId === 'old')?.to).toBeUndefined();
    });

    it('once it serves: marks the old copy, stops it after the delay, then terminates the node', () => {
      const { state, pass } = world([web], [original, replacement('healthy')], [addressed('old', { state: 'DRAINING' }), addressed('new')]);
      const marked = pass(NOW);
      expect(updateOf(marked, 'web-0')).toMatchObject({ to: 'RUNNING', stopAt: NOW + 15_000, reason: expect.stringContaining('replaced by web.0.g2') });
      expect(marked.terminations).toEqual([]);

      const waiting = pass(NOW + 5 * SECOND);
      expect(updateOf(waiting, 'web-0')).toBeUndefined();
      expect(waiting.terminations).toEqual([]);

      const stopped = pass(NOW + 15 * SECOND);
      expect(updateOf(stopped, 'web-0')).toMatchObject({ to: 'STOPPED', releaseFrom: 'old', reason: 'replaced by web.0.g2 on new' });
      expect(state.tasks.get('web-0')!.status).toBe('STOPPED');

      const done = pass(NOW + 16 * SECOND);
      expect(done.terminations.map((t) => t.nodeId)).toEqual(['old']);
      expect(state.tasks.get('web.0.g2')!.status).toBe('RUNNING');
    });

    it('for a job that is not exposed: stops the old copy as soon as the replacement RUNS', () => {
      const plain = job('plain', { healthCheck: CHECK });
      const { pass } = world(
        [plain],
        [running('plain-0', 'plain', 'old'), running('plain.0.g2', 'plain', 'new', { generation: 2, replaces: 'plain-0', health: 'starting' })],
        [addressed('old', { state: 'DRAINING' }), addressed('new')],
      );
      const p = pass(NOW);
      expect(updateOf(p, 'plain-0')).toMatchObject({ to: 'STOPPED', releaseFrom: 'old' });
      expect(p.terminations.map((t) => t.nodeId)).toEqual(['old']);
    });
  });

  describe('an unhealthy copy', () => {
    const web = exposed('web', { healthCheck: CHECK });

    it('is deregistered, then FAILED naming its health check, then restarted by its restart policy with back-off', () => {
      const { state, pass } = world([web], [running('web-0', 'web', 'n1', { endpoints: at(32768), health: 'unhealthy' })], [addressed('n1')]);
      const marked = pass(NOW);
      expect(updateOf(marked, 'web-0')).toMatchObject({ to: 'RUNNING', stopAt: NOW + 15_000 });

      const failed = pass(NOW + 15 * SECOND);
      expect(updateOf(failed, 'web-0')).toMatchObject({ to: 'FAILED', releaseFrom: 'n1' });
      const t = state.tasks.get('web-0')!;
      expect(t).toMatchObject({ status: 'FAILED', finishedAt: NOW + 15 * SECOND, stopAt: undefined, nodeId: undefined });
      expect(t.reason).toMatch(/unhealthy: the http health check on port http path \/health \(3 retries\)/);

      const restarted = pass(NOW + 16 * SECOND);
      // DEFAULT_SERVICE_RESTART: 1 s initial back-off, counted from when the copy ended.
      expect(updateOf(restarted, 'web-0')).toMatchObject({ from: 'FAILED', to: 'PENDING', restarts: 1, notBefore: NOW + 16 * SECOND });
      expect(updateOf(restarted, 'web-0')!.reason).toMatch(/unhealthy.*restart 1 after 1000 ms back-off/);
    });

    it('fails at once when it is not reachable through the load balancer, or its job is not exposed', () => {
      const plain = job('plain', { healthCheck: CHECK });
      const { pass } = world(
        [web, plain],
        [running('web-0', 'web', 'n1', { health: 'unhealthy' }), running('plain-0', 'plain', 'n1', { endpoints: at(32768), health: 'unhealthy' })],
        [addressed('n1')],
      );
      const p = pass(NOW);
      expect(updateOf(p, 'web-0')).toMatchObject({ to: 'FAILED', releaseFrom: 'n1' });
      expect(updateOf(p, 'plain-0')).toMatchObject({ to: 'FAILED', releaseFrom: 'n1' });
    });
  });

  it('places the pending copies of an exposed job as any other', () => {
    const web = exposed('web');
    const { pass } = world([web], [task('web-0', 'web')], [addressed('n1')]);
    expect(pass(NOW).assignments.map((a) => a.taskId)).toEqual(['web-0']);
  });
});
