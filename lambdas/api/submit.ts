import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { createHash, randomBytes } from 'node:crypto';
import { jobSpecSchema, type SubmitResponse } from '../../contract/job-spec';
import { ROUTES } from '../../contract/routes';
import type { JobStore } from '../../control/state/state-store';
import type { Job, Task } from '../../core/model';
import type { ExposeRule } from '../../core/service';
import type { ApiDeps } from './deps';
import { ConflictError, ExposeRuleTakenError, IdempotencyKeyReusedError, ServiceUnavailableError, ValidationError } from './errors';
import { toJobSpec, type JobSpec } from './job-defaults';
import { header, parseWith, readJsonBody } from './request';
import { answer, route, type ApiHandler } from './respond';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{1,128}$/;

/** A retried submit within this window returns the first answer; after it, a new job. */
export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600;

export interface SubmitDeps extends ApiDeps<JobStore> {
  /** Where Powertools keeps idempotency records: DynamoDB in Lambda, in memory in unit tests. */
  readonly idempotencyStore: BasePersistenceLayer;
  /** `job-` + 20 hex characters; injectable so tests can pin ids. */
  readonly newJobId?: () => string;
}

/**
 * What the idempotent step sees. Caller and key are hashed into the record's id
 * (eventKeyJmesPath `idempotencyKey`), and the *parsed* job — defaults filled in — is hashed for payload
 * validation, so a retry that differs only in whitespace or key order is the same
 * request, while the same key with a different job is refused rather than answered
 * with the first job's ids.
 */
interface SubmitRequest {
  /** Caller and Idempotency-Key together: two callers who pick the same key never share a record or a job. Absent without the header. */
  readonly idempotencyKey?: string;
  readonly job: JobSpec;
}

/**
 * With an Idempotency-Key the job id is derived from caller and key, not drawn at
 * random. Powertools answers a retry from its record; if the first attempt died after
 * writing some tasks but before its record completed, the retry runs again — and, with
 * the same id, the store fills in the missing tasks of the same job instead of making
 * a second one.
 */
export function keyedJobId(idempotencyKey: string): string {
  return `job-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 20)}`;
}

export function newJobId(): string {
  return `job-${randomBytes(10).toString('hex')}`;
}

/** POST /jobs: validates, creates the job and its tasks PENDING, answers 202 with their ids. */
export function createHandler(deps: SubmitDeps): ApiHandler {
  const makeId = deps.newJobId ?? newJobId;
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'idempotencyKey',
    payloadValidationJmesPath: 'job',
    expiresAfterSeconds: IDEMPOTENCY_WINDOW_SECONDS,
  });

  const submit = async (request: SubmitRequest): Promise<SubmitResponse> => {
    const now = deps.clock.now();
    const spec = request.job;
    const id = request.idempotencyKey === undefined ? makeId() : keyedJobId(request.idempotencyKey);
    const job: Job = {
      id,
      name: spec.name,
      image: spec.image,
      command: spec.command,
      env: spec.env,
      resources: { cpu: spec.cpu, memoryMiB: spec.memoryMiB },
      count: spec.count,
      kind: spec.kind,
      restart: spec.restart,
      constraints: spec.constraints,
      doNotDisrupt: spec.doNotDisrupt,
      ...(spec.ports !== undefined ? { ports: spec.ports } : {}),
      ...(spec.expose !== undefined ? { expose: spec.expose } : {}),
      ...(spec.healthCheck !== undefined ? { healthCheck: spec.healthCheck } : {}),
      stopGraceSeconds: spec.stopGraceSeconds,
      spread: spec.spread,
      ...(spec.cpuLimit !== undefined ? { cpuLimit: spec.cpuLimit } : {}),
      ...(spec.capabilities !== undefined ? { capabilities: spec.capabilities } : {}),
      createdAt: now,
    };
    if (job.expose) await refuseTakenRule(deps.store, job);
    const tasks: Task[] = Array.from({ length: spec.count }, (_, slot) => ({
      id: `${id}.${slot}`,
      jobId: id,
      slot,
      generation: 0,
      status: 'PENDING',
      resources: job.resources,
      restarts: 0,
      createdAt: now,
    }));
    await deps.store.createJob(job, tasks);
    deps.metrics.addMetric('JobsSubmitted', MetricUnit.Count, 1);
    deps.metrics.addMetric('TasksSubmitted', MetricUnit.Count, tasks.length);
    deps.log.info('job submitted', { jobId: id, name: job.name, count: job.count, kind: job.kind });
    return { jobId: id, taskIds: tasks.map((t) => t.id) };
  };

  // A fixed key prefix rather than the function name Powertools defaults to: CDK-generated
  // names change when the function is replaced, and a retry must still find its record.
  const idempotentSubmit = makeIdempotent(submit, { persistenceStore: deps.idempotencyStore, config, keyPrefix: 'stowage-submit' });

  return route(deps, async (event, context) => {
    const key = header(event, IDEMPOTENCY_HEADER);
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new ValidationError([{ field: 'header.Idempotency-Key', rule: 'must be 1..128 characters of [A-Za-z0-9_-]' }], 'headers');
    }
    const job = toJobSpec(parseWith(jobSpecSchema, readJsonBody(event), 'job'));
    // Powertools reads the remaining time from the context to expire an in-progress record
    // of an invocation that timed out, so a retry after a crash is not locked out forever.
    if (context) config.registerLambdaContext(context);
    const caller = event.requestContext?.authorizer?.iam?.userArn ?? 'anonymous';
    const request: SubmitRequest = { idempotencyKey: key === undefined ? undefined : `${caller}\n${key}`, job };
    try {
      // Without a key Powertools skips the record and simply runs the submit.
      return answer(ROUTES.submitJob.key, await idempotentSubmit(request));
    } catch (err) {
      throw translateIdempotencyError(err);
    }
  });
}

/**
 * Refuses an expose rule (same path and host) that a live job already holds, naming it.
 *
 * Best-effort: a read then a write, so two submits claiming one rule within the same few
 * milliseconds can both pass. Closing that gap needs a uniqueness record per rule,
 * written in the same transaction as the job and released when the job stops — a second
 * key space in the store for a race between two authenticated users of one deployment
 * submitting conflicting routes at the same instant, which is an operator's mistake,
 * not an attack (a submitter cannot take over another's rule this way: the other job
 * already holds it). It is safe enough because nothing is lost when it slips: both jobs
 * run, and the load balancer routes the rule to one of them, which GET /jobs/{id} shows;
 * stopping either resolves it. The load-balancer adapters should order duplicate rules
 * by job creation so the older job keeps its traffic.
 */
async function refuseTakenRule(store: JobStore, job: Job): Promise<void> {
  const mine = ruleKey(job.expose!);
  // The same id is this submission retried after a crash, not another job.
  const owner = (await store.listJobs()).find((j) => j.id !== job.id && j.stopRequestedAt === undefined && j.expose !== undefined && ruleKey(j.expose) === mine);
  if (!owner) return;
  throw new ExposeRuleTakenError(job.expose!, owner.name, owner.id);
}

/** Hosts are already lower case (the schema folds them); paths are case-sensitive, as the ALB matches them. */
function ruleKey(e: ExposeRule): string {
  return JSON.stringify([e.path ?? null, e.host ?? null]);
}

/** Powertools' idempotency errors as the API's: the caller reused a key, or must wait. */
function translateIdempotencyError(err: unknown): unknown {
  if (err instanceof IdempotencyValidationError) return new IdempotencyKeyReusedError({ cause: err });
  if (err instanceof IdempotencyAlreadyInProgressError) {
    return new ConflictError('idempotency-in-progress', 'a submit with this Idempotency-Key is still in progress; retry in a few seconds to get its answer', { cause: err });
  }
  if (err instanceof IdempotencyPersistenceLayerError) {
    return new ServiceUnavailableError('the idempotency store is unavailable; retry with the same Idempotency-Key', { cause: err });
  }
  return err;
}
