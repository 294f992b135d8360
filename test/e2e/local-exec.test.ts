import { PassThrough, Readable } from 'node:stream';
import * as path from 'node:path';
import { ApiRequestError } from '../../cli/api/errors';
import { runExec } from '../../cli/commands/exec';
import { userToken } from '../../local/credentials';
import { waitUntil } from '../../local/wait-until';
import { startE2eCloud, type E2eCloud } from '../support/e2e-cloud';

/**
 * `stowage exec` end to end on the local cloud, as two local users: Alice submits a job
 * with her token, the scheduler places it, and `stowage exec web -- echo hi` (the CLI's
 * own code, with STOWAGE_TOKEN set as a user would) prints "hi" from the copy's
 * container; Bob, with his own token, is told the job does not exist.
 */

jest.setTimeout(300_000);

let e2e: E2eCloud;
let env: (user: string) => NodeJS.ProcessEnv;

beforeAll(async () => {
  e2e = await startE2eCloud('exec', { nodes: 1, instanceTypes: ['m5.large'], maxNodes: 1, minNodes: 1 });
  const dir = path.dirname(e2e.cloud.credentialsFile);
  env = (user) => ({ STOWAGE_LOCAL_DIR: dir, STOWAGE_TOKEN: userToken(e2e.cloud.token, user) });
});

afterAll(async () => {
  await e2e?.stop();
});

async function call(user: string, method: string, route: string, body?: unknown) {
  const res = await fetch(`${e2e.cloud.apiUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${env(user).STOWAGE_TOKEN}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function exec(user: string, argv: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  err.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const code = await runExec('sleeper', argv, {}, env(user), { stdin: Readable.from([]), stdout: out, stderr: err });
  return { code, stdout, stderr };
}

test("Alice execs into her job's running copy; Bob cannot find it", async () => {
  const submitted = await call('alice', 'PUT', '/jobs/sleeper', { name: 'sleeper', image: 'stowage/busybox:local', command: ['sleep', '3600'], cpu: 100, memoryMiB: 32, count: 1 });
  expect(submitted.status).toBe(202);
  await waitUntil('the copy running', async () => ((await call('alice', 'GET', '/jobs/sleeper')).json.tasks as { status: string }[]).some((t) => t.status === 'RUNNING'), 120_000);

  expect(await exec('alice', ['echo', 'hi'])).toEqual({ code: 0, stdout: 'hi\n', stderr: '' });
  expect(await exec('alice', ['sh', '-c', 'echo "$0" >&2; exit 4', '$(not run)'])).toEqual({ code: 4, stdout: '', stderr: '$(not run)\n' });

  const refused = await exec('bob', ['echo', 'hi']).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(ApiRequestError);
  expect(refused).toMatchObject({ status: 404 });
});
