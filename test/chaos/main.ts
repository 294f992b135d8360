import { runConcurrentPasses } from './concurrent-passes';
import { runFaultSchedules } from './fault-run';
import { runFuzz } from './fuzz';
import { runLoad } from './load';
import type { ChaosSection } from './section';

/**
 * `npm run chaos`: the long versions of what `npm test` runs fast — fault schedules in
 * the simulator, concurrent scheduler passes on DynamoDB Local, many agents against the
 * local API, and hostile inputs — then the totals the issue asks for. Exit 1 on any
 * invariant violation or crash. Sizes from the environment so a failure can be replayed
 * at its seed (STOWAGE_CHAOS_SEED) and size.
 */
const env = process.env;
const num = (name: string, fallback: number) => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a whole number >= 0, got ${JSON.stringify(raw)}`);
  return n;
};

async function main(): Promise<number> {
  const seed = num('STOWAGE_CHAOS_SEED', Date.now() % 1_000_000_007);
  const sizes = {
    schedules: num('STOWAGE_CHAOS_SCHEDULES', 300),
    rounds: num('STOWAGE_CHAOS_ROUNDS', 1000),
    concurrency: num('STOWAGE_CHAOS_CONCURRENCY', 4),
    agents: num('STOWAGE_CHAOS_AGENTS', 1000),
    seconds: num('STOWAGE_CHAOS_SECONDS', 120),
    fuzzRuns: num('STOWAGE_FUZZ_RUNS', 5000),
  };
  const printed = new Set<string>();
  const log = (line: string) => {
    printed.add(line);
    process.stdout.write(`${line}\n`);
  };
  log(`stowage chaos: seed ${seed} (replay with STOWAGE_CHAOS_SEED=${seed}); ${JSON.stringify(sizes)}`);
  const sections: ChaosSection[] = [];
  const run = async (name: string, fn: () => Promise<ChaosSection>) => {
    const t0 = Date.now();
    log(`\n== ${name}`);
    try {
      const s = await fn();
      sections.push(s);
      // Sections log as they go; print only what they kept to themselves.
      for (const l of s.lines) if (!printed.has(l)) log(l);
      for (const v of s.violations.slice(0, 20)) log(`VIOLATION ${v}`);
    } catch (err) {
      // A harness that throws is a crash of the run, not a pass.
      sections.push({ name, counts: {}, violations: [], crashes: 1, lines: [] });
      log(`CRASH ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    log(`(${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  };
  if (sizes.schedules > 0) await run('fault schedules (simulator)', () => runFaultSchedules({ seed, schedules: sizes.schedules, log }));
  if (sizes.rounds > 0) await run('concurrent passes (DynamoDB Local)', () => runConcurrentPasses({ seed, rounds: sizes.rounds, concurrency: sizes.concurrency, log }));
  if (sizes.agents > 0 && sizes.seconds > 0) await run('load (local API + DynamoDB Local)', () => runLoad({ agents: sizes.agents, seconds: sizes.seconds, intervalSeconds: 5, log }));
  if (sizes.fuzzRuns > 0) await run('hostile input (fast-check)', () => runFuzz({ seed, runs: sizes.fuzzRuns, log }));

  const total = (key: string) => sections.reduce((s, x) => s + (x.counts[key] ?? 0), 0);
  const violations = sections.reduce((s, x) => s + x.violations.length, 0);
  const crashes = sections.reduce((s, x) => s + x.crashes, 0);
  log('\n== totals');
  log(`schedules run:        ${total('schedules')}`);
  log(`faults injected:      ${total('faultsInjected')}`);
  log(`scheduler passes:     ${total('passes')}`);
  log(`concurrent rounds:    ${total('rounds')}`);
  log(`heartbeats:           ${total('heartbeats')}`);
  log(`inputs tried:         ${total('inputsTried')}`);
  log(`invariant violations: ${violations} (must be 0)`);
  log(`crashes:              ${crashes} (must be 0)`);
  return violations === 0 && crashes === 0 ? 0 : 1;
}

void main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`stowage chaos: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
