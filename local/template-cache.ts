import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { synthesizeTemplate } from './tables-from-template';

const ROOT = path.join(__dirname, '..');

/**
 * The synthesised stack's template, cached by a hash of what synthesis reads (infra/,
 * cdk.json, the CDK version, and how tables-from-template.ts runs it), because
 * synthesis takes seconds and the tables change only with those files.
 */
export function cachedTemplate(dir: string, log: (line: string) => void = () => undefined): Record<string, unknown> {
  const key = templateKey();
  const file = path.join(dir, `template-${key}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  log('synthesising the CDK stack for its table definitions (once per change to infra/; ~5 s)');
  const template = synthesizeTemplate();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const old of readdirSync(dir).filter((f) => /^template-[0-9a-f]+\.json$/.test(f))) rmSync(path.join(dir, old), { force: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(template));
  renameSync(tmp, file);
  return template;
}

export function templateKey(): string {
  const hash = createHash('sha256');
  const files = [
    ...listTs(path.join(ROOT, 'infra')),
    path.join(ROOT, 'cdk.json'),
    path.join(ROOT, 'local', 'tables-from-template.ts'),
    path.join(ROOT, 'node_modules', 'aws-cdk-lib', 'package.json'),
  ];
  for (const f of files) {
    hash.update(path.relative(ROOT, f));
    hash.update(readFileSync(f));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Every .ts file under `dir`, subfolders included, in a stable order. */
function listTs(dir: string): string[] {
  return readdirSync(dir)
    .map((f) => path.join(dir, f))
    .flatMap((f) => (statSync(f).isDirectory() ? listTs(f) : f.endsWith('.ts') ? [f] : []))
    .sort();
}
