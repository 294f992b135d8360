import type Docker from 'dockerode';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LABELS } from '../../agent/container-config';
import { DockerLogReader } from '../../local/docker-log-reader';

/**
 * A container the engine lists but will not give logs for, because it is being removed
 * (409) or is gone (404), is read from the tail its agent kept before asking for the
 * removal; any other engine error is the reader's failure. The engine is faked here:
 * the race cannot be timed on a real one (test/integration/agent/kept-logs.test.ts
 * covers the real engine).
 */
const JOB = 'job-0123456789abcdef0123';
const TASK = `${JOB}.0`;

function engine(fail: { statusCode: number; message: string }): Docker {
  const container = { Id: 'c1', Labels: { [LABELS.job]: JOB, [LABELS.task]: TASK, [LABELS.generation]: '1' } };
  return {
    listContainers: async () => [container],
    getContainer: () => ({
      logs: async () => {
        throw Object.assign(new Error(`(HTTP code ${fail.statusCode}) ${fail.message}`), fail);
      },
    }),
  } as unknown as Docker;
}

describe('DockerLogReader, a container being removed', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'stowage-log-reader-'));
    const kept = path.join(dir, 'node-1', 'kept-logs', JOB);
    mkdirSync(kept, { recursive: true });
    writeFileSync(path.join(kept, `${TASK}-g1.log`), '2026-12-02T08:00:00.000000000Z done\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [409, 'can not get logs from container which is dead or marked for removal'],
    [404, 'no such container'],
  ])('reads the kept tail when the engine answers %i', async (statusCode, message) => {
    const page = await new DockerLogReader({ docker: engine({ statusCode, message }), stateDir: dir }).read({ jobId: JOB, since: 0, limit: 100 });
    expect(page.lines.map((l) => [l.taskId, l.text])).toEqual([[TASK, 'done']]);
  });

  it('fails, retriably and naming the engine, on any other engine error', async () => {
    await expect(new DockerLogReader({ docker: engine({ statusCode: 500, message: 'server error' }), stateDir: dir }).read({ jobId: JOB, since: 0, limit: 100 })).rejects.toThrow(/local Docker engine could not be read/);
  });
});
