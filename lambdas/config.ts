import { DEFAULT_CATALOG } from '../core/catalog';
import { ARCHITECTURES, type Architecture, type InstanceType } from '../core/model';
import { defaultPolicy, type SchedulerPolicy } from '../core/policy';
import type { TableNames } from './adapters/table-schema';

/**
 * Everything the Lambdas read from their environment, read once and checked, so a
 * misconfigured deployment fails at cold start with the variable's name rather than
 * deep inside a request. The CDK stack sets exactly these variables.
 */
export const ENV = {
  jobsTable: 'STOWAGE_JOBS_TABLE',
  tasksTable: 'STOWAGE_TASKS_TABLE',
  nodesTable: 'STOWAGE_NODES_TABLE',
  samplesTable: 'STOWAGE_SAMPLES_TABLE',
  leasesTable: 'STOWAGE_LEASES_TABLE',
  versionsTable: 'STOWAGE_VERSIONS_TABLE',
  idempotencyTable: 'STOWAGE_IDEMPOTENCY_TABLE',
  /** JSON object: architecture (arm64, x86_64) → the id of the node launch template that boots it. */
  launchTemplates: 'STOWAGE_LAUNCH_TEMPLATES',
  /** JSON object: availability zone → subnet id. */
  subnets: 'STOWAGE_SUBNETS',
  stackTagKey: 'STOWAGE_STACK_TAG_KEY',
  stackTagValue: 'STOWAGE_STACK_TAG_VALUE',
  /** Comma-separated instance type names from the bundled catalog; empty means all of it. */
  instanceTypes: 'STOWAGE_INSTANCE_TYPES',
  maxNodes: 'STOWAGE_MAX_NODES',
  minNodes: 'STOWAGE_MIN_NODES',
  /** The node role's name: the heartbeat route takes a caller as a node only if it holds a session of this role. */
  nodeRoleName: 'STOWAGE_NODE_ROLE_NAME',
  /** The load balancer's listener the scheduler adds one rule per exposed job to; set only with `-c loadBalancer=true`. */
  lbListenerArn: 'STOWAGE_LB_LISTENER_ARN',
  /** The load balancer's DNS name, for the URLs of exposed jobs; set with the listener. */
  lbDnsName: 'STOWAGE_LB_DNS_NAME',
  /** `http(s)://<DNS name>` of the load balancer, for the URL the jobs API shows for an exposed job; set with the listener. */
  lbUrl: 'STOWAGE_LB_URL',
  /** The VPC target groups are created in; set with the listener. */
  vpcId: 'STOWAGE_VPC_ID',
  /** The scheduler's wake queue (lambdas/adapters/sqs-pass-waker.ts): set on the scheduler and on the API functions that change jobs. */
  wakeQueueUrl: 'STOWAGE_WAKE_QUEUE_URL',
  /** The stack's own SSM Command document that runs `stowage-agent sync` and takes no parameters; the only one the scheduler may send. */
  syncDocument: 'STOWAGE_SYNC_DOCUMENT',
  /** Comma-separated IAM principal ARNs that see and change every job (stack context `admins`); set on the submit and jobs functions. */
  admins: 'STOWAGE_ADMINS',
  /** `/stowage/<stack>`: each job's containers log to `<prefix>/<job id>` (set on the jobs function, which reads them). */
  logGroupPrefix: 'STOWAGE_LOG_GROUP_PREFIX',
  /** Seconds between a node's reports (stack context `heartbeatSeconds`): sets the scheduler's heartbeat timeout and the heartbeat function's liveness refresh. */
  heartbeatSeconds: 'STOWAGE_HEARTBEAT_SECONDS',
} as const;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`environment variable ${variable}: ${message}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

export function required(env: Env, variable: string): string {
  const value = env[variable];
  if (value === undefined || value.trim() === '') throw new ConfigError(variable, 'is not set; the CDK stack sets it — redeploy, or set it for local runs');
  return value.trim();
}

export function tableNamesFrom(env: Env): TableNames {
  return {
    jobs: required(env, ENV.jobsTable),
    tasks: required(env, ENV.tasksTable),
    nodes: required(env, ENV.nodesTable),
    samples: required(env, ENV.samplesTable),
    leases: required(env, ENV.leasesTable),
    versions: required(env, ENV.versionsTable),
  };
}

/**
 * The scheduler's policy: defaults, the catalog narrowed to the allowed types, and the
 * fleet limits. `architectures`: those the stack has a launch template for. A type of
 * any other architecture is never in the policy, so no pass can plan a launch whose
 * image would not boot (EC2 refuses it with InvalidParameterValue, and the pass after
 * would plan it again): with no types named, the catalog's types of those
 * architectures; a named type of another is a broken deployment, refused here.
 */
export function policyFrom(env: Env, zones: readonly string[], architectures: readonly Architecture[]): SchedulerPolicy {
  const names = (env[ENV.instanceTypes] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const bootable = (t: InstanceType) => t.arch !== undefined && architectures.includes(t.arch);
  let catalog: readonly InstanceType[] = DEFAULT_CATALOG.filter(bootable);
  if (names.length > 0) {
    const unknown = names.filter((n) => !DEFAULT_CATALOG.some((t) => t.name === n));
    if (unknown.length > 0) throw new ConfigError(ENV.instanceTypes, `unknown instance type(s) ${unknown.join(', ')}; known: ${DEFAULT_CATALOG.map((t) => t.name).join(', ')}`);
    const named = DEFAULT_CATALOG.filter((t) => names.includes(t.name));
    const orphans = named.filter((t) => !bootable(t));
    if (orphans.length > 0) {
      throw new ConfigError(
        ENV.instanceTypes,
        `${orphans.map((t) => `${t.name} (${t.arch})`).join(', ')} ha${orphans.length === 1 ? 's' : 've'} no launch template of ${orphans.length === 1 ? 'its' : 'their'} architecture ` +
          `(${ENV.launchTemplates} has ${architectures.join(', ') || 'none'}); redeploy the stack with these types in its instanceTypes context, which adds the template`,
      );
    }
    catalog = named;
  }
  if (catalog.length === 0) throw new ConfigError(ENV.launchTemplates, `names no architecture the bundled catalog has a type of (${ARCHITECTURES.join(', ')}); redeploy the stack`);
  const base = defaultPolicy(catalog);
  return {
    ...base,
    heartbeatTimeoutMs: heartbeatSecondsFrom(env) * HEARTBEAT_TIMEOUT_PERIODS * 1000,
    scaleUp: { ...base.scaleUp, zones, maxNodes: integer(env, ENV.maxNodes, base.scaleUp.maxNodes) },
    consolidation: { ...base.consolidation, minNodes: integer(env, ENV.minNodes, base.consolidation.minNodes) },
  };
}

const LAUNCH_TEMPLATE_ID = /^lt-[0-9a-f]{8,17}$/;

/** Architecture → launch template id, as the stack passes them; at least one. */
export function launchTemplatesFrom(env: Env): Partial<Record<Architecture, string>> {
  const raw = required(env, ENV.launchTemplates);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(ENV.launchTemplates, 'is not JSON; expected an object of architecture → launch template id, e.g. {"arm64":"lt-0abc…"}');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.keys(parsed).length === 0) {
    throw new ConfigError(ENV.launchTemplates, 'must be a non-empty JSON object of architecture → launch template id');
  }
  const out: Partial<Record<Architecture, string>> = {};
  for (const [arch, id] of Object.entries(parsed)) {
    if (!(ARCHITECTURES as readonly string[]).includes(arch)) throw new ConfigError(ENV.launchTemplates, `"${arch}" is not an architecture; use ${ARCHITECTURES.join(' or ')}`);
    if (typeof id !== 'string' || !LAUNCH_TEMPLATE_ID.test(id)) throw new ConfigError(ENV.launchTemplates, `${arch}: ${JSON.stringify(id)} is not a launch template id (lt- and hex digits)`);
    out[arch as Architecture] = id;
  }
  return out;
}

export function subnetsFrom(env: Env): Record<string, string> {
  const raw = required(env, ENV.subnets);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(ENV.subnets, 'is not JSON; expected an object of availability zone → subnet id');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.keys(parsed).length === 0) {
    throw new ConfigError(ENV.subnets, 'must be a non-empty JSON object of availability zone → subnet id');
  }
  for (const [zone, subnet] of Object.entries(parsed)) {
    if (typeof subnet !== 'string' || subnet === '') throw new ConfigError(ENV.subnets, `zone ${zone} has no subnet id`);
  }
  return parsed as Record<string, string>;
}

/** The agents' report period when the stack does not set one (agent/main.ts `--interval-s`). */
export const DEFAULT_HEARTBEAT_SECONDS = 10;
export const HEARTBEAT_SECONDS_RANGE = { min: 5, max: 60 } as const;
/**
 * A steady node's liveness is written again once the stored one is this many periods
 * old (steady-beat.ts): every second report, which halves the heartbeat writes.
 */
export const HEARTBEAT_REFRESH_PERIODS = 1.5;
/**
 * A node is LOST after this many report periods without a stored report. Four, not
 * three, because of the refresh: the agent reports a period after its last pass ended,
 * so reports are g = P + pass time apart, and the stored liveness is up to 2g old when
 * the report that writes it lands. If that report fails, the next lands at 3g — past
 * three periods, so one lost report would have a live node declared LOST (a follow-up
 * pass runs at the deadline). With four, one failed report (even one that timed out
 * after 10 s) leaves about a period to spare, as three did before reports were skipped.
 */
export const HEARTBEAT_TIMEOUT_PERIODS = 4;

export function heartbeatSecondsFrom(env: Env): number {
  const s = integer(env, ENV.heartbeatSeconds, DEFAULT_HEARTBEAT_SECONDS);
  if (s < HEARTBEAT_SECONDS_RANGE.min || s > HEARTBEAT_SECONDS_RANGE.max) {
    throw new ConfigError(ENV.heartbeatSeconds, `must be between ${HEARTBEAT_SECONDS_RANGE.min} and ${HEARTBEAT_SECONDS_RANGE.max} seconds, got ${s}`);
  }
  return s;
}

/** The heartbeat function's store setting: DynamoStateStoreOptions.heartbeatRefreshMs. */
export function heartbeatRefreshMsFrom(env: Env): number {
  return heartbeatSecondsFrom(env) * HEARTBEAT_REFRESH_PERIODS * 1000;
}

function integer(env: Env, variable: string, fallback: number): number {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(variable, `"${raw}" is not a non-negative integer`);
  return Number(raw.trim());
}

/**
 * Where exposed jobs answer (`http(s)://<DNS name>`), for the jobs API, or undefined when
 * the stack has no load balancer. A value that is not such a URL is a broken deployment,
 * named at cold start.
 */
export function loadBalancerUrlFrom(env: Env): string | undefined {
  const raw = (env[ENV.lbUrl] ?? '').trim();
  if (raw === '') return undefined;
  const m = /^(https?):\/\/([^/:?#]+)$/.exec(raw);
  if (!m || !DNS_NAME.test(m[2])) throw new ConfigError(ENV.lbUrl, `"${raw}" is not a load balancer URL (http:// or https:// and a DNS name, nothing after it)`);
  return raw;
}

/** Where the scheduler registers exposed jobs: the stack's Application Load Balancer. */
export interface LoadBalancerConfig {
  readonly listenerArn: string;
  readonly dnsName: string;
  readonly vpcId: string;
}

const LISTENER_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener\/app\/[A-Za-z0-9-]+\/[0-9a-f]+\/[0-9a-f]+$/;
// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens.
const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const VPC_ID = /^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/**
 * The load balancer's coordinates, or undefined when the stack has none (all three
 * variables unset). The stack sets the three together; one without the others is a
 * broken deployment, named here rather than at the first exposed job.
 */
export function loadBalancerFrom(env: Env): LoadBalancerConfig | undefined {
  const names = [ENV.lbListenerArn, ENV.lbDnsName, ENV.vpcId];
  const set = names.filter((n) => (env[n] ?? '').trim() !== '');
  if (set.length === 0) return undefined;
  const missing = names.find((n) => !set.includes(n));
  if (missing) {
    throw new ConfigError(missing, `is not set but ${set.join(' and ')} ${set.length === 1 ? 'is' : 'are'}; the stack sets all three with -c loadBalancer=true — redeploy, or unset them all`);
  }
  const listenerArn = required(env, ENV.lbListenerArn);
  if (!LISTENER_ARN.test(listenerArn)) {
    throw new ConfigError(ENV.lbListenerArn, `"${listenerArn}" is not an Application Load Balancer listener ARN (arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<name>/<id>/<id>)`);
  }
  const dnsName = required(env, ENV.lbDnsName);
  if (!DNS_NAME.test(dnsName)) throw new ConfigError(ENV.lbDnsName, `"${dnsName}" is not a DNS name`);
  const vpcId = required(env, ENV.vpcId);
  if (!VPC_ID.test(vpcId)) throw new ConfigError(ENV.vpcId, `"${vpcId}" is not a VPC id (vpc- and 8 or 17 hex digits)`);
  return { listenerArn, dnsName, vpcId };
}
