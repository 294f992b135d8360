import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEventLog } from '../../local/event-log';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'stowage-event-log-'));
  mkdirSync(path.join(dir, 'logs'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('startEventLog', () => {
  test('lines and events go to the log file; events are kept newest last, the last 50', async () => {
    const piece = startEventLog(dir);
    const log = piece.value;
    log.line('api', 'hello');
    for (let i = 0; i < 60; i++) log.event(`event ${i}`);
    expect(log.events).toHaveLength(50);
    expect(log.events[0].text).toBe('event 10');
    expect(log.events[49].text).toBe('event 59');
    await piece.stop!();
    const text = readFileSync(log.file, 'utf8');
    expect(text).toMatch(/^\S+ api hello$/m);
    expect(text).toMatch(/^\S+ event event 59$/m);
  });

  test('a line after stop is dropped, not written to a closed stream', async () => {
    const piece = startEventLog(dir);
    await piece.stop!();
    expect(() => piece.value.line('node-1', 'late')).not.toThrow();
    await new Promise((r) => setImmediate(r));
    expect(readFileSync(piece.value.file, 'utf8')).not.toContain('late');
  });

  test('a log over 50 MiB is moved aside to local.log.1 at start', async () => {
    const file = path.join(dir, 'logs', 'local.log');
    writeFileSync(file, Buffer.alloc(50 * 1024 * 1024 + 1));
    const piece = startEventLog(dir);
    await piece.stop!();
    expect(existsSync(`${file}.1`)).toBe(true);
    expect(statSync(file).size).toBe(0);
  });
});
