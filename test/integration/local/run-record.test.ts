import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AlreadyRunningError, leftoversOf, readRunRecord, recordFile, removeRunRecord, writeRunRecord, type RunRecord } from '../../../local/run-record';

/**
 * The crash record of a local cloud. The leftover checks run against real processes:
 * children spawned here, killed in afterEach.
 */

let dir: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'stowage-run-record-'));
});

afterEach(async () => {
  await Promise.all(children.splice(0).map(killAndWait));
  rmSync(dir, { recursive: true, force: true });
});

function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** A live child; its argv is in place once spawn returns (libuv waits for the exec). */
function live(command: string, args: string[]): number {
  const child = spawn(command, args, { stdio: 'ignore' });
  children.push(child);
  if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
  return child.pid;
}

/** The pid of a process that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn('sleep', ['0'], { stdio: 'ignore' });
  const pid = child.pid!;
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return pid;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const RECORD: RunRecord = { pid: 4242, startedAt: '2027-01-01T00:00:00.000Z', idPrefix: 'local-abc123-', agentPids: [11, 12], dynamoPid: 13 };

describe('writeRunRecord / readRunRecord', () => {
  test('round trip', () => {
    writeRunRecord(dir, RECORD);
    expect(readRunRecord(dir)).toEqual(RECORD);
  });

  test('a record without dynamoPid reads back without it', () => {
    const { dynamoPid: _drop, ...noDynamo } = RECORD;
    void _drop;
    writeRunRecord(dir, noDynamo);
    const r = readRunRecord(dir);
    expect(r).toEqual(noDynamo);
    expect(r).not.toHaveProperty('dynamoPid');
  });

  test('creates the directory, writes run.json with mode 0600, and leaves no temp file', () => {
    const nested = path.join(dir, 'a', 'b');
    writeRunRecord(nested, RECORD);
    expect(recordFile(nested)).toBe(path.join(nested, 'run.json'));
    expect(statSync(recordFile(nested)).mode & 0o777).toBe(0o600);
    expect(readdirSync(nested)).toEqual(['run.json']);
    expect(JSON.parse(readFileSync(recordFile(nested), 'utf8'))).toEqual(RECORD);
  });

  test('a rewrite replaces the record', () => {
    writeRunRecord(dir, RECORD);
    writeRunRecord(dir, { ...RECORD, agentPids: [99] });
    expect(readRunRecord(dir)?.agentPids).toEqual([99]);
  });

  test('no file → undefined', () => {
    expect(readRunRecord(dir)).toBeUndefined();
  });

  test.each([
    ['not JSON', '{"pid": 1,'],
    ['JSON null', 'null'],
    ['a number', '42'],
    ['pid missing', JSON.stringify({ idPrefix: 'x', agentPids: [] })],
    ['pid a string', JSON.stringify({ pid: '1', idPrefix: 'x', agentPids: [] })],
    ['idPrefix missing', JSON.stringify({ pid: 1, agentPids: [] })],
    ['agentPids not an array', JSON.stringify({ pid: 1, idPrefix: 'x', agentPids: 5 })],
  ])('a malformed file (%s) → undefined', (_what, content) => {
    writeFileSync(recordFile(dir), content);
    expect(readRunRecord(dir)).toBeUndefined();
  });

  test('lenient on the optional parts: non-numeric agent pids dropped, startedAt defaulted, bad dynamoPid left out', () => {
    writeFileSync(recordFile(dir), JSON.stringify({ pid: 7, idPrefix: 'p-', agentPids: [1, 'two', null, 3], dynamoPid: 'x' }));
    expect(readRunRecord(dir)).toEqual({ pid: 7, startedAt: '', idPrefix: 'p-', agentPids: [1, 3] });
  });

  test('removeRunRecord deletes the file and is fine when there is none', () => {
    writeRunRecord(dir, RECORD);
    removeRunRecord(dir);
    expect(existsSync(recordFile(dir))).toBe(false);
    expect(() => removeRunRecord(dir)).not.toThrow();
  });
});

describe('leftoversOf', () => {
  test('no record → no pids and no prefix', () => {
    expect(leftoversOf(undefined)).toEqual({ pids: [] });
  });

  test('a record whose pid is alive and not ours → AlreadyRunningError mentioning the pid', () => {
    const pid = live('sleep', ['30']);
    const record: RunRecord = { ...RECORD, pid, agentPids: [] };
    let err: unknown;
    try {
      leftoversOf(record);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AlreadyRunningError);
    expect((err as Error).name).toBe('AlreadyRunningError');
    expect((err as Error).message).toContain(`pid ${pid}`);
    expect((err as Error).message).toContain(RECORD.startedAt);
  });

  test('a record of our own pid is not "already running": its leftovers are returned', () => {
    expect(leftoversOf({ ...RECORD, pid: process.pid, agentPids: [], dynamoPid: undefined })).toEqual({ pids: [], idPrefix: RECORD.idPrefix });
  });

  test('a dead run: a live agent pid whose command line is not an agent is NOT returned (pid reuse)', async () => {
    const dead = await deadPid();
    const sleeper = live('sleep', ['30']);
    expect(alive(sleeper)).toBe(true);
    const r = leftoversOf({ ...RECORD, pid: dead, agentPids: [sleeper], dynamoPid: undefined });
    expect(r.pids).not.toContain(sleeper);
    expect(r).toEqual({ pids: [], idPrefix: RECORD.idPrefix });
  });

  test('a dead run: a live process whose command line names stowage-agent IS returned, with the id prefix', async () => {
    const dead = await deadPid();
    const agent = live(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', 'stowage-agent']);
    const sleeper = live('sleep', ['30']);
    const gone = await deadPid();
    const r = leftoversOf({ ...RECORD, pid: dead, agentPids: [agent, sleeper, gone], dynamoPid: undefined });
    expect(r).toEqual({ pids: [agent], idPrefix: RECORD.idPrefix });
  });

  test("a dead run: DynamoDB Local is returned only when its command line is DynamoDB Local's", async () => {
    const dead = await deadPid();
    const dynamo = live(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', '-jar', 'DynamoDBLocal.jar']);
    expect(leftoversOf({ ...RECORD, pid: dead, agentPids: [], dynamoPid: dynamo })).toEqual({ pids: [dynamo], idPrefix: RECORD.idPrefix });
    const other = live('sleep', ['30']);
    expect(leftoversOf({ ...RECORD, pid: dead, agentPids: [], dynamoPid: other })).toEqual({ pids: [], idPrefix: RECORD.idPrefix });
    const gone = await deadPid();
    expect(leftoversOf({ ...RECORD, pid: dead, agentPids: [], dynamoPid: gone })).toEqual({ pids: [], idPrefix: RECORD.idPrefix });
  });

  test('the check reads only; it signals nothing', async () => {
    const dead = await deadPid();
    const agent = live(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', 'stowage-agent']);
    leftoversOf({ ...RECORD, pid: dead, agentPids: [agent], dynamoPid: undefined });
    await new Promise((r) => setTimeout(r, 50));
    expect(alive(agent)).toBe(true);
  });
});
