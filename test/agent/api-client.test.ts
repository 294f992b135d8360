import { bearerToken, HttpControlPlane } from '../../agent/api-client';
import { ControlPlaneError } from '../../agent/errors';

const BODY = { instanceType: 'local', zone: 'local', labels: {}, capacity: { cpu: 1000, memoryMiB: 1024 }, usage: { cpu: 0, memoryMiB: 0 }, pricePerHour: 0, containers: [] };

function client(respond: (url: string, init: RequestInit) => Promise<Response>, timeoutMs = 1_000) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetchFn = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return respond(url, init);
  }) as unknown as typeof fetch;
  return { calls, api: new HttpControlPlane({ baseUrl: 'http://127.0.0.1:9/', sign: bearerToken('t0ken\n'), timeoutMs, fetch: fetchFn }) };
}

async function failure(p: Promise<unknown>): Promise<ControlPlaneError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ControlPlaneError);
  return err as ControlPlaneError;
}

describe('HttpControlPlane', () => {
  it('PUTs the heartbeat to the node path with the token and returns the desired tasks', async () => {
    const task = { id: 'j.0', jobId: 'j', slot: 0, generation: 2, status: 'ASSIGNED', image: 'busybox', command: ['sleep', '1'], env: { A: '$(x)' }, resources: { cpu: 100, memoryMiB: 32 } };
    const { api, calls } = client(async () => new Response(JSON.stringify({ nodeId: 'node-1', tasks: [task] }), { status: 200 }));
    const desired = await api.heartbeat('node/1', BODY);
    expect(calls[0].url).toBe('http://127.0.0.1:9/nodes/node%2F1/heartbeat');
    expect(calls[0].init.method).toBe('PUT');
    expect((calls[0].init.headers as Record<string, string>).authorization).toBe('Bearer t0ken');
    expect(JSON.parse(calls[0].init.body as string)).toEqual(BODY);
    expect(desired).toEqual([{ taskId: 'j.0', jobId: 'j', generation: 2, image: 'busybox', command: ['sleep', '1'], env: { A: '$(x)' }, resources: { cpu: 100, memoryMiB: 32 } }]);
  });

  it('carries a service\'s ports, health check, grace, CPU cap, capabilities and secret references into the container spec', async () => {
    const service = {
      ports: [{ name: 'web', containerPort: 8080, protocol: 'tcp' }],
      healthCheck: { http: { port: 'web', path: '/health' }, intervalSeconds: 5, timeoutSeconds: 2, retries: 3, startPeriodSeconds: 10 },
      stopGraceSeconds: 45,
      cpuLimit: 1500,
      capabilities: ['NET_ADMIN'],
      secrets: { DB_PASSWORD: 'arn:aws:ssm:eu-west-1:123456789012:parameter/stowage/Prod/db' },
    };
    const task = { id: 'j.0', jobId: 'j', slot: 0, generation: 2, status: 'RUNNING', image: 'busybox', command: [], env: {}, resources: { cpu: 500, memoryMiB: 64 }, ...service };
    const { api, calls } = client(async () => new Response(JSON.stringify({ nodeId: 'node-1', tasks: [task] }), { status: 200 }));
    const body = { ...BODY, address: '10.0.1.23', containers: [{ taskId: 'j.0', generation: 2, state: 'running' as const, endpoints: [{ port: 'web', containerPort: 8080, hostPort: 32768 }], health: 'healthy' as const }] };
    const [desired] = await api.heartbeat('node-1', body);
    expect(desired).toEqual({ taskId: 'j.0', jobId: 'j', generation: 2, image: 'busybox', command: [], env: {}, resources: { cpu: 500, memoryMiB: 64 }, ...service });
    expect(JSON.parse(calls[0].init.body as string)).toEqual(body);
  });

  it.each([
    [503, true],
    [429, true],
    [500, true],
    [403, false],
    [400, false],
  ])('classifies an answer %i as retriable: %s', async (status, retriable) => {
    const { api } = client(async () => new Response('{"error":{}}', { status }));
    const err = await failure(api.heartbeat('n1', BODY));
    expect(err.retriable).toBe(retriable);
    expect(err.message).toContain(`answered ${status}`);
  });

  it('treats an unreachable API and a timeout as retriable', async () => {
    const refused = client(async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    });
    const e1 = await failure(refused.api.heartbeat('n1', BODY));
    expect(e1.retriable).toBe(true);
    expect(e1.message).toContain('ECONNREFUSED');
    const slow = client((_url, init) => new Promise((_, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason))), 50);
    const e2 = await failure(slow.api.heartbeat('n1', BODY));
    expect(e2.retriable).toBe(true);
    expect(e2.message).toContain('did not answer within 50 ms');
  });

  it('refuses a response it cannot read, without retrying', async () => {
    const notJson = client(async () => new Response('<html>', { status: 200 }));
    expect((await failure(notJson.api.heartbeat('n1', BODY))).retriable).toBe(false);
    const wrongShape = client(async () => new Response('{"tasks":[{"id":1}]}', { status: 200 }));
    expect((await failure(wrongShape.api.heartbeat('n1', BODY))).message).toMatch(/not what the agent expects/);
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => new HttpControlPlane({ baseUrl: 'file:///etc/passwd' })).toThrow(/must be http\(s\)/);
    expect(() => new HttpControlPlane({ baseUrl: 'not a url' })).toThrow(/is not a URL/);
  });
});
