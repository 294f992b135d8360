import type Docker from 'dockerode';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DockerRuntime } from '../../../agent/docker-runtime';
import { KeptLogs, keptLogFile } from '../../../agent/kept-logs';
import { DockerLogReader } from '../../../local/docker-log-reader';
import type { ContainerSpec } from '../../../core/agent/container';
import { ensureDocker, LOCAL_IMAGE } from '../../support/docker';

/**
 * The tails the agent keeps of removed copies, on a real engine: bounded per copy (lines
 * and bytes) and per job (copies), written before removal, and read back beside live
 * containers by the local log reader.
 */

jest.setTimeout(120_000);

const RUN = `${process.pid}-${Date.now().toString(36)}`;
const NODE = `it-kept-${RUN}`;
const JOB = `job-kept-${RUN}`;
let docker: Docker;
let root: string;
let keptDir: string;

const spec = (slot: number, command: string[]): ContainerSpec => ({ taskId: `${JOB}.${slot}`, jobId: JOB, generation: 0, image: LOCAL_IMAGE, command, env: {}, resources: { cpu: 100, memoryMiB: 32 } });

async function exited(id: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await docker.getContainer(id).inspect()).State.Status === 'exited') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`container ${id} did not exit`);
}

beforeAll(async () => {
  docker = await ensureDocker();
  root = mkdtempSync(path.join(tmpdir(), 'stowage-kept-'));
  keptDir = path.join(root, NODE, 'kept-logs');
});

afterAll(async () => {
  const mine = await docker.listContainers({ all: true, filters: { label: [`stowage.node=${NODE}`] } });
  await Promise.all(mine.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  rmSync(root, { recursive: true, force: true });
});

test('a removed copy keeps its last 1,000 lines (or 1 MiB), readable beside the live copies', async () => {
  const runtime = new DockerRuntime({ docker, pull: false, bindAddress: '127.0.0.1', keptLogs: new KeptLogs(docker, keptDir) });
  const chatty = await runtime.createAndStart(spec(0, ['sh', '-c', 'i=0; while [ $i -lt 1500 ]; do echo "line $i"; i=$((i+1)); done']), NODE);
  const live = await runtime.createAndStart(spec(1, ['sh', '-c', 'echo still here; sleep 60']), NODE);
  await exited(chatty);
  await runtime.remove(chatty);
  const file = keptLogFile(keptDir, JOB, `${JOB}.0`, 0);
  const kept = readFileSync(file, 'utf8').trim().split('\n');
  expect(kept).toHaveLength(1000);
  expect(kept[0]).toMatch(/ line 500$/);
  expect(kept.at(-1)).toMatch(/ line 1499$/);

  await new Promise((r) => setTimeout(r, 500));
  const page = await new DockerLogReader({ docker, stateDir: root }).read({ jobId: JOB, since: 0, limit: 5000 });
  expect(page.lines.filter((l) => l.taskId === `${JOB}.0`)).toHaveLength(1000);
  expect(page.lines.filter((l) => l.taskId === `${JOB}.1`).map((l) => l.text)).toEqual(['still here']);
  await runtime.remove(live);
  runtime.close();

  const small = new KeptLogs(docker, path.join(root, 'small'), { bytes: 100, copiesPerJob: 2 });
  for (let slot = 2; slot < 5; slot++) {
    const id = await docker.createContainer({ Image: LOCAL_IMAGE, Cmd: ['sh', '-c', 'i=0; while [ $i -lt 50 ]; do echo "line $i"; i=$((i+1)); done'], Labels: { 'stowage.node': NODE, 'stowage.job': JOB, 'stowage.task': `${JOB}.${slot}`, 'stowage.generation': '0' } });
    await id.start();
    await exited(id.id);
    await small.keep(id.id);
    await new Promise((r) => setTimeout(r, 20));
  }
  const files = readdirSync(path.join(root, 'small', JOB)).sort();
  expect(files).toEqual([`${JOB}.3-g0.log`, `${JOB}.4-g0.log`]);
  const text = readFileSync(path.join(root, 'small', JOB, files[1]), 'utf8');
  expect(Buffer.byteLength(text)).toBeLessThanOrEqual(100);
  expect(text.trim().split('\n').every((l) => / line \d+$/.test(l))).toBe(true);
  expect(text.trim().endsWith('line 49')).toBe(true);
});
