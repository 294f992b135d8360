import type { ParsedJobSpec } from '../../contract/job-spec';
import type { CapacityChoice, Job, RestartPolicy } from '../../core/model';
import type * as jobSpec from '../../contract/job-spec';
import type { ExposeRule, HealthCheck, Spread } from '../../core/service';
import type * as core from '../../core/service';
import type * as wire from '../../contract/service-spec';
import type * as deploymentWire from '../../contract/deployment-spec';
import type { z } from 'zod';
import type { Deployment, DeploymentStatus, UpdatePolicy } from '../../core/deployment';
import type { Assert, Same } from './type-checks';

/** Compile-time: the wire's stop-grace default and bound are the model's. */
export type StopGraceInStep = Assert<Same<[typeof wire.DEFAULT_STOP_GRACE_SECONDS, typeof wire.MAX_STOP_GRACE_SECONDS], [typeof core.DEFAULT_STOP_GRACE_SECONDS, typeof core.MAX_STOP_GRACE_SECONDS]>>;
/** Compile-time: the update strategy as submitted and shown is the model's, and so are the deployment statuses. */
export type UpdateSpecInStep = Assert<Same<z.output<typeof deploymentWire.updateSpecSchema>, UpdatePolicy>>;
export type UpdateViewInStep = Assert<Same<z.infer<typeof deploymentWire.updateViewSchema>, UpdatePolicy>>;
export type DeploymentStatusesInStep = Assert<Same<(typeof deploymentWire.DEPLOYMENT_STATUSES)[number], DeploymentStatus>>;
/** Compile-time: the deployment GET /jobs/{id} shows is the model's record with its copies per version. */
export type DeploymentViewInStep = Assert<Same<Omit<deploymentWire.DeploymentView, 'copies'>, Deployment>>;
/** Compile-time: the capacity choices a job may make are the model's. */
export type CapacityChoicesInStep = Assert<Same<(typeof jobSpec.CAPACITY_CHOICES)[number], CapacityChoice>>;
/** Compile-time: the spreads a job may ask for are the model's. */
export type SpreadsInStep = Assert<Same<(typeof wire.SPREADS)[number], Spread>>;
import { DEFAULT_BATCH_RESTART, DEFAULT_SERVICE_RESTART } from '../../core/policy';

/**
 * The job as submitted after parsing, with every default filled in: the stored Job's
 * fields a user chooses, with the request as the wire spells it (cpu, memoryMiB).
 */
export type JobSpec = Pick<
  Job,
  'name' | 'image' | 'command' | 'env' | 'count' | 'kind' | 'restart' | 'constraints' | 'doNotDisrupt' | 'ports' | 'expose' | 'healthCheck' | 'stopGraceSeconds' | 'spread' | 'cpuLimit' | 'capabilities' | 'update' | 'secrets' | 'capacity'
> & {
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
    // Optional service fields are left out rather than stored as undefined or empty:
    // canonical JSON compares keys, and a retry must match the first attempt.
    ...(parsed.ports !== undefined && parsed.ports.length > 0 ? { ports: parsed.ports } : {}),
    ...(parsed.expose !== undefined ? { expose: exposeRule(parsed.expose) } : {}),
    ...(parsed.healthCheck !== undefined ? { healthCheck: healthCheck(parsed.healthCheck) } : {}),
    stopGraceSeconds: parsed.stopGraceSeconds,
    spread: parsed.spread ?? defaultSpread(parsed.kind, parsed.count),
    ...(parsed.cpuLimit !== undefined ? { cpuLimit: parsed.cpuLimit } : {}),
    ...(parsed.capabilities !== undefined && parsed.capabilities.length > 0 ? { capabilities: parsed.capabilities } : {}),
    // The schema fills every field of a given `update`; an absent one stays absent (DEFAULT_UPDATE).
    ...(parsed.update !== undefined ? { update: parsed.update } : {}),
    ...(parsed.secrets !== undefined && Object.keys(parsed.secrets).length > 0 ? { secrets: parsed.secrets } : {}),
    // Kept only when given: the kind's default is applied when the job is read
    // (core/capacity.ts capacityChoiceOf), so a job stored before the field existed and the
    // same job re-submitted without it are the same version.
    ...(parsed.capacity !== undefined ? { capacity: parsed.capacity } : {}),
  };
}

/**
 * Replicas of a service spread over nodes unless the job says otherwise, so one node's
 * loss cannot take a whole service down; a single copy has nothing to spread, and batch
 * work packs freely (spread would cost packing density for no availability gain).
 */
export function defaultSpread(kind: Job['kind'], count: number): Spread {
  return kind === 'service' && count >= 2 ? 'node' : 'none';
}

function exposeRule(e: NonNullable<ParsedJobSpec['expose']>): ExposeRule {
  return { port: e.port, ...(e.path !== undefined ? { path: e.path } : {}), ...(e.host !== undefined ? { host: e.host } : {}) };
}

/** The one probe given, with its timing (defaults filled by the schema). */
function healthCheck(h: NonNullable<ParsedJobSpec['healthCheck']>): HealthCheck {
  const timing = { intervalSeconds: h.intervalSeconds, timeoutSeconds: h.timeoutSeconds, retries: h.retries, startPeriodSeconds: h.startPeriodSeconds };
  if (h.http) return { http: h.http, ...timing };
  if (h.tcp) return { tcp: h.tcp, ...timing };
  // The schema admits exactly one probe, so a check with neither http nor tcp has a command.
  return { command: h.command ?? [], ...timing };
}
