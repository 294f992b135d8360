import * as http from 'node:http';
import * as net from 'node:net';
import { LoadBalancerError } from '../../../control/load-balancer-errors';
import { type LoadBalancerTarget } from '../../../control/load-balancer';
import { HaproxyLoadBalancer } from '../../../local/haproxy-load-balancer';
import { describeLoadBalancerContract } from '../../control/load-balancer.contract';

/** A tiny HTTP server in this process, as a target: it answers with its own name. */
async function startTarget(name: string, delayMs = 0): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    setTimeout(() => res.end(`${name} ${req.url}`), delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function get(port: number, path: string, agent: http.Agent | false = false, host?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent, headers: host ? { host } : {} }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

let targets: Array<{ port: number; close(): Promise<void> }> = [];
beforeAll(async () => {
  targets = await Promise.all(['alpha', 'beta'].map((n) => startTarget(n, 2)));
});
afterAll(async () => {
  await Promise.all(targets.map((t) => t.close()));
});
const target = (taskId: string, n: number): LoadBalancerTarget => ({ taskId, nodeId: 'local', address: '127.0.0.1', port: targets[n % targets.length].port });

describeLoadBalancerContract('HaproxyLoadBalancer (real haproxy)', async () => {
  const lb = new HaproxyLoadBalancer({ port: await freePort(), check: { intervalMs: 500, fall: 2, rise: 1 } });
  await lb.start();
  return { lb, target, teardown: () => lb.stop() };
});

describe('HaproxyLoadBalancer routes real requests', () => {
  let lb: HaproxyLoadBalancer;
  beforeEach(async () => {
    lb = new HaproxyLoadBalancer({ port: await freePort(), check: { intervalMs: 500, fall: 2, rise: 1 } });
    await lb.start();
  });
  afterEach(async () => {
    await lb.stop();
  });
  const web = { jobId: 'job-web', jobName: 'web', rule: { port: 'http', path: '/web/*' } };
  const answers = async (path: string, n: number, host?: string) => {
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) seen.add((await get(lb.port, path, false, host)).body.split(' ')[0]);
    return [...seen].sort();
  };

  it('sends a path to every target, then only to those left after setTargets', async () => {
    const { url } = await lb.ensureService(web);
    expect(url).toBe(`http://127.0.0.1:${lb.port}/web/`);
    await lb.setTargets('job-web', [target('web.0', 0), target('web.1', 1)]);
    expect(await get(lb.port, '/web/hello')).toEqual({ status: 200, body: expect.stringMatching(/^(alpha|beta) \/web\/hello$/) });
    expect(await answers('/web/x', 6)).toEqual(['alpha', 'beta']);
    await lb.setTargets('job-web', [target('web.1', 1)]);
    expect(await answers('/web/x', 6)).toEqual(['beta']);
  });

  it('answers 404 where no rule matches, and once the service is removed', async () => {
    await lb.ensureService(web);
    await lb.setTargets('job-web', [target('web.0', 0)]);
    expect((await get(lb.port, '/other/')).status).toBe(404);
    expect((await get(lb.port, '/web')).status).toBe(404);
    await lb.removeService('job-web');
    expect((await get(lb.port, '/web/x')).status).toBe(404);
  });

  it('answers 503 for a service with no targets', async () => {
    await lb.ensureService(web);
    expect((await get(lb.port, '/web/x')).status).toBe(503);
  });

  it('matches a host rule on the Host header, with or without a port, before a path-only rule', async () => {
    await lb.ensureService({ jobId: 'job-any', jobName: 'any', rule: { port: 'http', path: '/web/*' } });
    await lb.ensureService({ jobId: 'job-host', jobName: 'host', rule: { port: 'http', path: '/web/*', host: 'web.example.com' } });
    await lb.setTargets('job-any', [target('any.0', 0)]);
    await lb.setTargets('job-host', [target('host.0', 1)]);
    expect(await answers('/web/x', 3, 'web.example.com')).toEqual(['beta']);
    expect(await answers('/web/x', 3, `WEB.example.com:${lb.port}`)).toEqual(['beta']);
    expect(await answers('/web/x', 3, 'other.example.com')).toEqual(['alpha']);
  });

  it('routes a longer path to its job even when a shorter one was exposed first', async () => {
    await lb.ensureService(web);
    await lb.ensureService({ jobId: 'job-api', jobName: 'api', rule: { port: 'http', path: '/web/api/*' } });
    await lb.setTargets('job-web', [target('web.0', 0)]);
    await lb.setTargets('job-api', [target('api.0', 1)]);
    expect(await answers('/web/api/x', 3)).toEqual(['beta']);
    expect(await answers('/web/x', 3)).toEqual(['alpha']);
  });

  it('matches exact paths and wildcards inside a path', async () => {
    await lb.ensureService({ jobId: 'job-exact', jobName: 'exact', rule: { port: 'http', path: '/status' } });
    await lb.ensureService({ jobId: 'job-glob', jobName: 'glob', rule: { port: 'http', path: '/files/*.txt' } });
    await lb.setTargets('job-exact', [target('exact.0', 0)]);
    await lb.setTargets('job-glob', [target('glob.0', 1)]);
    expect(await get(lb.port, '/status')).toEqual({ status: 200, body: 'alpha /status' });
    expect((await get(lb.port, '/status/more')).status).toBe(404);
    expect(await get(lb.port, '/files/a/b.txt')).toEqual({ status: 200, body: 'beta /files/a/b.txt' });
    expect((await get(lb.port, '/files/bxtxt')).status).toBe(404);
  });

  it('refuses a rule another job holds and keeps routing to the owner', async () => {
    await lb.ensureService(web);
    await lb.setTargets('job-web', [target('web.0', 0)]);
    const err = await lb.ensureService({ jobId: 'job-b', jobName: 'b', rule: { port: 'http', path: '/web/*' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadBalancerError);
    expect((err as LoadBalancerError).ownerJobName).toBe('web');
    expect(await answers('/web/x', 3)).toEqual(['alpha']);
  });

  it('takes a target that stops answering out of rotation by its own health checks', async () => {
    const doomed = await startTarget('doomed');
    await lb.ensureService(web);
    await lb.setTargets('job-web', [target('web.0', 0), { taskId: 'web.9', nodeId: 'local', address: '127.0.0.1', port: doomed.port }]);
    await doomed.close();
    const deadline = Date.now() + 10_000;
    while ((await lb.targets('job-web')).find((t) => t.taskId === 'web.9')?.health !== 'unhealthy') {
      if (Date.now() > deadline) throw new Error('haproxy never marked the closed target unhealthy');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await lb.targets('job-web')).find((t) => t.taskId === 'web.0')?.health).toBe('healthy');
    expect(await answers('/web/x', 4)).toEqual(['alpha']);
  });

  it.each([
    ['a new connection per request', false as const],
    ['keep-alive connections', 'keep-alive' as const],
  ])('drops no request during reloads under continuous load (%s)', async (what, mode) => {
    await lb.ensureService(web);
    const both = [target('web.0', 0), target('web.1', 1)];
    await lb.setTargets('job-web', both);
    const agent = mode === 'keep-alive' ? new http.Agent({ keepAlive: true, maxSockets: 8 }) : false;
    let sent = 0;
    const failures: string[] = [];
    let running = true;
    const client = async () => {
      while (running) {
        sent++;
        try {
          const res = await get(lb.port, '/web/load', agent);
          if (res.status !== 200) failures.push(`HTTP ${res.status}`);
        } catch (err) {
          failures.push(err instanceof Error ? err.message : String(err));
        }
      }
    };
    const clients = Array.from({ length: 8 }, client);
    const RELOADS = 20;
    const reloadsBefore = lb.reloads;
    for (let i = 0; i < RELOADS; i++) await lb.setTargets('job-web', i % 2 === 0 ? [both[0]] : both);
    running = false;
    await Promise.all(clients);
    if (agent) agent.destroy();
    console.log(`haproxy reloads (${what}): ${lb.reloads - reloadsBefore} reloads, ${sent} requests sent, ${failures.length} failed${failures.length ? `: ${failures.slice(0, 5).join('; ')}` : ''}`);
    expect(lb.reloads - reloadsBefore).toBe(RELOADS);
    expect(sent).toBeGreaterThan(RELOADS * 10);
    expect(failures).toEqual([]);
  });

  it('lets a request in flight finish on a target that a reload removed', async () => {
    const slow = await startTarget('slow', 1500);
    try {
      await lb.ensureService(web);
      await lb.setTargets('job-web', [{ taskId: 'web.slow', nodeId: 'local', address: '127.0.0.1', port: slow.port }]);
      const inFlight = get(lb.port, '/web/slow');
      await new Promise((r) => setTimeout(r, 300));
      const change = await lb.setTargets('job-web', [target('web.0', 0)]);
      expect(change.deregistered).toEqual([{ taskId: 'web.slow', nodeId: 'local', address: '127.0.0.1', port: slow.port }]);
      expect((await get(lb.port, '/web/fast')).body).toBe('alpha /web/fast');
      expect(await inFlight).toEqual({ status: 200, body: 'slow /web/slow' });
    } finally {
      await slow.close();
    }
  });

  it('refuses to start on a port in use, naming the option to change', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const clash = new HaproxyLoadBalancer({ port: (taken.address() as net.AddressInfo).port });
      await expect(clash.start()).rejects.toThrow(/--lb-port/);
    } finally {
      taken.close();
    }
  });

  it('refuses to start without haproxy, saying how to install it', async () => {
    const missing = new HaproxyLoadBalancer({ binary: 'haproxy-not-installed', port: await freePort() });
    await expect(missing.start()).rejects.toThrow(/apt-get install -y haproxy/);
  });
});
