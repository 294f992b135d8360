import type Docker from 'dockerode';
import type { Duplex } from 'node:stream';
import { LABELS } from '../agent/container-config';

/**
 * `stowage exec` on the local cloud: Docker's exec on the copy's container, found by the
 * labels the agent puts on it (task id and generation). The argv goes to Docker as an
 * array (Engine API `Cmd`), never through a shell, so any argument — spaces, quotes,
 * `$` — arrives as typed. Which copy, and whether the caller may touch its job, is
 * settled before this, through the API (GET /jobs/{id} answers only the caller's jobs).
 */

export interface ExecStreams {
  /** Piped to the command's stdin when given; its end closes the command's stdin. */
  readonly stdin?: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** A terminal: Docker allocates a pseudo-TTY and the output comes as one stream. */
  readonly tty?: boolean;
}

/** No running container carries the copy's labels: the copy ended, or is on no local node. */
export class TaskContainerNotFoundError extends Error {
  override readonly name = 'TaskContainerNotFoundError';
  constructor(readonly taskId: string, readonly generation: number) {
    super(`no running container of task ${taskId} (generation ${generation}) in the local Docker engine; the copy may have just stopped or moved — run stowage status and try again`);
  }
}

/** Runs `argv` in the copy's container and answers its exit code. */
export async function execInTask(docker: Docker, taskId: string, generation: number, argv: readonly string[], io: ExecStreams): Promise<number> {
  const found = await docker.listContainers({
    filters: { label: [`${LABELS.task}=${taskId}`, `${LABELS.generation}=${generation}`], status: ['running'] },
  });
  if (found.length === 0) throw new TaskContainerNotFoundError(taskId, generation);
  const container = docker.getContainer(found[0].Id);
  const tty = io.tty === true;
  const exec = await container.exec({ Cmd: [...argv], AttachStdin: io.stdin !== undefined, AttachStdout: true, AttachStderr: true, Tty: tty });
  const stream = (await exec.start({ hijack: true, stdin: io.stdin !== undefined, Tty: tty })) as Duplex;
  const done = new Promise<void>((resolve, reject) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', reject);
  });
  if (tty) stream.pipe(io.stdout, { end: false });
  else docker.modem.demuxStream(stream, io.stdout, io.stderr);
  const onData = (chunk: Buffer) => stream.write(chunk);
  const onEnd = () => stream.end();
  if (io.stdin) {
    // The command sees end of input when ours ends: half-close the hijacked connection.
    io.stdin.on('data', onData);
    io.stdin.once('end', onEnd);
  }
  try {
    await done;
  } finally {
    // The command may end before our input does (a terminal never ends): stop reading it,
    // or it would keep this process alive.
    io.stdin?.removeListener('data', onData);
    io.stdin?.removeListener('end', onEnd);
    io.stdin?.pause();
  }
  const info = await exec.inspect();
  return info.ExitCode ?? 1;
}
