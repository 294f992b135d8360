import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The local cloud's secrets: `<local dir>/secrets.json`, a JSON object of name → value,
 * mode 0600 in a 0700 folder, read by the local agents (agent/secret-file.ts) when they
 * start a copy whose job names `…:parameter/stowage/local/<name>`. The file is the
 * local stand-in for SSM Parameter Store; nothing else in the local cloud holds a value.
 */
export function secretsFileOf(dir: string): string {
  return path.join(dir, 'secrets.json');
}

/** Names as the local ARN's last segments take them: env-name characters, `/` between parts. */
const SECRET_NAME = /^[A-Za-z0-9_.-]{1,128}(?:\/[A-Za-z0-9_.-]{1,128}){0,7}$/;

export class SecretNameError extends Error {
  override readonly name = 'SecretNameError';
}

/** Why `name` cannot name a secret (locally or as the tail of `/stowage/<stack>/…`), or undefined. */
export function secretNameProblem(name: string): string | undefined {
  // A part of only dots would read as a relative path to a person, and SSM refuses it.
  if (!SECRET_NAME.test(name) || name.split('/').some((p) => /^\.+$/.test(p))) {
    return `secret name ${JSON.stringify(name)} must be letters, digits, "_", "." or "-", with "/" between parts (e.g. DB_PASSWORD or db/password), no part only dots`;
  }
  return undefined;
}

/** Writes (or replaces) one secret; the file is replaced whole, never left half-written or readable by others. */
export function putLocalSecret(dir: string, name: string, value: string): string {
  const problem = secretNameProblem(name);
  if (problem !== undefined) throw new SecretNameError(problem);
  const file = secretsFileOf(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  const next = { ...stored, [name]: value };
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return file;
}

/** The reference a job names for a local secret. */
export function localSecretArn(name: string): string {
  return `arn:aws:ssm:local:000000000000:parameter/stowage/local/${name}`;
}
