import type { RestartPolicy } from '../../../core/model';
import { DEFAULT_BATCH_RESTART, DEFAULT_SERVICE_RESTART } from '../../../core/policy';
import { backoffDelay, decideRestart } from '../../../core/pass/restart-policy';
import { isFinished } from '../../../core/pass/task-fate';
import { job, MINUTE, NOW, SECOND, task } from '../fixtures';

const ENDED = NOW - 10 * SECOND;
const STARTED = ENDED - 30 * SECOND;

function ended(status: 'FAILED' | 'COMPLETED', extra: Parameters<typeof task>[2] = {}) {
  return task('t', 'j', { status, startedAt: STARTED, finishedAt: ENDED, exitCode: status === 'COMPLETED' ? 0 : 1, ...extra });
}

const withPolicy = (restart: Partial<RestartPolicy>, kind: 'service' | 'batch' = 'service') =>
  job('j', { kind, restart: { ...(kind === 'service' ? DEFAULT_SERVICE_RESTART : DEFAULT_BATCH_RESTART), ...restart } });

describe('decideRestart', () => {
  describe("mode 'always' (services)", () => {
    const svc = job('j', { kind: 'service' });

    it('restarts a service that exited 0', () => {
      const d = decideRestart(ended('COMPLETED'), svc);
      expect(d).toEqual({ restart: true, notBefore: ENDED + 1_000, restarts: 1, reason: 'exited 0; restart 1 after 1000 ms back-off' });
    });

    it('restarts a service that failed', () => {
      const d = decideRestart(ended('FAILED', { exitCode: 137 }), svc);
      expect(d.restart).toBe(true);
      expect(d.reason).toBe('exited 137; restart 1 after 1000 ms back-off');
    });
  });

  describe("mode 'on-failure' (batch)", () => {
    const batch = job('j', { kind: 'batch' });

    it('lets a batch task that exited 0 complete', () => {
      expect(decideRestart(ended('COMPLETED'), batch)).toEqual({ restart: false, reason: 'completed' });
    });

    it('restarts a batch task that failed', () => {
      const d = decideRestart(ended('FAILED', { exitCode: 2 }), batch);
      expect(d).toMatchObject({ restart: true, restarts: 1, notBefore: ENDED + 1_000 });
    });
  });

  describe("mode 'never'", () => {
    it('never restarts, and says why', () => {
      const j = withPolicy({ mode: 'never' });
      expect(decideRestart(ended('FAILED', { exitCode: 3 }), j)).toEqual({ restart: false, reason: 'exited 3; restart policy never' });
      expect(decideRestart(ended('COMPLETED'), j)).toEqual({ restart: false, reason: 'exited 0; restart policy never' });
    });
  });

  describe('back-off', () => {
    it('doubles per restart from the initial delay up to the maximum', () => {
      const j = withPolicy({ initialDelayMs: 1_000, maxDelayMs: 10_000 });
      const delays = [0, 1, 2, 3, 4, 5, 10].map((restarts) => {
        const d = decideRestart(ended('FAILED', { restarts }), j);
        if (!d.restart) throw new Error('expected a restart');
        expect(d.restarts).toBe(restarts + 1);
        return d.notBefore - ENDED;
      });
      expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
    });

    it('counts from when the copy ended, or from its creation when no end was recorded', () => {
      const j = withPolicy({});
      const noEnd = task('t', 'j', { status: 'FAILED', createdAt: NOW - MINUTE });
      const d = decideRestart(noEnd, j);
      expect(d).toMatchObject({ restart: true, notBefore: NOW - MINUTE + 1_000 });
    });

    it('backoffDelay caps at the maximum even when 2^restarts overflows', () => {
      expect(backoffDelay(0, 500, 60_000)).toBe(500);
      expect(backoffDelay(3, 500, 60_000)).toBe(4_000);
      expect(backoffDelay(5_000, 500, 60_000)).toBe(60_000);
    });
  });

  describe('maxRestarts', () => {
    it('gives up once the limit is reached, with a reason naming it', () => {
      const j = withPolicy({ maxRestarts: 3 }, 'batch');
      expect(decideRestart(ended('FAILED', { restarts: 2 }), j).restart).toBe(true);
      expect(decideRestart(ended('FAILED', { restarts: 3, exitCode: 1 }), j)).toEqual({
        restart: false,
        reason: 'exited 1; gave up after 3 restarts (maxRestarts 3)',
      });
    });

    it('with maxRestarts 0 never restarts', () => {
      expect(decideRestart(ended('FAILED'), withPolicy({ maxRestarts: 0 })).restart).toBe(false);
    });

    it('is unlimited when undefined', () => {
      expect(decideRestart(ended('FAILED', { restarts: 1_000 }), withPolicy({ maxRestarts: undefined })).restart).toBe(true);
    });
  });

  describe('resetAfterMs', () => {
    it('starts the count again for a copy that ran at least resetAfterMs', () => {
      const j = withPolicy({ resetAfterMs: 10 * MINUTE, maxRestarts: 3, initialDelayMs: 1_000 });
      const longRun = ended('FAILED', { restarts: 3, startedAt: ENDED - 10 * MINUTE });
      expect(decideRestart(longRun, j)).toMatchObject({ restart: true, restarts: 1, notBefore: ENDED + 1_000 });
    });

    it('keeps the count for a copy that crashed sooner', () => {
      const j = withPolicy({ resetAfterMs: 10 * MINUTE, initialDelayMs: 1_000 });
      const shortRun = ended('FAILED', { restarts: 3, startedAt: ENDED - 10 * MINUTE + 1 });
      expect(decideRestart(shortRun, j)).toMatchObject({ restart: true, restarts: 4, notBefore: ENDED + 8_000 });
    });
  });

  describe('failure reasons', () => {
    it('names an OOM kill', () => {
      const d = decideRestart(ended('FAILED', { oomKilled: true, exitCode: 137 }), job('j'));
      expect(d.reason).toBe('killed for exceeding its memory limit (OOM); restart 1 after 1000 ms back-off');
    });

    it("falls back to the task's own reason, then to 'failed'", () => {
      const noCode = task('t', 'j', { status: 'FAILED', reason: 'image pull failed' });
      expect(decideRestart(noCode, withPolicy({ mode: 'never' })).reason).toBe('image pull failed; restart policy never');
      expect(decideRestart(task('t', 'j', { status: 'FAILED' }), withPolicy({ mode: 'never' })).reason).toBe('failed; restart policy never');
    });
  });
});

describe('isFinished', () => {
  it('is true for STOPPED copies, copies of stopped or missing jobs, and ended copies with no restart left', () => {
    expect(isFinished(task('t', 'j', { status: 'STOPPED' }), job('j'))).toBe(true);
    expect(isFinished(task('t', 'j', { status: 'RUNNING' }), job('j', { stopRequestedAt: NOW }))).toBe(true);
    expect(isFinished(task('t', 'j', { status: 'RUNNING' }), undefined)).toBe(true);
    expect(isFinished(ended('COMPLETED'), job('j', { kind: 'batch' }))).toBe(true);
    expect(isFinished(ended('FAILED', { restarts: 3 }), job('j', { kind: 'batch' }))).toBe(true);
  });

  it('is false for live copies and ended copies that will restart', () => {
    expect(isFinished(task('t', 'j', { status: 'PENDING' }), job('j'))).toBe(false);
    expect(isFinished(task('t', 'j', { status: 'RUNNING' }), job('j'))).toBe(false);
    expect(isFinished(ended('FAILED'), job('j', { kind: 'batch' }))).toBe(false);
    expect(isFinished(ended('COMPLETED'), job('j', { kind: 'service' }))).toBe(false);
  });
});
