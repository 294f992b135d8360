import { readFileSync } from 'node:fs';
import type { InstanceType } from '../core/model';
import { CatalogFormatError } from './errors';

/**
 * Upper bounds far above any real instance (the largest EC2 types have 448 vCPUs and
 * 24 TiB), so a typo such as 1e308 is refused instead of becoming an Infinity capacity.
 */
const CATALOG_MAX = { vcpu: 100_000, memoryGiB: 1_000_000, pricePerHour: 100_000 } as const;

/**
 * Reads an instance catalog: a JSON array of
 * `{ "name": "m5.large", "vcpu": 2, "memoryGiB": 8, "pricePerHour": 0.096 }`.
 * Every entry is checked; the error names the file, the entry and the field.
 */
export function readCatalog(file: string): InstanceType[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new CatalogFormatError({ file, rule: `cannot read the file (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, cause });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new CatalogFormatError({ file, rule: `not valid JSON: ${(cause as Error).message}`, cause });
  }
  if (!Array.isArray(data) || data.length === 0) throw new CatalogFormatError({ file, rule: 'must be a non-empty JSON array of instance types' });
  const seen = new Set<string>();
  return data.map((entry: unknown, i) => {
    const at = (field: string) => `[${i}].${field}`;
    if (typeof entry !== 'object' || entry === null) throw new CatalogFormatError({ file, field: `[${i}]`, rule: 'must be an object' });
    const e = entry as Record<string, unknown>;
    if (typeof e.name !== 'string' || !/^[a-z0-9][a-z0-9.-]{0,63}$/.test(e.name)) {
      throw new CatalogFormatError({ file, field: at('name'), rule: 'must be an instance type name such as "m5.large"' });
    }
    if (seen.has(e.name)) throw new CatalogFormatError({ file, field: at('name'), rule: `"${e.name}" appears twice` });
    seen.add(e.name);
    const positive = (field: keyof typeof CATALOG_MAX): number => {
      const v = e[field];
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new CatalogFormatError({ file, field: at(field), rule: 'must be a positive number' });
      if (v > CATALOG_MAX[field]) throw new CatalogFormatError({ file, field: at(field), rule: `must be at most ${CATALOG_MAX[field]}` });
      return v;
    };
    // Capacities are whole millicores and MiB: a value that rounds to 0 would be an instance nothing fits on.
    const scaled = (field: 'vcpu' | 'memoryGiB', unit: number, unitName: string): number => {
      const n = Math.round(positive(field) * unit);
      if (n < 1) throw new CatalogFormatError({ file, field: at(field), rule: `must be at least 1 ${unitName} (${1 / unit})` });
      return n;
    };
    return {
      name: e.name,
      capacity: { cpu: scaled('vcpu', 1000, 'millicore'), memoryMiB: scaled('memoryGiB', 1024, 'MiB') },
      pricePerHour: positive('pricePerHour'),
    };
  });
}
