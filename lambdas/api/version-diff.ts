import { canonicalJson } from '../../core/canonical-json';
import type { VersionTemplate } from '../../core/deployment';

/**
 * A version's template as the user wrote it (the request as `cpu` and `memoryMiB`, as
 * in a job spec), for GET /jobs/{id}/versions and for the diff between two versions.
 */
export function specOfTemplate(t: VersionTemplate): Record<string, unknown> {
  const { resources, ...rest } = t;
  return { ...rest, cpu: resources.cpu, memoryMiB: resources.memoryMiB };
}

/**
 * What changed from one version to the next, one line per changed leaf field, in field
 * order: `image: web:1 → web:2`, `env.GREETING: "hi" → "hello"`, `cpu: 250 → 500`.
 * Maps are compared key by key (a user reads which env variable changed); lists whole
 * (a command or a port list is one value to a reader). An absent side reads `(none)`.
 */
export function versionDiff(before: VersionTemplate, after: VersionTemplate): string[] {
  const a = leaves(specOfTemplate(before));
  const b = leaves(specOfTemplate(after));
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  const out: string[] = [];
  for (const k of keys) {
    const x = a.get(k);
    const y = b.get(k);
    if (x === y) continue;
    out.push(`${k}: ${x ?? '(none)'} → ${y ?? '(none)'}`);
  }
  return out;
}

/** Each leaf field's path and its value as shown (the image bare, everything else as JSON). */
function leaves(value: Record<string, unknown>, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const path = prefix === '' ? k : `${prefix}.${k}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) leaves(v as Record<string, unknown>, path, out);
    else out.set(path, path === 'image' && typeof v === 'string' ? v : canonicalJson(v));
  }
  return out;
}
