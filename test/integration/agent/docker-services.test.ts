import type Docker from 'dockerode';
import { existsSync, rmSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { DockerRuntime } from '../../../agent/docker-runtime';
import { LABELS } from '../../../agent/container-config';
import { probeTcp } from '../../../agent/health-probe';
import type { ContainerInfo, ContainerSpec } from '../../../core/agent/container';
import type { HealthCheck } from '../../../core/service';
import { ensureDocker, LOCAL_IMAGE } from '../../support/docker';

/**
 * DockerRuntime running services on a real engine: published ports, health (the agent's
 * http/tcp probes and Docker's command checks), CPU shares and caps, capabilities, and
 * graceful stops. busybox httpd serves the files of /tmp. Every container made here
 * carries this run's node id, so afterAll removes exactly them.
 */

jest.setTimeout(120_000);

const RUN = `${process.pid}-${Date.now().toString(36)}`;
const NODE = `it-svc-${RUN}`;
const WEB = [{ name: 'web', containerPort: 8080, protocol: 'tcp' as const }];
/** Serves /tmp on 8080 with /tmp/health present: `rm /tmp/health` makes it fail. */
const HTTPD = ['sh', '-c', 'echo ok > /tmp/health && echo hello > /tmp/index.html && exec httpd -f -p 8080 -h /tmp'];
/** A throwaway image tag for this run (removed in afterAll). */
const CHECKED_TAG = `checked-${RUN}`;
const FAST = { intervalSeconds: 1, timeoutSeconds: 1, startPeriodSeconds: 0 };

let docker: Docker;
let runtime: DockerRuntime;
const runtimes: DockerRuntime[] = [];
let n = 0;

/** A runtime as the local cloud's agent makes it: ports on loopback only. */
function newRuntime(): DockerRuntime {
  const r = new DockerRuntime({ docker, pull: false, bindAddress: '127.0.0.1' });
  runtimes.push(r);
  return r;
}

function spec(command: string[], extra: Partial<ContainerSpec> = {}): ContainerSpec {
  n += 1;
  return { taskId: `svc-${RUN}-${n}`, jobId: `job-${RUN}`, generation: 1, image: LOCAL_IMAGE, command, env: {}, resources: { cpu: 250, memoryMiB: 64 }, ...extra };
}

async function waitFor(containerId: string, done: (c: ContainerInfo) => boolean, timeoutMs = 30_000, r = runtime): Promise<ContainerInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = (await r.list(NODE)).find((x) => x.containerId === containerId);
    if (c && done(c)) return c;
    if (Date.now() > deadline) throw new Error(`container ${containerId} did not reach the expected state; last seen ${JSON.stringify(c)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Runs an argv inside the container (the test's own check, through the engine's exec); its stdout and exit code. */
async function exec(containerId: string, argv: string[]): Promise<{ out: string; code: number }> {
  const e = await docker.getContainer(containerId).exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
  const stream = await e.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  docker.modem.demuxStream(stream, out, new PassThrough());
  await new Promise<void>((r) => stream.on('end', () => r()));
  const { ExitCode } = await e.inspect();
  return { out: Buffer.concat(chunks).toString('utf8'), code: ExitCode ?? -1 };
}

const check = (probe: object, retries: number): HealthCheck => ({ ...probe, ...FAST, retries }) as HealthCheck;

beforeAll(async () => {
  docker = await ensureDocker();
  runtime = newRuntime();
});

afterAll(async () => {
  for (const r of runtimes) r.close();
  if (!docker) return;
  const mine = await docker.listContainers({ all: true, filters: { label: [`${LABELS.node}=${NODE}`] } });
  await Promise.all(mine.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
  await docker.getImage(`stowage/busybox:${CHECKED_TAG}`).remove().catch(() => undefined);
});

describe('published ports', () => {
  it('publishes each port on an engine-picked host port that answers from the host, and a restarted agent reads it back', async () => {
    const id = await runtime.createAndStart(spec(HTTPD, { ports: WEB }), NODE);
    const c = await waitFor(id, (x) => x.state === 'running' && (x.endpoints ?? []).length === 1);
    const [endpoint] = c.endpoints ?? [];
    expect(endpoint).toEqual({ port: 'web', containerPort: 8080, hostPort: expect.any(Number) });
    expect(endpoint.hostPort).toBeGreaterThan(1024);
    const bound = (await docker.getContainer(id).inspect()).NetworkSettings.Ports['8080/tcp'];
    expect(bound.map((b) => b.HostIp)).toEqual(['127.0.0.1']);

    let body = '';
    for (let i = 0; i < 50 && body === ''; i++) {
      body = await fetch(`http://127.0.0.1:${endpoint.hostPort}/index.html`).then((r) => (r.ok ? r.text() : ''), () => '');
      if (body === '') await new Promise((r) => setTimeout(r, 100));
    }
    expect(body).toBe('hello\n');

    // A new agent process knows nothing but the labels and the engine.
    const restarted = newRuntime();
    const again = (await restarted.list(NODE)).find((x) => x.containerId === id);
    expect(again?.endpoints).toEqual([endpoint]);
    expect(again?.health).toBe('none');
  });
});

describe('health', () => {
  it('an http check goes healthy, then unhealthy only after its retries once the page is gone', async () => {
    const id = await runtime.createAndStart(spec(HTTPD, { ports: WEB, healthCheck: check({ http: { port: 'web', path: '/health' } }, 3) }), NODE);
    await waitFor(id, (x) => x.health === 'healthy');
    // Docker's own HEALTHCHECK is off: the agent is the one checker.
    expect((await docker.getContainer(id).inspect()).Config.Healthcheck?.Test).toEqual(['NONE']);

    // A restarted agent probes at once: a serving copy is never reported `starting`.
    const restarted = newRuntime();
    expect((await restarted.list(NODE)).find((x) => x.containerId === id)?.health).toBe('healthy');

    expect((await exec(id, ['rm', '/tmp/health'])).code).toBe(0);
    const t0 = Date.now();
    const seen: string[] = [];
    await waitFor(id, (x) => {
      seen.push(`${Date.now() - t0}:${x.health}`);
      return x.health === 'unhealthy';
    });
    const took = Date.now() - t0;
    // Three failures, one interval apart: the first may come at once, the third two intervals later.
    expect(took).toBeGreaterThanOrEqual(1_900);
    expect(took).toBeLessThan(6_000);
    expect(seen.filter((s) => s.endsWith(':healthy')).length).toBeGreaterThan(0);

    expect((await exec(id, ['sh', '-c', 'echo ok > /tmp/health'])).code).toBe(0);
    await waitFor(id, (x) => x.health === 'healthy');
  });

  it('a tcp check asks the container itself: a port nothing listens on is unhealthy though the host port accepts', async () => {
    const deaf = await runtime.createAndStart(spec(['sleep', '300'], { ports: WEB, healthCheck: check({ tcp: { port: 'web' } }, 1) }), NODE);
    const listening = await runtime.createAndStart(spec(HTTPD, { ports: WEB, healthCheck: check({ tcp: { port: 'web' } }, 1) }), NODE);
    const seen = await waitFor(deaf, (x) => x.health === 'unhealthy');
    await waitFor(listening, (x) => x.health === 'healthy');
    // Why the agent does not probe the host port: the engine's proxy accepts there regardless.
    const hostPort = seen.endpoints?.[0]?.hostPort ?? 0;
    expect(await probeTcp({ host: '127.0.0.1', port: hostPort, timeoutMs: 1_000 })).toBe(true);
  });

  it('a command check is Docker\'s exec-form Healthcheck and reports healthy, then unhealthy', async () => {
    const s = spec(['sh', '-c', 'touch /tmp/ok && exec sleep 300'], { healthCheck: check({ command: ['test', '-f', '/tmp/ok'] }, 2) });
    const id = await runtime.createAndStart(s, NODE);
    // (The engine leaves a zero StartPeriod out of the inspection.)
    expect((await docker.getContainer(id).inspect()).Config.Healthcheck).toMatchObject({ Test: ['CMD', 'test', '-f', '/tmp/ok'], Interval: 1e9, Timeout: 1e9, Retries: 2 });
    await waitFor(id, (x) => x.health === 'healthy');
    await exec(id, ['rm', '/tmp/ok']);
    await waitFor(id, (x) => x.health === 'unhealthy');
  });

  it('runs a hostile health command literally inside the container, never through a shell', async () => {
    const marker = `/tmp/stowage-hc-pwned-${RUN}`;
    rmSync(marker, { force: true });
    const argv = ['echo', 'a;', `$(touch ${marker})`, `\`touch ${marker}\``, '&&', 'touch', marker];
    const id = await runtime.createAndStart(spec(['sleep', '300'], { healthCheck: check({ command: argv }, 2) }), NODE);
    await waitFor(id, (x) => x.health === 'healthy');
    const i = await docker.getContainer(id).inspect();
    expect(i.Config.Healthcheck?.Test).toEqual(['CMD', ...argv]);
    // Docker keeps each check's output: echo printed its arguments as given, so no shell read them.
    const log = (i.State as { Health?: { Log?: Array<{ Output: string; ExitCode: number }> } }).Health?.Log ?? [];
    expect(log.length).toBeGreaterThan(0);
    expect(log[0]).toMatchObject({ ExitCode: 0, Output: `${argv.slice(1).join(' ')}\n` });
    expect((await exec(id, ['ls', marker])).code).not.toBe(0);
    expect(existsSync(marker)).toBe(false);
  });

  it('reports the image\'s own HEALTHCHECK when the spec has none, and none without either', async () => {
    // An image whose author wrote a HEALTHCHECK: the busybox image with one committed on.
    const base = await docker.createContainer({ Image: LOCAL_IMAGE, Cmd: ['true'] });
    await base.commit({ repo: 'stowage/busybox', tag: CHECKED_TAG, changes: 'HEALTHCHECK --interval=1s --retries=1 CMD test -f /tmp/ok' });
    await base.remove();
    const image = `stowage/busybox:${CHECKED_TAG}`;
    const id = await runtime.createAndStart(spec(['sh', '-c', 'touch /tmp/ok && exec sleep 300'], { image }), NODE);
    await waitFor(id, (x) => x.health === 'healthy');
    await exec(id, ['rm', '/tmp/ok']);
    await waitFor(id, (x) => x.health === 'unhealthy');

    const plain = await runtime.createAndStart(spec(['sleep', '300']), NODE);
    expect((await waitFor(plain, (x) => x.state === 'running')).health).toBe('none');
  });
});

describe('resources and privileges', () => {
  /** cpu.shares and the CFS quota the kernel applies (cgroup v1; v2 names them cpu.weight and cpu.max). */
  async function cgroupCpu(id: string): Promise<string> {
    return (await exec(id, ['sh', '-c', 'cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cat /sys/fs/cgroup/cpu.weight /sys/fs/cgroup/cpu.max'])).out.trim();
  }

  it('weights CPU by the request with no quota, and caps it only with cpuLimit', async () => {
    const shared = await runtime.createAndStart(spec(['sleep', '300'], { resources: { cpu: 500, memoryMiB: 64 } }), NODE);
    const capped = await runtime.createAndStart(spec(['sleep', '300'], { resources: { cpu: 500, memoryMiB: 64 }, cpuLimit: 1500 }), NODE);
    const a = (await docker.getContainer(shared).inspect()).HostConfig;
    const b = (await docker.getContainer(capped).inspect()).HostConfig;
    expect([a.CpuShares, a.NanoCpus ?? 0]).toEqual([512, 0]);
    expect([b.CpuShares, b.NanoCpus]).toEqual([512, 1_500_000_000]);
    expect(b.Memory).toBe(64 * 1_048_576);
    // What the kernel applies: v1 shares and quota (-1: none), or v2 weight and max.
    const kernel = (await cgroupCpu(shared)).split('\n');
    if (kernel[0] === '512') {
      expect(kernel).toEqual(['512', '-1']);
      expect((await cgroupCpu(capped)).split('\n')).toEqual(['512', '150000']);
    } else {
      expect(kernel[1]).toMatch(/^max /);
      expect((await cgroupCpu(capped)).split('\n')[1]).toMatch(/^150000 /);
    }
  });

  it('drops every capability but NET_BIND_SERVICE, plus what the job lists', async () => {
    const plain = await runtime.createAndStart(spec(['sleep', '300']), NODE);
    const admin = await runtime.createAndStart(spec(['sleep', '300'], { capabilities: ['NET_ADMIN'] }), NODE);
    const i = (await docker.getContainer(plain).inspect()).HostConfig;
    expect([i.CapDrop, i.CapAdd, i.SecurityOpt, i.Privileged]).toEqual([['ALL'], ['NET_BIND_SERVICE'], ['no-new-privileges'], false]);
    const capEff = async (id: string) => /CapEff:\s*([0-9a-f]+)/.exec((await exec(id, ['cat', '/proc/1/status'])).out)?.[1];
    // Bit 10 is CAP_NET_BIND_SERVICE, bit 12 CAP_NET_ADMIN (linux/capability.h); NET_RAW (13), CHOWN (0) and the rest are gone.
    expect(await capEff(plain)).toBe('0000000000000400');
    expect(await capEff(admin)).toBe('0000000000001400');
    // Without NET_RAW there is no raw socket, so no ping.
    expect((await exec(plain, ['ping', '-c', '1', '-W', '1', '127.0.0.1'])).code).not.toBe(0);
  });
});

describe('graceful stop', () => {
  it('a process that handles SIGTERM exits cleanly within the grace', async () => {
    const id = await runtime.createAndStart(spec(['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done'], { stopGraceSeconds: 30 }), NODE);
    await waitFor(id, (x) => x.state === 'running');
    // The grace the container was made with rides on its label for a later stop.
    expect((await waitFor(id, () => true)).stopGraceSeconds).toBe(30);
    const t0 = Date.now();
    await runtime.stop(id, 30);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect((await waitFor(id, (x) => x.state === 'exited')).exitCode).toBe(0);
  });

  it('a process that ignores SIGTERM is killed once the grace is over, not before', async () => {
    // sleep as PID 1 has no TERM handler, and PID 1 ignores unhandled signals.
    const id = await runtime.createAndStart(spec(['sleep', '300']), NODE);
    await waitFor(id, (x) => x.state === 'running');
    const t0 = Date.now();
    await runtime.stop(id, 3);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(2_900);
    expect(took).toBeLessThan(8_000);
    expect((await waitFor(id, (x) => x.state === 'exited')).exitCode).toBe(137);
  });
});
