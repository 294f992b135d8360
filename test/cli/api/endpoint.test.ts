import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiClient, clientFromOptions } from '../../../cli/api/client';
import { apiUrlFromOutputs, resolveEndpoint, type Endpoint } from '../../../cli/api/endpoint';
import { ApiConfigError, ApiConnectionError, ApiRequestError } from '../../../cli/api/errors';
import { assess, currentCopies } from '../../../cli/api/job-wait';
import { assembleJob } from '../../../cli/commands/submit';
import { Progress } from '../../../cli/progress';
import type { JobResponse } from '../../../contract/job-view';
import { jobSpecSchema } from '../../../contract/job-spec';
import type { TaskView } from '../../../contract/task-view';
import { LocalCredentialsError, writeCredentials } from '../../../local/credentials';
import { jobView } from '../fixtures';

const EXECUTE_API = 'https://abc123.execute-api.us-east-1.amazonaws.com/';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A fetch that records what it was given and answers from a list (the last answer repeats). */
function fakeFetch(...answers: Array<{ status: number; body?: unknown; headers?: Record<string, string> }>): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const impl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    sent.push({ url: String(input), method: init?.method ?? 'GET', headers: { ...(init?.headers as Record<string, string>) }, body: init?.body as string | undefined });
    const a = answers[Math.min(sent.length - 1, answers.length - 1)];
    const text = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
    return new Response(a.status === 204 ? null : text, { status: a.status, headers: a.headers });
  };
  return { fetch: impl as typeof fetch, sent };
}

describe('resolveEndpoint', () => {
  let dir: string;
  let localDir: string;
  let outputs: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-endpoint-'));
    localDir = path.join(dir, 'local');
    writeCredentials({ apiUrl: 'http://127.0.0.1:7777/', token: 'local-token', pid: process.pid, startedAt: '2026-11-27T00:00:00Z' }, localDir);
    outputs = path.join(dir, 'outputs.json');
    fs.writeFileSync(outputs, JSON.stringify({ StowageStack: { JobsTableName: 'jobs', ApiUrl: 'https://out123.execute-api.eu-west-2.amazonaws.com/' } }));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ STOWAGE_LOCAL_DIR: localDir, ...extra });

  it('takes --api-url over STOWAGE_API_URL over --outputs over the local credential', () => {
    const all = env({ STOWAGE_API_URL: 'http://env.example:9000' });
    expect(resolveEndpoint({ apiUrl: 'http://flag.example:8000/', outputs }, all)).toEqual({ baseUrl: 'http://flag.example:8000', source: '--api-url', auth: { kind: 'none' } });
    expect(resolveEndpoint({ outputs }, all).baseUrl).toBe('http://env.example:9000');
    expect(resolveEndpoint({ outputs }, env())).toMatchObject({ baseUrl: 'https://out123.execute-api.eu-west-2.amazonaws.com', auth: { kind: 'sigv4', region: 'eu-west-2' } });
    const local = resolveEndpoint({}, env());
    expect(local.baseUrl).toBe('http://127.0.0.1:7777');
    expect(local.auth).toMatchObject({ kind: 'bearer', token: 'local-token' });
    expect(local.source).toContain(path.join(localDir, 'credentials.json'));
  });

  it("calls the local cloud with STOWAGE_TOKEN (a local user's token) instead of the admin's token when it is set", () => {
    const asUser = resolveEndpoint({}, env({ STOWAGE_TOKEN: ' u.alice.mac \n' }));
    expect(asUser.baseUrl).toBe('http://127.0.0.1:7777');
    expect(asUser.auth).toMatchObject({ kind: 'bearer', token: 'u.alice.mac', source: expect.stringContaining('STOWAGE_TOKEN') });
  });

  it('signs execute-api URLs for their region, any URL when --region is given, and uses STOWAGE_TOKEN otherwise', () => {
    expect(resolveEndpoint({ apiUrl: EXECUTE_API }, env()).auth).toEqual({ kind: 'sigv4', region: 'us-east-1' });
    expect(resolveEndpoint({ apiUrl: EXECUTE_API, region: 'ap-southeast-2' }, env()).auth).toEqual({ kind: 'sigv4', region: 'ap-southeast-2' });
    expect(resolveEndpoint({ apiUrl: 'https://api.example.com', region: 'eu-central-1' }, env()).auth).toEqual({ kind: 'sigv4', region: 'eu-central-1' });
    expect(resolveEndpoint({ apiUrl: 'https://api.example.com' }, env({ STOWAGE_TOKEN: ' secret \n' })).auth).toEqual({ kind: 'bearer', token: 'secret', source: 'STOWAGE_TOKEN' });
  });

  it('refuses a bad --api-url or --region, naming the option', () => {
    expect(() => resolveEndpoint({ apiUrl: 'not a url' }, env())).toThrow(/--api-url is not a URL: "not a url"/);
    expect(() => resolveEndpoint({ apiUrl: 'ftp://x.example' }, env())).toThrow(/--api-url must be an http\(s\) URL/);
    expect(() => resolveEndpoint({}, env({ STOWAGE_API_URL: 'localhost:8080/x y' }))).toThrow(/STOWAGE_API_URL/);
    expect(() => resolveEndpoint({ apiUrl: EXECUTE_API, region: 'Mars' }, env())).toThrow(/--region must be an AWS region such as us-east-1, got "Mars"/);
  });

  it('says how to start the local cloud when its credential is missing', () => {
    const empty = path.join(dir, 'nothing-here');
    const err = catchError(() => resolveEndpoint({}, { STOWAGE_LOCAL_DIR: empty }));
    expect(err).toBeInstanceOf(LocalCredentialsError);
    expect(err.message).toBe(`no local cloud credential at ${path.join(empty, 'credentials.json')}; start one with \`npm run local\` (or pass --api-url for a deployment)`);
  });

  it('refuses a credential left by a local cloud that has exited', () => {
    // A pid that surely belonged to a process and is gone now: a child that has exited and been reaped.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const stale = path.join(dir, 'stale');
    writeCredentials({ apiUrl: 'http://127.0.0.1:7777', token: 't', pid: dead, startedAt: '' }, stale);
    const err = catchError(() => resolveEndpoint({}, { STOWAGE_LOCAL_DIR: stale }));
    expect(err).toBeInstanceOf(LocalCredentialsError);
    expect(err.message).toContain(`(pid ${dead}) is not running; start it with \`npm run local\``);
  });
});

describe('apiUrlFromOutputs', () => {
  let dir: string;
  const write = (name: string, content: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-outputs-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the ApiUrl output, or a key containing it, without the trailing slash', () => {
    expect(apiUrlFromOutputs(write('a.json', JSON.stringify({ Stowage: { ApiUrl: EXECUTE_API } })))).toBe('https://abc123.execute-api.us-east-1.amazonaws.com');
    expect(apiUrlFromOutputs(write('b.json', JSON.stringify({ Other: { Foo: 'x' }, Stowage: { StowageApiUrlA1B2C3: 'https://x.execute-api.us-west-2.amazonaws.com/' } })))).toBe(
      'https://x.execute-api.us-west-2.amazonaws.com',
    );
  });

  it('names the file and what is wrong with it', () => {
    const missingKey = write('no-key.json', JSON.stringify({ Stowage: { JobsTableName: 'jobs' } }));
    expect(() => apiUrlFromOutputs(missingKey)).toThrow(`the outputs file ${missingKey} has no output named like "ApiUrl" in any stack (stacks: Stowage)`);
    const badJson = write('bad.json', '{ "Stowage": ');
    const err = catchError(() => apiUrlFromOutputs(badJson));
    expect(err).toBeInstanceOf(ApiConfigError);
    expect((err as ApiConfigError).option).toBe('--outputs');
    expect(err.message).toMatch(new RegExp(`^the outputs file ${escape(badJson)} is not JSON \\(.+\\); write it again with \`npx cdk deploy --outputs-file`));
    const absent = path.join(dir, 'absent.json');
    expect(() => apiUrlFromOutputs(absent)).toThrow(`cannot read the outputs file ${absent} (ENOENT)`);
    const two = write('two.json', JSON.stringify({ A: { ApiUrl: 'https://a.example' }, B: { ApiUrl: 'https://b.example' } }));
    expect(() => apiUrlFromOutputs(two)).toThrow(/more than one stack \(A\.ApiUrl, B\.ApiUrl\); pass the one you mean with --api-url/);
    expect(() => apiUrlFromOutputs(write('num.json', JSON.stringify({ S: { ApiUrl: 42 } })))).toThrow(/S\.ApiUrl in the outputs file .* is not a string URL/);
  });
});

describe('ApiClient', () => {
  const SAVED = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'].map((k) => [k, process.env[k]] as const);
  afterEach(() => {
    for (const [k, v] of SAVED) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('signs requests to an execute-api URL with SigV4 from the default credential chain (env here)', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDCLITEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret/cli/test';
    process.env.AWS_SESSION_TOKEN = 'session-cli';
    delete process.env.AWS_PROFILE;
    const { fetch, sent } = fakeFetch({ status: 200, body: { jobs: [] } });
    const client = await clientFromOptions({ apiUrl: EXECUTE_API }, {}, { fetch });
    await expect(client.request('GET', '/jobs', { query: { limit: '5' } })).resolves.toEqual({ jobs: [] });
    expect(sent[0].url).toBe('https://abc123.execute-api.us-east-1.amazonaws.com/jobs?limit=5');
    const h = sent[0].headers;
    expect(h.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDCLITEST\/\d{8}\/us-east-1\/execute-api\/aws4_request, SignedHeaders=\S*host\S*, Signature=[0-9a-f]{64}$/);
    expect(h['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(h['x-amz-security-token']).toBe('session-cli');

    const regional = await clientFromOptions({ apiUrl: EXECUTE_API, region: 'eu-west-1' }, {}, { fetch });
    await regional.request('POST', '/jobs', { body: { a: 1 }, headers: { 'Idempotency-Key': 'k1' } });
    expect(sent[1].headers.authorization).toContain('/eu-west-1/execute-api/aws4_request');
    expect(sent[1].headers.authorization).toMatch(/SignedHeaders=[^,]*idempotency-key/);
    expect(sent[1].headers['content-type']).toBe('application/json');
    expect(sent[1].body).toBe('{"a":1}');
  });

  it("sends the local credential's token as a Bearer header, and nothing on an unsigned URL", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-bearer-'));
    try {
      writeCredentials({ apiUrl: 'http://127.0.0.1:7777', token: 'tok-local', pid: process.pid, startedAt: '' }, dir);
      const { fetch, sent } = fakeFetch({ status: 200, body: { nodes: [] } });
      await (await clientFromOptions({}, { STOWAGE_LOCAL_DIR: dir }, { fetch })).request('GET', '/nodes');
      expect(sent[0].url).toBe('http://127.0.0.1:7777/nodes');
      expect(sent[0].headers.authorization).toBe('Bearer tok-local');
      await (await clientFromOptions({ apiUrl: 'http://plain.example' }, {}, { fetch })).request('GET', '/nodes');
      expect(sent[1].headers.authorization).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  const plain: Endpoint = { baseUrl: 'http://127.0.0.1:1', source: '--api-url', auth: { kind: 'bearer', token: 't', source: 'STOWAGE_TOKEN' } };

  it("turns a non-2xx answer into ApiRequestError with the API's code, message and one line per field", async () => {
    const body = { error: { code: 'validation-failed', message: 'job is invalid: name: bad; cpu: must be an integer', fields: [{ field: 'name', rule: 'bad' }, { field: 'cpu', rule: 'must be an integer' }] } };
    const client = new ApiClient({ endpoint: plain, fetch: fakeFetch({ status: 400, body }).fetch });
    const err = await client.request('POST', '/jobs', { body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiRequestError);
    const e = err as ApiRequestError;
    expect([e.status, e.code, e.apiMessage]).toEqual([400, 'validation-failed', body.error.message]);
    expect(e.fields).toEqual(body.error.fields);
    expect(e.message).toBe('POST http://127.0.0.1:1/jobs was refused (HTTP 400 validation-failed):\n  name: bad\n  cpu: must be an integer');
  });

  it('says which token was refused on a 401, and reads API Gateway\'s own { message } bodies', async () => {
    const unauthorised = new ApiClient({ endpoint: plain, fetch: fakeFetch({ status: 401, body: { error: { code: 'unauthorized', message: 'missing or wrong bearer token' } } }).fetch });
    await expect(unauthorised.request('GET', '/jobs')).rejects.toThrow('GET http://127.0.0.1:1/jobs was refused (HTTP 401 unauthorized): missing or wrong bearer token\nthe API refused the token from STOWAGE_TOKEN');
    const sigv4: Endpoint = { baseUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com', source: '--api-url', auth: { kind: 'sigv4', region: 'us-east-1' } };
    const forbidden = new ApiClient({ endpoint: sigv4, sign: async () => ({}), fetch: fakeFetch({ status: 403, body: { message: 'Forbidden' } }).fetch });
    const err = (await forbidden.request('GET', '/jobs').catch((e: unknown) => e)) as ApiRequestError;
    expect([err.status, err.code, err.apiMessage]).toEqual([403, 'forbidden', 'Forbidden']);
    expect(err.message).toContain('may call execute-api:Invoke on this API, and that its region is us-east-1');
  });

  it('names the URL and the socket code when nothing listens, and asks whether the local cloud runs', async () => {
    const port = await freePort();
    const client = new ApiClient({ endpoint: { ...plain, baseUrl: `http://127.0.0.1:${port}`, source: 'local credential file /x/credentials.json' } });
    const err = (await client.request('GET', '/jobs').catch((e: unknown) => e)) as ApiConnectionError;
    expect(err).toBeInstanceOf(ApiConnectionError);
    expect(err.socketCode).toBe('ECONNREFUSED');
    expect(err.message).toBe(`cannot reach the Stowage API: GET http://127.0.0.1:${port}/jobs failed (ECONNREFUSED); is \`npm run local\` running? (the URL came from local credential file /x/credentials.json)`);
  });

  it('gives up after its timeout with a typed error', async () => {
    const hang = ((_url: string, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)))) as unknown as typeof fetch;
    const client = new ApiClient({ endpoint: plain, fetch: hang, timeoutMs: 50 });
    const err = (await client.request('GET', '/jobs').catch((e: unknown) => e)) as ApiConnectionError;
    expect(err).toBeInstanceOf(ApiConnectionError);
    expect(err.socketCode).toBe('TIMEOUT');
    expect(err.message).toMatch(/^GET http:\/\/127\.0\.0\.1:1\/jobs did not answer within 0\.05 s/);
  });

  it('retries a 503 for a POST with an Idempotency-Key, never for a POST without one', async () => {
    const answers = [{ status: 503, body: { error: { code: 'unavailable', message: 'busy' } } }, { status: 202, body: { jobId: 'job-1', taskIds: [] } }];
    const keyed = fakeFetch(...answers);
    const client = new ApiClient({ endpoint: plain, fetch: keyed.fetch, retryDelaysMs: [0, 0] });
    await expect(client.request('POST', '/jobs', { body: {}, headers: { 'Idempotency-Key': 'k' } })).resolves.toEqual({ jobId: 'job-1', taskIds: [] });
    expect(keyed.sent.map((s) => s.headers['idempotency-key'])).toEqual(['k', 'k']);
    const bare = fakeFetch(...answers);
    await expect(new ApiClient({ endpoint: plain, fetch: bare.fetch, retryDelaysMs: [0, 0] }).request('POST', '/jobs', { body: {} })).rejects.toMatchObject({ status: 503 });
    expect(bare.sent).toHaveLength(1);
    // A refusal is an answer: retrying it would only be refused again.
    const refused = fakeFetch({ status: 404, body: { error: { code: 'not-found', message: 'no job' } } });
    await expect(new ApiClient({ endpoint: plain, fetch: refused.fetch, retryDelaysMs: [0, 0] }).request('GET', '/jobs/x')).rejects.toMatchObject({ status: 404, code: 'not-found' });
    expect(refused.sent).toHaveLength(1);
  });
});

describe('the example jobs', () => {
  it.each(['web-service.json', 'batch-job.json'])('examples/%s is accepted by the job schema', (name) => {
    const job = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../examples', name), 'utf8'));
    const parsed = jobSpecSchema.safeParse(job);
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it('are a 3-replica service and a 4-task batch job on the local busybox image', () => {
    const web = jobSpecSchema.parse(JSON.parse(fs.readFileSync(path.join(__dirname, '../../../examples/web-service.json'), 'utf8')));
    const batch = jobSpecSchema.parse(JSON.parse(fs.readFileSync(path.join(__dirname, '../../../examples/batch-job.json'), 'utf8')));
    expect([web.kind, web.count, web.image]).toEqual(['service', 3, 'stowage/busybox:local']);
    expect([batch.kind, batch.count, batch.image]).toEqual(['batch', 4, 'stowage/busybox:local']);
  });
});

describe('assembleJob (stowage submit)', () => {
  const none = { env: {}, timeout: 120 };

  it('builds the body from flags and the command after --', () => {
    const job = assembleJob(['sleep', '60'], { ...none, name: 'sleeper', image: 'stowage/busybox:local', cpu: 100, memoryMib: 16, count: 2, kind: 'batch', env: { A: '1' }, restart: 'never', doNotDisrupt: true });
    expect(job).toEqual({ name: 'sleeper', image: 'stowage/busybox:local', cpu: 100, memoryMiB: 16, count: 2, kind: 'batch', env: { A: '1' }, restart: { mode: 'never' }, doNotDisrupt: true, command: ['sleep', '60'] });
    expect(jobSpecSchema.safeParse(job).success).toBe(true);
  });

  it("lays flags over the file's fields, merging env", () => {
    const file = path.join(__dirname, '../../../examples/web-service.json');
    const job = assembleJob([], { ...none, file, count: 5, env: { EXTRA: 'x' } });
    expect(job.count).toBe(5);
    expect(job.name).toBe('web');
    expect(job.env).toEqual({ GREETING: 'hello from stowage', EXTRA: 'x' });
  });

  it('refuses an empty submit, a file that is not JSON, and --max-restarts without a mode', () => {
    expect(() => assembleJob([], none)).toThrow(/^nothing to submit: give a job file with -f job.json/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-assemble-'));
    try {
      const bad = path.join(dir, 'bad.json');
      fs.writeFileSync(bad, '{ "name": ');
      expect(() => assembleJob([], { ...none, file: bad })).toThrow(new RegExp(`^the job file ${escape(bad)} is not JSON: `));
      const arr = path.join(dir, 'arr.json');
      fs.writeFileSync(arr, '[]');
      expect(() => assembleJob([], { ...none, file: arr })).toThrow(/must hold one JSON object \(a job\), got an array/);
      expect(() => assembleJob([], { ...none, file: path.join(dir, 'absent.json') })).toThrow(/cannot read the job file .*absent\.json \(ENOENT\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(() => assembleJob([], { ...none, name: 'x', maxRestarts: 3 })).toThrow(/--max-restarts needs a restart mode/);
  });
});

describe('assess (--wait)', () => {
  const task = (slot: number, status: TaskView['status'], extra: Partial<TaskView> = {}): TaskView => ({ id: `job-1.${slot}`, slot, generation: 0, version: 1, status, nodeId: null, restarts: 0, ...extra });
  const job = (kind: 'service' | 'batch', tasks: TaskView[], stopRequestedAt?: number): JobResponse =>
    ({ job: jobView({ id: 'job-1', count: 3, kind, ...(stopRequestedAt ? { stopRequestedAt } : {}) }), tasks });

  it('judges each slot by its newest generation', () => {
    const tasks = [task(0, 'FAILED'), task(0, 'RUNNING', { generation: 1 }), task(1, 'RUNNING'), task(2, 'RUNNING')];
    expect(currentCopies(tasks).map((t) => [t.slot, t.status])).toEqual([[0, 'RUNNING'], [1, 'RUNNING'], [2, 'RUNNING']]);
    expect(assess(job('service', tasks), 'running')).toMatchObject({ done: true, failures: [], progress: '3/3 running' });
  });

  it('counts progress and waits while replicas are on their way', () => {
    const a = assess(job('service', [task(0, 'RUNNING'), task(1, 'PENDING', { reason: 'waiting for the next scheduling pass' }), task(2, 'ASSIGNED', { nodeId: 'n1' })]), 'running');
    expect(a).toMatchObject({ done: false, failures: [], progress: '1/3 running (1 pending, 1 assigned)' });
    expect(a.waitingOn).toEqual(['slot 1 (job-1.1) PENDING: waiting for the next scheduling pass', 'slot 2 (job-1.2) ASSIGNED on n1']);
  });

  it('fails on UNSCHEDULABLE or FAILED replicas with their reasons, and on a stopped job', () => {
    const a = assess(job('batch', [task(0, 'COMPLETED'), task(1, 'UNSCHEDULABLE', { reason: 'no node type fits 300000m' }), task(2, 'FAILED', { exitCode: 3, nodeId: 'n1' })]), 'finished');
    expect(a.done).toBe(false);
    expect(a.failures).toEqual(['slot 1 (job-1.1) UNSCHEDULABLE: no node type fits 300000m', 'slot 2 (job-1.2) FAILED on n1: exited 3']);
    expect(assess(job('service', [task(0, 'RUNNING'), task(1, 'RUNNING'), task(2, 'RUNNING')], 5), 'running').failures[0]).toMatch(/^job job-1 was stopped/);
  });

  it('counts a stop done when no replica runs any more, whatever each ended as', () => {
    expect(assess(job('service', [task(0, 'STOPPED'), task(1, 'COMPLETED'), task(2, 'RUNNING')], 5), 'stopped')).toMatchObject({ done: false, progress: '2/3 stopped (1 running)' });
    expect(assess(job('service', [task(0, 'STOPPED'), task(1, 'FAILED'), task(2, 'STOPPED')], 5), 'stopped')).toMatchObject({ done: true, failures: [] });
  });
});

describe('Progress', () => {
  it('writes one plain line per change when not a TTY, with no escape codes', () => {
    let out = '';
    const p = new Progress({ write: (s: string) => (out += s) }, false);
    p.update('1/3 running');
    p.update('1/3 running');
    p.update('3/3 running');
    p.stop('3/3 running');
    expect(out).toBe('1/3 running\n3/3 running\n');
  });

  it('redraws one line in place on a TTY and clears it when stopped', () => {
    let out = '';
    const p = new Progress({ write: (s: string) => (out += s) }, true);
    p.update('0/2 running');
    p.update('2/2 running');
    p.stop('done');
    expect(out).toBe('\r\x1b[K| 0/2 running\r\x1b[K| 2/2 running\r\x1b[Kdone\n');
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
