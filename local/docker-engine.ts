import Docker from 'dockerode';
import { spawn, spawnSync } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The image the Docker tests run: made locally, since nothing can be pulled where they run. */
export const LOCAL_IMAGE = 'stowage/busybox:local';

const SCRIPT = path.join(__dirname, '..', 'scripts', 'make-local-image.sh');

const engineAnswers = () => spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 15_000 }).status === 0;
const onPath = (bin: string) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', bin], { stdio: 'ignore' }).status === 0;

/**
 * A Docker engine the tests can use, with LOCAL_IMAGE present. When the engine does not
 * answer but Debian's docker.io is installed, starts `dockerd` in the background (it
 * outlives the test run, like a system service would) and waits up to 60 s for it.
 */
export async function ensureDocker(): Promise<Docker> {
  if (!onPath('docker') || (!engineAnswers() && !onPath('dockerd'))) {
    throw new Error("Stowage's local cloud and its Docker tests need a Docker engine and none is installed; on Debian, as root: apt-get install -y docker.io busybox-static");
  }
  if (!engineAnswers()) {
    const log = path.join(os.tmpdir(), `stowage-dockerd-${process.pid}.log`);
    const out = openSync(log, 'a');
    const child = spawn('dockerd', [], { detached: true, stdio: ['ignore', out, out] });
    child.unref();
    const deadline = Date.now() + 60_000;
    while (!engineAnswers()) {
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`dockerd did not become ready within 60 s (log ${log}):\n${readFileSync(log, 'utf8').slice(-4000)}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const made = spawnSync('bash', [SCRIPT, LOCAL_IMAGE], { encoding: 'utf8', timeout: 120_000 });
  if (made.status !== 0) {
    throw new Error(`scripts/make-local-image.sh failed (${made.status ?? made.signal}):\n${made.stderr}${made.stdout}`);
  }
  return new Docker();
}
