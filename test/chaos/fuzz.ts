import fc from 'fast-check';
import { API_TARGETS } from './fuzz-api';
import { httpProperty, oversizedBodyCheck, startHttpWorld, type HttpWorld } from './fuzz-http';
import { catalogProperty, tempDir, traceFileProperty, traceProperty } from './fuzz-readers';
import { FuzzCrash, newStats, type FuzzStats } from './fuzz-support';
import type { ChaosSection } from './section';

/**
 * Hostile-input fuzzing as a chaos section: the properties of
 * test/chaos/fuzz-*.test.ts run with fc.check for `runs` inputs per target, from `seed`.
 * A failed property is a violation (with the seed and path that replay it:
 * STOWAGE_FUZZ_SEED=<seed> npx jest test/chaos/fuzz); an exception, a 500 or a dead server is
 * also a crash.
 */

/** Runs per target for `npm test`, and the seed unless STOWAGE_FUZZ_SEED says otherwise. */
export const DEFAULT_FUZZ_RUNS = 60;
export const DEFAULT_FUZZ_SEED = 20_270_107;

/** Seed and runs from the environment (STOWAGE_FUZZ_SEED, STOWAGE_FUZZ_RUNS), for the tests. */
export function fuzzSettings(env: NodeJS.ProcessEnv = process.env, defaultRuns = DEFAULT_FUZZ_RUNS): { seed: number; numRuns: number } {
  const seed = env.STOWAGE_FUZZ_SEED === undefined || env.STOWAGE_FUZZ_SEED === '' ? DEFAULT_FUZZ_SEED : Number(env.STOWAGE_FUZZ_SEED);
  const numRuns = env.STOWAGE_FUZZ_RUNS === undefined || env.STOWAGE_FUZZ_RUNS === '' ? defaultRuns : Number(env.STOWAGE_FUZZ_RUNS);
  if (!Number.isSafeInteger(seed)) throw new Error(`STOWAGE_FUZZ_SEED must be an integer, got ${env.STOWAGE_FUZZ_SEED}`);
  if (!Number.isSafeInteger(numRuns) || numRuns < 1) throw new Error(`STOWAGE_FUZZ_RUNS must be a positive integer, got ${env.STOWAGE_FUZZ_RUNS}`);
  return { seed, numRuns };
}

/** What runFuzz reads of fc.check's RunDetails (the full type is generic in the input). */
interface Outcome {
  readonly failed: boolean;
  readonly errorInstance?: unknown;
  readonly seed: number;
  readonly counterexamplePath?: string | null;
  readonly counterexample?: unknown;
}

export interface RunFuzzOptions {
  readonly seed: number;
  readonly runs: number;
  readonly log?: (line: string) => void;
}

export async function runFuzz(options: RunFuzzOptions): Promise<ChaosSection> {
  const { seed, runs } = options;
  const log = options.log ?? (() => undefined);
  const perTarget = new Map<string, FuzzStats>();
  const violations: string[] = [];
  let crashes = 0;

  const record = (name: string, stats: FuzzStats, details: Outcome) => {
    perTarget.set(name, stats);
    if (details.failed) {
      const err = details.errorInstance;
      if (err instanceof FuzzCrash) crashes++;
      const message = `${name}: ${err instanceof Error ? err.message : String(err)} (seed ${details.seed}, path "${details.counterexamplePath ?? ''}", input ${fc.stringify(details.counterexample).slice(0, 300)})`;
      violations.push(message);
      log(`fuzz ${name}: VIOLATION ${message}`);
    }
    log(`fuzz ${name}: ${stats.tried} inputs, ${stats.refused} refused, ${stats.accepted} accepted${details.failed ? ', FAILED' : ''}`);
  };
  // No shrinking in the long run: the counts stay those of distinct inputs, and the seed
  // and path replay the failure (shrunk) in the jest suite.
  const params = (i: number) => ({ seed: seed + i, numRuns: runs, endOnFailure: true });

  let i = 0;
  for (const [name, property] of Object.entries(API_TARGETS)) {
    const stats = newStats();
    record(`api ${name}`, stats, await fc.check(property(stats), params(i++)));
  }

  const dir = tempDir();
  try {
    const readers: Array<[string, (s: FuzzStats) => fc.IPropertyWithHooks<unknown[]>]> = [
      ['trace text', (s) => traceProperty(s) as unknown as fc.IPropertyWithHooks<unknown[]>],
      ['trace file', (s) => traceFileProperty(s, dir.dir) as unknown as fc.IPropertyWithHooks<unknown[]>],
      ['catalog', (s) => catalogProperty(s, dir.dir) as unknown as fc.IPropertyWithHooks<unknown[]>],
    ];
    for (const [name, make] of readers) {
      const stats = newStats();
      record(`reader ${name}`, stats, fc.check(make(stats), params(i++)));
    }
  } finally {
    dir.remove();
  }

  let world: HttpWorld | undefined;
  try {
    world = await startHttpWorld();
    const w = world;
    const stats = newStats();
    // Over a socket each input costs a round trip or two; a tenth of the runs keeps the long run in minutes.
    const details = await fc.check(httpProperty(() => w, stats), { ...params(i++), numRuns: Math.max(1, Math.ceil(runs / 10)) });
    try {
      await oversizedBodyCheck(w, stats);
    } catch (err) {
      violations.push(`http 11 MiB body: ${String(err)}`);
      if (err instanceof FuzzCrash) crashes++;
    }
    record('http local API', stats, details);
  } finally {
    await world?.close();
  }

  const totals = newStats();
  for (const s of perTarget.values()) {
    totals.tried += s.tried;
    totals.refused += s.refused;
    totals.accepted += s.accepted;
  }
  const lines = [
    `hostile input: ${totals.tried} inputs tried (${totals.refused} refused, ${totals.accepted} accepted), ${violations.length} violations, ${crashes} crashes (seed ${seed})`,
    ...[...perTarget].map(([name, s]) => `  ${name}: ${s.tried} tried, ${s.refused} refused, ${s.accepted} accepted`),
    ...violations.map((v) => `  VIOLATION ${v}`),
  ];
  return { name: 'hostile input (fuzz)', counts: { inputsTried: totals.tried, refused: totals.refused, accepted: totals.accepted }, violations, crashes, lines };
}
