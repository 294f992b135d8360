import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import { jobSpecSchema } from '../../contract/job-spec';

/**
 * docs/job-spec.md against the schema it documents (contract/job-spec.ts and
 * contract/service-spec.ts), so the page cannot drift: every field of the schema has a
 * row, every row names a field of the schema, each zod default is the row's default,
 * each numeric range is the row's limit, each enum's options are in the row's type, and
 * every JSON example on the page parses. A field added to the schema fails here until
 * the page has its row.
 */

const PAGE = readFileSync(path.join(__dirname, '..', '..', 'docs', 'job-spec.md'), 'utf8');

interface Field {
  readonly path: string;
  /** The zod default, when the field has one. */
  readonly default?: unknown;
  readonly min?: number;
  readonly max?: number;
  readonly options?: readonly string[];
}

type Def = { type: string; innerType?: z.ZodType; element?: z.ZodType; shape?: Record<string, z.ZodType>; defaultValue?: unknown; entries?: Record<string, string>; values?: unknown[] };
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Every field path of an object schema: `restart.mode`, `ports[].name`; records (env, labels) are leaves. */
function fieldsOf(schema: z.ZodType, prefix = ''): Field[] {
  const out: Field[] = [];
  for (const [key, field] of Object.entries(defOf(schema).shape ?? {})) {
    const fieldPath = `${prefix}${key}`;
    let s = field;
    let dflt: { value: unknown } | undefined;
    // Optional and default wrap the field's own schema; a default says what absence means.
    for (let d = defOf(s); d.type === 'optional' || d.type === 'default'; d = defOf(s)) {
      if (d.type === 'default') dflt = { value: d.defaultValue };
      s = d.innerType!;
    }
    const d = defOf(s);
    const num = s as unknown as { minValue?: number | null; maxValue?: number | null };
    out.push({
      path: fieldPath,
      ...(dflt ? { default: dflt.value } : {}),
      ...(d.type === 'number' && typeof num.minValue === 'number' && typeof num.maxValue === 'number' ? { min: num.minValue, max: num.maxValue } : {}),
      ...(d.type === 'enum' ? { options: Object.values(d.entries ?? {}) } : {}),
    });
    if (d.type === 'object') out.push(...fieldsOf(s, `${fieldPath}.`));
    if (d.type === 'array' && defOf(d.element!).type === 'object') out.push(...fieldsOf(d.element!, `${fieldPath}[].`));
  }
  return out;
}

/** The page's field rows: the first cell holds the field's path in backticks. */
function rowsOfPage(): Map<string, { type: string; default: string; limits: string }> {
  const rows = new Map<string, { type: string; default: string; limits: string }>();
  for (const line of PAGE.split('\n')) {
    const m = /^\| `([^`]+)` \|(.*)\|$/.exec(line);
    if (!m) continue;
    const [type, dflt, limits] = m[2].split(' | ').map((c) => c.trim());
    rows.set(m[1], { type, default: dflt, limits });
  }
  return rows;
}

const FIELDS = fieldsOf(jobSpecSchema);
const ROWS = rowsOfPage();

describe('docs/job-spec.md', () => {
  test('the walk finds the schema (a broken walk would pass everything below)', () => {
    expect(FIELDS.map((f) => f.path)).toEqual(expect.arrayContaining(['name', 'restart.mode', 'ports[].containerPort', 'healthCheck.http.path', 'constraints.nodeLabels', 'capabilities']));
    expect(FIELDS.length).toBeGreaterThanOrEqual(40);
  });

  test.each(FIELDS.map((f) => [f.path, f] as const))('%s has a row', (fieldPath) => {
    expect(ROWS.has(fieldPath)).toBe(true);
  });

  test('every row names a field of the schema', () => {
    const known = new Set(FIELDS.map((f) => f.path));
    expect([...ROWS.keys()].filter((p) => !known.has(p))).toEqual([]);
  });

  test.each(FIELDS.filter((f) => 'default' in f).map((f) => [f.path, f] as const))("%s: the row's default is the schema's", (fieldPath, f) => {
    expect(ROWS.get(fieldPath)?.default).toContain(`\`${JSON.stringify(f.default)}\``);
  });

  test.each(FIELDS.filter((f) => f.min !== undefined).map((f) => [f.path, f] as const))("%s: the row's limits are the schema's", (fieldPath, f) => {
    expect(ROWS.get(fieldPath)?.limits).toContain(`${f.min}..${f.max}`);
  });

  test.each(FIELDS.filter((f) => f.options).map((f) => [f.path, f] as const))("%s: the row's type lists every option", (fieldPath, f) => {
    for (const option of f.options!) expect(ROWS.get(fieldPath)?.type).toContain(`\`${option}\``);
  });

  test('every JSON example on the page is a job the API accepts', () => {
    const examples = [...PAGE.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const example of examples) {
      const parsed = jobSpecSchema.safeParse(JSON.parse(example));
      expect(parsed.error?.issues ?? []).toEqual([]);
    }
  });
});
