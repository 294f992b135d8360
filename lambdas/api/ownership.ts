import { JOB_ID } from '../../contract/ids';
import { JOB_NAME } from '../../contract/job-spec';
import type { JobStore } from '../../control/state/state-store';
import type { Job, Task } from '../../core/model';
import { ConfigError, ENV } from '../config';
import { NotFoundError, ValidationError } from './errors';

/**
 * Who may see and change a job: the principal that created it, and the admins.
 *
 * A job records its `owner` when it is created: the IAM principal API Gateway
 * authenticated, as `principalOf` names it. A caller sees and changes only jobs whose
 * owner is its own principal; a principal in the admin list (stack context `admins`,
 * STOWAGE_ADMINS) sees and changes every job. Every route that reads or changes one job
 * answers a job the caller may not see exactly as it answers a missing one (404, the
 * same message), so a caller learns nothing about other principals' jobs — not their
 * ids, specs, copies or owners.
 *
 * Jobs stored before owners were recorded have none: only admins see them. Showing them
 * to everyone would keep, for every job that already runs, the gap ownership closes;
 * an admin can stop such a job, and its creator resubmits it to own it.
 */

/**
 * The principal an authenticated caller ARN stands for:
 * - `arn:aws:sts::A:assumed-role/R/session` → `arn:aws:iam::A:role/R`. A session name is
 *   chosen by whoever assumes the role (a CLI profile, an SSO login, a CI run), and
 *   changes from one session to the next: a job created in one session must still be
 *   its role's in the next, so the role owns it. Everyone who may assume the role shares
 *   its jobs, as they share everything else the role may do.
 * - `arn:aws:iam::A:role/path/R` and `arn:aws:iam::A:user/path/U` → without the path:
 *   role and user names are unique in an account whatever their path, and an
 *   assumed-role ARN carries no path, so an admin named with a path still matches.
 * - anything else (the account root, a federated user, a local name) → unchanged.
 */
export function principalOf(callerArn: string): string {
  const session = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/[^/]+$/.exec(callerArn);
  if (session) return `arn:${session[1]}:iam::${session[2]}:role/${session[3]}`;
  const named = /^arn:(aws[a-z-]*):iam::(\d{12}):(role|user)\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/.exec(callerArn);
  if (named) return `arn:${named[1]}:iam::${named[2]}:${named[3]}/${named[4]}`;
  return callerArn;
}

/** Whether `caller` (an authenticated ARN) is one of `admins` (principal ARNs). */
export function isAdmin(caller: string, admins: readonly string[]): boolean {
  const me = principalOf(caller);
  return admins.some((a) => principalOf(a) === me);
}

/**
 * Whether `caller` may see and change `job`: its owner, or an admin. A job with no owner
 * (stored before owners were recorded) only an admin. The logs route (and any new route
 * that reads or changes one job) must answer `false` as it answers a missing job.
 */
export function visibleTo(job: Pick<Job, 'owner'>, caller: string, admins: readonly string[]): boolean {
  if (isAdmin(caller, admins)) return true;
  return job.owner !== undefined && job.owner === principalOf(caller);
}

/**
 * The job a `/jobs/{id}` path names, for a caller who may see it: an id (job- and 20 hex
 * characters) if a job has it, else the live job with that name. An id-shaped name is
 * looked up as a name too, so no name is unreachable. A job the caller may not see is
 * not found, with the very message a missing one gets. Every route under /jobs/{id}
 * (the logs route too) finds its job here, so none tells a foreign job from a missing one.
 */
export async function findVisibleJob(
  store: Pick<JobStore, 'getJob' | 'findLiveJobByName'>,
  ref: string | undefined,
  caller: string,
  admins: readonly string[],
): Promise<{ job: Job; tasks: Task[] }> {
  const mine = (found: { job: Job; tasks: Task[] } | undefined) => (found && visibleTo(found.job, caller, admins) ? found : undefined);
  if (ref === undefined || ref === '') throw new ValidationError([{ field: 'path.id', rule: 'is required' }], 'path');
  if (!JOB_ID.test(ref) && !JOB_NAME.test(ref)) {
    throw new ValidationError([{ field: 'path.id', rule: 'must be a job id ("job-" and 20 lowercase hex characters) or a job name (lowercase letters, digits and "-")' }], 'path');
  }
  if (JOB_ID.test(ref)) {
    const byId = mine(await store.getJob(ref));
    if (byId) return byId;
  }
  const live = JOB_NAME.test(ref) ? await store.findLiveJobByName(ref) : undefined;
  const found = live && mine(await store.getJob(live.id));
  if (!found) throw new NotFoundError('job', ref, 'name or id');
  return found;
}

const ADMIN_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/;

/**
 * The admin principals the stack names (comma-separated in STOWAGE_ADMINS); none when
 * unset. A value that is not an IAM role or user ARN is a broken deployment, named at
 * cold start rather than silently making nobody an admin.
 */
export function adminsFrom(env: Readonly<Record<string, string | undefined>>): readonly string[] {
  const raw = env[ENV.admins] ?? '';
  const arns = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const arn of arns) {
    if (!ADMIN_ARN.test(arn)) throw new ConfigError(ENV.admins, `"${arn}" is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name> or :user/<name>); redeploy with -c admins=<arns>`);
  }
  return arns;
}
