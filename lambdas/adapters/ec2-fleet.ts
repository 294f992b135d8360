import {
  CreateFleetCommand,
  DescribeInstancesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type Filter,
  type CreateFleetCommandInput,
  type CreateFleetError,
  type FleetLaunchTemplateConfigRequest,
  type Instance,
  type RunInstancesCommandInput,
  type Tag,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { DEFAULT_CATALOG, findInstanceType } from '../../core/catalog';
import { ARCHITECTURES, type Architecture, type InstanceType } from '../../core/model';
import type { UnavailableReason } from '../../core/offerings';
import type { Fleet, LaunchedInstance, LaunchRequest, RefusedOffering } from '../../control/fleet';
import { FleetError, type FleetOperation } from '../../control/fleet';
import { classifyAwsError } from './aws-error';
import { AdapterConfigError, listIds } from './errors';

/** Every instance and volume Stowage launches carries this tag, besides the stack's. */
export const MANAGED_TAG: Tag = { Key: 'stowage:managed', Value: 'true' };
/** A node label `k=v` becomes the tag `stowage:label:k=v`, so labels survive on the instance. */
export const LABEL_TAG_PREFIX = 'stowage:label:';

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const LAUNCH_TEMPLATE_ID = /^lt-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const INSTANCE_TYPE = /^[a-z0-9][a-z0-9-]*\.[a-z0-9-]+$/;
const MAX_TAG_KEY = 128;
const MAX_TAG_VALUE = 256;
/** EC2 allows 50 tags per resource; two are ours (stack, managed). */
const MAX_LABELS = 48;
/** TerminateInstances takes at most 1000 ids. */
const MAX_TERMINATE_IDS = 1000;
/** Ids per DescribeInstances `instance-id` filter: kept well inside EC2's limits on filter values. */
const MAX_DESCRIBE_IDS = 200;
/** ClientToken: up to 64 ASCII characters. */
const CLIENT_TOKEN = /^[\x21-\x7e]{1,64}$/;

/**
 * The refusals that say where not to launch next, by EC2's documented error codes:
 * InsufficientInstanceCapacity (no capacity of the type in the zone now), Unsupported
 * (the type is not offered in the zone), VcpuLimitExceeded (the account's running
 * vCPUs plus this launch pass the quota).
 */
const UNAVAILABLE_BY_CODE: Readonly<Record<string, UnavailableReason>> = {
  InsufficientInstanceCapacity: 'insufficient-capacity',
  Unsupported: 'unsupported',
  VcpuLimitExceeded: 'vcpu-limit',
  // The Spot form of the quota: the account's running Spot vCPUs plus this launch pass
  // its Spot limit (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-spot-limits.html).
  MaxSpotInstanceCountExceeded: 'vcpu-limit',
};

/**
 * CreateFleet's LaunchTemplateConfigs hold at most 50 overrides in all
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/fleet-quotas.html).
 */
const MAX_FLEET_OVERRIDES = 50;

/** What to do about a code, added to the message. */
const HINTS: Readonly<Record<string, string>> = {
  InsufficientInstanceCapacity: 'AWS has no capacity of this type in this zone right now; retry later or allow other instance types or zones',
  RequestLimitExceeded: 'EC2 is throttling this account; retry later',
  UnauthorizedOperation: 'the scheduler role lacks an EC2 permission (RunInstances/CreateTags with the stack tag, iam:PassRole for the node role, or TerminateInstances on tagged instances); fix the grants in infra/',
  InvalidParameterValue: 'EC2 refused a parameter; check the instance type, subnet and launch template',
  'InvalidLaunchTemplateId.NotFound': 'the launch template does not exist in this region; check the launchTemplateId the stack passes in',
  'InvalidLaunchTemplateId.VersionNotFound': 'that launch template version does not exist; use $Latest, $Default or an existing version number',
  VcpuLimitExceeded: 'the account vCPU quota for this instance family is used up; request a quota increase or lower the fleet maximum',
  MaxSpotInstanceCountExceeded: "the account's Spot vCPU quota is used up; request a Spot quota increase or let jobs run on demand",
  Unsupported: 'this instance type is not offered in this zone; allow other zones or types',
};

export interface Ec2FleetOptions {
  readonly client: EC2Client;
  /**
   * The stack's launch templates (AMI, node role, security groups, user data), one per
   * architecture it allows: an AMI boots on one architecture only, so each type is
   * launched from the template of its own. None may define network interfaces:
   * `launch` picks the subnet per zone with `SubnetId`.
   */
  readonly launchTemplates: Readonly<Partial<Record<Architecture, string>>>;
  /** Where a type's architecture is read; default the bundled catalog. */
  readonly catalog?: readonly InstanceType[];
  /** `$Latest` (default), `$Default`, or a version number. */
  readonly launchTemplateVersion?: string;
  /** The tag that marks this deployment's instances; `terminate` touches nothing without it. */
  readonly stackTag: { readonly key: string; readonly value: string };
  /** Availability zone → the subnet nodes launch into there. */
  readonly subnetsByZone: Readonly<Record<string, string>>;
}

/**
 * A launch request, plus an optional EC2 `ClientToken`: a caller that retries a launch
 * after a timeout passes the same token so EC2 starts at most one instance for it. No
 * token is derived here — what makes two launches "the same" is the caller's knowledge.
 */
export interface Ec2LaunchRequest extends LaunchRequest {
  readonly clientToken?: string;
}

/**
 * `Fleet` over EC2. Throws `FleetError`: `retriable` for throttling, capacity, service
 * faults and timeouts, as aws-error.ts classifies them (no retries here — the next
 * scheduler pass is the retry, with fresh state); not
 * retriable for bad requests, missing permissions, unknown zones, and instances this
 * stack does not own.
 */
export class Ec2Fleet implements Fleet {
  private readonly client: EC2Client;
  private readonly launchTemplates: Readonly<Partial<Record<Architecture, string>>>;
  private readonly catalog: readonly InstanceType[];
  private readonly launchTemplateVersion: string;
  private readonly stackTag: { readonly Key: string; readonly Value: string };
  private readonly subnetsByZone: Readonly<Record<string, string>>;

  constructor(options: Ec2FleetOptions) {
    const fail = (field: string, message: string) => new AdapterConfigError('Ec2Fleet', field, message);
    if (!options?.client) throw fail('client', 'an EC2Client is required; pass `new EC2Client({})`');

    const templates = Object.entries(options.launchTemplates ?? {});
    if (templates.length === 0) throw fail('launchTemplates', 'names no template; pass { arm64: "lt-…" } (and x86_64 when allowed), the ids of the stack\'s node launch templates from its outputs');
    for (const [arch, templateId] of templates) {
      if (!(ARCHITECTURES as readonly string[]).includes(arch)) throw fail('launchTemplates', `"${arch}" is not an architecture; use ${ARCHITECTURES.join(' or ')}`);
      if (typeof templateId !== 'string' || templateId.trim() === '') throw fail(`launchTemplates.${arch}`, 'is empty; pass the id of the stack\'s node launch template (lt-…), e.g. from the stack output');
      if (!LAUNCH_TEMPLATE_ID.test(templateId)) {
        throw fail(`launchTemplates.${arch}`, `${JSON.stringify(templateId)} is not a launch template id (lt- and hex digits); pass the id, not the name`);
      }
    }

    const version = options.launchTemplateVersion ?? '$Latest';
    if (!/^(\$Latest|\$Default|[1-9][0-9]*)$/.test(version)) {
      throw fail('launchTemplateVersion', `${JSON.stringify(version)} must be $Latest, $Default or a version number`);
    }

    const { key, value } = options.stackTag ?? { key: '', value: '' };
    if (!key || key.length > MAX_TAG_KEY) throw fail('stackTag.key', `must be 1..${MAX_TAG_KEY} characters; got ${JSON.stringify(key)}`);
    if (/^aws:/i.test(key)) throw fail('stackTag.key', `${JSON.stringify(key)} uses the reserved aws: prefix; pick a key of your own, e.g. stowage:stack`);
    if (key === MANAGED_TAG.Key || key.startsWith(LABEL_TAG_PREFIX)) {
      throw fail('stackTag.key', `${JSON.stringify(key)} collides with a tag Stowage sets itself; pick another key, e.g. stowage:stack`);
    }
    // An empty value would make "owned by this stack" mean "has the key", too loose a guard for terminate.
    if (!value || value.length > MAX_TAG_VALUE) throw fail('stackTag.value', `must be 1..${MAX_TAG_VALUE} characters; got ${JSON.stringify(value)}`);

    const zones = Object.entries(options.subnetsByZone ?? {});
    if (zones.length === 0) throw fail('subnetsByZone', 'names no subnets; map each availability zone nodes may use to a subnet id, e.g. { "us-east-1a": "subnet-0abc…" }');
    for (const [zone, subnet] of zones) {
      if (!zone) throw fail('subnetsByZone', 'has an empty zone name');
      if (typeof subnet !== 'string' || !SUBNET_ID.test(subnet)) {
        throw fail(`subnetsByZone.${zone}`, `${JSON.stringify(subnet)} is not a subnet id (subnet- and hex digits)`);
      }
    }

    this.client = options.client;
    this.launchTemplates = { ...options.launchTemplates };
    this.catalog = options.catalog ?? DEFAULT_CATALOG;
    this.launchTemplateVersion = version;
    this.stackTag = { Key: key, Value: value };
    this.subnetsByZone = { ...options.subnetsByZone };
  }

  /**
   * An On-Demand launch of one offering is one RunInstances call. A Spot launch, or
   * any launch with alternatives, is one CreateFleet of type `instant` for one
   * instance: EC2 chooses among the offerings (price-capacity-optimized for Spot: the
   * pools least likely to be interrupted, then the cheapest of them) and answers with
   * the instance or with each offering's refusal
   * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instant-fleet.html,
   * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-fleet-allocation-strategy.html).
   */
  async launch(request: Ec2LaunchRequest): Promise<LaunchedInstance> {
    const refuse = (message: string) => new FleetError(`cannot launch: ${message}`, { operation: 'launch', retriable: false });
    const capacityType = request.capacityType ?? 'on-demand';
    if (capacityType !== 'on-demand' && capacityType !== 'spot') throw refuse(`capacityType ${JSON.stringify(capacityType)} must be "on-demand" or "spot"`);
    const first = this.offering(request.instanceType, request.zone, refuse);
    if (request.clientToken !== undefined && !CLIENT_TOKEN.test(request.clientToken)) {
      throw refuse('clientToken must be 1..64 printable ASCII characters without spaces');
    }
    const tags = [this.stackTag, MANAGED_TAG, ...labelTags(request.labels ?? {}, refuse)];
    if (capacityType === 'spot' || (request.alternatives?.length ?? 0) > 0) {
      const seen = new Set<string>();
      const offerings = [first, ...(request.alternatives ?? []).map((a) => this.offering(a.instanceType, a.zone, refuse))].filter((o) => {
        const key = `${o.instanceType}#${o.zone}`;
        return !seen.has(key) && (seen.add(key), true);
      });
      if (offerings.length > MAX_FLEET_OVERRIDES) throw refuse(`${offerings.length} offerings, but CreateFleet takes at most ${MAX_FLEET_OVERRIDES}; plan fewer alternatives`);
      return this.createFleet(request, capacityType, offerings, tags);
    }

    const input: RunInstancesCommandInput = {
      MinCount: 1,
      MaxCount: 1,
      LaunchTemplate: { LaunchTemplateId: first.templateId, Version: this.launchTemplateVersion },
      // Checked against INSTANCE_TYPE above; EC2 itself decides whether the type exists.
      InstanceType: request.instanceType as _InstanceType,
      SubnetId: first.subnetId,
      // Tagging at launch (not with CreateTags after) means no instance ever exists
      // untagged, so terminate can recognise it and IAM can condition on the request tag.
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'volume', Tags: tags },
      ],
      ...(request.clientToken !== undefined ? { ClientToken: request.clientToken } : {}),
    };
    let instanceId: string | undefined;
    try {
      const out = await this.client.send(new RunInstancesCommand(input));
      instanceId = out.Instances?.[0]?.InstanceId;
    } catch (err) {
      throw sdkFailure('launch', `RunInstances of ${request.instanceType} in ${request.zone}`, [], err);
    }
    if (!instanceId) {
      throw new FleetError(
        `RunInstances of ${request.instanceType} in ${request.zone} answered without an instance id; look for an instance tagged ${this.stackTag.Key}=${this.stackTag.Value} that no node reports for`,
        { operation: 'launch', retriable: false },
      );
    }
    return { id: instanceId, instanceType: request.instanceType, zone: request.zone };
  }

  /** One (type, zone) checked and resolved to its launch template and subnet, before any call. */
  private offering(instanceType: string, zone: string, refuse: (message: string) => FleetError): Offering {
    if (typeof instanceType !== 'string' || !INSTANCE_TYPE.test(instanceType)) {
      throw refuse(`instanceType ${JSON.stringify(instanceType)} is not an EC2 instance type such as "m5.large"`);
    }
    // Refused before any call: EC2 would answer InvalidParameterValue (the AMI's
    // architecture is not the type's), and a type with no template here must never
    // have been planned — the policy holds only types of the stack's architectures.
    const arch = findInstanceType(this.catalog, instanceType)?.arch;
    if (arch === undefined) {
      throw refuse(`instance type ${instanceType} is not in the catalog, so its architecture and launch template are unknown; allow only catalog types`);
    }
    const templateId = this.launchTemplates[arch];
    if (templateId === undefined) {
      throw refuse(
        `${instanceType} is ${arch} and the stack has no ${arch} launch template (it has ${Object.keys(this.launchTemplates).join(', ')}); ` +
          'add the type to the stack\'s instanceTypes context and redeploy, which creates that template',
      );
    }
    const subnetId = Object.hasOwn(this.subnetsByZone, zone) ? this.subnetsByZone[zone] : undefined;
    if (subnetId === undefined) {
      throw refuse(
        `zone ${JSON.stringify(zone)} has no subnet configured; known zones: ${Object.keys(this.subnetsByZone).join(', ')} — ` +
          'add it to subnetsByZone or keep the scheduler policy to these zones',
      );
    }
    return { instanceType, zone, templateId, subnetId };
  }

  /**
   * CreateFleet `instant` for one instance of `capacityType`: one LaunchTemplateConfig
   * per launch template (an override cannot change the image, so each architecture's
   * types go with their own template), one override per offering (type and the subnet
   * of its zone). An instant fleet answers 200 even when nothing launched: its `Errors`
   * say why per offering, and are mapped as RunInstances' exceptions are.
   */
  private async createFleet(request: Ec2LaunchRequest, capacityType: 'on-demand' | 'spot', offerings: readonly Offering[], tags: Tag[]): Promise<LaunchedInstance> {
    const byTemplate = new Map<string, Offering[]>();
    for (const o of offerings) byTemplate.set(o.templateId, [...(byTemplate.get(o.templateId) ?? []), o]);
    const configs: FleetLaunchTemplateConfigRequest[] = [...byTemplate].map(([templateId, os]) => ({
      LaunchTemplateSpecification: { LaunchTemplateId: templateId, Version: this.launchTemplateVersion },
      Overrides: os.map((o) => ({ InstanceType: o.instanceType as _InstanceType, SubnetId: o.subnetId })),
    }));
    const what = `CreateFleet (${capacityType}) of ${offerings.map((o) => `${o.instanceType} in ${o.zone}`).join(', ')}`;
    const input: CreateFleetCommandInput = {
      Type: 'instant',
      TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: capacityType },
      LaunchTemplateConfigs: configs,
      ...(capacityType === 'spot'
        ? { SpotOptions: { AllocationStrategy: 'price-capacity-optimized' } }
        : // On demand, the order of the overrides is the plan's order, cheapest first.
          { OnDemandOptions: { AllocationStrategy: 'prioritized' } }),
      // Instant fleets tag the instances they launch (ResourceType instance) and the fleet
      // request itself; volumes cannot be tagged here (the API takes only these two).
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'fleet', Tags: [this.stackTag, MANAGED_TAG] },
      ],
      ...(request.clientToken !== undefined ? { ClientToken: request.clientToken } : {}),
    };
    if (capacityType === 'on-demand') {
      configs.forEach((c) => c.Overrides!.forEach((o) => (o.Priority = offerings.findIndex((x) => x.instanceType === o.InstanceType && x.subnetId === o.SubnetId))));
    }
    let out;
    try {
      out = await this.client.send(new CreateFleetCommand(input));
    } catch (err) {
      throw sdkFailure('launch', what, [], err);
    }
    const launched = (out.Instances ?? []).find((i) => (i.InstanceIds?.length ?? 0) > 0);
    const instanceId = launched?.InstanceIds?.[0];
    if (launched && instanceId) {
      const subnet = launched.LaunchTemplateAndOverrides?.Overrides?.SubnetId;
      const chosen =
        offerings.find((o) => o.instanceType === launched.InstanceType && o.subnetId === subnet) ?? offerings.find((o) => o.instanceType === launched.InstanceType) ?? offerings[0];
      return { id: instanceId, instanceType: launched.InstanceType ?? chosen.instanceType, zone: chosen.zone };
    }
    throw fleetErrors(what, out.Errors ?? [], offerings, this.stackTag);
  }
  /**
   * Terminates the given instances that carry the stack tag. Instances already gone
   * count as terminated. Instances without the tag are never touched: after the owned
   * ones are terminated, a non-retriable `FleetError` lists them.
   */
  async terminate(instanceIds: readonly string[]): Promise<void> {
    const malformed = instanceIds.filter((id) => typeof id !== 'string' || !INSTANCE_ID.test(id));
    if (malformed.length > 0) {
      throw new FleetError(
        `cannot terminate: ${listIds(malformed)} ${malformed.length === 1 ? 'is not an EC2 instance id' : 'are not EC2 instance ids'} (expected i- and 8 or 17 hex digits); nothing was terminated`,
        { operation: 'terminate', instanceIds: malformed, retriable: false },
      );
    }
    const ids = [...new Set(instanceIds)];
    if (ids.length === 0) return;

    // The `instance-id` filter rather than InstanceIds: with InstanceIds, one id that no
    // longer exists fails the whole call (InvalidInstanceID.NotFound); a filter just
    // leaves it out, and a second look tells "gone" from "not ours".
    const owned = new Set<string>();
    const gone = new Set<string>();
    for (const batch of chunks(ids, MAX_DESCRIBE_IDS)) {
      const wanted = new Set(batch);
      for (const instance of await this.describe(batch, [{ Name: `tag:${this.stackTag.Key}`, Values: [this.stackTag.Value] }], ids)) {
        const id = instance.InstanceId;
        // Ownership is checked again here: the filter is the service's promise, this is ours.
        if (!id || !wanted.has(id) || !this.ownedBy(instance)) continue;
        (isGone(instance) ? gone : owned).add(id);
      }
    }
    const unmatched = ids.filter((id) => !owned.has(id) && !gone.has(id));
    const foreign: string[] = [];
    for (const batch of chunks(unmatched, MAX_DESCRIBE_IDS)) {
      const wanted = new Set(batch);
      for (const instance of await this.describe(batch, [], ids)) {
        // Absent or terminated: already gone. Untagged and alive: someone else's.
        const id = instance.InstanceId;
        if (!id || !wanted.has(id) || isGone(instance)) continue;
        // Tagged after all (the first look raced a change): ours, so terminate it.
        if (this.ownedBy(instance)) owned.add(id);
        else foreign.push(id);
      }
    }

    const toTerminate = ids.filter((id) => owned.has(id));
    const batches = chunks(toTerminate, MAX_TERMINATE_IDS);
    for (let b = 0; b < batches.length; b++) {
      await this.terminateBatch(batches[b], () => batches.slice(b).flat());
    }

    if (foreign.length > 0) {
      throw new FleetError(
        `refused to terminate ${listIds(foreign)}: ${foreign.length === 1 ? 'it does' : 'they do'} not carry this stack's tag ${this.stackTag.Key}=${this.stackTag.Value}, ` +
          `so Stowage did not launch ${foreign.length === 1 ? 'it' : 'them'} and leaves ${foreign.length === 1 ? 'it' : 'them'} alone` +
          (toTerminate.length > 0 ? ` (the ${toTerminate.length} owned instance(s) were terminated)` : '') +
          '; remove these ids from the node records if they are stale',
        { operation: 'terminate', instanceIds: foreign, retriable: false },
      );
    }
  }

  private ownedBy(instance: Instance): boolean {
    return (instance.Tags ?? []).some((t) => t.Key === this.stackTag.Key && t.Value === this.stackTag.Value);
  }

  /** All instances among `ids` matching the extra filters, across pages. `requested` is every id of the terminate call: none is terminated yet if this fails. */
  private async describe(ids: readonly string[], filters: Filter[], requested: readonly string[]): Promise<Instance[]> {
    const instances: Instance[] = [];
    let nextToken: string | undefined;
    do {
      try {
        const out = await this.client.send(
          new DescribeInstancesCommand({
            Filters: [{ Name: 'instance-id', Values: [...ids] }, ...filters],
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
        for (const reservation of out.Reservations ?? []) instances.push(...(reservation.Instances ?? []));
        nextToken = out.NextToken;
      } catch (err) {
        throw sdkFailure('terminate', 'DescribeInstances before terminating', requested, err);
      }
    } while (nextToken);
    return instances;
  }

  /**
   * TerminateInstances for owned ids. An instance may vanish between describe and here
   * (NotFound fails the whole call): then each id is retried alone, so the gone one
   * counts as terminated and the others still are.
   */
  private async terminateBatch(ids: readonly string[], unterminated: () => string[]): Promise<void> {
    try {
      await this.client.send(new TerminateInstancesCommand({ InstanceIds: [...ids] }));
      return;
    } catch (err) {
      if (!isNotFound(err)) throw sdkFailure('terminate', 'TerminateInstances', unterminated(), err);
      if (ids.length === 1) return;
    }
    for (let i = 0; i < ids.length; i++) {
      try {
        await this.client.send(new TerminateInstancesCommand({ InstanceIds: [ids[i]] }));
      } catch (err) {
        if (!isNotFound(err)) throw sdkFailure('terminate', 'TerminateInstances', [...ids.slice(i), ...unterminated().slice(ids.length)], err);
      }
    }
  }
}

/** One (type, zone) a launch may use, resolved to what EC2 is asked for. */
interface Offering {
  readonly instanceType: string;
  readonly zone: string;
  readonly templateId: string;
  readonly subnetId: string;
}

/**
 * Why an instant fleet launched nothing, from its per-offering `Errors`. Each refusal of
 * where or how much (UNAVAILABLE_BY_CODE) names its offering (type and subnet, hence
 * zone), so the pass remembers each and the next plan launches elsewhere; retriable
 * when any refusal is one that passes with time (capacity) and none needs a change.
 */
function fleetErrors(what: string, errors: readonly CreateFleetError[], offerings: readonly Offering[], stackTag: Tag): FleetError {
  if (errors.length === 0) {
    return new FleetError(`${what} answered with neither an instance nor an error; look for an instance tagged ${stackTag.Key}=${stackTag.Value} that no node reports for`, {
      operation: 'launch',
      retriable: false,
    });
  }
  const refused: RefusedOffering[] = [];
  const codes = new Set<string>();
  for (const e of errors) {
    const code = e.ErrorCode ?? 'UnknownError';
    codes.add(code);
    const reason = Object.hasOwn(UNAVAILABLE_BY_CODE, code) ? UNAVAILABLE_BY_CODE[code] : undefined;
    const o = e.LaunchTemplateAndOverrides?.Overrides;
    const offering = offerings.find((x) => x.instanceType === o?.InstanceType && (o?.SubnetId === undefined || x.subnetId === o.SubnetId));
    if (reason && offering && !refused.some((r) => r.instanceType === offering.instanceType && r.zone === offering.zone)) {
      refused.push({ instanceType: offering.instanceType, zone: offering.zone, reason });
    }
  }
  const detail = errors.map((e) => `${e.ErrorCode ?? 'UnknownError'}${e.LaunchTemplateAndOverrides?.Overrides?.InstanceType ? ` (${e.LaunchTemplateAndOverrides.Overrides.InstanceType})` : ''}: ${e.ErrorMessage ?? ''}`.trim());
  const hints = [...codes].flatMap((c) => (HINTS[c] ? [HINTS[c]] : []));
  const allUnavailable = [...codes].every((c) => Object.hasOwn(UNAVAILABLE_BY_CODE, c));
  const retriable = allUnavailable && [...codes].some((c) => UNAVAILABLE_BY_CODE[c] === 'insufficient-capacity');
  const reasons = new Set(refused.map((r) => r.reason));
  return new FleetError(`${what} launched nothing: ${detail.join('; ')} — ${hints.length ? hints.join('; ') : 'not retried; fix the cause first'}`, {
    operation: 'launch',
    retriable,
    ...(refused.length > 0 ? { refusedOfferings: refused } : {}),
    // One reason for callers that read only it: the tightest (a quota over a zone's capacity).
    ...(reasons.size > 0 ? { unavailable: reasons.has('vcpu-limit') ? 'vcpu-limit' : reasons.has('insufficient-capacity') ? 'insufficient-capacity' : 'unsupported' } : {}),
  });
}

function labelTags(labels: Readonly<Record<string, string>>, refuse: (message: string) => FleetError): Tag[] {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length > MAX_LABELS) throw refuse(`${entries.length} labels, but EC2 allows ${MAX_LABELS} besides Stowage's own tags; drop some labels`);
  return entries.map(([k, v]) => {
    const key = `${LABEL_TAG_PREFIX}${k}`;
    if (k.length === 0) throw refuse('a label has an empty key');
    if (/^aws:/i.test(k)) throw refuse(`label ${JSON.stringify(k)} uses the reserved aws: prefix; rename the label`);
    if (key.length > MAX_TAG_KEY) {
      throw refuse(`label ${JSON.stringify(k)} is too long: its tag key has ${key.length} characters, at most ${MAX_TAG_KEY} (label keys up to ${MAX_TAG_KEY - LABEL_TAG_PREFIX.length})`);
    }
    if (typeof v !== 'string' || v.length > MAX_TAG_VALUE) {
      throw refuse(`label ${JSON.stringify(k)} has a value that is not a string of at most ${MAX_TAG_VALUE} characters`);
    }
    return { Key: key, Value: v };
  });
}

function isGone(instance: Instance): boolean {
  const state = instance.State?.Name;
  return state === 'terminated' || state === 'shutting-down';
}

function isNotFound(err: unknown): boolean {
  return classifyAwsError(err, 'ec2').code === 'InvalidInstanceID.NotFound';
}

function sdkFailure(operation: FleetOperation, what: string, instanceIds: readonly string[], err: unknown): FleetError {
  const { code, message, retriable } = classifyAwsError(err, 'ec2');
  const hint = HINTS[code] ?? (retriable ? 'a later pass retries' : 'not retried; fix the cause first');
  const ids = instanceIds.length > 0 ? ` (${listIds(instanceIds)})` : '';
  const unavailable = operation === 'launch' && Object.hasOwn(UNAVAILABLE_BY_CODE, code) ? UNAVAILABLE_BY_CODE[code] : undefined;
  return new FleetError(`${what}${ids} failed with ${code}: ${message} — ${hint}`, { operation, instanceIds, retriable, ...(unavailable ? { unavailable } : {}) }, { cause: err });
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
