import { createHandler } from '../../../lambdas/api/submit';
import { createHandler as jobsHandler } from '../../../lambdas/api/jobs';
import { apiEvent, InMemoryPersistenceLayer, json, lambdaContext, testDeps } from './events';

const WEB = {
  name: 'web',
  image: 'stowage/busybox:local',
  command: ['httpd', '-f', '-p', '8080'],
  cpu: 250,
  memoryMiB: 64,
  count: 3,
  ports: [{ name: 'http', containerPort: 8080, protocol: 'tcp' }],
};

function setup() {
  const deps = testDeps();
  let n = 0;
  const handler = createHandler({ ...deps, idempotencyStore: new InMemoryPersistenceLayer(), newJobId: () => `job-${(++n).toString(16).padStart(20, '0')}` });
  const submit = (body: unknown, headers: Record<string, string> = {}) => handler(apiEvent('POST', '/jobs', { body, headers }), lambdaContext());
  return { deps, submit };
}

/** The one field a refusal names, and the rule it gives, for a body that breaks one rule. */
async function refusal(body: unknown): Promise<{ status: number | undefined; fields: Array<{ field: string; rule: string }> }> {
  const { deps, submit } = setup();
  const res = await submit(body);
  expect(deps.store.state.jobs.size).toBe(0);
  return { status: res.statusCode, fields: json(res).error?.fields ?? [] };
}

describe('POST /jobs: service fields', () => {
  it('stores ports, expose, a health check with its timing defaults, stop grace and spread', async () => {
    const { deps, submit } = setup();
    const res = await submit({ ...WEB, expose: { port: 'http', path: '/web/*', host: 'Web.Example.COM' }, healthCheck: { http: { port: 'http', path: '/healthz' } }, cpuLimit: 500, capabilities: ['CHOWN'] });
    expect(res.statusCode).toBe(202);
    const { job } = (await deps.store.getJob(json(res).jobId))!;
    expect(job).toMatchObject({
      ports: [{ name: 'http', containerPort: 8080, protocol: 'tcp' }],
      expose: { port: 'http', path: '/web/*', host: 'web.example.com' },
      healthCheck: { http: { port: 'http', path: '/healthz' }, intervalSeconds: 10, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 0 },
      stopGraceSeconds: 30,
      spread: 'node',
      cpuLimit: 500,
      capabilities: ['CHOWN'],
    });
  });

  it.each([
    ['a service of 2 or more', { kind: 'service', count: 2 }, 'node'],
    ['a single-copy service', { kind: 'service', count: 1 }, 'none'],
    ['batch work', { kind: 'batch', count: 5 }, 'none'],
    ['an explicit choice', { kind: 'service', count: 3, spread: 'zone' }, 'zone'],
  ])('spreads %s by default as the kind and count say', async (_what, over, spread) => {
    const { deps, submit } = setup();
    const { job } = (await deps.store.getJob(json(await submit({ ...WEB, ...over })).jobId))!;
    expect(job.spread).toBe(spread);
  });

  it('leaves out what was not asked for: no expose, no health check, no cap, no capabilities', async () => {
    const { deps, submit } = setup();
    const { job } = (await deps.store.getJob(json(await submit({ ...WEB, ports: undefined })).jobId))!;
    for (const k of ['ports', 'expose', 'healthCheck', 'cpuLimit', 'capabilities']) expect(job).not.toHaveProperty(k);
    expect(job.stopGraceSeconds).toBe(30);
  });

  it.each([
    ['tcp', { tcp: { port: 'http' } }],
    ['command', { command: ['wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:8080/'], intervalSeconds: 300, timeoutSeconds: 60, retries: 10, startPeriodSeconds: 3600 }],
  ])('accepts a %s health check', async (_kind, healthCheck) => {
    const { submit } = setup();
    expect((await submit({ ...WEB, healthCheck })).statusCode).toBe(202);
  });

  it.each([
    ['a ninth port', { ports: Array.from({ length: 9 }, (_, i) => ({ name: `p${i}`, containerPort: 8000 + i, protocol: 'tcp' })) }, 'ports'],
    ['a port name used twice', { ports: [WEB.ports[0], { name: 'http', containerPort: 9090, protocol: 'tcp' }] }, 'ports[1].name'],
    ['a container port listed twice', { ports: [WEB.ports[0], { name: 'admin', containerPort: 8080, protocol: 'tcp' }] }, 'ports[1].containerPort'],
    ['container port 0', { ports: [{ name: 'http', containerPort: 0, protocol: 'tcp' }] }, 'ports[0].containerPort'],
    ['container port 65536', { ports: [{ name: 'http', containerPort: 65536, protocol: 'tcp' }] }, 'ports[0].containerPort'],
    ['udp', { ports: [{ name: 'dns', containerPort: 53, protocol: 'udp' }] }, 'ports[0].protocol'],
    ['a port name with capitals', { ports: [{ name: 'HTTP', containerPort: 80, protocol: 'tcp' }] }, 'ports[0].name'],
    ['a host port', { ports: [{ ...WEB.ports[0], hostPort: 80 }] }, 'ports[0].hostPort'],
    ['expose naming an unknown port', { expose: { port: 'admin', path: '/web/*' } }, 'expose.port'],
    ['expose with neither path nor host', { expose: { port: 'http' } }, 'expose.path'],
    ['a path not starting with /', { expose: { port: 'http', path: 'web/*' } }, 'expose.path'],
    ['a path with a quote', { expose: { port: 'http', path: '/web/"x' } }, 'expose.path'],
    ['a path with a space', { expose: { port: 'http', path: '/web x' } }, 'expose.path'],
    ['a host with an underscore', { expose: { port: 'http', host: 'web_1.example.com' } }, 'expose.host'],
    ['a host with a wildcard inside', { expose: { port: 'http', host: 'web.*.example.com' } }, 'expose.host'],
    ['a host label ending in -', { expose: { port: 'http', host: 'web-.example.com' } }, 'expose.host'],
    ['a health check with no probe', { healthCheck: { intervalSeconds: 10 } }, 'healthCheck'],
    ['a health check with two probes', { healthCheck: { tcp: { port: 'http' }, command: ['true'] } }, 'healthCheck.command'],
    ['an http check on an unknown port', { healthCheck: { http: { port: 'admin', path: '/' } } }, 'healthCheck.http.port'],
    ['a tcp check on an unknown port', { healthCheck: { tcp: { port: 'admin' } } }, 'healthCheck.tcp.port'],
    ['an http check path without /', { healthCheck: { http: { port: 'http', path: 'healthz' } } }, 'healthCheck.http.path'],
    ['an http check path with # or a space', { healthCheck: { http: { port: 'http', path: '/x #y' } } }, 'healthCheck.http.path'],
    ['an empty health command', { healthCheck: { command: [] } }, 'healthCheck.command'],
    ['a health command with NUL', { healthCheck: { command: ['sh', 'x\0y'] } }, 'healthCheck.command[1]'],
    ['a health command with a lone surrogate', { healthCheck: { command: ['\ud800'] } }, 'healthCheck.command[0]'],
    ['a health command as a string', { healthCheck: { command: 'curl -f localhost' } }, 'healthCheck.command'],
    ['interval 0', { healthCheck: { tcp: { port: 'http' }, intervalSeconds: 0 } }, 'healthCheck.intervalSeconds'],
    ['interval 301', { healthCheck: { tcp: { port: 'http' }, intervalSeconds: 301 } }, 'healthCheck.intervalSeconds'],
    ['timeout 61', { healthCheck: { tcp: { port: 'http' }, intervalSeconds: 120, timeoutSeconds: 61 } }, 'healthCheck.timeoutSeconds'],
    ['a timeout past the interval', { healthCheck: { tcp: { port: 'http' }, intervalSeconds: 5, timeoutSeconds: 6 } }, 'healthCheck.timeoutSeconds'],
    ['a timeout past the default interval', { healthCheck: { tcp: { port: 'http' }, timeoutSeconds: 11 } }, 'healthCheck.timeoutSeconds'],
    ['retries 0', { healthCheck: { tcp: { port: 'http' }, retries: 0 } }, 'healthCheck.retries'],
    ['retries 11', { healthCheck: { tcp: { port: 'http' }, retries: 11 } }, 'healthCheck.retries'],
    ['a start period of 3601', { healthCheck: { tcp: { port: 'http' }, startPeriodSeconds: 3601 } }, 'healthCheck.startPeriodSeconds'],
    ['an unknown health field', { healthCheck: { tcp: { port: 'http' }, shell: 'curl' } }, 'healthCheck.shell'],
    ['a stop grace of 3601', { stopGraceSeconds: 3601 }, 'stopGraceSeconds'],
    ['a negative stop grace', { stopGraceSeconds: -1 }, 'stopGraceSeconds'],
    ['a fractional stop grace', { stopGraceSeconds: 1.5 }, 'stopGraceSeconds'],
    ['an unknown spread', { spread: 'rack' }, 'spread'],
    ['a CPU cap below the request', { cpuLimit: 249 }, 'cpuLimit'],
    ['SYS_ADMIN', { capabilities: ['SYS_ADMIN'] }, 'capabilities[0]'],
    ['NET_ADMIN', { capabilities: ['NET_ADMIN'] }, 'capabilities[0]'],
    ['ALL', { capabilities: ['ALL'] }, 'capabilities[0]'],
    ['NET_RAW', { capabilities: ['NET_RAW'] }, 'capabilities[0]'],
    ['a CAP_-prefixed name', { capabilities: ['CAP_CHOWN'] }, 'capabilities[0]'],
    ['a capability listed twice', { capabilities: ['CHOWN', 'KILL', 'CHOWN'] }, 'capabilities[2]'],
  ])('refuses %s with a 400 naming the field', async (_what, over, field) => {
    const { status, fields } = await refusal({ ...WEB, ...over });
    expect(status).toBe(400);
    expect(fields.map((f) => f.field)).toEqual([field]);
    expect(fields[0].rule.length).toBeGreaterThan(5);
  });

  it('says which ports exist when a rule names another, and that none exist when none do', async () => {
    const some = await refusal({ ...WEB, expose: { port: 'admin', path: '/a' } });
    expect(some.fields[0].rule).toContain('not one of ports (http)');
    const none = await refusal({ ...WEB, ports: undefined, healthCheck: { tcp: { port: 'http' } } });
    expect(none.fields).toEqual([{ field: 'healthCheck.tcp.port', rule: expect.stringContaining('lists no ports') }]);
  });
});

describe('POST /jobs: expose rules in use', () => {
  const exposed = (name: string, rule: object) => ({ ...WEB, name, expose: { port: 'http', ...rule } });

  it('refuses a rule a live job holds with 409, naming that job and its id', async () => {
    const { deps, submit } = setup();
    const first = json(await submit(exposed('web', { path: '/web/*' }))).jobId;
    const res = await submit(exposed('shop', { path: '/web/*' }));
    expect(res.statusCode).toBe(409);
    expect(json(res).error).toEqual({ code: 'expose-rule-taken', message: expect.stringMatching(new RegExp(`path /web/\\* is already used by job web \\(${first}\\)`)) });
    expect(deps.store.state.jobs.size).toBe(1);
  });

  it('compares hosts without regard to case, and path and host together', async () => {
    const { submit } = setup();
    expect((await submit(exposed('a', { host: 'web.example.com', path: '/x' }))).statusCode).toBe(202);
    expect((await submit(exposed('b', { host: 'WEB.example.com', path: '/x' }))).statusCode).toBe(409);
    // Same path, different host; same host, no path; same host, other path: each a different rule.
    expect((await submit(exposed('c', { host: 'shop.example.com', path: '/x' }))).statusCode).toBe(202);
    expect((await submit(exposed('d', { host: 'web.example.com' }))).statusCode).toBe(202);
    expect((await submit(exposed('e', { host: 'web.example.com', path: '/y' }))).statusCode).toBe(202);
    // Paths are case-sensitive, as the load balancer matches them.
    expect((await submit(exposed('f', { host: 'web.example.com', path: '/X' }))).statusCode).toBe(202);
  });

  it('frees the rule once its owner is stopped', async () => {
    const { deps, submit } = setup();
    const first = json(await submit(exposed('web', { path: '/web/*' }))).jobId;
    const stop = jobsHandler({ ...deps });
    expect((await stop(apiEvent('DELETE', '/jobs/{id}', { pathParameters: { id: first } }))).statusCode).toBe(202);
    expect((await submit(exposed('web2', { path: '/web/*' }))).statusCode).toBe(202);
  });

  it('lets a retried submit with the same Idempotency-Key through: its own rule is not another job', async () => {
    const { submit } = setup();
    const body = exposed('web', { path: '/web/*' });
    const a = await submit(body, { 'Idempotency-Key': 'k1' });
    const b = await submit(body, { 'Idempotency-Key': 'k1' });
    expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
    expect(json(b).jobId).toBe(json(a).jobId);
  });
});
