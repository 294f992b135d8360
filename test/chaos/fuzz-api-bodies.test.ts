import fc from 'fast-check';
import { API_TARGETS, event, FIXTURE_JOB, newWorld, storeState } from './fuzz-api';
import { fuzzSettings } from './fuzz';
import { newStats, withKey } from './fuzz-support';

/**
 * Hostile input for every API handler, called directly over an in-memory store (the
 * properties live in test/chaos/fuzz-api.ts, shared with `npm run chaos`). Seeded: replay a
 * failure with STOWAGE_FUZZ_SEED=<seed>; more inputs with STOWAGE_FUZZ_RUNS=<n>.
 */
const settings = fuzzSettings();

describe(`API handlers under hostile input (seed ${settings.seed}, ${settings.numRuns} runs per route)`, () => {
  for (const [name, property] of Object.entries(API_TARGETS)) {
    it(`${name}: a clear 4xx or a correct 2xx, never a 500, and a refusal changes nothing`, async () => {
      const stats = newStats();
      await fc.assert(property(stats), settings);
      expect(stats.tried).toBeGreaterThanOrEqual(settings.numRuns);
      // Both sides are exercised: the generators make valid requests too.
      if (name !== 'nodes') expect(stats.refused).toBeGreaterThan(0);
      expect(stats.accepted).toBeGreaterThan(0);
    });
  }
});

/** Regressions for what the fuzzing found, each as a fixed example. */
describe('hostile-input regressions', () => {
  const VALID = { name: 'web', image: 'nginx:1.27', command: ['nginx'], cpu: 100, memoryMiB: 64, count: 1 };
  const submit = async (body: string) => {
    const w = await newWorld();
    const before = await storeState(w.store);
    const r = await w.submit(event({ method: 'POST', routeKey: 'POST /jobs', rawPath: '/jobs', body, userArn: 'arn:aws:iam::123456789012:user/alice' }));
    return { r, body: JSON.parse(String(r.body)), unchanged: (await storeState(w.store)) === before };
  };

  it('refuses env {"__proto__": ...} by name (zod records dropped the key silently: accepted, then lost)', async () => {
    const { r, body, unchanged } = await submit(JSON.stringify(withKey(VALID, 'env', withKey({ A: '1' }, '__proto__', 'x'))));
    expect(r.statusCode).toBe(400);
    expect(body.error.fields).toEqual([{ field: 'env.__proto__', rule: expect.stringContaining('__proto__') }]);
    expect(unchanged).toBe(true);
  });

  it('refuses a __proto__ key in node labels of constraints as well', async () => {
    const { r, body } = await submit(JSON.stringify({ ...VALID, constraints: { nodeLabels: withKey({}, '__proto__', 'x') } }));
    expect(r.statusCode).toBe(400);
    expect(body.error.fields[0].field).toBe('constraints.nodeLabels.__proto__');
  });

  it('refuses lone surrogates in command and env values (they cannot survive UTF-8: DynamoDB and Docker would store U+FFFD)', async () => {
    const { r, body, unchanged } = await submit(JSON.stringify({ ...VALID, command: ['echo', 'a\ud800'], env: { X: '\udc00' } }));
    expect(r.statusCode).toBe(400);
    expect(body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['command[1]', 'env.X']);
    expect(unchanged).toBe(true);
  });

  it('still accepts well-formed astral characters, RTL marks and shell metacharacters verbatim', async () => {
    const command = ['sh', '-c', 'echo $(id) `x` ; | > 🙂 \u202e'];
    const w = await newWorld();
    const r = await w.submit(event({ method: 'POST', routeKey: 'POST /jobs', rawPath: '/jobs', body: JSON.stringify({ ...VALID, command, env: { constructor: '🙂' } }), userArn: 'arn:aws:iam::123456789012:user/alice' }));
    expect(r.statusCode).toBe(202);
    const stored = (await w.store.getJob(JSON.parse(String(r.body)).jobId))!.job;
    expect(stored.command).toEqual(command);
    expect({ ...stored.env }).toEqual({ constructor: '🙂' });
  });

  it('refuses 10,000 levels of nesting and an oversized body without touching the store', async () => {
    const deep = await submit('['.repeat(10_000) + ']'.repeat(10_000));
    expect(deep.r.statusCode).toBe(400);
    expect(deep.unchanged).toBe(true);
    const big = await submit(JSON.stringify({ ...VALID, name: 'x'.repeat(70_000) }));
    expect(big.r.statusCode).toBe(413);
    expect(big.body.error.code).toBe('payload-too-large');
  });

  it('names an unknown empty-string key as "" (the field name was empty, naming nothing)', async () => {
    const { r, body } = await submit(JSON.stringify({ ...VALID, '': 1, env: { '': 'x' } }));
    expect(r.statusCode).toBe(400);
    expect(body.error.fields.map((f: { field: string }) => f.field)).toEqual(expect.arrayContaining(['""', 'env.""']));
  });

  it('GET /jobs/{id} with a traversal id is a 400 naming path.id', async () => {
    const w = await newWorld();
    const r = await w.jobs(event({ method: 'GET', routeKey: 'GET /jobs/{id}', rawPath: '/jobs/../..', pathParameters: { id: `${FIXTURE_JOB}/../..` } }));
    expect(r.statusCode).toBe(400);
    expect(JSON.parse(String(r.body)).error.fields[0].field).toBe('path.id');
  });
});
