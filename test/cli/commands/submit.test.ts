import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inTurn, Refusal, runInProcess, startScriptedApi, type ScriptedApi } from '../../support/cli-test-api';
import { WEB_ID, webWith } from '../fixtures';

/**
 * `stowage submit` against a scripted API: what it sends (route, path, body), what it
 * prints, its exit code; and `--wait` following the deployment to each of its ends.
 */
describe('stowage submit', () => {
  let api: ScriptedApi;
  let dir: string;
  let webFile: string;
  const web = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../examples/web-service.json'), 'utf8')) as Record<string, unknown>;
  const run = (args: readonly string[], tty = false) => runInProcess(args, { api, tty });
  const put = (outcome: 'created' | 'updated' | 'scaled' | 'unchanged', version: number, deploymentId?: number) => () => ({ jobId: WEB_ID, name: 'web', outcome, version, deploymentId, taskIds: [] });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-submit-'));
    webFile = path.join(dir, 'web.json');
    fs.writeFileSync(webFile, JSON.stringify(web));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    api = await startScriptedApi();
  });
  afterEach(async () => {
    expect(api.contractBreaks).toEqual([]);
    await api.close();
  });

  it('creates or updates by name: PUT /jobs/web with the file as the body, and says it created v1', async () => {
    api.on('putJob', put('created', 1, 1));
    const r = await run(['submit', '-f', webFile]);
    expect(r).toEqual({ status: 0, stdout: `web (${WEB_ID}): created v1 (deployment 1)\nsee it: stowage status web\n`, stderr: '' });
    expect(api.requests.map((q) => [q.route, q.method, q.path])).toEqual([['putJob', 'PUT', '/jobs/web']]);
    expect(api.requests[0].body).toEqual(web);
    expect(api.requests[0].headers['idempotency-key']).toBeUndefined();
  });

  it.each([
    ['updated', 2, 2, 'updated to v2 (deployment 2)'],
    ['scaled', 2, undefined, 'scaled to 3 replicas, still v2 (no new version: nothing restarts)'],
    ['unchanged', 2, undefined, 'unchanged, still v2 (the same spec as the current version)'],
  ] as const)('prints the outcome %s', async (outcome, version, deploymentId, text) => {
    api.on('putJob', put(outcome, version, deploymentId));
    const r = await run(['submit', '-f', webFile]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`web (${WEB_ID}): ${text}\nsee it: stowage status web\n`);
  });

  it('sends a job built from flags by name too', async () => {
    api.on('putJob', put('created', 1, 1));
    const r = await run(['submit', '--name', 'echo', '--image', 'stowage/busybox:local', '--cpu', '100', '--memory-mib', '32', '--', 'sleep', '60']);
    expect(r.status).toBe(0);
    expect(api.requests[0].path).toBe('/jobs/echo');
    expect(api.requests[0].body).toEqual({ name: 'echo', image: 'stowage/busybox:local', cpu: 100, memoryMiB: 32, command: ['sleep', '60'], count: 1 });
  });

  it('--create POSTs /jobs with an idempotency key, and shows the 409 for a live name', async () => {
    api.on('submitJob', () => ({ jobId: WEB_ID, taskIds: [`${WEB_ID}.0`] }));
    const r = await run(['submit', '-f', webFile, '--create', '--idempotency-key', 'k-1']);
    expect(r).toEqual({ status: 0, stdout: `web (${WEB_ID}): created v1\nsee it: stowage status web\n`, stderr: '' });
    expect(api.requests[0]).toMatchObject({ route: 'submitJob', method: 'POST', path: '/jobs', body: web });
    expect(api.requests[0].headers['idempotency-key']).toBe('k-1');

    api.on('submitJob', () => new Refusal(409, 'name-taken', 'a live job is named web (job-0123456789abcdef0123); update it with PUT /jobs/web (stowage submit does)'));
    const taken = await run(['submit', '-f', webFile, '--create']);
    expect(taken.status).toBe(1);
    expect(taken.stderr).toContain('(HTTP 409 name-taken): a live job is named web');
  });

  it('--json prints the API answer alone', async () => {
    api.on('putJob', put('updated', 2, 2));
    const r = await run(['submit', '-f', webFile, '--json']);
    expect(JSON.parse(r.stdout)).toEqual({ jobId: WEB_ID, name: 'web', outcome: 'updated', version: 2, deploymentId: 2, taskIds: [] });
  });

  it('refuses a job without a name, and --idempotency-key without --create, naming the flag, before any request', async () => {
    const noName = path.join(dir, 'no-name.json');
    fs.writeFileSync(noName, JSON.stringify({ ...web, name: undefined }));
    const a = await run(['submit', '-f', noName]);
    expect(a.status).toBe(1);
    expect(a.stderr).toMatch(/^stowage: the job has no name: .*add "name" to the job file or pass --name\n$/);
    const b = await run(['submit', '-f', webFile, '--idempotency-key', 'k']);
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(/^stowage: --idempotency-key applies only with --create/);
    expect(api.requests).toEqual([]);
  });

  describe('--wait follows the deployment the PUT started', () => {
    const running = webWith({ copies: { '2': { total: 2, serving: 1 }, '1': { total: 2, serving: 2 } } });
    const halfway = webWith({ copies: { '2': { total: 3, serving: 2 }, '1': { total: 1, serving: 1 } } });

    it('exits 0 once it SUCCEEDED, printing copies per version as plain lines when stderr is not a terminal', async () => {
      api.on('putJob', put('updated', 2, 2));
      api.on('getJob', inTurn(running, halfway, webWith({ status: 'SUCCEEDED', finishedAt: Date.now(), copies: { '2': { total: 3, serving: 3 } } })));
      const r = await run(['submit', '-f', webFile, '--wait']);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe(
        [
          'web: deployment 2 v1 → v2 RUNNING: v2 1/3 serving (1 starting), v1 2 left',
          'web: deployment 2 v1 → v2 RUNNING: v2 2/3 serving (1 starting), v1 1 left',
          'web: deployment 2 v1 → v2 SUCCEEDED: v2 3/3 serving',
          '',
        ].join('\n'),
      );
      expect(r.stderr).not.toContain('\r');
      expect(api.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['PUT /jobs/web', 'GET /jobs/web', 'GET /jobs/web', 'GET /jobs/web']);
    });

    it('draws a spinner redrawn in place on a terminal, and leaves the last state as one line', async () => {
      api.on('putJob', put('updated', 2, 2));
      api.on('getJob', inTurn(halfway, webWith({ status: 'SUCCEEDED', copies: { '2': { total: 3, serving: 3 } } })));
      const r = await run(['submit', '-f', webFile, '--wait'], true);
      expect(r.status).toBe(0);
      expect(r.stderr).toContain('\r\x1b[K| web: deployment 2 v1 → v2 RUNNING: v2 2/3 serving (1 starting), v1 1 left');
      expect(r.stderr.endsWith('\r\x1b[Kweb: deployment 2 v1 → v2 SUCCEEDED: v2 3/3 serving\n')).toBe(true);
    });

    it('exits 1 naming the reason when it FAILED', async () => {
      api.on('putJob', put('updated', 2, 2));
      api.on('getJob', inTurn(running, webWith({ status: 'FAILED', reason: 'progress deadline (600 s) passed with 1 of 3 copies of v2 serving' }, { update: { maxSurge: 1, maxUnavailable: 0, minHealthySeconds: 10, progressDeadlineSeconds: 600, autoRollback: false } })));
      const r = await run(['submit', '-f', webFile, '--wait']);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('stowage: web: deployment 2 of v2 FAILED: progress deadline (600 s) passed with 1 of 3 copies of v2 serving\n');
    });

    it('exits 1 as soon as the submitted version is being rolled back, naming why it failed', async () => {
      api.on('putJob', put('updated', 2, 2));
      api.on('getJob', inTurn(running, webWith({ id: 3, fromVersion: 2, toVersion: 1, rollbackOf: { version: 2, reason: 'copies of v2 keep failing (x: exited 1, 3 restarts)' }, copies: { '1': { total: 2, serving: 2 }, '2': { total: 1, serving: 0 } } }, { version: 1, latestVersion: 2 })));
      const r = await run(['submit', '-f', webFile, '--wait']);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('stowage: web: v2 failed (copies of v2 keep failing (x: exited 1, 3 restarts)); deployment 3 rolls back to v1 (roll-back in progress)\n');
    });

    it('exits 1 when the latest deployment ended ROLLED_BACK (the API gave no deployment id)', async () => {
      api.on('putJob', put('updated', 2));
      api.on('getJob', inTurn(webWith({ id: 3, fromVersion: 2, toVersion: 1, status: 'ROLLED_BACK', reason: 'v2 failed (health check never passed); v1 restored', rollbackOf: { version: 2, reason: 'health check never passed' } }, { version: 1, latestVersion: 2 })));
      const r = await run(['submit', '-f', webFile, '--wait']);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('stowage: web: deployment 3 ROLLED_BACK: v2 failed (health check never passed); v1 restored\n');
    });

    it('gives up after --timeout with the last progress, saying the deployment carries on', async () => {
      api.on('putJob', put('updated', 2, 2));
      api.on('getJob', inTurn(running));
      const r = await run(['submit', '-f', webFile, '--wait', '--timeout', '1']);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('stowage: web: not deployed after 1 s (--timeout): deployment 2 v1 → v2 RUNNING: v2 1/3 serving (1 starting), v1 2 left\nit carries on');
    });
  });
});
