import { assessDeployment } from '../../../cli/api/deployment-wait';
import { copiesText, deploymentHead } from '../../../cli/api/deployment-text';
import { webWith } from '../fixtures';

const V2 = { deploymentId: 2, version: 2 };

describe('assessDeployment (submit --wait)', () => {
  it('keeps waiting while the deployment runs, showing copies per version', () => {
    const a = assessDeployment(webWith({ copies: { '2': { total: 2, serving: 2 }, '1': { total: 1, serving: 1 } } }), V2);
    expect(a).toEqual({ done: false, progress: 'deployment 2 v1 → v2 RUNNING: v2 2/3 serving, v1 1 left' });
  });

  it('is done when the followed deployment SUCCEEDED', () => {
    expect(assessDeployment(webWith({ status: 'SUCCEEDED', copies: { '2': { total: 3, serving: 3 } } }), V2)).toEqual({ done: true, progress: 'deployment 2 v1 → v2 SUCCEEDED: v2 3/3 serving' });
  });

  it('fails with the reason when the deployment FAILED', () => {
    const a = assessDeployment(webWith({ status: 'FAILED', reason: 'progress deadline (600 s) passed with 1 of 3 copies of v2 serving' }), V2);
    expect(a.done).toBe(false);
    expect(a.failure).toBe('deployment 2 of v2 FAILED: progress deadline (600 s) passed with 1 of 3 copies of v2 serving');
  });

  it('fails as soon as a later deployment rolls the submitted version back, naming why it failed', () => {
    const res = webWith({ id: 3, fromVersion: 2, toVersion: 1, rollbackOf: { version: 2, reason: 'copies of v2 keep failing (t: exited 1, 3 restarts)' } }, { version: 1, latestVersion: 2 });
    expect(assessDeployment(res, V2).failure).toBe('v2 failed (copies of v2 keep failing (t: exited 1, 3 restarts)); deployment 3 rolls back to v1 (roll-back in progress)');
  });

  it('fails when the roll-back of the submitted version already ended ROLLED_BACK', () => {
    const res = webWith({ id: 3, fromVersion: 2, toVersion: 1, status: 'ROLLED_BACK', reason: 'v2 failed (unhealthy); v1 restored', rollbackOf: { version: 2, reason: 'unhealthy' } });
    expect(assessDeployment(res, V2).failure).toBe('v2 failed (unhealthy); deployment 3 rolls back to v1; rolled back');
  });

  it('fails when the followed deployment itself ended ROLLED_BACK (following the latest, which was a roll-back)', () => {
    const res = webWith({ id: 3, fromVersion: 2, toVersion: 1, status: 'ROLLED_BACK', reason: 'v2 failed (unhealthy); v1 restored', rollbackOf: { version: 2, reason: 'unhealthy' } });
    expect(assessDeployment(res, { deploymentId: 3, version: 2 }).failure).toBe('deployment 3 ROLLED_BACK: v2 failed (unhealthy); v1 restored');
  });

  it('fails when another update superseded the followed deployment', () => {
    const res = webWith({ id: 3, fromVersion: 2, toVersion: 3 });
    expect(assessDeployment(res, V2).failure).toBe('deployment 2 of v2 was superseded by deployment 3 v2 → v3 RUNNING (another update or roll-back of the job)');
  });

  it('waits while the API has not recorded the deployment yet, and fails when the job was stopped', () => {
    expect(assessDeployment(webWith({ id: 1, fromVersion: undefined, toVersion: 1, status: 'SUCCEEDED' }), V2)).toEqual({ done: false, progress: 'waiting for deployment 2 to be recorded' });
    expect(assessDeployment(webWith({}, { stopRequestedAt: 0 }), V2).failure).toBe('job web was stopped (stop requested at 1970-01-01T00:00:00.000Z)');
  });
});

describe('copiesText and deploymentHead', () => {
  it('counts the target against the job count, says how many are starting, and lists older versions newest first', () => {
    expect(copiesText({ toVersion: 3, copies: { '1': { total: 1, serving: 1 }, '3': { total: 2, serving: 1 }, '2': { total: 2, serving: 2 }, '4': { total: 0, serving: 0 } } }, 3)).toBe('v3 1/3 serving (1 starting), v2 2 left, v1 1 left');
    expect(copiesText({ toVersion: 1, copies: {} }, 2)).toBe('v1 0/2 serving');
  });

  it('shows a first deployment without a from version', () => {
    expect(deploymentHead({ id: 1, toVersion: 1, status: 'SUCCEEDED' })).toBe('deployment 1 v1 SUCCEEDED');
  });
});
