import { spawn } from 'node:child_process';
import { InMemoryStateStore } from '../../control/fakes/in-memory-state-store';
import { startLocalApi } from '../../local/local-api';
import { InMemoryPersistenceLayer } from '../lambdas/api/events';
import { ROOT, type CliRun } from './run-cli';

/**
 * The local cloud's API (local/local-api.ts: the real handlers, bearer tokens) over an
 * InMemoryStateStore, for tests of the user CLI: the router the CLI meets in
 * `npm run local`, without DynamoDB Local or agents.
 */
export interface CliTestApi {
  readonly url: string;
  readonly token: string;
  readonly store: InMemoryStateStore;
  /** Every request as `METHOD /path`, in order, including refused ones. */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

export async function startCliTestApi(options: { token?: string; store?: InMemoryStateStore } = {}): Promise<CliTestApi> {
  const token = options.token ?? `tok-${process.pid}-${Date.now().toString(36)}`;
  const store = options.store ?? new InMemoryStateStore();
  const requests: string[] = [];
  const api = await startLocalApi({
    store,
    idempotencyStore: new InMemoryPersistenceLayer(),
    userToken: token,
    nodeForToken: () => undefined,
    onRequest: (r) => requests.push(`${r.method} ${r.path}`),
  });
  return { url: api.url, token, store, requests, close: () => api.close() };
}

/**
 * Runs the real `stowage` entry point as run-cli.ts does, but without blocking: the API
 * the CLI calls lives in this same process, so a spawnSync would never let it answer.
 */
export function runStowage(args: readonly string[], options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/stowage.js', ...args], { cwd: ROOT, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}
