import type { ExposeRule } from '../core/service';
import { LoadBalancerError } from './load-balancer-errors';


/** An exposed job as the load balancer sees it: who owns the rule, and the rule. */
export interface LoadBalancedService {
  readonly jobId: string;
  /** Named in the refusal another job gets when it asks for the same rule. */
  readonly jobName: string;
  readonly rule: ExposeRule;
  /**
   * The path the load balancer checks each target on over HTTP (the job's http health
   * check path, when it has one); expected to answer 200–399. Without it, haproxy checks
   * that the port accepts connections and an ALB, which checks over HTTP only, asks for
   * `/` and takes any answer 200–499 as alive.
   */
  readonly healthPath?: string;
}

/**
 * Where a target listens: its node and the host port Docker picked. This is a target's
 * identity in every adapter, because it is all an ALB target of type `instance` has (the
 * EC2 instance id and a port); the caller, which knows each task's node and endpoints,
 * maps a place back to its task.
 */
export interface TargetPlace {
  /** The node's id: on AWS the EC2 instance id. */
  readonly nodeId: string;
  readonly port: number;
}

/** One serving copy of a job, as the caller registers it. */
export interface LoadBalancerTarget extends TargetPlace {
  readonly taskId: string;
  /** The node's address, for load balancers that route to addresses (haproxy). */
  readonly address: string;
}

/**
 * What the load balancer knows of a target's health. `initial`: registered, not yet
 * checked; `draining`: being deregistered, in-flight requests finishing; `unused`: the
 * load balancer does not check it (no rule routes to it yet); `unknown`: it has no say.
 */
export type TargetHealth = 'initial' | 'healthy' | 'unhealthy' | 'draining' | 'unused' | 'unknown';

/** A target as the load balancer reports it; `taskId` and `address` where it remembers them (not an ALB). */
export interface KnownTarget extends TargetPlace {
  readonly taskId?: string;
  readonly address?: string;
}

export interface RegisteredTarget extends KnownTarget {
  readonly health: TargetHealth;
}

/** What setTargets changed: both empty when the job's targets already were at exactly the places asked for. */
export interface TargetChange {
  readonly registered: readonly LoadBalancerTarget[];
  readonly deregistered: readonly KnownTarget[];
}

/**
 * The deployment's load balancer (adapters: `AlbLoadBalancer` on AWS, `HaproxyLoadBalancer`
 * locally; fake: `InMemoryLoadBalancer`). Declarative and idempotent, so a pass that
 * crashed half-way converges by running the same calls again: every method states what
 * should be, not a step towards it.
 *
 * A target is identified by its place (node and port, see `TargetPlace`): the same task
 * asked again at another port is a new registration (and the old place is deregistered).
 *
 * Every method throws only `LoadBalancerError`, with `retriable` set.
 */
export interface LoadBalancer {
  /**
   * How long a deregistered target keeps receiving in-flight requests before the load
   * balancer cuts it off. The caller waits this long after `setTargets` deregistered a
   * copy before it sends SIGTERM.
   */
  readonly deregistrationDelaySeconds: number;

  /**
   * Makes the job's rule route to the job's target group (ALB: a target group and a
   * listener rule; haproxy: a backend and its ACLs). Idempotent; a changed rule for the
   * same job replaces its old one. Returns the service's URL.
   *
   * Throws a non-retriable `LoadBalancerError` whose `ownerJobId`/`ownerJobName` name the
   * owner when another job already holds the same rule (same path and host), and one
   * naming the field when the rule is malformed (see `checkService`).
   */
  ensureService(service: LoadBalancedService): Promise<{ readonly url: string }>;

  /**
   * Makes the job's registered targets exactly `targets`: registers the new ones,
   * deregisters the rest, and says which. The job's service must exist (ensureService
   * first): otherwise a non-retriable error. An empty list deregisters everything.
   */
  setTargets(jobId: string, targets: readonly LoadBalancerTarget[]): Promise<TargetChange>;

  /** The job's registered targets with their health; empty for an unknown job. */
  targets(jobId: string): Promise<readonly RegisteredTarget[]>;

  /** Every service this load balancer routes, so a pass can remove those of jobs no longer exposed. */
  services(): Promise<readonly LoadBalancedService[]>;

  /** Removes the job's rule and its target group/backend, and with them its targets. An unknown job succeeds. */
  removeService(jobId: string): Promise<void>;

  /** Where users reach the job's service, or undefined when it is not exposed here. */
  urlOf(jobId: string): Promise<string | undefined>;
}

/** Job ids become backend and tag names: kept to characters every adapter can carry. */
const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/**
 * Characters a path pattern may use: those an ALB path-pattern condition accepts
 * (Elastic Load Balancing, "Listener rules for your Application Load Balancer", path
 * conditions: A–Z, a–z, 0–9, _ - . $ / ~ " ' @ : + and the wildcards * and ?), less the
 * quotes, which neither adapter needs and which haproxy's configuration would have to escape.
 */
const PATH = /^\/[A-Za-z0-9_.$/~@:+*?-]{0,127}$/;
/** A host name, optionally with the wildcards * and ? (ALB host conditions allow both). */
const HOST = /^(?=.{1,128}$)[a-z0-9*?]([a-z0-9*?-]*[a-z0-9*?])?(\.[a-z0-9*?]([a-z0-9*?-]*[a-z0-9*?])?)*$/;
const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const ADDRESS = /^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$/;

/** The identity of a rule: two services with the same key would route the same requests. */
export function ruleKey(rule: ExposeRule): string {
  return `${rule.host?.toLowerCase() ?? '*'} ${rule.path ?? '/*'}`;
}

/** A rule for messages: `host web.example.com, path /web/*`. */
export function describeRule(rule: ExposeRule): string {
  return [rule.host !== undefined ? `host ${rule.host}` : undefined, rule.path !== undefined ? `path ${rule.path}` : undefined].filter(Boolean).join(', ');
}

/**
 * The checks every adapter applies before it touches anything, so each refuses the same
 * input with the same message: nothing malformed reaches an ELB request or a haproxy
 * configuration file.
 */
export function checkService(service: LoadBalancedService): void {
  const refuse = (field: string, rule: string) =>
    new LoadBalancerError(`service for job ${JSON.stringify(service?.jobId)}: ${field} ${rule}`, { operation: 'ensureService', jobId: String(service?.jobId), retriable: false });
  checkJobId(service?.jobId, 'ensureService');
  if (typeof service.jobName !== 'string' || service.jobName.length === 0) throw refuse('jobName', 'must be a non-empty string');
  const rule = service.rule;
  if (typeof rule !== 'object' || rule === null) throw refuse('rule', 'is missing; pass the job\'s expose rule');
  if (rule.path === undefined && rule.host === undefined) throw refuse('rule', 'has neither path nor host; give at least one, e.g. { path: "/web/*" }');
  if (rule.path !== undefined && (typeof rule.path !== 'string' || !PATH.test(rule.path))) {
    throw refuse('rule.path', `${JSON.stringify(rule.path)} must start with "/" and use only letters, digits, _ - . $ / ~ @ : + and the wildcards * and ? (at most 128 characters)`);
  }
  if (service.healthPath !== undefined && (typeof service.healthPath !== 'string' || !PATH.test(service.healthPath) || /[*?]/.test(service.healthPath))) {
    throw refuse('healthPath', `${JSON.stringify(service.healthPath)} must be a path starting with "/" without wildcards, of the characters rule.path allows`);
  }
  if (rule.host !== undefined && (typeof rule.host !== 'string' || !HOST.test(rule.host.toLowerCase()))) {
    throw refuse('rule.host', `${JSON.stringify(rule.host)} must be a host name such as web.example.com (letters, digits, "-", ".", and the wildcards * and ?)`);
  }
}

export function checkJobId(jobId: unknown, operation: LoadBalancerError['operation']): asserts jobId is string {
  if (typeof jobId !== 'string' || !JOB_ID.test(jobId)) {
    throw new LoadBalancerError(`jobId ${JSON.stringify(jobId)} must be 1..64 letters, digits, "_", "." or "-", starting with a letter or digit`, {
      operation,
      jobId: String(jobId),
      retriable: false,
    });
  }
}

/** Checks a target list: well-formed, and no task or place twice. */
export function checkTargets(jobId: string, targets: readonly LoadBalancerTarget[]): void {
  const refuse = (message: string) => new LoadBalancerError(`targets for job ${JSON.stringify(jobId)}: ${message}`, { operation: 'setTargets', jobId, retriable: false });
  if (!Array.isArray(targets)) throw refuse('must be an array of { taskId, nodeId, address, port }');
  const seen = new Set<string>();
  const places = new Set<string>();
  targets.forEach((t, i) => {
    if (typeof t?.taskId !== 'string' || !TASK_ID.test(t.taskId)) throw refuse(`[${i}].taskId ${JSON.stringify(t?.taskId)} must be 1..128 letters, digits, "_", ".", ":" or "-"`);
    if (seen.has(t.taskId)) throw refuse(`[${i}].taskId ${JSON.stringify(t.taskId)} appears twice; a task is one target`);
    seen.add(t.taskId);
    if (typeof t.nodeId !== 'string' || !TASK_ID.test(t.nodeId)) throw refuse(`[${i}].nodeId ${JSON.stringify(t.nodeId)} must be a node id`);
    if (typeof t.address !== 'string' || !ADDRESS.test(t.address)) throw refuse(`[${i}].address ${JSON.stringify(t.address)} must be an IP address or host name`);
    if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535) throw refuse(`[${i}].port ${JSON.stringify(t.port)} must be an integer in 1..65535`);
    if (places.has(placeKey(t))) throw refuse(`[${i}] is at node ${t.nodeId} port ${t.port}, as another target is; one port is one copy`);
    places.add(placeKey(t));
  });
}

export function placeKey(t: TargetPlace): string {
  return `${t.nodeId}|${t.port}`;
}

/** The registrations that make `current` into `wanted`, by place. */
export function diffTargets<T extends TargetPlace>(current: readonly T[], wanted: readonly LoadBalancerTarget[]): { add: LoadBalancerTarget[]; remove: T[] } {
  const have = new Set(current.map(placeKey));
  const want = new Set(wanted.map(placeKey));
  return { add: wanted.filter((w) => !have.has(placeKey(w))), remove: current.filter((c) => !want.has(placeKey(c))) };
}

/**
 * Overlapping rules (`/web/*` and `/web/api/*`) route by specificity in every adapter, not
 * by the order jobs were exposed: a host and a path beat either alone, a host beats a
 * path, and a longer literal part (up to the first wildcard) beats a shorter one. Returns
 * the rule's rank: 0 is tried first. Equal ranks never overlap in a way that matters:
 * equal rules are refused, and different literal parts of one length are disjoint.
 */
export function ruleRank(rule: Pick<ExposeRule, 'path' | 'host'>): { readonly band: number; readonly literalPath: number } {
  const literal = (s: string | undefined) => (s === undefined ? 0 : s.split(/[*?]/)[0].length);
  const band = (rule.host !== undefined ? 0 : 2) + (rule.path !== undefined ? 0 : 1);
  return { band, literalPath: literal(rule.path) };
}

/** Orders rules most specific first (see ruleRank); 0 for rules of equal rank. */
export function compareRules(a: Pick<ExposeRule, 'path' | 'host'>, b: Pick<ExposeRule, 'path' | 'host'>): number {
  const ra = ruleRank(a);
  const rb = ruleRank(b);
  return ra.band - rb.band || rb.literalPath - ra.literalPath;
}

/**
 * The URL users open for an exposed job behind a load balancer at `baseUrl`
 * (`scheme://name[:port]`): a host rule is reached by that name (its DNS points at the
 * load balancer), keeping the base's scheme and port; a path rule at the load
 * balancer's own name. Every adapter and the API show this one form.
 */
export function exposedUrl(baseUrl: string, rule: Pick<ExposeRule, 'path' | 'host'>): string {
  const base = new URL(baseUrl);
  const origin = rule.host === undefined ? base.origin : `${base.protocol}//${rule.host}${base.port ? `:${base.port}` : ''}`;
  return `${origin}${urlPath({ port: '', ...rule })}`;
}

/** The URL path users open for a rule: the pattern up to its first wildcard. */
export function urlPath(rule: ExposeRule): string {
  const path = rule.path ?? '/';
  const wild = path.search(/[*?]/);
  return wild < 0 ? path : path.slice(0, wild);
}
