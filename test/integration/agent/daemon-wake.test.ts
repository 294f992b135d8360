import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pidFile, removePidFile, wakeDaemon, WAKE_SIGNAL, writePidFile } from '../../../agent/daemon-wake';

/**
 * `stowage-agent sync` wakes a running daemon instead of passing beside it. The checks
 * run against real processes spawned here (killed in afterEach).
 */

let dir: string;
let config: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'stowage-daemon-wake-'));
  config = path.join(dir, 'agent.json');
});

afterEach(async () => {
  await Promise.all(
    children.splice(0).map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
});

function track(child: ChildProcess): ChildProcess {
  children.push(child);
  return child;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Resolves with everything the child printed once its output contains `marker`. */
function output(child: ChildProcess, marker: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`child did not print ${marker}; got ${JSON.stringify(text)}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes(marker)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
  });
}

describe('pid file', () => {
  test('pidFile sits beside the config', () => {
    expect(pidFile('/etc/stowage/agent.json')).toBe('/etc/stowage/agent.json.pid');
  });

  test('writePidFile writes our pid, mode 0600; removePidFile removes it', () => {
    writePidFile(config);
    expect(readFileSync(pidFile(config), 'utf8')).toBe(`${process.pid}\n`);
    expect(statSync(pidFile(config)).mode & 0o777).toBe(0o600);
    removePidFile(config);
    expect(existsSync(pidFile(config))).toBe(false);
  });

  test("removePidFile leaves another daemon's pid file alone", () => {
    writeFileSync(pidFile(config), `${process.pid + 1}\n`);
    removePidFile(config);
    expect(existsSync(pidFile(config))).toBe(true);
    expect(readFileSync(pidFile(config), 'utf8')).toBe(`${process.pid + 1}\n`);
  });

  test('removePidFile with no pid file, or an unreadable one, does nothing', () => {
    expect(() => removePidFile(config)).not.toThrow();
    writeFileSync(pidFile(config), 'garbage');
    removePidFile(config);
    expect(existsSync(pidFile(config))).toBe(true);
  });
});

describe('wakeDaemon', () => {
  test('the wake signal is SIGUSR1', () => {
    expect(WAKE_SIGNAL).toBe('SIGUSR1');
  });

  test('no pid file → undefined', () => {
    expect(wakeDaemon(config)).toBeUndefined();
  });

  test.each(['', 'abc', '0', '-5', '1.5', '99999999999999999999'])('a pid file holding %j → undefined', (content) => {
    writeFileSync(pidFile(config), content);
    expect(wakeDaemon(config)).toBeUndefined();
  });

  test('our own pid → undefined (a process never wakes itself)', () => {
    writePidFile(config);
    expect(wakeDaemon(config)).toBeUndefined();
  });

  test('the pid file of a dead process → undefined', async () => {
    const child = track(spawn('sleep', ['0'], { stdio: 'ignore' }));
    const pid = child.pid!;
    await exitOf(child);
    writeFileSync(pidFile(config), `${pid}\n`);
    expect(wakeDaemon(config)).toBeUndefined();
  });

  test('a live process that is not the agent (pid reused) → undefined, and it is not signalled', async () => {
    const child = track(spawn('sleep', ['30'], { stdio: 'ignore' }));
    const pid = child.pid!;
    writeFileSync(pidFile(config), `${pid}\n`);
    expect(wakeDaemon(config)).toBeUndefined();
    // SIGUSR1's default action would have ended `sleep`.
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(true);
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBeNull();
  });

  test('a live agent daemon (command line names stowage-agent) → its pid is returned and it is woken', async () => {
    const script = "process.on('SIGUSR1', () => { console.log('woken'); process.exit(0); }); console.log('ready'); setTimeout(() => {}, 30000);";
    const child = track(spawn(process.execPath, ['-e', script, 'stowage-agent'], { stdio: ['ignore', 'pipe', 'ignore'] }));
    const pid = child.pid!;
    // Until its handler is in, SIGUSR1 would open Node's inspector instead.
    await output(child, 'ready');
    const woken = output(child, 'woken');
    const exited = exitOf(child);
    writeFileSync(pidFile(config), `${pid}\n`);
    expect(wakeDaemon(config)).toBe(pid);
    expect(await woken).toContain('woken');
    expect(await exited).toEqual({ code: 0, signal: null });
  });
});
