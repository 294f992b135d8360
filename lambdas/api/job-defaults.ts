import type { ParsedJobSpec } from '../../contract/job-spec';
import type { Job, RestartPolicy } from '../../core/model';
import { DEFAULT_BATCH_RESTART, DEFAULT_SERVICE_RESTART } from '../../core/policy';

/**
 * The job as submitted after parsing, with every default filled in: the stored Job's
 * fields a user chooses, with the request as the wire spells it (cpu, memoryMiB).
 */
export type JobSpec = Pick<Job, 'name' | 'image' | 'command' | 'env' | 'count' | 'kind' | 'restart' | 'constraints' | 'doNotDisrupt'> & {
  readonly cpu: number;
  readonly memoryMiB: number;
};

/**
 * The parsed body with the restart policy completed: fields of `restart` left out come
 * from the kind's default policy (core/policy.ts), which is the scheduler's, not the
 * wire's, so it is filled in here rather than by the contract's schema.
 */
export function toJobSpec(parsed: ParsedJobSpec): JobSpec {
  const base = parsed.kind === 'batch' ? DEFAULT_BATCH_RESTART : DEFAULT_SERVICE_RESTART;
  const r = parsed.restart;
  const restart: RestartPolicy = r
    ? {
        mode: r.mode,
        maxRestarts: r.maxRestarts ?? base.maxRestarts,
        initialDelayMs: r.initialDelayMs ?? Math.min(base.initialDelayMs, r.maxDelayMs ?? Infinity),
        maxDelayMs: r.maxDelayMs ?? Math.max(base.maxDelayMs, r.initialDelayMs ?? 0),
        resetAfterMs: base.resetAfterMs,
      }
    : base;
  // Drop an absent maxRestarts rather than store `undefined` (canonical JSON compares keys).
  const restartClean = restart.maxRestarts === undefined ? { mode: restart.mode, initialDelayMs: restart.initialDelayMs, maxDelayMs: restart.maxDelayMs, resetAfterMs: restart.resetAfterMs } : restart;
  return {
    name: parsed.name,
    image: parsed.image,
    command: parsed.command,
    env: parsed.env,
    cpu: parsed.cpu,
    memoryMiB: parsed.memoryMiB,
    count: parsed.count,
    kind: parsed.kind,
    restart: restartClean,
    constraints: parsed.constraints,
    doNotDisrupt: parsed.doNotDisrupt,
  };
}
