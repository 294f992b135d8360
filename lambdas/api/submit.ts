import type { FieldIssue } from '../../contract/error-body';
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
import type { PutJobResponse } from '../../contract/deployment-spec';
import { JOB_NAME, jobSpecSchema, type SubmitResponse } from '../../contract/job-spec';
import { ROUTES } from '../../contract/routes';
import { JobExistsError, JobRevisionConflictError } from '../../control/state/errors';
import { revisionOf } from '../../control/state/job-writes';
import type { JobStore } from '../../control/state/state-store';
import { targetVersion } from '../../core/deployment';
import type { Job } from '../../core/model';
import type { ExposeRule } from '../../core/service';
import type { ApiDeps } from './deps';
import { ConflictError, ExposeRuleTakenError, IdempotencyKeyReusedError, NotFoundError, ServiceUnavailableError, ValidationError } from './errors';
import { applySpec, firstCopies, firstVersion, newJob } from './job-changes';
import { toJobSpec, type JobSpec } from './job-defaults';
import { visibleTo } from './ownership';
import { header, parseWith, pathParam, readJsonBody } from './request';
import { answer, callerOf, route, routeKeyOf, type ApiEvent, type ApiHandler, type Reply } from './respond';
import { refuseUnreadableSecrets, type SecretScopeDeps } from './secret-scope';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{1,128}$/;

/** A retried submit within this window returns the first answer; after it, a new job. */
export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600;

export interface SubmitDeps extends ApiDeps<JobStore>, SecretScopeDeps {
  /** Where Powertools keeps idempotency records: DynamoDB in Lambda, in memory in unit tests. */
  readonly idempotencyStore: BasePersistenceLayer;
  /** `job-` + 20 hex characters; injectable so tests can pin ids. */
  readonly newJobId?: () => string;
  /** Principals that see and change every job (lambdas/api/ownership.ts); absent: none. */
  readonly admins?: readonly string[];
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
  /** Who submits: the job's first version records it. Not part of the idempotency key's payload. */
  readonly caller: string;
}

/** A PUT that lost a race (the scheduler moved the job on, another PUT made it) reads again and reapplies, this many times at most. */
const PUT_ATTEMPTS = 5;

/** What a path's `{id}` must be on PUT: the job's name. */
const JOB_NAME_EXPECTED = 'a job name: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters';

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

/**
 * POST /jobs: validates, creates the job and its tasks PENDING, answers 202 with their
 * ids; a live job's name is refused (409) pointing at PUT. PUT /jobs/{name}: creates the
 * job or applies the spec to the live job of that name (a new version, a scale, or
 * nothing when the spec is the same).
 */
export function createHandler(deps: SubmitDeps): ApiHandler {
  const makeId = deps.newJobId ?? newJobId;
  const admins = deps.admins ?? [];
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'idempotencyKey',
    payloadValidationJmesPath: 'job',
    expiresAfterSeconds: IDEMPOTENCY_WINDOW_SECONDS,
  });

  const submit = async (request: SubmitRequest): Promise<SubmitResponse> => {
    const now = deps.clock.now();
    const spec = request.job;
    const id = request.idempotencyKey === undefined ? makeId() : keyedJobId(request.idempotencyKey);
    // The same id is this submission retried after a crash, not another job.
    const live = await deps.store.findLiveJobByName(spec.name);
    if (live && live.id !== id) throw nameTaken(live, visibleTo(live, request.caller, admins));
    const job = newJob(spec, id, now, request.caller);
    if (job.expose) await refuseTakenRule(deps.store, job, request.caller, admins);
    const tasks = firstCopies(job, now);
    await deps.store.createJob(job, tasks, firstVersion(job, now, request.caller));
    deps.metrics.addMetric('JobsSubmitted', MetricUnit.Count, 1);
    deps.metrics.addMetric('TasksSubmitted', MetricUnit.Count, tasks.length);
    deps.log.info('job submitted', { jobId: id, name: job.name, count: job.count, kind: job.kind });
    return { jobId: id, taskIds: tasks.map((t) => t.id) };
  };

  // A fixed key prefix rather than the function name Powertools defaults to: CDK-generated
  // names change when the function is replaced, and a retry must still find its record.
  const idempotentSubmit = makeIdempotent(submit, { persistenceStore: deps.idempotencyStore, config, keyPrefix: 'stowage-submit' });

  return route(deps, async (event, context) => {
    if (routeKeyOf(event) === ROUTES.putJob.key) return putJob(deps, event);
    const key = header(event, IDEMPOTENCY_HEADER);
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new ValidationError([{ field: 'header.Idempotency-Key', rule: 'must be 1..128 characters of [A-Za-z0-9_-]' }], 'headers');
    }
    const job = toJobSpec(parseWith(jobSpecSchema, readJsonBody(event), 'job'));
    refuseUnreadableSecrets(job.secrets, deps);
    // Powertools reads the remaining time from the context to expire an in-progress record
    // of an invocation that timed out, so a retry after a crash is not locked out forever.
    if (context) config.registerLambdaContext(context);
    const caller = callerOf(event);
    const request: SubmitRequest = { idempotencyKey: key === undefined ? undefined : `${caller}\n${key}`, job, caller };
    try {
      // Without a key Powertools skips the record and simply runs the submit.
      return answer(ROUTES.submitJob.key, await idempotentSubmit(request));
    } catch (err) {
      throw translateIdempotencyError(err);
    }
  });
}

/**
 * 409 for a name a live job holds. Job names are one namespace per deployment (they name
 * load-balancer rules, containers and log groups), so a caller must learn that a name is
 * taken even when the holder is a job it may not see: answering 404 would be false (there
 * is nothing to find on a create) and creating a second live job of the name would break
 * the name's meaning. For such a job the answer says only that the name is taken, not by
 * which job, whose, or what it runs.
 */
function nameTaken(live: Job, visible: boolean): ConflictError {
  if (!visible) return new ConflictError('job-name-taken', `the name ${live.name} is taken by a live job; choose another name`);
  return new ConflictError(
    'job-name-taken',
    `a live job is already named ${live.name} (${live.id}); to change it, PUT /jobs/${live.name} with the new spec (stowage submit does), or stop it first`,
  );
}

/**
 * PUT /jobs/{name}. Declarative and idempotent: the same spec again changes nothing and
 * writes nothing. Each attempt reads the job and its copies and writes its change only
 * from the revision it read; a write that lost a race is recomputed from fresh state.
 */
async function putJob(deps: SubmitDeps, event: ApiEvent): Promise<Reply> {
  // The path and the body are checked together, so one answer names every bad field.
  const issues: FieldIssue[] = [];
  const collect = <T>(check: () => T): T | undefined => {
    try {
      return check();
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      issues.push(...err.fields);
      return undefined;
    }
  };
  const name = collect(() => pathParam(event, 'id', JOB_NAME, JOB_NAME_EXPECTED));
  const spec = collect(() => toJobSpec(parseWith(jobSpecSchema, readJsonBody(event), 'job')));
  if (name === undefined || spec === undefined) throw new ValidationError(issues, 'job');
  refuseUnreadableSecrets(spec.secrets, deps);
  if (spec.name !== name) {
    throw new ValidationError([{ field: 'name', rule: `must equal the name in the path (${name}); a job is renamed by submitting it under the new name and stopping the old one` }], 'job');
  }
  const caller = callerOf(event);
  for (let attempt = 1; ; attempt++) {
    try {
      return answer(ROUTES.putJob.key, await putOnce(deps, spec, caller, deps.admins ?? []));
    } catch (err) {
      const lostRace = err instanceof JobRevisionConflictError || err instanceof JobExistsError;
      if (!lostRace || attempt >= PUT_ATTEMPTS) throw err;
    }
  }
}

async function putOnce(deps: SubmitDeps, spec: JobSpec, caller: string, admins: readonly string[]): Promise<PutJobResponse> {
  const now = deps.clock.now();
  const all = await deps.store.listJobs();
  const sameName = all.filter((j) => j.name === spec.name);
  const live = sameName.filter((j) => j.stopRequestedAt === undefined).sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id))[0];
  if (!live) {
    // The id follows from the name and how many jobs ever had it: two PUTs creating one
    // name at once make the same id, so the store keeps one job (JobExistsError sends a
    // different spec back round to update it) instead of two live jobs of one name.
    const job = newJob(spec, nameJobId(spec.name, sameName.length), now, caller);
    if (job.expose) await refuseTakenRule(deps.store, job, caller, admins);
    const tasks = firstCopies(job, now);
    await deps.store.createJob(job, tasks, firstVersion(job, now, caller));
    deps.metrics.addMetric('JobsSubmitted', MetricUnit.Count, 1);
    deps.log.info('job created', { jobId: job.id, name: job.name, count: job.count, kind: job.kind });
    return { jobId: job.id, name: job.name, outcome: 'created', version: 1, deploymentId: 1, taskIds: tasks.map((t) => t.id) };
  }
  // Another principal's job: the name is taken, and nothing more is said (nameTaken).
  if (!visibleTo(live, caller, admins)) throw nameTaken(live, false);
  const found = await deps.store.getJob(live.id);
  if (!found) throw new NotFoundError('job', live.id);
  const current = found.job;
  const change = applySpec(current, found.tasks, spec, now, caller);
  if (change.outcome === 'unchanged') return { jobId: current.id, name: current.name, outcome: 'unchanged', version: targetVersion(current), taskIds: [] };
  if (change.job.expose && JSON.stringify(change.job.expose) !== JSON.stringify(current.expose)) await refuseTakenRule(deps.store, change.job, caller, admins);
  await deps.store.updateJob(change.job, revisionOf(current), { tasks: change.tasks, ...(change.version ? { version: change.version } : {}) });
  deps.metrics.addMetric(change.outcome === 'updated' ? 'JobsUpdated' : 'JobsScaled', MetricUnit.Count, 1);
  deps.log.info(`job ${change.outcome}`, { jobId: current.id, name: current.name, version: targetVersion(change.job), count: change.job.count, newTasks: change.tasks.length });
  return {
    jobId: current.id,
    name: current.name,
    outcome: change.outcome,
    version: targetVersion(change.job),
    ...(change.outcome === 'updated' ? { deploymentId: change.job.deployment!.id } : {}),
    taskIds: change.tasks.map((t) => t.id),
  };
}

/** The id PUT gives the `ordinal`-th job (from 0) ever named `name`. */
export function nameJobId(name: string, ordinal: number): string {
  return `job-${createHash('sha256').update(`name\n${name}\n${ordinal}`).digest('hex').slice(0, 20)}`;
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
async function refuseTakenRule(store: JobStore, job: Job, caller: string, admins: readonly string[]): Promise<void> {
  const mine = ruleKey(job.expose!);
  // The same id is this submission retried after a crash, not another job.
  const owner = (await store.listJobs()).find((j) => j.id !== job.id && j.stopRequestedAt === undefined && j.expose !== undefined && ruleKey(j.expose) === mine);
  if (!owner) return;
  // A rule held by a job the caller may not see is refused without naming that job.
  if (!visibleTo(owner, caller, admins)) throw new ExposeRuleTakenError(job.expose!);
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
