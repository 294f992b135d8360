import { formatJob } from '../../../cli/commands/status';
import { runInProcess, startScriptedApi, type ScriptedApi } from '../../support/cli-test-api';
import { jobView, task } from '../fixtures';

/** `web` at 2 replicas; tasks as the shared fixture's, on the job's id. */
const JOB = jobView({ count: 2, createdAt: 1 });

describe('stowage status <job>', () => {
  it("shows each copy's endpoints and health, and the job's ports, rule and check", () => {
    const out = formatJob({
      job: {
        ...JOB,
        ports: [{ name: 'http', containerPort: 8080, protocol: 'tcp' }],
        expose: { port: 'http', path: '/web/*' },
        url: 'http://127.0.0.1:8080/web/',
        healthCheck: { http: { port: 'http', path: '/' }, intervalSeconds: 10, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 0 },
      },
      tasks: [task(0, { endpoints: [{ port: 'http', containerPort: 8080, hostPort: 32768 }], health: 'healthy' }), task(1, { status: 'PENDING', nodeId: null, reason: 'waiting for the next scheduling pass' })],
    }, 200);
    expect(out).toContain('ports http 8080/tcp\n');
    expect(out).toContain('exposed: port http at /web/*, url http://127.0.0.1:8080/web/\n');
    expect(out).toContain('health check http http / every 10s, timeout 5s, 3 retries, start period 0s\n');
    const lines = out.trimEnd().split('\n');
    const header = lines.findIndex((l) => l.startsWith('slot'));
    expect(lines[header]).toMatch(/slot\s+gen\s+status\s+node\s+restarts\s+endpoints\s+health\s+reason/);
    expect(lines[header + 1]).toMatch(/0\s+1\s+RUNNING\s+i-0\s+0\s+http 8080->32768\s+healthy/);
    expect(lines[header + 2]).toMatch(/1\s+1\s+PENDING\s+-\s+0\s+-\s+-\s+waiting for the next scheduling pass/);
  });

  it('shows a command check as its argv and a host rule with its path', () => {
    const out = formatJob({
      job: { ...JOB, ports: [{ name: 'http', containerPort: 80, protocol: 'tcp' }], expose: { port: 'http', host: 'web.example.com', path: '/api/*' }, healthCheck: { command: ['wget', '-q', 'http://127.0.0.1/'], intervalSeconds: 5, timeoutSeconds: 2, retries: 2, startPeriodSeconds: 30 } },
      tasks: [task(0, { health: 'unhealthy' })],
    }, 200);
    expect(out).toContain('exposed: port http at web.example.com/api/* (this deployment has no load balancer)');
    expect(out).toContain('health check command ["wget","-q","http://127.0.0.1/"] every 5s');
    expect(out).toMatch(/RUNNING\s+i-0\s+0\s+-\s+unhealthy/);
  });

  it('keeps the table of a job without ports or checks as it was: no endpoint or health columns', () => {
    const out = formatJob({ job: { ...JOB, kind: 'batch' }, tasks: [task(0, { status: 'COMPLETED', nodeId: null, exitCode: 0 })] });
    expect(out).toMatch(/slot\s+gen\s+status\s+node\s+restarts\s+reason/);
    expect(out).not.toContain('endpoints');
    expect(out).not.toContain('ports ');
  });
});

describe('stowage status <job>: versions and the deployment', () => {
  it('shows the version, the stable version, the deployment with its copies per version, and each copy\'s version', () => {
    const out = formatJob({
      job: { ...JOB, count: 3, version: 2, latestVersion: 2, stableVersion: 1, deployment: { id: 2, fromVersion: 1, toVersion: 2, status: 'RUNNING', startedAt: Date.now() - 30_000, copies: { '2': { total: 2, serving: 1 }, '1': { total: 2, serving: 2 } } } },
      tasks: [task(0), task(1), task(2, { version: 2, generation: 1 }), task(3, { version: 2, status: 'STARTING' })],
    }, 200);
    expect(out).toContain('\nversion v2, stable v1\n');
    expect(out).toMatch(/\ndeployment 2 v1 → v2 RUNNING, started 3\ds ago: v2 1\/3 serving \(1 starting\), v1 2 left\n/);
    expect(out).toMatch(/\n\s*2\s+1\s+v2\s+RUNNING\s+i-2/);
    expect(out).toMatch(/\n\s*0\s+1\s+v1\s+RUNNING\s+i-0/);
  });

  it('shows what a roll-back restores and why, and a finished deployment\'s reason', () => {
    const rolling = formatJob({
      job: { ...JOB, version: 1, latestVersion: 2, stableVersion: 1, deployment: { id: 3, fromVersion: 2, toVersion: 1, status: 'RUNNING', startedAt: Date.now(), rollbackOf: { version: 2, reason: 'health check never passed' }, copies: { '1': { total: 2, serving: 2 } } } },
      tasks: [task(0)],
    }, 200);
    expect(rolling).toContain('version v1 (latest v2), stable v1\n');
    expect(rolling).toContain('deployment 3 v2 → v1 RUNNING');
    expect(rolling).toContain('  rolls back v2, which failed: health check never passed\n');
    const failed = formatJob({
      job: { ...JOB, version: 2, latestVersion: 2, deployment: { id: 2, fromVersion: 1, toVersion: 2, status: 'FAILED', startedAt: 0, finishedAt: Date.now() - 120_000, reason: 'copies of v2 keep failing', copies: {} } },
      tasks: [],
    }, 200);
    expect(failed).toContain('version v2, no stable version yet\n');
    expect(failed).toMatch(/deployment 2 v1 → v2 FAILED, ended 2m ago: v2 0\/2 serving\n {2}reason: copies of v2 keep failing\n/);
  });
});

describe('stowage status / stop by name', () => {
  let api: ScriptedApi;
  beforeEach(async () => {
    api = await startScriptedApi();
  });
  afterEach(async () => {
    expect(api.contractBreaks).toEqual([]);
    await api.close();
  });

  it('status web GETs /jobs/web and prints the job', async () => {
    api.on('getJob', () => ({ job: { ...JOB, deployment: { id: 1, toVersion: 1, status: 'SUCCEEDED', startedAt: 0, finishedAt: 1, copies: { '1': { total: 2, serving: 2 } } } }, tasks: [task(0), task(1)] }));
    const r = await runInProcess(['status', 'web'], { api });
    expect(r.status).toBe(0);
    expect(api.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /jobs/web']);
    expect(r.stdout).toContain(`${JOB.id}  web  service, 2 replicas`);
    expect(r.stdout).toMatch(/deployment 1 v1 SUCCEEDED, ended \d+d ago: v1 2\/2 serving\n/);
  });

  it('stop web DELETEs /jobs/web; an id keeps working', async () => {
    api.on('stopJob', () => ({ jobId: JOB.id, stopRequested: true }));
    const byName = await runInProcess(['stop', 'web'], { api });
    expect(byName).toEqual({ status: 0, stdout: `web (${JOB.id}): stop requested; its tasks stop at the next scheduling pass\n`, stderr: '' });
    const byId = await runInProcess(['stop', JOB.id], { api });
    expect(byId.stdout).toBe(`${JOB.id}: stop requested; its tasks stop at the next scheduling pass\n`);
    expect(api.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['DELETE /jobs/web', `DELETE /jobs/${JOB.id}`]);
  });

  it('refuses a job argument that is neither a name nor an id, naming it', async () => {
    const r = await runInProcess(['stop', 'web/x'], { api });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('stowage: <job> must be a job\'s name');
    expect(api.requests).toEqual([]);
  });
});
