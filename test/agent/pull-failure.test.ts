import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import type { ControlPlane } from '../../agent/api-client';
import { DockerRuntime } from '../../agent/docker-runtime';
import type { RegistryAuth } from '../../agent/ecr-auth';
import { ImagePullError } from '../../agent/image-pull-error';
import { hostArchitecture, localIdentity } from '../../agent/node-identity';
import { StartFailures } from '../../agent/start-failures';
import { syncOnce } from '../../agent/sync';
import type { HeartbeatBody } from '../../contract/heartbeat';
import { heartbeatBodySchema } from '../../contract/heartbeat';
import type { ContainerInfo, ContainerSpec } from '../../core/agent/container';
import type { DesiredTask } from '../../core/agent/reconcile';
import { plan } from '../../core/pass/plan';
import { decideRestart } from '../../core/pass/restart-policy';
import type { ContainerRuntime } from '../../control/container-runtime';
import { ImageNotFoundError } from '../../control/container-runtime-errors';
import { containerTransition } from '../../control/state/task-transitions';
import { job, NOW, policy, snapshot, task, updateOf } from '../core/fixtures';

const NODE = 'node-pull';
const identity = localIdentity({ nodeId: NODE, cpu: 4000, memoryMiB: 4096, arch: 'arm64' });
const NO_VARIANT = 'no matching manifest for linux/arm64/v8 in the manifest list entries';
const IMAGE = '111122223333.dkr.ecr.us-east-1.amazonaws.com/team/web:1.4';

const spec = (taskId: string, generation = 1): DesiredTask => ({ taskId, jobId: 'web', generation, image: IMAGE, command: ['serve'], env: {}, resources: { cpu: 100, memoryMiB: 64 } });

/** A dockerode stand-in for the image calls only: the image is absent, and the pull answers as `pull` says. */
function fakeDocker(pull: (image: string, opts: Record<string, unknown>) => Promise<unknown>): Docker {
  const absent = Object.assign(new Error('No such image'), { statusCode: 404, json: { message: `No such image: ${IMAGE}` } });
  return {
    getImage: () => ({ inspect: async () => Promise.reject(absent) }),
    pull,
    modem: {
      followProgress: (stream: PassThrough, done: (err: Error | null, events: Array<{ error?: string }>) => void) => {
        const events: Array<{ error?: string }> = [];
        stream.on('data', (d: Buffer) => events.push(JSON.parse(d.toString())));
        stream.on('end', () => done(null, events));
      },
    },
  } as unknown as Docker;
}

describe('DockerRuntime pulls', () => {
  it('reports an image with no variant for the node\'s platform in Docker\'s words, as not retriable', async () => {
    // Docker answers the pull request itself with 404 and this message when no manifest matches.
    const docker = fakeDocker(async () => Promise.reject(Object.assign(new Error('(HTTP code 404) unexpected - ' + NO_VARIANT), { statusCode: 404, json: { message: NO_VARIANT } })));
    const err = await new DockerRuntime({ docker }).createAndStart(spec('t1') as ContainerSpec, NODE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImagePullError);
    expect(err).toMatchObject({ retriable: false, noPlatformVariant: true, reason: `image ${IMAGE} has no variant for this node's platform: ${NO_VARIANT}` });
  });

  it('reports a registry\'s refusal met mid-stream (an error event) with the registry\'s message', async () => {
    const docker = fakeDocker(async () => {
      const s = new PassThrough();
      setImmediate(() => {
        s.write(JSON.stringify({ status: 'Pulling from team/web' }));
        s.end(JSON.stringify({ error: 'manifest for team/web:1.4 not found: manifest unknown: Requested image not found' }));
      });
      return s;
    });
    const err = await new DockerRuntime({ docker }).createAndStart(spec('t1') as ContainerSpec, NODE).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ImagePullError', noPlatformVariant: false, reason: `pulling image ${IMAGE} failed: manifest for team/web:1.4 not found: manifest unknown: Requested image not found` });
  });

  it('passes the registry credentials to the pull, and fails the pull when none can be had', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const docker = fakeDocker(async (_image, opts) => {
      seen.push(opts);
      throw Object.assign(new Error('stop here'), { statusCode: 500, json: { message: 'stop here' } });
    });
    const auth: RegistryAuth = { credentialsFor: async () => ({ username: 'AWS', password: 'p4ss', serveraddress: 'https://111122223333.dkr.ecr.us-east-1.amazonaws.com' }) };
    await new DockerRuntime({ docker, registryAuth: auth }).createAndStart(spec('t1') as ContainerSpec, NODE).catch(() => undefined);
    expect(seen[0].authconfig).toEqual({ username: 'AWS', password: 'p4ss', serveraddress: 'https://111122223333.dkr.ecr.us-east-1.amazonaws.com' });

    const denied: RegistryAuth = { credentialsFor: async () => Promise.reject(new Error('ECR GetAuthorizationToken in us-east-1 failed with AccessDeniedException: no')) };
    const err = await new DockerRuntime({ docker, registryAuth: denied }).createAndStart(spec('t1') as ContainerSpec, NODE).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ImagePullError', reason: `pulling image ${IMAGE} failed: ECR GetAuthorizationToken in us-east-1 failed with AccessDeniedException: no` });
    expect(seen).toHaveLength(1);
  });
});

/** Fails every start with `error`; no container is ever made. */
class FailingRuntime implements ContainerRuntime {
  starts = 0;
  constructor(private readonly error: Error) {}
  async list(): Promise<ContainerInfo[]> {
    return [];
  }
  async stats() {
    return { cpu: 0, memoryMiB: 0 };
  }
  async createAndStart(): Promise<string> {
    this.starts++;
    throw this.error;
  }
  async stop(): Promise<void> {}
  async remove(): Promise<void> {}
}

class ScriptedControlPlane implements ControlPlane {
  readonly bodies: HeartbeatBody[] = [];
  constructor(public answer: DesiredTask[]) {}
  async heartbeat(_nodeId: string, body: HeartbeatBody): Promise<DesiredTask[]> {
    // What the API would accept: the body parses with the route's schema.
    this.bodies.push(heartbeatBodySchema.parse(body));
    return this.answer;
  }
}

describe('a copy whose image cannot be pulled', () => {
  it('is reported in the next heartbeats as exited with the pull\'s reason, and not pulled again while the control plane still asks for it', async () => {
    const runtime = new FailingRuntime(new ImagePullError(IMAGE, NO_VARIANT));
    const cp = new ScriptedControlPlane([spec('t1')]);
    const failures = new StartFailures();
    const deps = { runtime, controlPlane: cp, identity, measureUsage: false, startFailures: failures, now: () => NOW };

    const first = await syncOnce(deps);
    expect(first.errors).toMatchObject([{ action: 'start', taskId: 't1', retriable: false }]);
    expect(cp.bodies[0].containers).toEqual([]);

    await syncOnce(deps); // the control plane has not acted yet: it still asks for t1
    expect(cp.bodies[1].containers).toEqual([{ taskId: 't1', generation: 1, state: 'exited', finishedAt: NOW, failure: `image ${IMAGE} has no variant for this node's platform: ${NO_VARIANT}` }]);
    expect(runtime.starts).toBe(1);

    cp.answer = []; // it recorded the failure: the copy left this node
    await syncOnce(deps);
    expect(failures.size).toBe(0);
    await syncOnce(deps);
    expect(cp.bodies[3].containers).toEqual([]);
  });

  it('is tried again when the control plane sends it back at a new generation (a restart on this node)', async () => {
    const runtime = new FailingRuntime(new ImagePullError(IMAGE, 'pull access denied'));
    const cp = new ScriptedControlPlane([spec('t1', 1)]);
    const deps = { runtime, controlPlane: cp, identity, measureUsage: false, startFailures: new StartFailures() };
    await syncOnce(deps);
    cp.answer = [spec('t1', 2)];
    await syncOnce(deps);
    expect(runtime.starts).toBe(2);
  });

  it('counts an image absent from a node that does not pull as a failure too', () => {
    expect(StartFailures.reasonOf(new ImageNotFoundError('stowage/busybox:local'))).toMatch(/^image stowage\/busybox:local is not present on this node and pulling is off/);
    expect(StartFailures.reasonOf(new Error('engine busy'))).toBeUndefined();
  });

  it('fails its task with that reason, and the restart policy backs off, then gives up with the registry\'s words', () => {
    const reason = `image ${IMAGE} has no variant for this node's platform: ${NO_VARIANT}`;
    const assigned = task('web-0', 'web', { status: 'ASSIGNED', nodeId: NODE, generation: 1 });
    const failed = containerTransition(assigned, { taskId: 'web-0', generation: 1, state: 'exited', finishedAt: NOW, failure: reason }, NOW)!;
    expect(failed).toMatchObject({ status: 'FAILED', reason, nodeId: undefined });

    const web = job('web', { kind: 'batch', restart: { mode: 'on-failure', maxRestarts: 2, initialDelayMs: 1_000, maxDelayMs: 60_000, resetAfterMs: 600_000 } });
    const again = plan(snapshot({ jobs: [web], tasks: [failed] }), NOW, policy());
    expect(updateOf(again, 'web-0')).toMatchObject({ to: 'PENDING', restarts: 1, notBefore: NOW + 1_000 });
    expect(updateOf(again, 'web-0')?.reason).toContain(NO_VARIANT);

    // At its limit the copy stays FAILED, holding nothing, with the registry's reason.
    const spent = { ...failed, restarts: 2 };
    expect(updateOf(plan(snapshot({ jobs: [web], tasks: [spent] }), NOW, policy()), 'web-0')).toBeUndefined();
    expect(decideRestart(spent, web)).toEqual({ restart: false, reason: `${reason}; gave up after 2 restarts (maxRestarts 2)` });
  });
});

describe('the node\'s architecture label', () => {
  it('reports the machine\'s own architecture, in EC2\'s words', () => {
    expect(identity.labels).toEqual({ 'stowage.io/arch': 'arm64' });
    expect(hostArchitecture('x64')).toBe('x86_64');
    expect(hostArchitecture('arm64')).toBe('arm64');
    expect(hostArchitecture('s390x')).toBeUndefined();
    expect(localIdentity({ nodeId: 'n', cpu: 1, memoryMiB: 1, labels: { disk: 'ssd' } }).labels).toEqual({ disk: 'ssd', 'stowage.io/arch': hostArchitecture() });
  });
});
