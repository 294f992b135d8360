import type { z } from 'zod';
import type { FieldIssue } from '../../contract/error-body';
import { MalformedBodyError, PayloadTooLargeError, ValidationError } from './errors';
import type { ApiEvent } from './respond';

/** Bodies of every route are small JSON documents; larger ones are refused before parsing. */
export const BODY_LIMIT_BYTES = 64 * 1024;

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as JSON, refusing oversized bodies (413) before decoding or parsing them, so
 * a huge body costs no parse time. API Gateway base64-encodes bodies it takes for
 * binary; those are measured after decoding, with a cheap upper bound checked first.
 */
export function readJsonBody(event: ApiEvent, limit = BODY_LIMIT_BYTES): unknown {
  const raw = event.body;
  if (raw === undefined || raw === null || raw === '') throw new MalformedBodyError('the body is empty');
  let text: string;
  if (event.isBase64Encoded) {
    // Four base64 characters carry three bytes: a longer string must decode past the limit.
    if (raw.length > Math.ceil(limit / 3) * 4 + 4) throw new PayloadTooLargeError(Math.floor((raw.length * 3) / 4), limit);
    const bytes = Buffer.from(raw, 'base64');
    if (bytes.length > limit) throw new PayloadTooLargeError(bytes.length, limit);
    try {
      text = STRICT_UTF8.decode(bytes);
    } catch (err) {
      throw new MalformedBodyError('the body is not UTF-8', { cause: err });
    }
  } else {
    // A UTF-8 string is at least as many bytes as it has UTF-16 units / 2; skip counting huge ones.
    if (raw.length > limit) throw new PayloadTooLargeError(Buffer.byteLength(raw, 'utf8'), limit);
    const bytes = Buffer.byteLength(raw, 'utf8');
    if (bytes > limit) throw new PayloadTooLargeError(bytes, limit);
    text = raw;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new MalformedBodyError(err instanceof Error ? err.message : 'unparseable', { cause: err });
  }
}

/** Parses with a zod schema; on failure throws one ValidationError listing every issue. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, what: string, prefix?: string): z.output<S> {
  // reportInput lets a rule tell a missing field from a wrong one; inputs never reach the response.
  const result = schema.safeParse(input, { reportInput: true });
  const protoKeys = protoKeyFields(input);
  if (result.success && protoKeys.length === 0) return result.data;
  const fields = result.success ? protoKeys : mergeFields(protoKeys, issuesToFields(result.error.issues));
  throw new ValidationError(prefix ? fields.map((f) => ({ field: `${prefix}.${f.field}`, rule: f.rule })) : fields, what);
}

const PROTO_RULE = 'the key "__proto__" is not accepted (it cannot be stored as data); rename it';

/**
 * Own `__proto__` keys anywhere in the input (JSON.parse makes them plain keys). Strict
 * objects already refuse them as unknown fields, but zod's records skip the key without a
 * word, so `env: {"__proto__": "x"}` would be accepted and then silently dropped. Iterative,
 * because a body may nest thousands of levels deep.
 */
export function protoKeyFields(input: unknown, limit = 20): FieldIssue[] {
  interface At {
    readonly value: unknown;
    readonly key?: PropertyKey;
    readonly parent?: At;
  }
  // Paths are built only for a hit, by walking up: copying them per level would be quadratic in depth.
  const pathOf = (at: At | undefined): PropertyKey[] => {
    const keys: PropertyKey[] = [];
    for (let a = at; a?.key !== undefined; a = a.parent) keys.push(a.key);
    return keys.reverse();
  };
  const out: FieldIssue[] = [];
  const stack: At[] = [{ value: input }];
  while (stack.length > 0 && out.length < limit) {
    const at = stack.pop()!;
    const value = at.value;
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], key: i, parent: at });
      continue;
    }
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      if (key === '__proto__') out.push({ field: fieldName([...pathOf(at), key]), rule: PROTO_RULE });
      else stack.push({ value: (value as Record<string, unknown>)[key], key, parent: at });
    }
  }
  return out;
}

/** Issues from both checks, one per field (the `__proto__` rule wins over "unknown field"). */
function mergeFields(first: readonly FieldIssue[], rest: readonly FieldIssue[]): FieldIssue[] {
  const named = new Set(first.map((f) => f.field));
  return [...first, ...rest.filter((f) => !named.has(f.field))];
}

/** A path parameter checked against its pattern; 400 naming the parameter otherwise. */
export function pathParam(event: ApiEvent, name: string, pattern: RegExp, expected: string): string {
  const value = event.pathParameters?.[name];
  if (value === undefined || value === '') throw new ValidationError([{ field: `path.${name}`, rule: 'is required' }], 'path');
  if (!pattern.test(value)) throw new ValidationError([{ field: `path.${name}`, rule: `must be ${expected}` }], 'path');
  return value;
}

/** A header by name; API Gateway v2 lowercases header names, but direct invocations may not. */
export function header(event: ApiEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/** zod issues as `{ field, rule }`, one per unknown key, so a caller can fix all at once. */
export function issuesToFields(issues: readonly z.core.$ZodIssue[]): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: fieldName([...issue.path, key]), rule: 'unknown field; this API accepts only the documented fields' });
      continue;
    }
    out.push({ field: fieldName(issue.path) || '(body)', rule: ruleOf(issue) });
  }
  return out;
}

function fieldName(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) {
    // An empty key would vanish from the name (`env.` or nothing at all): quote it.
    const key = typeof p === 'string' && p === '' ? '""' : String(p);
    if (typeof p === 'number') s += `[${p}]`;
    else s += s === '' ? key : `.${key}`;
  }
  return s;
}

function ruleOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? `is required (${issue.expected})` : `must be ${article(issue.expected)}`;
    case 'too_small':
      return `must be ${bound(issue.origin, issue.inclusive ? 'at least' : 'more than', issue.minimum)}`;
    case 'too_big':
      return `must be ${bound(issue.origin, issue.inclusive ? 'at most' : 'less than', issue.maximum)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_key':
      return `invalid key: ${issue.issues.map((i) => i.message).join('; ')}`;
    default:
      // Schemas give their own messages for formats, refinements and the rest.
      return issue.message;
  }
}

function article(type: string): string {
  if (type === 'int') return 'an integer';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function bound(origin: string, relation: string, n: number | bigint): string {
  if (origin === 'string') return `${relation} ${n} characters long`;
  if (origin === 'array' || origin === 'set') return `${relation} ${n} items`;
  return `${relation} ${n}`;
}
