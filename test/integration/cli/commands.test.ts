import * as fs from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Task } from '../../../core/model';
import { writeCredentials } from '../../../local/credentials';
import { runStowage, startCliTestApi, type CliTestApi } from '../../support/cli-test-api';
import { waitUntil } from '../../../local/wait-until';

/**
 * The user CLI end to end: the real `stowage` entry point as a subprocess, against the
 * real API handlers behind a loopback server that checks a bearer token, found through
 * a local credential file as `npm run local` writes it.
 */
// Every case starts the CLI (Node + tsx) several times; on a busy 2-core machine that alone can take seconds.
jest.setTimeout(180_000);

describe('stowage submit / status / nodes / stop against a local API', () => {
  let api: CliTestApi;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const JOB_ID = /^job-[0-9a-f]{20}$/;
  const examples = (name: string) => path.join('examples', name);

  beforeAll(async () => {
    api = await startCliTestApi();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-cli-'));
    // This process serves the API, so its pid is the one the credential names.
    writeCredentials({ apiUrl: api.url, token: api.token, pid: process.pid, startedAt: new Date().toISOString() }, path.join(dir, 'local'));
    // The layouts these cases read are the wide ones (a row a line); fitting the tables
    // to 80 columns, what a pipe gets by default, is test/cli/table-width.test.ts's.
    env = { ...process.env, STOWAGE_LOCAL_DIR: path.join(dir, 'local'), COLUMNS: '200' };
    for (const k of ['STOWAGE_API_URL', 'STOWAGE_TOKEN']) delete env[k];
    await api.store.recordHeartbeat(
      { nodeId: 'local-1', instanceType: 'local.large', zone: 'local-a', labels: {}, capacity: { cpu: 4000, memoryMiB: 8192 }, usage: { cpu: 100, memoryMiB: 256 }, pricePerHour: 0, containers: [] },
      Date.now() - 3000,
    );
  });
  afterAll(async () => {
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const stowage = (...args: string[]) => runStowage(args, { env });
  const until = (what: string, ok: () => boolean) => waitUntil(what, async () => ok());
  const tasksOf = (jobId: string) => [...api.store.state.tasks.values()].filter((t) => t.jobId === jobId);
  const setTasks = (jobId: string, patch: (t: Task) => Partial<Task>) => {
    for (const t of tasksOf(jobId)) api.store.state.tasks.set(t.id, { ...t, ...patch(t) });
  };
  let copies = 0;
  /**
   * The web example with an expose path of its own: a live job holds its rule, so each
   * further copy in this one store needs another path (or it is refused, as tested below).
   */
  const webCopy = (): string => {
    const file = path.join(dir, `web-${++copies}.json`);
    const web = JSON.parse(fs.readFileSync(examples('web-service.json'), 'utf8')) as { expose: { path: string } };
    // A name of its own too: a job's name is its identity, and submitting `web` again updates it.
    fs.writeFileSync(file, JSON.stringify({ ...web, name: `web-${copies}`, expose: { ...web.expose, path: `/web-${copies}/*` } }));
    return file;
  };
  /** The job id in what `submit` printed: `name (job-…): created v1 …`. */
  const idIn = (stdout: string): string => /\((job-[0-9a-f]{20})\)/.exec(stdout)?.[1] ?? `no job id in ${JSON.stringify(stdout)}`;
  const submitted = async (file: string): Promise<string> => {
    const run = await stowage('submit', '-f', file === 'web-service.json' ? webCopy() : examples(file));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    return idIn(run.stdout);
  };

  it('submits examples/web-service.json: says it created v1, and the job and its 3 tasks exist; the same file again changes nothing', async () => {
    const run = await stowage('submit', '-f', examples('web-service.json'));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const id = idIn(run.stdout);
    expect(id).toMatch(JOB_ID);
    expect(run.stdout).toBe(`web (${id}): created v1 (deployment 1)\nsee it: stowage status web\n`);
    const again = await stowage('submit', '-f', examples('web-service.json'));
    expect(again.stdout).toMatch(new RegExp(`^web \\(${id}\\): unchanged`));
    const job = api.store.state.jobs.get(id);
    expect(job).toMatchObject({ name: 'web', kind: 'service', count: 3, image: 'stowage/busybox:local', resources: { cpu: 250, memoryMiB: 64 } });
    expect(tasksOf(id).map((t) => t.status)).toEqual(['PENDING', 'PENDING', 'PENDING']);
  });

  it('refuses a second job on the rule the first web job exposes, naming that job', async () => {
    const owner = [...api.store.state.jobs.values()].find((j) => j.name === 'web' && j.expose?.path === '/web/*')!;
    const rival = path.join(dir, 'rival.json');
    fs.writeFileSync(rival, JSON.stringify({ ...JSON.parse(fs.readFileSync(examples('web-service.json'), 'utf8')), name: 'rival' }));
    const run = await stowage('submit', '-f', rival);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('HTTP 409 expose-rule-taken');
    expect(run.stderr).toContain(`is already used by job web (${owner.id})`);
  });

  it('makes one job from two --create submits with the same --idempotency-key; without the key a second is refused by name', async () => {
    const before = api.store.state.jobs.size;
    const key = `cli-test-${process.pid}`;
    const [a, b] = [await stowage('submit', '-f', examples('batch-job.json'), '--create', '--idempotency-key', key), await stowage('submit', '-f', examples('batch-job.json'), '--create', '--idempotency-key', key)];
    expect([a.status, b.status]).toEqual([0, 0]);
    expect(idIn(a.stdout)).toMatch(JOB_ID);
    expect(b.stdout).toBe(a.stdout);
    expect(api.store.state.jobs.size).toBe(before + 1);
    // Without the key it is a new POST, and a live job already has the name.
    const c = await stowage('submit', '-f', examples('batch-job.json'), '--create');
    expect(c.status).toBe(1);
    expect(c.stderr).toContain('HTTP 409 job-name-taken');
    expect(api.store.state.jobs.size).toBe(before + 1);
  });

  it('reads the job from stdin with -f -, and from flags with the command after --', async () => {
    const piped = await runStowage(['submit', '-f', '-', '--json'], { env, stdin: fs.readFileSync(webCopy(), 'utf8') });
    expect(piped.status).toBe(0);
    const res = JSON.parse(piped.stdout) as { jobId: string; taskIds: string[] };
    expect(res.taskIds).toEqual([0, 1, 2].map((s) => `${res.jobId}.${s}`));

    const flags = await stowage('submit', '--name', 'sleeper', '--image', 'stowage/busybox:local', '--cpu', '100', '--memory-mib', '16', '--count', '2', '--kind', 'batch', '--env', 'A=1', '--env', 'B=x=y', '--restart', 'never', '--', 'sleep', '60', '--json');
    expect(flags.stderr).toBe('');
    expect(flags.status).toBe(0);
    const job = api.store.state.jobs.get(idIn(flags.stdout));
    // `--json` after `--` is the command's, not the CLI's: the container gets it.
    expect(job).toMatchObject({ name: 'sleeper', kind: 'batch', count: 2, command: ['sleep', '60', '--json'], env: { A: '1', B: 'x=y' }, restart: { mode: 'never' } });
  });

  it("refuses a malformed job with exit 1 and one line per field the API names", async () => {
    const bad = path.join(dir, 'bad-job.json');
    fs.writeFileSync(bad, JSON.stringify({ name: 'Not Valid', image: 'stowage/busybox:local', command: ['true'], cpu: 'lots', memoryMiB: 64, count: 1, privileged: true }));
    const before = api.store.state.jobs.size;
    const run = await stowage('submit', '-f', bad);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    // PUT by the name the file gives; the API names every bad field, the name's rule included.
    expect(lines[0]).toBe(`stowage: PUT ${api.url}/jobs/Not%20Valid was refused (HTTP 400 validation-failed):`);
    expect(lines).toContain('  name: must be lowercase letters, digits and "-", starting and ending with a letter or digit');
    expect(lines).toContain('  cpu: must be a number');
    expect(lines).toContain('  privileged: unknown field; this API accepts only the documented fields');
    expect(api.store.state.jobs.size).toBe(before);

    const notJson = path.join(dir, 'not-json.json');
    fs.writeFileSync(notJson, '{ "name": "x", ');
    const syntax = await stowage('submit', '-f', notJson);
    expect(syntax.status).toBe(1);
    expect(syntax.stderr).toMatch(new RegExp(`^stowage: the job file ${notJson.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not JSON: `));

    const flag = await stowage('submit', '--cpu', 'two');
    expect(flag.status).toBe(1);
    expect(flag.stderr).toContain("option '--cpu <millicores>' argument 'two' is invalid. Expected a positive integer number of millicores.");
  });

  it('lists jobs and shows one job with its tasks, as tables and as JSON', async () => {
    const id = await submitted('web-service.json');
    setTasks(id, (t) => (t.slot === 0 ? { status: 'RUNNING', nodeId: 'local-1', endpoints: [{ port: 'http', containerPort: 8080, hostPort: 32768 }], health: 'healthy' } : {}));

    const [list, listJson, one, oneJson] = await Promise.all([stowage('status'), stowage('status', '--json'), stowage('status', id), stowage('status', id, '--json')]);
    for (const run of [list, listJson, one, oneJson]) expect([run.status, run.stderr]).toEqual([0, '']);

    const header = list.stdout.split('\n')[0];
    expect(header).toMatch(/^id\s+name\s+kind\s+replicas\s+tasks$/);
    const row = list.stdout.split('\n').find((l) => l.startsWith(id));
    expect(row).toMatch(new RegExp(`^${id}\\s+web-\\d+\\s+service\\s+3\\s+2 pending, 1 running$`));

    // Last, which build answered and which API it asked.
    expect(list.stdout).toMatch(new RegExp(`\\n\\nstowage \\d+\\.\\d+\\.\\d+, API ${api.url.replace(/\./g, '\\.')} \\(from local credential file [^)]+\\)\\n$`));
    expect(one.stdout.endsWith(list.stdout.slice(list.stdout.lastIndexOf('\n\nstowage ')))).toBe(true);
    const jobs = (JSON.parse(listJson.stdout) as { jobs: Array<{ id: string; tasks: Record<string, number> }> }).jobs;
    expect(jobs.find((j) => j.id === id)?.tasks).toEqual({ PENDING: 2, RUNNING: 1 });

    expect(one.stdout).toMatch(new RegExp(`${id}  web-\\d+  service, 3 replicas of 250m CPU / 64 MiB`));
    const taskRows = one.stdout.split('\n').filter((l) => /^\s*\d+\s+\d+\s+[A-Z]+/.test(l));
    expect(taskRows).toHaveLength(3);
    expect(one.stdout).toContain('health check http http / every 5s');
    expect(taskRows[0]).toMatch(/^\s*0\s+0\s+RUNNING\s+local-1\s+0\s+http 8080->32768\s+healthy$/);
    expect(taskRows[1]).toMatch(/^\s*1\s+0\s+PENDING\s+-\s+0\s+-\s+-\s+waiting for the next scheduling pass$/);

    const detail = JSON.parse(oneJson.stdout) as { job: { id: string }; tasks: Array<{ status: string; endpoints?: unknown; health?: string }> };
    expect(detail.job.id).toBe(id);
    expect(detail.tasks[0]).toMatchObject({ endpoints: [{ port: 'http', containerPort: 8080, hostPort: 32768 }], health: 'healthy' });
    expect(detail.tasks.map((t) => t.status)).toEqual(['RUNNING', 'PENDING', 'PENDING']);
  });

  it('says which job is unknown', async () => {
    const run = await stowage('status', 'job-00000000000000000000');
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`stowage: GET ${api.url}/jobs/job-00000000000000000000 was refused (HTTP 404 not-found): no job with name or id job-00000000000000000000; list them with GET /jobs\n`);
  });

  it('lists nodes with allocation, tasks and heartbeat age, and as JSON', async () => {
    const id = await submitted('web-service.json');
    setTasks(id, () => ({ status: 'RUNNING', nodeId: 'local-1' }));
    const n = api.store.state.nodes.get('local-1')!;
    // A fresh heartbeat: the one from beforeAll may be minutes old by now on a busy machine.
    api.store.state.nodes.set('local-1', { ...n, allocated: { cpu: 1000, memoryMiB: 2048 }, lastHeartbeatAt: Date.now() - 5000 });
    const running = [...api.store.state.tasks.values()].filter((t) => t.nodeId === 'local-1' && t.status === 'RUNNING').length;

    const [table, json] = await Promise.all([stowage('nodes'), stowage('nodes', '--json')]);
    expect([table.status, table.stderr, json.status, json.stderr]).toEqual([0, '', 0, '']);
    const [header, row] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^id\s+type\s+zone\s+state\s+cpu alloc\/cap\s+mem alloc\/cap\s+tasks\s+heartbeat$/);
    expect(row).toMatch(new RegExp(`^local-1\\s+local\\.large\\s+local-a\\s+ACTIVE\\s+1000/4000m \\[###\\.{7}\\]\\s+2048/8192 MiB\\s+${running}\\s+\\d+s ago$`));
    const nodes = (JSON.parse(json.stdout) as { nodes: Array<{ id: string; capacity: { cpu: number } }> }).nodes;
    expect(nodes.map((x) => [x.id, x.capacity.cpu])).toEqual([['local-1', 4000]]);
  });

  it('status --wait polls until every replica runs, then exits 0', async () => {
    const id = await submitted('web-service.json');
    let finished = false;
    const waiting = stowage('status', id, '--wait', '--timeout', '30').then((r) => ((finished = true), r));
    await until('three polls of the job', () => api.requests.filter((r) => r === `GET /jobs/${id}`).length >= 3);
    expect(finished).toBe(false);
    setTasks(id, () => ({ status: 'RUNNING', nodeId: 'local-1' }));
    const run = await waiting;
    expect(run.status).toBe(0);
    // Not a TTY: plain progress lines on stderr, no escape codes; the table on stdout.
    expect(run.stderr).toContain(`${id}: 0/3 running (3 pending)\n`);
    expect(run.stderr).toContain(`${id}: 3/3 running\n`);
    expect(run.stderr).not.toContain('\x1b');
    expect(run.stdout.split('\n').filter((l) => /RUNNING\s+local-1/.test(l))).toHaveLength(3);
  });

  it('submit --wait on a batch job waits until every task has completed', async () => {
    const before = new Set(api.store.state.jobs.keys());
    const batch = path.join(dir, 'batch-wait.json');
    fs.writeFileSync(batch, JSON.stringify({ ...JSON.parse(fs.readFileSync(examples('batch-job.json'), 'utf8')), name: 'batch-wait' }));
    const waiting = stowage('submit', '-f', batch, '--wait', '--timeout', '30');
    await until('the submitted job', () => [...api.store.state.jobs.keys()].some((k) => !before.has(k)));
    const id = [...api.store.state.jobs.keys()].find((k) => !before.has(k))!;
    setTasks(id, (t) => ({ status: t.slot < 2 ? 'COMPLETED' : 'RUNNING', nodeId: 'local-1', exitCode: t.slot < 2 ? 0 : undefined }));
    await until('two polls of the job', () => api.requests.filter((r) => r === `GET /jobs/${id}`).length >= 2);
    setTasks(id, () => ({ status: 'COMPLETED', exitCode: 0 }));
    const run = await waiting;
    expect(run.status).toBe(0);
    expect(idIn(run.stdout)).toBe(id);
    expect(run.stderr).toContain(`${id}: 4/4 finished\n`);
  });

  it('--wait exits 1 with the reasons when a replica cannot be placed or fails, and on --timeout', async () => {
    const id = await submitted('web-service.json');
    setTasks(id, (t) => (t.slot === 1 ? { status: 'UNSCHEDULABLE', reason: 'no instance type fits 250m CPU / 64 MiB in zones [mars-1a]' } : t.slot === 2 ? { status: 'FAILED', nodeId: 'local-1', exitCode: 2 } : {}));
    const failed = await stowage('status', id, '--wait');
    expect(failed.status).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toContain(`stowage: job ${id} will not be running:\n  slot 1 (${id}.1) UNSCHEDULABLE: no instance type fits 250m CPU / 64 MiB in zones [mars-1a]\n  slot 2 (${id}.2) FAILED on local-1: exited 2\n`);

    const slow = await submitted('web-service.json');
    const timedOut = await stowage('status', slow, '--wait', '--timeout', '1');
    expect(timedOut.status).toBe(1);
    expect(timedOut.stderr).toContain(`stowage: job ${slow} is not all running after 1 s (--timeout): 0/3 running (3 pending); still waiting on:\n  slot 0 (${slow}.0) PENDING: waiting for the next scheduling pass`);

    const noId = await stowage('status', '--wait');
    expect([noId.status, noId.stderr]).toEqual([1, 'stowage: --wait needs a job: stowage status <name> --wait\n']);
  });

  it('stop requests the stop, --json prints the answer, and --wait waits until every task has stopped', async () => {
    const id = await submitted('web-service.json');
    const plain = await stowage('stop', id);
    expect([plain.status, plain.stderr]).toEqual([0, '']);
    expect(plain.stdout).toBe(`${id}: stop requested; its tasks stop at the next scheduling pass\n`);
    expect(api.store.state.jobs.get(id)?.stopRequestedAt).toEqual(expect.any(Number));

    const json = await stowage('stop', id, '--json');
    expect(JSON.parse(json.stdout)).toEqual({ jobId: id, stopRequested: true });

    const other = await submitted('web-service.json');
    setTasks(other, () => ({ status: 'RUNNING', nodeId: 'local-1' }));
    const waiting = stowage('stop', other, '--wait', '--timeout', '30');
    await until('two polls of the job', () => api.requests.filter((r) => r === `GET /jobs/${other}`).length >= 2);
    setTasks(other, () => ({ status: 'STOPPED', reason: 'job stopped' }));
    const run = await waiting;
    expect(run.status).toBe(0);
    expect(run.stderr).toContain(`${other}: 3/3 stopped\n`);
  });

  it('says which token the API refused (401), exit 1', async () => {
    const wrongEnv = await runStowage(['status'], { env: { ...env, STOWAGE_API_URL: api.url, STOWAGE_TOKEN: 'not-the-token' } });
    expect(wrongEnv.status).toBe(1);
    expect(wrongEnv.stderr).toMatch(new RegExp(`^stowage: GET ${api.url}/jobs was refused \\(HTTP 401 unauthenticated\\): this API takes .*\nthe API refused the token from STOWAGE_TOKEN\n$`));

    const other = path.join(dir, 'wrong-token');
    writeCredentials({ apiUrl: api.url, token: 'stale-token', pid: process.pid, startedAt: '' }, other);
    const wrongFile = await runStowage(['nodes'], { env: { ...env, STOWAGE_LOCAL_DIR: other } });
    expect(wrongFile.status).toBe(1);
    expect(wrongFile.stderr).toContain(`the API refused the token from the local cloud's token in ${path.join(other, 'credentials.json')} (restart \`npm run local\` to renew it)`);
  });

  it('says to start the local cloud when there is no credential, or nothing answers at its URL', async () => {
    const none = await runStowage(['status'], { env: { ...env, STOWAGE_LOCAL_DIR: path.join(dir, 'absent') } });
    expect(none.status).toBe(1);
    expect(none.stderr).toBe(`stowage: no local cloud credential at ${path.join(dir, 'absent', 'credentials.json')}; start one with \`npm run local\` (or pass --api-url for a deployment)\n`);

    const port = await freePort();
    const closed = await runStowage(['status'], { env: { ...env, STOWAGE_API_URL: `http://127.0.0.1:${port}` } });
    expect(closed.status).toBe(1);
    expect(closed.stderr).toBe(`stowage: cannot reach the Stowage API: GET http://127.0.0.1:${port}/jobs failed (ECONNREFUSED); is \`npm run local\` running? (the URL came from STOWAGE_API_URL)\n`);
  });
});

/** A port nothing listens on: bound once by the OS, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
