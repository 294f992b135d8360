import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the real entry point, as a user would, so argument parsing and exit codes are
 * covered too. Wide ($COLUMNS 200): these cases read a row a line; fitting tables to 80
 * columns, what a pipe gets by default, is test/cli/table-width.test.ts's.
 */
export function stowage(...args: string[]): CliRun {
  const run = spawnSync(process.execPath, ['bin/stowage.js', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, COLUMNS: '200' } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
