import { isIP } from 'node:net';
import { NODE_ID } from '../contract/ids';
import { ARCH_LABEL, DEFAULT_CATALOG, findInstanceType } from '../core/catalog';
import type { Architecture, CapacityType, InstanceType } from '../core/model';
import { spotPricePerHour } from '../core/spot-prices';
import type { Resources } from '../core/resources';
import { NodeIdentityError } from './errors';

/**
 * Who this node is and what it offers, as the heartbeat reports it: from flags on a
 * local node, from the instance metadata service (IMDSv2) on EC2.
 */
export interface NodeIdentity {
  readonly nodeId: string;
  readonly instanceType: string;
  readonly zone: string;
  readonly labels: Readonly<Record<string, string>>;
  /** What the scheduler may place here: the machine minus the system's reservation. */
  readonly capacity: Resources;
  readonly pricePerHour: number;
  /**
   * Where load balancers reach this node's published host ports: the private IPv4 on EC2
   * (IMDS local-ipv4), 127.0.0.1 on a local node.
   */
  readonly address?: string;
  /** How the instance was bought: IMDS instance-life-cycle on EC2, --capacity-type locally. */
  readonly capacityType?: CapacityType;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** This machine's architecture in EC2's words, from Node's (`x64` is x86_64); undefined for any other. */
export function hostArchitecture(nodeArch: string = process.arch): Architecture | undefined {
  return nodeArch === 'arm64' ? 'arm64' : nodeArch === 'x64' ? 'x86_64' : undefined;
}

/**
 * The labels the node reports: those it was given, and its architecture (ARCH_LABEL)
 * as the machine itself says — on a local node the host's, whatever catalog type it
 * plays — so placement never sends a job built for another architecture here.
 */
function withArch(labels: Readonly<Record<string, string>> | undefined, arch: Architecture | undefined): Record<string, string> {
  return { ...labels, ...(arch !== undefined ? { [ARCH_LABEL]: arch } : {}) };
}

export interface LocalIdentityOptions {
  readonly nodeId?: string;
  readonly cpu?: number;
  readonly memoryMiB?: number;
  readonly instanceType?: string;
  readonly zone?: string;
  readonly pricePerHour?: number;
  readonly labels?: Readonly<Record<string, string>>;
  /** Default 127.0.0.1: local nodes publish on loopback. */
  readonly address?: string;
  /** Default: this machine's (hostArchitecture). */
  readonly arch?: Architecture;
  /** Default on-demand; a local node plays a Spot instance with `spot`. */
  readonly capacityType?: string;
}

export function localIdentity(o: LocalIdentityOptions): NodeIdentity {
  const fail = (m: string) => new NodeIdentityError(m, false);
  if (!o.nodeId || !NODE_ID.test(o.nodeId)) throw fail(`--node-id ${JSON.stringify(o.nodeId ?? '')} is missing or invalid: 1-64 of [A-Za-z0-9._-], starting with a letter or digit`);
  if (o.cpu === undefined || !Number.isSafeInteger(o.cpu) || o.cpu <= 0) throw fail(`--cpu must be a whole number of millicores > 0 (e.g. 2000 for two cores), got ${o.cpu}`);
  if (o.memoryMiB === undefined || !Number.isSafeInteger(o.memoryMiB) || o.memoryMiB <= 0) throw fail(`--memory-mib must be a whole number of MiB > 0, got ${o.memoryMiB}`);
  const instanceType = o.instanceType ?? 'local';
  const zone = o.zone ?? 'local';
  if (!NAME.test(instanceType)) throw fail(`--instance-type ${JSON.stringify(instanceType)} is invalid: [A-Za-z0-9._-]`);
  if (!NAME.test(zone)) throw fail(`--zone ${JSON.stringify(zone)} is invalid: [A-Za-z0-9._-]`);
  const pricePerHour = o.pricePerHour ?? 0;
  if (!Number.isFinite(pricePerHour) || pricePerHour < 0 || pricePerHour > 1000) throw fail(`--price-per-hour must be between 0 and 1000, got ${o.pricePerHour}`);
  const address = o.address ?? '127.0.0.1';
  if (isIP(address) === 0) throw fail(`--address ${JSON.stringify(address)} is not an IP address; pass the address load balancers reach this node at, e.g. 127.0.0.1`);
  const capacityType = o.capacityType ?? 'on-demand';
  if (capacityType !== 'on-demand' && capacityType !== 'spot') throw fail(`--capacity-type ${JSON.stringify(capacityType)} must be on-demand or spot`);
  return { nodeId: o.nodeId, instanceType, zone, labels: withArch(o.labels, o.arch ?? hostArchitecture()), capacity: { cpu: o.cpu, memoryMiB: o.memoryMiB }, pricePerHour, address, capacityType };
}

/** What the node keeps for the OS, dockerd and the agent itself. */
export const DEFAULT_RESERVATION: Resources = { cpu: 100, memoryMiB: 256 };

export interface Ec2IdentityOptions {
  /** Default http://169.254.169.254; tests point it at a local server. */
  readonly imdsUrl?: string;
  readonly reservation?: Resources;
  readonly catalog?: readonly InstanceType[];
  /** Per IMDS request. Default 2 s. */
  readonly timeoutMs?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly fetch?: typeof fetch;
  /** Overrides the instance's private IPv4 (IMDS local-ipv4) as the node's address. */
  readonly address?: string;
  /** Default: this machine's (hostArchitecture). */
  readonly arch?: Architecture;
}

/** Identity from IMDSv2: a session token first, then instance id, type and zone. */
export async function ec2Identity(o: Ec2IdentityOptions = {}): Promise<NodeIdentity> {
  const base = (o.imdsUrl ?? 'http://169.254.169.254').replace(/\/+$/, '');
  const timeoutMs = o.timeoutMs ?? 2_000;
  const fetchFn = o.fetch ?? fetch;
  const reservation = o.reservation ?? DEFAULT_RESERVATION;
  const catalog = o.catalog ?? DEFAULT_CATALOG;

  const call = async (method: 'GET' | 'PUT', path: string, headers: Record<string, string>): Promise<string> => {
    let res: Response;
    let text: string;
    try {
      res = await fetchFn(`${base}${path}`, { method, headers, signal: AbortSignal.timeout(timeoutMs) });
      text = await res.text();
    } catch (err) {
      throw new NodeIdentityError(
        `instance metadata ${method} ${path} failed (${(err as Error)?.message ?? String(err)}); not on EC2, or IMDS is disabled or its hop limit too low? Locally, pass --node-id, --cpu and --memory-mib`,
        true,
        { cause: err },
      );
    }
    if (!res.ok) throw new NodeIdentityError(`instance metadata ${method} ${path} answered ${res.status}; IMDSv2 must be enabled on the instance`, res.status >= 500);
    return text.trim();
  };

  const token = await call('PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' });
  const h = { 'x-aws-ec2-metadata-token': token };
  const [nodeId, instanceType, zone, address, lifeCycle] = await Promise.all([
    call('GET', '/latest/meta-data/instance-id', h),
    call('GET', '/latest/meta-data/instance-type', h),
    call('GET', '/latest/meta-data/placement/availability-zone', h),
    o.address !== undefined ? Promise.resolve(o.address) : call('GET', '/latest/meta-data/local-ipv4', h),
    call('GET', '/latest/meta-data/instance-life-cycle', h),
  ]);
  if (isIP(address) === 0) {
    throw new NodeIdentityError(`the node address ${JSON.stringify(address)} (--address, or instance metadata local-ipv4) is not an IP address`, false);
  }
  if (!NODE_ID.test(nodeId)) throw new NodeIdentityError(`instance metadata returned an instance id the API will not accept: ${JSON.stringify(nodeId)}`, false);
  if (!NAME.test(zone)) throw new NodeIdentityError(`instance metadata returned an invalid zone: ${JSON.stringify(zone)}`, false);
  const type = findInstanceType(catalog, instanceType);
  if (!type) {
    throw new NodeIdentityError(`instance type ${JSON.stringify(instanceType)} is not in the catalog (core/catalog.ts), so its capacity is unknown; launch a catalog type or add it`, false);
  }
  const capacity = { cpu: type.capacity.cpu - reservation.cpu, memoryMiB: type.capacity.memoryMiB - reservation.memoryMiB };
  if (capacity.cpu <= 0 || capacity.memoryMiB <= 0) {
    throw new NodeIdentityError(`the reservation (${reservation.cpu} millicores, ${reservation.memoryMiB} MiB) leaves nothing of a ${instanceType}`, false);
  }
  const capacityType = capacityTypeOf(lifeCycle);
  // What the plan assumed for it: a Spot node priced On-Demand would look like the first to consolidate away.
  const pricePerHour = capacityType === 'spot' ? spotPricePerHour(type) : type.pricePerHour;
  return { nodeId, instanceType, zone, labels: withArch(o.labels, o.arch ?? hostArchitecture()), capacity, pricePerHour, address, capacityType };
}

/**
 * IMDS `instance-life-cycle` says how the instance was bought: `spot`, `on-demand`, or
 * `scheduled` / `capacity-block` (both paid as reserved on-demand capacity, never
 * reclaimed like Spot) — https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-categories.html.
 * Anything else is refused rather than guessed: the price and the drain on a notice
 * depend on it.
 */
export function capacityTypeOf(lifeCycle: string): CapacityType {
  if (lifeCycle === 'spot') return 'spot';
  if (lifeCycle === 'on-demand' || lifeCycle === 'scheduled' || lifeCycle === 'capacity-block') return 'on-demand';
  throw new NodeIdentityError(`instance metadata returned an unknown instance-life-cycle: ${JSON.stringify(lifeCycle)} (expected spot or on-demand)`, false);
}
