import type Docker from 'dockerode';
import { PassThrough, Readable } from 'node:stream';
import { createOptions, LABELS } from '../../../agent/container-config';
import type { ContainerSpec } from '../../../core/agent/container';
import { containerNameOf } from '../../../cli/commands/exec-request';
import { execInTask, TaskContainerNotFoundError } from '../../../local/task-exec';
import { ensureDocker, LOCAL_IMAGE } from '../../support/docker';

/**
 * `stowage exec` on the local cloud, against a real engine: a copy's container made as
 * the agent makes it (createOptions: its name and labels), then Docker's exec with an
 * argv. Every container made here carries this run's node id, so afterAll removes them.
 */

jest.setTimeout(120_000);

const RUN = `${process.pid}-${Date.now().toString(36)}`;
const NODE = `it-exec-${RUN}`;
const TASK = `job-${'0'.repeat(14)}${(process.pid % 0xffffff).toString(16).padStart(6, '0')}.0`;

let docker: Docker;
const spec: ContainerSpec = { taskId: TASK, jobId: TASK.split('.')[0], generation: 2, image: LOCAL_IMAGE, command: ['sleep', '300'], env: {}, resources: { cpu: 100, memoryMiB: 32 } };

beforeAll(async () => {
  docker = await ensureDocker();
  const container = await docker.createContainer(createOptions(spec, NODE, '127.0.0.1'));
  await container.start();
});

afterAll(async () => {
  if (!docker) return;
  for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABELS.node}=${NODE}`] } })) await docker.getContainer(c.Id).remove({ force: true });
});

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function run(argv: string[], stdin?: string) {
  const out = sink();
  const err = sink();
  const code = await execInTask(docker, TASK, 2, argv, { stdout: out.stream, stderr: err.stream, ...(stdin !== undefined ? { stdin: Readable.from([Buffer.from(stdin)]) } : {}) });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('execInTask (local stowage exec)', () => {
  it('runs echo hi in the copy\'s container and answers 0', async () => {
    expect(await run(['echo', 'hi'])).toEqual({ code: 0, stdout: 'hi\n', stderr: '' });
  });

  it('passes each argument as typed, through no shell', async () => {
    const r = await run(['echo', '$(id -u); rm -rf /', '`whoami`', "'quoted' \"x\"", '*']);
    expect(r.stdout).toBe("$(id -u); rm -rf / `whoami` 'quoted' \"x\" *\n");
  });

  it('keeps stdout and stderr apart and answers the exit code', async () => {
    const r = await run(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('passes stdin through, ending it when ours ends', async () => {
    expect(await run(['cat'], 'line one\nline two\n')).toEqual({ code: 0, stdout: 'line one\nline two\n', stderr: '' });
  });

  it('finds the container the agent named for the copy', async () => {
    const [c] = await docker.listContainers({ filters: { label: [`${LABELS.task}=${TASK}`] } });
    expect(c.Names).toEqual([`/${containerNameOf(TASK, 2)}`]);
  });

  it('says so when the copy has no running container (another generation, or none)', async () => {
    await expect(execInTask(docker, TASK, 3, ['true'], { stdout: new PassThrough(), stderr: new PassThrough() })).rejects.toThrow(TaskContainerNotFoundError);
  });
});
