import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The local cloud's start-up credential: `stowage local up` writes it; the CLI reads it
 * to find and call the local API. One file, readable by its owner only. The token is
 * what the local API takes in place of IAM: a request without it is refused (401).
 */
export interface LocalCredentials {
  readonly apiUrl: string;
  /** The user's bearer token (every route but the heartbeat, which takes node tokens). */
  readonly token: string;
  /** The process serving the API: a credential whose process is gone is stale. */
  readonly pid: number;
  readonly startedAt: string;
}

/** Where the local cloud keeps its state: STOWAGE_LOCAL_DIR, or ~/.stowage/local. */
export function localDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.STOWAGE_LOCAL_DIR && env.STOWAGE_LOCAL_DIR.trim() !== '' ? path.resolve(env.STOWAGE_LOCAL_DIR) : path.join(os.homedir(), '.stowage', 'local');
}

export function credentialsFile(dir: string = localDir()): string {
  return path.join(dir, 'credentials.json');
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The local account's user names: IAM's user-name characters minus the few (`+ = , . @`)
 * that would need care in a token, at most 64. `stowage-local` is the admin's own name.
 */
export const LOCAL_USER_NAME = /^[A-Za-z0-9_-]{1,64}$/;
export const LOCAL_ACCOUNT = '000000000000';
/** The admin: the principal the credential file's own token speaks for. */
export const LOCAL_ADMIN_NAME = 'stowage-local';

/** `arn:aws:iam::000000000000:user/<name>`: where IAM would put a local user's identity. */
export function localUserArn(name: string): string {
  return `arn:aws:iam::${LOCAL_ACCOUNT}:user/${name}`;
}

export class LocalUserNameError extends Error {
  override readonly name = 'LocalUserNameError';
}

const USER_TOKEN = /^u\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{43})$/;

/**
 * A token for local user `name`: `u.<name>.<HMAC-SHA256 of the name under the admin
 * token>`. Derived rather than stored, so the CLI can issue one from the credential file
 * while the local API, holding the same admin token, checks it without any shared list;
 * the MAC does not reveal the admin token, so a user token grants only its own name.
 * Tokens end with the run that issued them (each start draws a new admin token).
 */
export function userToken(adminToken: string, name: string): string {
  if (!LOCAL_USER_NAME.test(name)) throw new LocalUserNameError(`--user: ${JSON.stringify(name)} is not a local user name (1..64 of letters, digits, _ and -)`);
  if (name === LOCAL_ADMIN_NAME) throw new LocalUserNameError(`--user: ${LOCAL_ADMIN_NAME} is the admin's own name; its token is the one in the credential file`);
  return `u.${name}.${userMac(adminToken, name)}`;
}

/** The user a token issued by `userToken` under `adminToken` names, or undefined for any other string. */
export function userOfToken(adminToken: string, token: string): string | undefined {
  const m = USER_TOKEN.exec(token);
  if (!m || m[1] === LOCAL_ADMIN_NAME) return undefined;
  const expected = Buffer.from(userMac(adminToken, m[1]));
  const given = Buffer.from(m[2]);
  return expected.length === given.length && timingSafeEqual(expected, given) ? m[1] : undefined;
}

function userMac(adminToken: string, name: string): string {
  return createHmac('sha256', adminToken).update(`stowage-local-user\n${name}`).digest('base64url');
}

export function writeCredentials(creds: LocalCredentials, dir: string = localDir()): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = credentialsFile(dir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return file;
}

export function removeCredentials(dir: string = localDir()): void {
  rmSync(credentialsFile(dir), { force: true });
}

export class LocalCredentialsError extends Error {
  override readonly name = 'LocalCredentialsError';
}

/**
 * Reads the credential; throws LocalCredentialsError saying what to do when it is
 * missing, malformed, or left by a local cloud that is no longer running.
 */
export function readCredentials(dir: string = localDir()): LocalCredentials {
  const file = credentialsFile(dir);
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch {
    throw new LocalCredentialsError(`no local cloud credential at ${file}; start one with \`npm run local\` (or pass --api-url for a deployment)`);
  }
  let c: Partial<LocalCredentials>;
  try {
    c = JSON.parse(raw) as Partial<LocalCredentials>;
  } catch {
    throw new LocalCredentialsError(`${file} is not JSON; restart \`npm run local\` to rewrite it`);
  }
  if (typeof c.apiUrl !== 'string' || typeof c.token !== 'string' || typeof c.pid !== 'number') {
    throw new LocalCredentialsError(`${file} lacks apiUrl, token or pid; restart \`npm run local\` to rewrite it`);
  }
  if (!processAlive(c.pid)) {
    throw new LocalCredentialsError(`the local cloud that wrote ${file} (pid ${c.pid}) is not running; start it with \`npm run local\``);
  }
  return { apiUrl: c.apiUrl, token: c.token, pid: c.pid, startedAt: typeof c.startedAt === 'string' ? c.startedAt : '' };
}

/**
 * Whether a process is running. A zombie is not: a killed process whose parent died too
 * stays in the table until pid 1 reaps it, and in a container pid 1 may never do so.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    // "pid (comm) state ...": comm may hold spaces and parentheses, so the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) === 'Z';
  } catch {
    return false; // No /proc (not Linux) or already gone: kill(0) had the last word.
  }
}
