#!/usr/bin/env node
// Runs before `npm test` (and other entry points): on a fresh clone the README's one
// command must be enough, so install the locked dependencies when they are missing.
// Plain Node, no dependencies: it runs before any exist.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const needed = ['jest', 'tsc', 'tsx', 'eslint'].map((bin) => join(root, 'node_modules', '.bin', bin));
if (needed.every((p) => existsSync(p))) process.exit(0);

console.error('stowage: dependencies missing; running `npm ci` (one time)');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error('stowage: `npm ci` failed; check your network access to the npm registry and Node.js >= 20, then run it by hand.');
  process.exit(result.status ?? 1);
}
