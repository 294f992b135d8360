import fc from 'fast-check';
import type { ContainerState } from '../../../core/agent/container';
import {
  reconcile,
  TOWARD_GONE,
  TOWARD_KEPT,
  type DesiredTask,
  type KnownContainer,
  type ReconcileAction,
} from '../../../core/agent/reconcile';

const SEED = Number(process.env.STOWAGE_PROP_SEED ?? 20261127);
const RUNS = Number(process.env.STOWAGE_PROP_RUNS ?? 500);

const STATES: readonly ContainerState[] = ['created', 'running', 'exited', 'dead', 'paused', 'restarting'];

function task(taskId: string, generation = 1): DesiredTask {
  return { taskId, jobId: `job-${taskId}`, generation, image: 'stowage/busybox:local', command: ['sleep', '60'], env: {}, resources: { cpu: 100, memoryMiB: 32 } };
}

function container(containerId: string, taskId: string, generation: number, state: ContainerState, extra: Partial<KnownContainer> = {}): KnownContainer {
  return { containerId, taskId, jobId: `job-${taskId}`, generation, state, ...extra };
}

const summary = (actions: ReconcileAction[]) =>
  actions.map((a) => {
    switch (a.kind) {
      case 'start':
        return `start ${a.task.taskId}@${a.task.generation}`;
      case 'stop':
      case 'remove':
        return `${a.kind} ${a.containerId} (${a.reason})`;
      case 'report':
        return `report ${a.containerId} ${a.state} ${a.exitCode ?? '-'}${a.oomKilled ? ' oom' : ''}`;
    }
  });

describe('reconcile', () => {
  it('gives a stop the job\'s grace, else the grace its container was made with, else none', () => {
    const stale = reconcile([{ ...task('a', 2), stopGraceSeconds: 45 }], [container('c1', 'a', 1, 'running', { stopGraceSeconds: 5 })]);
    expect(stale[0]).toEqual({ kind: 'stop', containerId: 'c1', taskId: 'a', reason: 'stale-generation', graceSeconds: 45 });
    const gone = reconcile([], [container('c2', 'b', 1, 'running', { stopGraceSeconds: 5 })]);
    expect(gone[0]).toEqual({ kind: 'stop', containerId: 'c2', taskId: 'b', reason: 'not-assigned', graceSeconds: 5 });
    expect(reconcile([], [container('c3', 'c', 1, 'running')])[0]).not.toHaveProperty('graceSeconds');
  });

  it('leaves an unhealthy running copy alone: the scheduler owns restarts, the heartbeat reports it', () => {
    expect(reconcile([task('a')], [container('c1', 'a', 1, 'running', { health: 'unhealthy' })])).toEqual([]);
  });

  it('does nothing when each desired task has its running copy', () => {
    expect(reconcile([task('a'), task('b', 3)], [container('c1', 'a', 1, 'running'), container('c2', 'b', 3, 'running')])).toEqual([]);
  });

  it('starts a desired task that has no container, in task id order', () => {
    expect(summary(reconcile([task('b'), task('a')], []))).toEqual(['start a@1', 'start b@1']);
  });

  it('stops and removes the copy of a task no longer assigned to the node', () => {
    expect(summary(reconcile([], [container('c1', 'a', 1, 'running')]))).toEqual(['stop c1 (not-assigned)', 'remove c1 (not-assigned)']);
  });

  it('only removes an unassigned copy that already exited (nothing to stop)', () => {
    expect(summary(reconcile([], [container('c1', 'a', 1, 'exited', { exitCode: 0 })]))).toEqual(['remove c1 (not-assigned)']);
  });

  it('stops a stale generation left by a partition and starts the current one', () => {
    const actions = reconcile([task('a', 5)], [container('old', 'a', 4, 'running')]);
    expect(summary(actions)).toEqual(['stop old (stale-generation)', 'remove old (stale-generation)', 'start a@5']);
  });

  it('stops a newer-than-desired generation too: only the generation the scheduler sent counts', () => {
    expect(summary(reconcile([task('a', 2)], [container('c', 'a', 3, 'running')]))).toEqual([
      'stop c (stale-generation)',
      'remove c (stale-generation)',
      'start a@2',
    ]);
  });

  it('keeps one of two running duplicates (the lowest container id) and never starts a third', () => {
    const known = [container('zz', 'a', 1, 'running'), container('aa', 'a', 1, 'running')];
    expect(summary(reconcile([task('a')], known))).toEqual(['stop zz (duplicate)', 'remove zz (duplicate)']);
    // The same input in another order gives the same answer.
    expect(reconcile([task('a')], [...known].reverse())).toEqual(reconcile([task('a')], known));
  });

  it('prefers a running duplicate over an exited one', () => {
    const known = [container('aa', 'a', 1, 'exited', { exitCode: 1 }), container('bb', 'a', 1, 'running')];
    expect(summary(reconcile([task('a')], known))).toEqual(['remove aa (duplicate)']);
  });

  it('reports an exited copy of a desired task with its code and OOM kill, and neither restarts nor removes it', () => {
    const actions = reconcile([task('a')], [container('c1', 'a', 1, 'exited', { exitCode: 137, oomKilled: true })]);
    expect(actions).toEqual([{ kind: 'report', containerId: 'c1', taskId: 'a', jobId: 'job-a', generation: 1, state: 'exited', exitCode: 137, oomKilled: true }]);
  });

  it('removes the exited copy once the scheduler no longer desires its task', () => {
    expect(summary(reconcile([], [container('c1', 'a', 1, 'exited', { exitCode: 3 })]))).toEqual(['remove c1 (not-assigned)']);
  });

  it('replaces a copy left created by an agent that died before starting it', () => {
    expect(summary(reconcile([task('a')], [container('c1', 'a', 1, 'created')]))).toEqual(['remove c1 (never-started)', 'start a@1']);
  });

  it('leaves a paused or restarting copy alone: it is still the one copy', () => {
    expect(reconcile([task('a'), task('b')], [container('c1', 'a', 1, 'paused'), container('c2', 'b', 1, 'restarting')])).toEqual([]);
  });

  it('orders stops, then removes, then starts, then reports', () => {
    const actions = reconcile(
      [task('a', 2), task('b'), task('c')],
      [container('x', 'a', 1, 'running'), container('y', 'gone', 1, 'exited'), container('z', 'c', 1, 'exited', { exitCode: 0 })],
    );
    expect(actions.map((a) => a.kind)).toEqual(['stop', 'remove', 'remove', 'start', 'start', 'report']);
  });

  it('has a transition for every state, toward kept and toward gone', () => {
    for (const s of STATES) {
      expect(TOWARD_KEPT[s].why).not.toHaveLength(0);
      expect(TOWARD_GONE[s].why).not.toHaveLength(0);
    }
    expect(TOWARD_GONE.running.call).toBe('stop');
    expect(TOWARD_GONE.exited.call).toBe('remove');
  });
});

/**
 * A model of the engine: applying the actions to the known containers. A stop makes the
 * container exited; a remove drops it; a start adds a running copy of the desired generation.
 */
function apply(known: readonly KnownContainer[], actions: readonly ReconcileAction[]): KnownContainer[] {
  let cs = [...known];
  let n = 0;
  for (const a of actions) {
    if (a.kind === 'stop') {
      const c = cs.find((x) => x.containerId === a.containerId);
      expect(c).toBeDefined();
      cs = cs.map((x) => (x.containerId === a.containerId ? { ...x, state: 'exited', exitCode: 143 } : x));
    } else if (a.kind === 'remove') {
      expect(cs.some((x) => x.containerId === a.containerId)).toBe(true);
      // Never remove a live container: stop comes first.
      expect(['running', 'paused', 'restarting']).not.toContain(cs.find((x) => x.containerId === a.containerId)?.state);
      cs = cs.filter((x) => x.containerId !== a.containerId);
    } else if (a.kind === 'start') {
      // Never start while a live copy of the task exists (no moment with two copies).
      expect(cs.filter((x) => x.taskId === a.task.taskId && ['running', 'paused', 'restarting'].includes(x.state))).toEqual([]);
      cs.push(container(`new-${n++}`, a.task.taskId, a.task.generation, 'running'));
    }
  }
  return cs;
}

describe('reconcile (properties)', () => {
  const taskIds = fc.constantFrom('t1', 't2', 't3', 't4');
  const desiredArb = fc.uniqueArray(fc.record({ taskId: taskIds, generation: fc.integer({ min: 1, max: 3 }) }), { selector: (t) => t.taskId, maxLength: 4 });
  const knownArb = fc.uniqueArray(
    fc.record({
      containerId: fc.stringMatching(/^[a-f0-9]{4}$/),
      taskId: taskIds,
      generation: fc.integer({ min: 1, max: 3 }),
      state: fc.constantFrom(...STATES),
      exitCode: fc.integer({ min: 0, max: 255 }),
      oomKilled: fc.boolean(),
    }),
    { selector: (c) => c.containerId, maxLength: 8 },
  );

  it('leaves exactly one copy per desired task, of its generation, running unless it had already stopped, and nothing else', () => {
    fc.assert(
      fc.property(desiredArb, knownArb, (d, k) => {
        const desired = d.map((t) => task(t.taskId, t.generation));
        const known = k.map((c) => container(c.containerId, c.taskId, c.generation, c.state, { exitCode: c.exitCode, oomKilled: c.oomKilled }));
        const actions = reconcile(desired, known);
        const after = apply(known, actions);

        for (const t of desired) {
          const copies = after.filter((c) => c.taskId === t.taskId);
          expect(copies).toHaveLength(1);
          expect(copies[0].generation).toBe(t.generation);
          if (copies[0].state === 'exited' || copies[0].state === 'dead') {
            // Kept only because it had stopped on its own: reported, never restarted.
            expect(known.some((c) => c.containerId === copies[0].containerId)).toBe(true);
            expect(actions).toContainEqual(expect.objectContaining({ kind: 'report', containerId: copies[0].containerId }));
          } else if (!known.some((c) => c.containerId === copies[0].containerId && c.state !== 'running')) {
            expect(copies[0].state).toBe('running');
          }
        }
        expect(after.filter((c) => !desired.some((t) => t.taskId === c.taskId))).toEqual([]);
        // Converged: a second pass only reports again.
        expect(reconcile(desired, after).every((a) => a.kind === 'report')).toBe(true);
        // Deterministic: the order of the inputs does not matter.
        expect(reconcile([...desired].reverse(), [...known].reverse())).toEqual(actions);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
