import type Docker from 'dockerode';
import { existsSync, rmSync } from 'node:fs';
import { DockerRuntime } from '../../../agent/docker-runtime';
import { LABELS } from '../../../agent/container-config';
import { ImageNotFoundError, InvalidImageReferenceError, RuntimeError } from '../../../control/container-runtime-errors';
import type { ContainerInfo, ContainerSpec } from '../../../core/agent/container';
import { reconcile, type ReconcileAction } from '../../../core/agent/reconcile';
import { ensureDocker, LOCAL_IMAGE } from '../../support/docker';

/**
 * DockerRuntime against a real engine (Debian's docker.io; ensureDocker starts dockerd
 * when it is installed but not running) and the registry-free image of
 * scripts/make-local-image.sh. Every container made here carries this run's node id, so
 * afterAll removes exactly them.
 */

jest.setTimeout(120_000);

const RUN = `${process.pid}-${Date.now().toString(36)}`;
const NODE = `it-node-${RUN}`;
const MIB = 1_048_576;

let docker: Docker;
let runtime: DockerRuntime;
let n = 0;

function spec(command: string[], extra: Partial<ContainerSpec> = {}): ContainerSpec {
  n += 1;
  return {
    taskId: `task-${RUN}-${n}`,
    jobId: `job-${RUN}`,
    generation: 1,
    image: LOCAL_IMAGE,
    command,
    env: {},
    resources: { cpu: 250, memoryMiB: 64 },
    ...extra,
  };
}

async function waitFor(containerId: string, done: (c: ContainerInfo) => boolean, timeoutMs = 30_000): Promise<ContainerInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = (await runtime.list(NODE)).find((x) => x.containerId === containerId);
    if (c && done(c)) return c;
    if (Date.now() > deadline) throw new Error(`container ${containerId} did not reach the expected state; last seen ${JSON.stringify(c)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Docker's multiplexed log stream (no TTY): 8-byte frame headers, then the payload. */
async function stdoutOf(containerId: string): Promise<string> {
  const raw = (await docker.getContainer(containerId).logs({ stdout: true, stderr: false, follow: false })) as unknown as Buffer;
  let out = '';
  for (let i = 0; i + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(i + 4);
    if (raw[i] === 1) out += raw.subarray(i + 8, i + 8 + size).toString('utf8');
    i += 8 + size;
  }
  return out;
}

/** The part of `stowage-agent sync` this slice has: run the actions the decision function chose. */
async function execute(actions: readonly ReconcileAction[]): Promise<void> {
  for (const a of actions) {
    if (a.kind === 'stop') await runtime.stop(a.containerId, 1);
    else if (a.kind === 'remove') await runtime.remove(a.containerId);
    else if (a.kind === 'start') await runtime.createAndStart(a.task, NODE);
  }
}

beforeAll(async () => {
  docker = await ensureDocker();
  // Local images only (docker import): pulling is for nodes with a registry.
  runtime = new DockerRuntime({ docker, pull: false });
});

afterAll(async () => {
  runtime?.close();
  if (!docker) return;
  const mine = await docker.listContainers({ all: true, filters: { label: [`${LABELS.node}=${NODE}`] } });
  await Promise.all(mine.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
});

describe('DockerRuntime', () => {
  it('creates the container with the task labels and the fixed, unprivileged limits', async () => {
    const s = spec(['sleep', '300'], { resources: { cpu: 250, memoryMiB: 64 }, generation: 7 });
    const id = await runtime.createAndStart(s, NODE);
    const i = await docker.getContainer(id).inspect();

    expect(i.Config.Labels).toEqual(
      expect.objectContaining({ [LABELS.task]: s.taskId, [LABELS.job]: s.jobId, [LABELS.node]: NODE, [LABELS.generation]: '7' }),
    );
    expect(i.Config.Cmd).toEqual(['sleep', '300']);
    expect(i.Config.Entrypoint ?? null).toBeNull();
    expect(i.HostConfig.Memory).toBe(64 * MIB);
    expect(i.HostConfig.MemorySwap).toBe(64 * MIB);
    // The request is a weight (1024 per CPU), not a quota.
    expect(i.HostConfig.CpuShares).toBe(256);
    expect(i.HostConfig.NanoCpus ?? 0).toBe(0);
    expect(i.HostConfig.PidsLimit).toBe(256);
    expect(i.HostConfig.RestartPolicy?.Name).toBe('no');
    expect(i.HostConfig.Privileged).toBe(false);
    expect(i.HostConfig.NetworkMode).toBe('bridge');
    expect(i.HostConfig.SecurityOpt).toEqual(['no-new-privileges']);
    expect(i.HostConfig.Binds ?? []).toEqual([]);
    expect(i.HostConfig.CapDrop).toEqual(['ALL']);
    expect(i.HostConfig.CapAdd).toEqual(['NET_BIND_SERVICE']);
    expect((i.HostConfig as { Devices?: unknown[] }).Devices ?? []).toEqual([]);
    expect(i.Mounts).toEqual([]);

    const listed = (await runtime.list(NODE)).find((c) => c.containerId === id);
    expect(listed).toEqual(expect.objectContaining({ taskId: s.taskId, jobId: s.jobId, generation: 7, state: 'running' }));

    const usage = await runtime.stats(id);
    expect(usage.cpu).toBeGreaterThanOrEqual(0);
    expect(usage.memoryMiB).toBeGreaterThanOrEqual(0);
    expect(usage.memoryMiB).toBeLessThan(64);
  });

  it('lists a container that exited on its own with its exit code, and reconcile reports it without restarting', async () => {
    const s = spec(['sh', '-c', 'exit 3']);
    const id = await runtime.createAndStart(s, NODE);
    const c = await waitFor(id, (x) => x.state === 'exited');
    expect(c).toEqual(expect.objectContaining({ exitCode: 3, oomKilled: false }));
    expect(c.finishedAt).toEqual(expect.any(Number));
    const actions = reconcile([s], (await runtime.list(NODE)).filter((x) => x.taskId === s.taskId));
    expect(actions).toEqual([expect.objectContaining({ kind: 'report', containerId: id, exitCode: 3, oomKilled: false })]);
  });

  it('lists a container killed from outside as exited with code 137', async () => {
    const id = await runtime.createAndStart(spec(['sleep', '300']), NODE);
    await docker.getContainer(id).kill({ signal: 'SIGKILL' });
    const c = await waitFor(id, (x) => x.state === 'exited');
    expect(c.exitCode).toBe(137);
    expect(c.oomKilled).toBe(false);
  });

  it('reports a container that outgrew its memory limit as OOM-killed', async () => {
    // A 200 MB string in a 16 MiB cgroup with no swap: the kernel's OOM killer ends it.
    const s = spec(['sh', '-c', 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo ${#x}'], { resources: { cpu: 500, memoryMiB: 16 } });
    const id = await runtime.createAndStart(s, NODE);
    const c = await waitFor(id, (x) => x.state === 'exited', 60_000);
    expect(c).toEqual(expect.objectContaining({ oomKilled: true, exitCode: 137 }));
  });

  it('passes a hostile command and env as literal argv and env, and nothing runs on the host', async () => {
    const marker = `/tmp/stowage-pwned-${RUN}`;
    rmSync(marker, { force: true });
    const argv = ['echo', `$(touch ${marker})`, '`touch ' + marker + '`', ';', 'touch', marker, '&&', 'id'];
    const evil = `$(touch ${marker}); \`touch ${marker}\` && touch ${marker}`;

    const echo = await runtime.createAndStart(spec(argv, { env: { EVIL: evil } }), NODE);
    await waitFor(echo, (x) => x.state === 'exited');
    expect(await stdoutOf(echo)).toBe(`${argv.slice(1).join(' ')}\n`);

    const env = await runtime.createAndStart(spec(['env'], { env: { EVIL: evil, 'A.B': 'x=y' } }), NODE);
    await waitFor(env, (x) => x.state === 'exited');
    const lines = (await stdoutOf(env)).split('\n');
    expect(lines).toContain(`EVIL=${evil}`);
    expect(lines).toContain('A.B=x=y');

    // The container's own /tmp did not get it either: argv is not a shell line.
    const look = await runtime.createAndStart(spec(['ls', marker]), NODE);
    const seen = await waitFor(look, (x) => x.state === 'exited');
    expect(seen.exitCode).not.toBe(0);
    expect(existsSync(marker)).toBe(false);
  });

  it('stops with a grace period then kills, and removes; both succeed again on a container already gone', async () => {
    // sleep as PID 1 ignores SIGTERM, so only the kill after the grace period ends it.
    const id = await runtime.createAndStart(spec(['sleep', '300']), NODE);
    const t0 = Date.now();
    await runtime.stop(id, 1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect((await waitFor(id, (x) => x.state === 'exited')).exitCode).toBe(137);
    await runtime.stop(id, 1);
    await runtime.remove(id);
    expect((await runtime.list(NODE)).some((c) => c.containerId === id)).toBe(false);
    await runtime.remove(id);
    await runtime.stop(id, 0);
  });

  it('converges with reconcile: starts the desired task once, and stops and removes it once unassigned', async () => {
    const s = spec(['sleep', '300']);
    const mine = async () => (await runtime.list(NODE)).filter((c) => c.taskId === s.taskId);
    await execute(reconcile([s], await mine()));
    await execute(reconcile([s], await mine()));
    const running = await mine();
    expect(running.map((c) => c.state)).toEqual(['running']);
    // The generation moved on (the task was placed again elsewhere): the copy here is stale.
    const actions = reconcile([], await mine());
    expect(actions.map((a) => a.kind)).toEqual(['stop', 'remove']);
    await execute(actions);
    expect(await mine()).toEqual([]);
  });

  it('fails without a Docker call on a malformed image reference, and clearly on an image not present locally', async () => {
    await expect(runtime.createAndStart(spec(['true'], { image: 'Bad Image;rm -rf /' }), NODE)).rejects.toBeInstanceOf(InvalidImageReferenceError);
    await expect(runtime.createAndStart(spec(['true'], { image: '--privileged' }), NODE)).rejects.toBeInstanceOf(InvalidImageReferenceError);
    const missing = runtime.createAndStart(spec(['true'], { image: `stowage/absent-${RUN}:none` }), NODE);
    await expect(missing).rejects.toBeInstanceOf(ImageNotFoundError);
    await expect(missing).rejects.toMatchObject({ retriable: false, message: expect.stringContaining(`stowage/absent-${RUN}:none`) });
  });

  it('pulls a missing image when pulling is on, and types a failed pull as retriable', async () => {
    const puller = new DockerRuntime({ docker, pull: true, timeouts: { pull: 20_000 } });
    // A registry on a closed loopback port: the engine's pull fails at once, and nothing is created.
    const failed = puller.createAndStart(spec(['true'], { image: `127.0.0.1:1/stowage/absent-${RUN}:none` }), NODE);
    // A registry out of reach: the same pull may work later (retriable), and the failure names the image.
    await expect(failed).rejects.toMatchObject({ name: 'ImagePullError', operation: 'pull', retriable: true });
    await expect(failed).rejects.toThrow(/pulling image 127\.0\.0\.1:1\/stowage\/absent-.*failed/);
    // A present image is used as is, with no pull.
    const c = await puller.createAndStart(spec(['true']), NODE);
    expect(c).toBeDefined();
  });

  it('types an unreachable engine as a retriable RuntimeError', async () => {
    const DockerCtor = docker.constructor as new (opts: { socketPath: string }) => Docker;
    const nowhere = new DockerRuntime({ docker: new DockerCtor({ socketPath: `/tmp/stowage-no-docker-${RUN}.sock` }) });
    const err = await nowhere.list(NODE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err).toMatchObject({ operation: 'list', retriable: true });
  });
});
