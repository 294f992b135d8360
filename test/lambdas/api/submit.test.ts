import { createHandler } from '../../../lambdas/api/submit';
import { StoreUnavailableError } from '../../../control/state/errors';
import { DEFAULT_BATCH_RESTART, DEFAULT_SERVICE_RESTART } from '../../../core/policy';
import { apiEvent, InMemoryPersistenceLayer, json, lambdaContext, testDeps } from './events';

const VALID = {
  name: 'web',
  image: 'registry.example.com:5000/team/web:1.2.3',
  command: ['nginx', '-g', 'daemon off;'],
  env: { PORT: '8080' },
  cpu: 500,
  memoryMiB: 256,
  count: 3,
};

function setup() {
  const deps = testDeps();
  const idempotencyStore = new InMemoryPersistenceLayer();
  let n = 0;
  const handler = createHandler({ ...deps, idempotencyStore, newJobId: () => `job-${(++n).toString(16).padStart(20, '0')}` });
  const submit = (body: unknown, headers: Record<string, string> = {}) => handler(apiEvent('POST', '/jobs', { body, headers }), lambdaContext());
  return { deps, handler, submit, idempotencyStore };
}

describe('POST /jobs', () => {
  it('answers 202 with the job id and stores the job with its tasks PENDING', async () => {
    const { deps, submit } = setup();
    const res = await submit(VALID);
    expect(res.statusCode).toBe(202);
    const body = json(res);
    expect(body.jobId).toMatch(/^job-[0-9a-f]{20}$/);
    expect(body.taskIds).toEqual([0, 1, 2].map((s) => `${body.jobId}.${s}`));
    const stored = await deps.store.getJob(body.jobId);
    expect(stored?.job).toMatchObject({ name: 'web', image: VALID.image, command: VALID.command, env: VALID.env, resources: { cpu: 500, memoryMiB: 256 }, kind: 'service', doNotDisrupt: false, createdAt: 1_800_000_000_000 });
    expect(stored?.job.restart).toEqual(DEFAULT_SERVICE_RESTART);
    expect(stored?.tasks).toHaveLength(3);
    for (const t of stored!.tasks) expect(t).toMatchObject({ jobId: body.jobId, generation: 0, status: 'PENDING', restarts: 0, resources: { cpu: 500, memoryMiB: 256 }, createdAt: 1_800_000_000_000 });
  });

  it("stores the job's capacity choice, and nothing when it makes none (its kind's default applies at reading)", async () => {
    const { deps, submit } = setup();
    const spot = json(await submit({ ...VALID, name: 'crunch', kind: 'batch', capacity: 'spot' }));
    expect((await deps.store.getJob(spot.jobId))?.job.capacity).toBe('spot');
    const plain = json(await submit(VALID));
    expect((await deps.store.getJob(plain.jobId))?.job).not.toHaveProperty('capacity');
    const bad = await submit({ ...VALID, name: 'odd', capacity: 'reserved' });
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error.fields).toEqual([expect.objectContaining({ field: 'capacity', rule: 'must be one of "on-demand", "spot", "spot-or-on-demand"' })]);
  });

  it('makes random job ids of the documented shape by default', async () => {
    const deps = testDeps();
    const handler = createHandler({ ...deps, idempotencyStore: new InMemoryPersistenceLayer() });
    const a = json(await handler(apiEvent('POST', '/jobs', { body: VALID }), lambdaContext()));
    const b = json(await handler(apiEvent('POST', '/jobs', { body: VALID }), lambdaContext()));
    expect(a.jobId).toMatch(/^job-[0-9a-f]{20}$/);
    expect(b.jobId).not.toBe(a.jobId);
  });

  it('fills a batch job restart policy from the batch default and keeps given fields', async () => {
    const { deps, submit } = setup();
    const id = json(await submit({ ...VALID, kind: 'batch', restart: { mode: 'on-failure', initialDelayMs: 500 } })).jobId;
    const { job } = (await deps.store.getJob(id))!;
    expect(job.kind).toBe('batch');
    expect(job.restart).toEqual({ ...DEFAULT_BATCH_RESTART, initialDelayMs: 500 });
    expect(json(await submit({ ...VALID, name: 'other', kind: 'batch' })).jobId).toBeDefined();
    expect((await deps.store.getJob('job-00000000000000000002'))!.job.restart).toEqual(DEFAULT_BATCH_RESTART);
  });

  it('lists every invalid field in one 400, naming the field and the rule', async () => {
    const { deps, submit } = setup();
    const res = await submit({
      name: 'Web_Server',
      image: 'nginx latest',
      command: 'nginx -g daemon',
      env: { '1BAD': 'x', OK: 'y'.repeat(4097) },
      cpu: 0,
      memoryMiB: 1.5,
      count: 1001,
      kind: 'daemon',
      restart: { mode: 'always', maxRestarts: -1, initialDelayMs: 10_000, maxDelayMs: 5_000 },
      constraints: { zones: ['us east'] },
    });
    expect(res.statusCode).toBe(400);
    const { error } = json(res);
    expect(error.code).toBe('validation-failed');
    const fields = error.fields.map((f: { field: string }) => f.field);
    expect(fields).toEqual(
      expect.arrayContaining(['name', 'image', 'command', 'env.1BAD', 'env.OK', 'cpu', 'memoryMiB', 'count', 'kind', 'restart.maxRestarts', 'constraints.zones[0]']),
    );
    for (const f of error.fields) expect(f.rule).toEqual(expect.any(String));
    expect(error.fields.find((f: { field: string }) => f.field === 'count').rule).toBe('must be at most 1000');
    expect(error.fields.find((f: { field: string }) => f.field === 'cpu').rule).toBe('must be at least 1');
    expect(error.message).toContain('count: must be at most 1000');
    expect(deps.store.state.jobs.size).toBe(0);
  });

  it('names a missing required field as required', async () => {
    const { submit } = setup();
    const { name: _omit, ...rest } = VALID;
    void _omit;
    const { error } = json(await submit(rest));
    expect(error.fields).toEqual([{ field: 'name', rule: 'is required (string)' }]);
  });

  it('refuses the restart window when the initial delay exceeds the maximum', async () => {
    const { submit } = setup();
    const { error } = json(await submit({ ...VALID, restart: { mode: 'always', initialDelayMs: 10_000, maxDelayMs: 5_000 } }));
    expect(error.fields).toEqual([{ field: 'restart.initialDelayMs', rule: 'initialDelayMs must not exceed maxDelayMs' }]);
  });

  it.each([
    ['privileged', { privileged: true }],
    ['volumes', { volumes: ['/:/host'] }],
    ['network', { network: 'host' }],
    ['user', { user: 'root' }],
  ])('refuses the unknown field %s by name and stores nothing', async (field, extra) => {
    const { deps, submit } = setup();
    const res = await submit({ ...VALID, ...extra });
    expect(res.statusCode).toBe(400);
    expect(json(res).error.fields).toEqual([{ field, rule: expect.stringContaining('unknown field') }]);
    expect(deps.store.state.jobs.size).toBe(0);
  });

  it('refuses unknown fields nested in restart and constraints', async () => {
    const { submit } = setup();
    const res = await submit({ ...VALID, restart: { mode: 'never', shell: true }, constraints: { devices: ['/dev/kvm'] } });
    expect(json(res).error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['constraints.devices', 'restart.shell']);
  });

  it('answers 413 for a body over 64 KiB, before parsing it, and stores nothing', async () => {
    const { deps, handler } = setup();
    const big = JSON.stringify({ ...VALID, env: { PAD: 'x'.repeat(70_000) } });
    const res = await handler(apiEvent('POST', '/jobs', { rawBody: big }), lambdaContext());
    expect(res.statusCode).toBe(413);
    expect(json(res).error.code).toBe('payload-too-large');
    const res64 = await handler(apiEvent('POST', '/jobs', { rawBody: big, base64: true }), lambdaContext());
    expect(res64.statusCode).toBe(413);
    // Not valid JSON either: size is checked first.
    expect((await handler(apiEvent('POST', '/jobs', { rawBody: '{' + ' '.repeat(70_000) }), lambdaContext())).statusCode).toBe(413);
    expect(deps.store.state.jobs.size).toBe(0);
  });

  it('counts bytes, not characters, against the limit', async () => {
    const { handler } = setup();
    // 30 000 three-byte characters: 90 000 bytes in 30 000 UTF-16 units.
    const res = await handler(apiEvent('POST', '/jobs', { rawBody: JSON.stringify({ ...VALID, env: { PAD: '€'.repeat(30_000) } }) }), lambdaContext());
    expect(res.statusCode).toBe(413);
  });

  it('accepts a base64-encoded body', async () => {
    const { handler } = setup();
    const res = await handler(apiEvent('POST', '/jobs', { body: VALID, base64: true }), lambdaContext());
    expect(res.statusCode).toBe(202);
  });

  it.each([
    ['truncated JSON', '{"name": "web", '],
    ['not JSON at all', 'name=web&image=nginx'],
    ['an empty body', ''],
  ])('answers 400 for %s', async (_what, raw) => {
    const { deps, handler } = setup();
    const res = await handler(apiEvent('POST', '/jobs', { rawBody: raw }), lambdaContext());
    expect(res.statusCode).toBe(400);
    expect(json(res).error.code).toBe('malformed-body');
    expect(deps.store.state.jobs.size).toBe(0);
  });

  it('answers 400 for JSON that is not an object', async () => {
    const { handler } = setup();
    const res = await handler(apiEvent('POST', '/jobs', { rawBody: '[1,2]' }), lambdaContext());
    expect(res.statusCode).toBe(400);
    expect(json(res).error.code).toBe('validation-failed');
  });

  it('stores shell metacharacters in command and env verbatim, as data', async () => {
    const { deps, submit } = setup();
    const command = ['sh', '-c', 'echo $(whoami) && rm -rf / ; `id` | tee >/tmp/x'];
    const env = { GREETING: "hi; $(rm -rf /) && echo 'x' > /etc/passwd", PATH_EXTRA: '`reboot`|&' };
    const res = await submit({ ...VALID, command, env });
    expect(res.statusCode).toBe(202);
    const { job } = (await deps.store.getJob(json(res).jobId))!;
    expect(job.command).toEqual(command);
    expect(job.env).toEqual(env);
  });

  it.each(['nginx;rm -rf /', 'nginx$(id)', 'nginx latest', 'nginx`id`', 'nginx|sh', 'nginx&&x', 'Nginx', 'nginx:', 'nginx@sha256:abc', '../etc', 'a'.repeat(256)])(
    'refuses the image %s',
    async (image) => {
      const { deps, submit } = setup();
      const res = await submit({ ...VALID, image });
      expect(res.statusCode).toBe(400);
      expect(json(res).error.fields.map((f: { field: string }) => f.field)).toEqual(['image']);
      expect(deps.store.state.jobs.size).toBe(0);
    },
  );

  it.each(['nginx', 'nginx:1.25-alpine', 'library/nginx', 'localhost:5000/team/app_x:v1', 'ghcr.io/org/my-app', `busybox@sha256:${'a'.repeat(64)}`, `ecr.aws/x/y:1@sha256:${'0'.repeat(64)}`])(
    'accepts the image %s',
    async (image) => {
      const { submit } = setup();
      expect((await submit({ ...VALID, image })).statusCode).toBe(202);
    },
  );

  describe('Idempotency-Key', () => {
    it('returns the same 202 body for a retry and creates one job', async () => {
      const { deps, submit } = setup();
      const first = await submit(VALID, { 'Idempotency-Key': 'retry-1' });
      const second = await submit(VALID, { 'Idempotency-Key': 'retry-1' });
      expect(first.statusCode).toBe(202);
      expect(second.statusCode).toBe(202);
      expect(json(second)).toEqual(json(first));
      expect(deps.store.state.jobs.size).toBe(1);
      expect(deps.store.state.tasks.size).toBe(3);
    });

    it('treats a retry differing only in key order and defaults as the same request', async () => {
      const { deps, submit } = setup();
      const first = json(await submit(VALID, { 'Idempotency-Key': 'k' }));
      const reordered = { count: 3, memoryMiB: 256, cpu: 500, env: { PORT: '8080' }, command: VALID.command, image: VALID.image, name: 'web', kind: 'service', doNotDisrupt: false };
      expect(json(await submit(reordered, { 'Idempotency-Key': 'k' }))).toEqual(first);
      expect(deps.store.state.jobs.size).toBe(1);
    });

    it('refuses the same key with a different body with 422 and creates no second job', async () => {
      const { deps, submit } = setup();
      await submit(VALID, { 'Idempotency-Key': 'reused' });
      const res = await submit({ ...VALID, count: 5 }, { 'Idempotency-Key': 'reused' });
      expect(res.statusCode).toBe(422);
      expect(json(res).error.code).toBe('idempotency-key-reused');
      expect(deps.store.state.jobs.size).toBe(1);
      expect(deps.store.state.tasks.size).toBe(3);
    });

    it('creates separate jobs for separate keys, and for submits without a key', async () => {
      const { deps, submit } = setup();
      // Under four names: a live job's name is its identity (a second `web` is refused, tested below).
      await submit({ ...VALID, name: 'web-a' }, { 'Idempotency-Key': 'a' });
      await submit({ ...VALID, name: 'web-b' }, { 'Idempotency-Key': 'b' });
      await submit({ ...VALID, name: 'web-c' });
      await submit({ ...VALID, name: 'web-d' });
      expect(deps.store.state.jobs.size).toBe(4);
    });

    it('answers 409 while the first submit with the key is still in progress', async () => {
      const { deps, handler } = setup();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const createJob = deps.store.createJob.bind(deps.store);
      deps.store.createJob = async (job, tasks) => {
        await gate;
        return createJob(job, tasks);
      };
      const event = () => apiEvent('POST', '/jobs', { body: VALID, headers: { 'Idempotency-Key': 'slow' } });
      const first = handler(event(), lambdaContext());
      await new Promise((r) => setImmediate(r));
      const second = await handler(event(), lambdaContext());
      expect(second.statusCode).toBe(409);
      expect(json(second).error.code).toBe('idempotency-in-progress');
      release();
      expect((await first).statusCode).toBe(202);
      expect(deps.store.state.jobs.size).toBe(1);
    });

    it('lets a retry succeed after the first attempt failed, with one job in the end', async () => {
      const { deps, submit } = setup();
      const createJob = deps.store.createJob.bind(deps.store);
      let fail = true;
      deps.store.createJob = async (job, tasks) => {
        if (fail) throw new Error('DynamoDB exploded at 10.0.0.7');
        return createJob(job, tasks);
      };
      const bad = await submit(VALID, { 'Idempotency-Key': 'flaky' });
      expect(bad.statusCode).toBe(500);
      expect(bad.body).not.toContain('10.0.0.7');
      fail = false;
      expect((await submit(VALID, { 'Idempotency-Key': 'flaky' })).statusCode).toBe(202);
      expect(deps.store.state.jobs.size).toBe(1);
    });

    it.each(['', 'has space', 'x'.repeat(129), 'semi;colon'])('refuses the malformed key %j with 400', async (key) => {
      const { deps, submit } = setup();
      const res = await submit(VALID, { 'Idempotency-Key': key });
      expect(res.statusCode).toBe(400);
      expect(json(res).error.fields[0].field).toBe('header.Idempotency-Key');
      expect(deps.store.state.jobs.size).toBe(0);
    });
  });

  it('answers 503 with Retry-After when the store is unavailable', async () => {
    const { deps, submit } = setup();
    deps.store.createJob = async () => {
      throw new StoreUnavailableError('createJob');
    };
    const res = await submit(VALID);
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('1');
  });

  describe('retries that outlive the idempotency record', () => {
    it('fills in the same job rather than making a second one when a retry runs again (the first attempt died before its record completed)', async () => {
      const deps = testDeps();
      const first = createHandler({ ...deps, idempotencyStore: new InMemoryPersistenceLayer() });
      const headers = { 'Idempotency-Key': 'deploy-42' };
      const a = json(await first(apiEvent('POST', '/jobs', { body: VALID, headers }), lambdaContext()));
      // A fresh record store: as if the first attempt's record never completed and expired.
      deps.clock.set(1_800_000_060_000);
      const again = createHandler({ ...deps, idempotencyStore: new InMemoryPersistenceLayer() });
      const res = await again(apiEvent('POST', '/jobs', { body: VALID, headers }), lambdaContext());
      expect(res.statusCode).toBe(202);
      expect(json(res)).toEqual(a);
      expect(await deps.store.listJobs()).toHaveLength(1);
      expect((await deps.store.snapshot()).tasks).toHaveLength(3);
    });

    it('never lets two callers who pick the same key share a job', async () => {
      const { deps, handler } = setup();
      const headers = { 'Idempotency-Key': 'same-key' };
      const alice = json(await handler(apiEvent('POST', '/jobs', { body: VALID, headers, userArn: 'arn:aws:iam::123456789012:user/alice' }), lambdaContext()));
      const bob = json(await handler(apiEvent('POST', '/jobs', { body: { ...VALID, name: 'web-bob' }, headers, userArn: 'arn:aws:iam::123456789012:user/bob' }), lambdaContext()));
      expect(alice.jobId).not.toBe(bob.jobId);
      expect(await deps.store.listJobs()).toHaveLength(2);
    });
  });
});
