import { DEFAULT_CATALOG } from '../core/catalog';
import type { InstanceType } from '../core/model';
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
  idempotencyTable: 'STOWAGE_IDEMPOTENCY_TABLE',
  launchTemplateId: 'STOWAGE_LAUNCH_TEMPLATE_ID',
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
  };
}

/** The scheduler's policy: defaults, the catalog narrowed to the allowed types, and the fleet limits. */
export function policyFrom(env: Env, zones: readonly string[]): SchedulerPolicy {
  const names = (env[ENV.instanceTypes] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  let catalog: readonly InstanceType[] = DEFAULT_CATALOG;
  if (names.length > 0) {
    const unknown = names.filter((n) => !DEFAULT_CATALOG.some((t) => t.name === n));
    if (unknown.length > 0) throw new ConfigError(ENV.instanceTypes, `unknown instance type(s) ${unknown.join(', ')}; known: ${DEFAULT_CATALOG.map((t) => t.name).join(', ')}`);
    catalog = DEFAULT_CATALOG.filter((t) => names.includes(t.name));
  }
  const base = defaultPolicy(catalog);
  return {
    ...base,
    scaleUp: { ...base.scaleUp, zones, maxNodes: integer(env, ENV.maxNodes, base.scaleUp.maxNodes) },
    consolidation: { ...base.consolidation, minNodes: integer(env, ENV.minNodes, base.consolidation.minNodes) },
  };
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

function integer(env: Env, variable: string, fallback: number): number {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(variable, `"${raw}" is not a non-negative integer`);
  return Number(raw.trim());
}
