import type Docker from 'dockerode';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LABELS } from '../../agent/container-config';
import { claimRun } from '../../local/run-claim';
import { readRunRecord, recordFile } from '../../local/run-record';

/**
 * A Docker engine holding labelled containers: enough for the claim's sweeps (list by
 * label, force-remove by id). The real engine is exercised by the e2e suites.
 */
function fakeDocker(nodes: string[], options: { failList?: boolean } = {}) {
  const containers = nodes.map((node, i) => ({ Id: `c${i}`, Labels: { [LABELS.node]: node } }));
  const removed: string[] = [];
  const docker = {
    listContainers: async () => {
      if (options.failList) throw new Error('engine gone');
      return containers.filter((c) => !removed.includes(c.Id));
    },
    getContainer: (id: string) => ({ remove: async () => void removed.push(id) }),
  };
  return { docker: docker as unknown as Docker, removedNodes: () => removed.map((id) => containers.find((c) => c.Id === id)!.Labels[LABELS.node]) };
}

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'stowage-run-claim-'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('claimRun', () => {
  test("start removes a crashed run's containers by its prefix, says so, and writes this run's record", async () => {
    const { docker, removedNodes } = fakeDocker(['local-1-1', 'local-1-2', 'local-2-1', 'other']);
    const said: string[] = [];
    const piece = await claimRun({ dir, docker, previous: { pids: [], idPrefix: 'local-1-' }, say: (l) => said.push(l) });
    expect(removedNodes().sort()).toEqual(['local-1-1', 'local-1-2']);
    expect(piece.value.leftovers).toEqual({ processes: 0, containers: 2 });
    expect(said).toEqual(['cleaned up a previous run that did not stop cleanly: 0 processes stopped, 2 containers removed']);
    expect(piece.value.idPrefix).toBe(`local-${process.pid}-`);
    expect(readRunRecord(dir)).toEqual({ pid: process.pid, startedAt: piece.value.startedAt, idPrefix: piece.value.idPrefix, agentPids: [] });
  });

  test('nothing left by a previous run: nothing said, nothing removed', async () => {
    const { docker, removedNodes } = fakeDocker(['other']);
    const said: string[] = [];
    await claimRun({ dir, docker, previous: { pids: [] }, say: (l) => said.push(l) });
    expect(said).toEqual([]);
    expect(removedNodes()).toEqual([]);
  });

  test("the record follows DynamoDB Local's pid and the agents' pids", async () => {
    const { docker } = fakeDocker([]);
    const claim = (await claimRun({ dir, docker, previous: { pids: [] }, say: () => undefined })).value;
    claim.recordDynamoPid(4100);
    claim.recordAgentPids([4201, 4202]);
    expect(readRunRecord(dir)).toMatchObject({ dynamoPid: 4100, agentPids: [4201, 4202] });
  });

  test("stop removes this run's containers, reports how many, removes the record, and ignores later updates", async () => {
    const ours = `local-${process.pid}-`;
    const { docker, removedNodes } = fakeDocker([`${ours}1`, `${ours}2`, 'local-1-1']);
    let swept = -1;
    const piece = await claimRun({ dir, docker, previous: { pids: [] }, say: () => undefined, onSwept: (n) => (swept = n) });
    await piece.stop!();
    expect(removedNodes().sort()).toEqual([`${ours}1`, `${ours}2`]);
    expect(swept).toBe(2);
    expect(existsSync(recordFile(dir))).toBe(false);
    // An agent's exit reported after the stop must not bring the record back.
    piece.value.recordAgentPids([1]);
    expect(existsSync(recordFile(dir))).toBe(false);
  });

  test('a sweep that fails keeps the record, so the next start can finish the job', async () => {
    const { docker } = fakeDocker([], { failList: true });
    const piece = await claimRun({ dir, docker, previous: { pids: [] }, say: () => undefined });
    await expect(Promise.resolve().then(piece.stop!)).rejects.toThrow('engine gone');
    expect(readRunRecord(dir)?.pid).toBe(process.pid);
  });
});
