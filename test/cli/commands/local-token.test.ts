import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { userOfToken, writeCredentials } from '../../../local/credentials';
import { stowage } from '../../support/run-cli';

/** `stowage local token --user NAME`: a token for a local user, from the running cloud's credential. */

jest.setTimeout(60_000);

let dir: string;
const ADMIN = 'admin-token-for-this-test-0123456789';

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-token-'));
  // This process stands in for the running local cloud: the credential names a live pid.
  writeCredentials({ apiUrl: 'http://127.0.0.1:1', token: ADMIN, pid: process.pid, startedAt: '' }, dir);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('stowage local token', () => {
  it('prints a token the local API takes as that user, and says whose it is on stderr', () => {
    const run = stowage('local', 'token', '--user', 'alice', '--dir', dir);
    expect(run.status).toBe(0);
    const token = run.stdout.trim();
    expect(userOfToken(ADMIN, token)).toBe('alice');
    expect(run.stdout).not.toContain(ADMIN);
    expect(run.stderr).toContain('arn:aws:iam::000000000000:user/alice');
  });

  it('refuses a name that is not one, naming --user', () => {
    const run = stowage('local', 'token', '--user', 'al ice', '--dir', dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/--user: "al ice" is not a local user name/);
  });

  it('says how to start the local cloud when none runs', () => {
    const run = stowage('local', 'token', '--user', 'alice', '--dir', path.join(dir, 'none'));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/no local cloud credential/);
  });
});
