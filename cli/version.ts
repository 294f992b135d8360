import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The package's version, read from package.json beside the sources at run time: the CLI
 * runs from the checkout through tsx, so there is no build step that could stamp it.
 */
export function packageVersion(root: string = path.join(__dirname, '..')): string {
  const file = path.join(root, 'package.json');
  try {
    const version = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown (package.json has no version)';
  } catch {
    return `unknown (${file} unreadable)`;
  }
}

/** The line `stowage status` ends with: which build answered the question, and which API it asked. */
export function versionAndApi(endpoint: { readonly baseUrl: string; readonly source: string }): string {
  return `stowage ${packageVersion()}, API ${endpoint.baseUrl} (from ${endpoint.source})\n`;
}
