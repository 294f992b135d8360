#!/usr/bin/env node
// Runs before `npm test`: on a fresh clone the README's one command must be enough, so
// install what is missing — a Java runtime for DynamoDB Local, Docker and haproxy (as root on Debian), and
// the locked npm dependencies.
// Plain Node, no dependencies: it runs before any exist.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');

// DynamoDB Local (the integration tests' DynamoDB) is a Java program.
if (spawnSync('java', ['-version'], { stdio: 'ignore' }).error) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.error('stowage: no Java runtime; installing Debian\'s default-jre-headless for DynamoDB Local (one time)');
    const apt = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (apt(['update']).status !== 0 || apt(['install', '-y', '--no-install-recommends', 'default-jre-headless']).status !== 0) {
      console.error('stowage: installing Java failed; install a Java 17+ runtime by hand (apt-get install -y default-jre-headless).');
      process.exit(1);
    }
  } else {
    console.error('stowage: DynamoDB Local needs a Java 17+ runtime and none is on PATH. Install one, e.g. `sudo apt-get install -y default-jre-headless`, then run npm test again.');
    process.exit(1);
  }
}

// The agent's integration tests drive a real Docker engine (started by the tests, not
// here) and build their image from a static busybox, so no registry is needed.
const has = (cmd) => spawnSync('sh', ['-c', cmd], { stdio: 'ignore' }).status === 0;
const missingDebs = [
  ['docker.io', 'command -v dockerd || docker info'],
  ['busybox-static', 'dpkg -s busybox-static || ! command -v dpkg'],
  // The local load balancer (npm run local and its integration tests) is Debian's haproxy.
  ['haproxy', 'command -v haproxy || test -x /usr/sbin/haproxy'],
  // The HTML report's browser test drives Debian's Chromium (never a downloaded browser);
  // `npm run local` (which passes --local) has no use for it.
  ...(process.argv.includes('--local') ? [] : [['chromium', 'command -v chromium']]),
].filter(([, check]) => !has(`(${check}) >/dev/null 2>&1`)).map(([pkg]) => pkg);
if (missingDebs.length > 0) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    console.error(`stowage: the Docker, haproxy and browser tests need ${missingDebs.join(' and ')} and will fail without; e.g. sudo apt-get install -y ${missingDebs.join(' ')}`);
  } else if (apt(['update']).status !== 0 || apt(['install', '-y', '--no-install-recommends', ...missingDebs]).status !== 0) {
    console.error(`stowage: installing Docker/haproxy/Chromium failed; install by hand (apt-get install -y ${missingDebs.join(' ')}).`);
    process.exit(1);
  }
}

const needed = ['jest', 'tsc', 'tsx', 'eslint'].map((bin) => join(root, 'node_modules', '.bin', bin));
if (needed.every((p) => existsSync(p))) process.exit(0);

console.error('stowage: dependencies missing; running `npm ci` (one time)');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error('stowage: `npm ci` failed; check your network access to the npm registry and Node.js >= 20, then run it by hand.');
  process.exit(result.status ?? 1);
}
