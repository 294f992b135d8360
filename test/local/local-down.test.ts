import type Docker from 'dockerode';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LABELS } from '../../agent/container-config';
import { credentialsFile, writeCredentials } from '../../local/credentials';
import { LocalDownError, takeDown } from '../../local/local-down';
import { recordFile, writeRunRecord } from '../../local/run-record';

/**
 * `local down` on the states a directory can be in, with no process of the recorded run
 * alive (a pid above the kernel's maximum is never running). Real processes and Docker:
 * test/integration/local/teardown.test.ts.
 */
const GONE = 99_999_999;

function fakeDocker(nodes: string[], options: { failList?: boolean } = {}) {
  const containers = nodes.map((node, i) => ({ Id: `c${i}`, Labels: { [LABELS.node]: node } }));
  const removed: string[] = [];
  const docker = {
    listContainers: async () => {
      if (options.failList) throw new Error('connect ENOENT /var/run/docker.sock');
      return containers.filter((c) => !removed.includes(c.Id));
    },
    getContainer: (id: string) => ({ remove: async () => void removed.push(id) }),
  };
  return { docker: docker as unknown as Docker, removedNodes: () => removed.map((id) => containers.find((c) => c.Id === id)!.Labels[LABELS.node]) };
}

let dir: string;
let said: string[];
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'stowage-local-down-'));
  said = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('takeDown', () => {
  test("a dead run's containers, credential and record are removed, and the line says what went", async () => {
    writeRunRecord(dir, { pid: GONE, startedAt: '2027-01-01T00:00:00.000Z', idPrefix: 'local-7-', agentPids: [GONE + 1], dynamoPid: GONE + 2 });
    writeCredentials({ apiUrl: 'http://127.0.0.1:1', token: 't', pid: GONE, startedAt: '' }, dir);
    const { docker, removedNodes } = fakeDocker(['local-7-1', 'local-7-2', 'local-8-1']);
    const r = await takeDown({ dir, docker: () => docker, say: (l) => said.push(l) });
    expect(r).toEqual({ found: 'dead', processes: 0, containers: 2, files: [credentialsFile(dir), recordFile(dir)] });
    expect(removedNodes()).toEqual(['local-7-1', 'local-7-2']);
    expect(existsSync(recordFile(dir))).toBe(false);
    expect(existsSync(credentialsFile(dir))).toBe(false);
    expect(said).toEqual([
      `pid ${GONE} (started 2027-01-01T00:00:00.000Z) is not running; removed what it left: 0 processes, 2 containers (node ids local-7-*), the credential and the run record`,
    ]);
  });

  test('when Docker cannot be reached the record stays, and the error says to start Docker and run it again', async () => {
    writeRunRecord(dir, { pid: GONE, startedAt: '', idPrefix: 'local-7-', agentPids: [] });
    const { docker } = fakeDocker([], { failList: true });
    const down = takeDown({ dir, docker: () => docker, say: (l) => said.push(l) });
    await expect(down).rejects.toThrow(LocalDownError);
    await expect(down).rejects.toThrow(/could not remove the containers of pid \d+'s run \(node ids local-7-\*\): connect ENOENT.*start Docker and run `stowage local down` again/);
    expect(existsSync(recordFile(dir))).toBe(true);
  });

  test('no record: a credential left by a process that is gone is removed; Docker is not asked', async () => {
    writeCredentials({ apiUrl: 'http://127.0.0.1:1', token: 't', pid: GONE, startedAt: '' }, dir);
    const r = await takeDown({ dir, docker: () => { throw new Error('Docker must not be asked'); }, say: (l) => said.push(l) });
    expect(r).toEqual({ found: 'none', processes: 0, containers: 0, files: [credentialsFile(dir)] });
    expect(said[0]).toMatch(/removed a credential left by a process that is gone/);
  });

  test("no record: a live process's credential stays, and nothing is done", async () => {
    writeCredentials({ apiUrl: 'http://127.0.0.1:1', token: 't', pid: process.pid, startedAt: '' }, dir);
    const r = await takeDown({ dir, docker: () => fakeDocker([]).docker, say: (l) => said.push(l) });
    expect(r.files).toEqual([]);
    expect(existsSync(credentialsFile(dir))).toBe(true);
    expect(said).toEqual([`no local cloud recorded in ${dir}; nothing to do`]);
  });
});
