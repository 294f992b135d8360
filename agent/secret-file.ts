import { readFileSync, statSync } from 'node:fs';
import { secretKeyOf } from '../contract/secret-refs';
import { secretError, type SecretSource } from './secret-source';

/**
 * Secret values from the local cloud's secrets file (`<local dir>/secrets.json`, mode
 * 0600, written by `stowage secret put NAME`): a JSON object of name → value. A
 * reference is the same ARN a deployed job would name, under the local stack's prefix
 * (`arn:aws:ssm:<any region>:<any account>:parameter/stowage/local/<name>`, or a Secrets
 * Manager secret `stowage/local/<name>`); the name is the path after that prefix. One
 * spec form for both clouds: a job moves from local to AWS by changing region, account
 * and stack in its ARNs, never their shape.
 */
export class FileSecretSource implements SecretSource {
  constructor(
    private readonly file: string,
    private readonly stack: string,
  ) {}

  async read(refs: Readonly<Record<string, string>>): Promise<Record<string, string>> {
    const entries = Object.entries(refs);
    if (entries.length === 0) return {};
    let stored: Record<string, unknown>;
    try {
      // Refused when others may read it: a file anyone can open is no place for secrets.
      const mode = statSync(this.file).mode & 0o077;
      if (mode !== 0) throw new Error(`${this.file} is readable by others (mode ${(statSync(this.file).mode & 0o777).toString(8)}); chmod 600 it`);
      stored = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      const [name, arn] = entries[0];
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `the local secrets file ${this.file} does not exist; write one with \`stowage secret put ${secretKeyOf(arn, this.stack) ?? name}\`` : (err as Error).message;
      // Not the parse error's text: it could quote the file.
      throw secretError(name, arn, err instanceof SyntaxError ? `${this.file} is not JSON` : why, false);
    }
    const out: Record<string, string> = {};
    for (const [name, arn] of entries) {
      const key = secretKeyOf(arn, this.stack);
      if (key === undefined) throw secretError(name, arn, `locally a reference must be under stowage/${this.stack}/`, false);
      const value = Object.hasOwn(stored, key) ? stored[key] : undefined;
      if (typeof value !== 'string') throw secretError(name, arn, `no secret ${key} in ${this.file}; write it with \`stowage secret put ${key}\``, false);
      out[name] = value;
    }
    return out;
  }
}
