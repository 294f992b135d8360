import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { probeHttp, probeTcp } from '../../agent/health-probe';

/** Loopback servers in this process: real sockets, no container. */
async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const s = createTcpServer();
  const port = await listen(s);
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('probeHttp', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/ok') return void res.end('ok');
      if (req.url === '/moved') return void res.writeHead(302, { location: '/ok' }).end();
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2_000).unref();
      res.writeHead(req.url === '/boom' ? 500 : 404).end();
    });
    port = await listen(server);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('is healthy on 2xx and 3xx, unhealthy on 4xx and 5xx', async () => {
    const t = { host: '127.0.0.1', port, timeoutMs: 1_000 };
    expect(await probeHttp({ ...t, path: '/ok' })).toBe(true);
    expect(await probeHttp({ ...t, path: '/moved' })).toBe(true);
    expect(await probeHttp({ ...t, path: '/missing' })).toBe(false);
    expect(await probeHttp({ ...t, path: '/boom' })).toBe(false);
  });

  it('fails a probe that does not answer within its timeout, at the timeout', async () => {
    const t0 = Date.now();
    expect(await probeHttp({ host: '127.0.0.1', port, path: '/slow', timeoutMs: 200 })).toBe(false);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(1_500);
  });

  it('fails on a refused connection', async () => {
    expect(await probeHttp({ host: '127.0.0.1', port: await closedPort(), path: '/', timeoutMs: 1_000 })).toBe(false);
  });
});

describe('probeTcp', () => {
  it('is healthy when the connection is accepted, unhealthy when refused', async () => {
    const server = createTcpServer((s) => s.end());
    const port = await listen(server);
    try {
      expect(await probeTcp({ host: '127.0.0.1', port, timeoutMs: 1_000 })).toBe(true);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    expect(await probeTcp({ host: '127.0.0.1', port: await closedPort(), timeoutMs: 1_000 })).toBe(false);
  });

  it('fails at the timeout when nothing answers the connection', async () => {
    // TEST-NET-1 (RFC 5737) is never routed: the SYN goes unanswered or is refused at once.
    const t0 = Date.now();
    expect(await probeTcp({ host: '192.0.2.1', port: 9, timeoutMs: 200 })).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1_500);
  });
});
