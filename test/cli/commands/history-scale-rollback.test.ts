import { formatHistory } from '../../../cli/commands/history';
import { inTurn, Refusal, runInProcess, startScriptedApi, type ScriptedApi } from '../../support/cli-test-api';
import { WEB_ID, webWith } from '../fixtures';

/** `stowage history`, `scale` and `rollback` against a scripted API: request sent, output, exit code. */
describe('stowage history / scale / rollback', () => {
  let api: ScriptedApi;
  const run = (...args: string[]) => runInProcess(args, { api });

  beforeEach(async () => {
    api = await startScriptedApi();
  });
  afterEach(async () => {
    expect(api.contractBreaks).toEqual([]);
    await api.close();
  });

  const T0 = Date.UTC(2025, 0, 2, 3, 4, 5);
  const versions = {
    jobId: WEB_ID,
    name: 'web',
    current: 2,
    versions: [
      { version: 3, changedAt: T0 + 120_000, changedBy: 'arn:aws:iam::1:user/ana', changes: ['command[0]: httpd → false'], spec: {} },
      { version: 2, changedAt: T0 + 60_000, changedBy: 'arn:aws:iam::1:user/bo', changes: ['image: web:1 → web:2', 'env.GREETING: "hi" → "hello"'], spec: {} },
      { version: 1, changedAt: T0, changedBy: 'arn:aws:iam::1:user/bo', changes: [], spec: {} },
    ],
  };

  describe('history', () => {
    it('GETs /jobs/web/versions and lists each version with when, who and every change, marking the current one', async () => {
      api.on('listVersions', () => versions);
      const r = await run('history', 'web');
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
      expect(api.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /jobs/web/versions']);
      const lines = r.stdout.split('\n');
      expect(lines[0]).toBe(`web (${WEB_ID}): 3 versions kept, current v2`);
      expect(lines[1]).toMatch(/^\s+version\s+when \(UTC\)\s+by\s+changes$/);
      expect(lines[2]).toMatch(/^\s+v3\s+2025-01-02 03:06:05 \(\d+d ago\)\s+arn:aws:iam::1:user\/ana\s+command\[0\]: httpd → false$/);
      expect(lines[3]).toMatch(/^\*\s+v2\s+2025-01-02 03:05:05 .*user\/bo\s+image: web:1 → web:2$/);
      expect(lines[4]).toMatch(/^\s+env\.GREETING: "hi" → "hello"$/);
      expect(lines[5]).toMatch(/^\s+v1\s+2025-01-02 03:04:05 .*user\/bo\s+created$/);
    });

    it('says when the current version is older than the versions kept', () => {
      const out = formatHistory({ ...versions, current: 1, versions: versions.versions.slice(0, 1) }, T0);
      expect(out).toContain('(v1, the current version, is older than the versions kept)');
    });

    it('refuses a value that is neither a name nor an id, naming the argument, before any request', async () => {
      const r = await run('history', 'Web_1');
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^stowage: <job> must be a job's name \(lowercase letters, digits and "-".*\), got "Web_1"\n$/);
      expect(api.requests).toEqual([]);
    });

    it('takes an id as well', async () => {
      api.on('listVersions', () => versions);
      expect((await run('history', WEB_ID)).status).toBe(0);
      expect(api.requests[0].path).toBe(`/jobs/${WEB_ID}/versions`);
    });
  });

  describe('scale', () => {
    it('POSTs the count to /jobs/web/scale and says what changes', async () => {
      api.on('scaleJob', (q) => ({ jobId: WEB_ID, name: 'web', count: (q.body as { count: number }).count, previousCount: 3 }));
      const up = await run('scale', 'web', '5');
      expect(up).toEqual({ status: 0, stdout: `web (${WEB_ID}): 3 → 5 replicas; 2 new copies start at the next scheduling pass\n`, stderr: '' });
      expect(api.requests[0]).toMatchObject({ route: 'scaleJob', method: 'POST', path: '/jobs/web/scale', body: { count: 5 } });
      expect((await run('scale', 'web', '2')).stdout).toBe(`web (${WEB_ID}): 3 → 2 replicas; 1 extra copy stops at the next scheduling pass, the least useful first\n`);
      expect((await run('scale', 'web', '3')).stdout).toBe(`web (${WEB_ID}): already 3 replicas; nothing changes\n`);
      expect((await run('scale', 'web', '0')).stdout).toContain('3 → 0 replicas; 3 extra copies stop');
    });

    it.each([['-1'], ['1001'], ['2.5'], ['five']])('refuses the count %s, naming the argument and the rule', async (count) => {
      const r = await run('scale', 'web', count);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`'${count}' is invalid for argument 'count'. <count> must be a whole number from 0 to 1000`);
      expect(api.requests).toEqual([]);
    });

    it("shows the API's 404 for a job that does not exist", async () => {
      api.on('scaleJob', () => new Refusal(404, 'job-not-found', 'no live job is named nope'));
      const r = await run('scale', 'nope', '2');
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('(HTTP 404 job-not-found): no live job is named nope');
    });

    it('--wait waits until every replica runs, ignoring the copies scaled in', async () => {
      api.on('scaleJob', () => ({ jobId: WEB_ID, name: 'web', count: 1, previousCount: 2 }));
      const one = webWith({ status: 'SUCCEEDED' }, { count: 1 });
      api.on('getJob', inTurn({ ...one, tasks: [...one.tasks, { ...one.tasks[0], id: `${WEB_ID}.1`, slot: 1, status: 'STOPPED', reason: 'SCALED_IN: 1 copy above the count' }] }));
      const r = await run('scale', 'web', '1', '--wait');
      expect(r.status).toBe(0);
      expect(r.stderr).toBe(`${WEB_ID}: 1/1 running\n`);
    });
  });

  describe('rollback', () => {
    const answer = { jobId: WEB_ID, name: 'web', version: 2, fromVersion: 3, deploymentId: 4 };

    it('POSTs an empty body for "the version before", or --to as the version', async () => {
      api.on('rollbackJob', () => answer);
      const r = await run('rollback', 'web');
      expect(r).toEqual({ status: 0, stdout: `web (${WEB_ID}): rolling back from v3 to v2 (deployment 4)\nsee it: stowage status web\n`, stderr: '' });
      await run('rollback', 'web', '--to', '2');
      expect(api.requests.map((q) => [q.method, q.path, q.body])).toEqual([
        ['POST', '/jobs/web/rollback', {}],
        ['POST', '/jobs/web/rollback', { version: 2 }],
      ]);
    });

    it.each([['0'], ['-1'], ['v2']])('refuses --to %s, naming the flag and the rule', async (to) => {
      const r = await run('rollback', 'web', '--to', to);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`--to must be a version number: a whole number from 1`);
      expect(api.requests).toEqual([]);
    });

    it("shows the API's answer for a version that is not kept", async () => {
      api.on('rollbackJob', () => new Refusal(404, 'version-not-found', 'version 9 of web is not kept (kept: 1-3)'));
      const r = await run('rollback', 'web', '--to', '9');
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('(HTTP 404 version-not-found): version 9 of web is not kept');
    });

    it('--wait follows the roll-back deployment until it SUCCEEDED', async () => {
      api.on('rollbackJob', () => answer);
      api.on('getJob', inTurn(webWith({ id: 4, fromVersion: 3, toVersion: 2, status: 'SUCCEEDED', copies: { '2': { total: 3, serving: 3 } } }, { latestVersion: 3 })));
      const r = await run('rollback', 'web', '--wait');
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('web: deployment 4 v3 → v2 SUCCEEDED: v2 3/3 serving\n');
    });
  });
});
