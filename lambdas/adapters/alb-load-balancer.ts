import {
  AddTagsCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
  type ElasticLoadBalancingV2Client,
  type Rule,
  type RuleCondition,
  type Tag,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createHash } from 'node:crypto';
import { checkJobId, checkService, checkTargets, describeRule, diffTargets, ruleKey, ruleRank, exposedUrl, type KnownTarget, type LoadBalancedService, type LoadBalancer, type LoadBalancerTarget, type RegisteredTarget, type TargetChange, type TargetHealth } from '../../control/load-balancer';
import { LoadBalancerError } from '../../control/load-balancer-errors';
import { noServiceError, ruleTakenError, type LoadBalancerOperation } from '../../control/load-balancer-errors';
import type { ExposeRule } from '../../core/service';
import { classifyAwsError } from './aws-error';
import { AdapterConfigError, listIds } from './errors';

/** Tags on every target group this adapter creates, besides the stack's: whose it is, for conflicts and services(). */
export const JOB_ID_TAG = 'stowage:job-id';
export const JOB_NAME_TAG = 'stowage:job-name';
export const PORT_TAG = 'stowage:port';

const LISTENER_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener\/app\/[A-Za-z0-9-]+\/[0-9a-f]+\/[0-9a-f]+$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
/** Listener rule priorities run 1..50000 (ELB API Reference, CreateRule: Priority). */
const MAX_PRIORITY = 50_000;
/** DescribeTags takes at most 20 resource ARNs. */
const MAX_TAG_ARNS = 20;
/** Targets per Register/DeregisterTargets call, kept well inside a target group's limit. */
const MAX_TARGETS_PER_CALL = 100;

const HINTS: Readonly<Record<string, string>> = {
  AccessDenied: 'the scheduler role lacks an elasticloadbalancing permission on resources tagged with the stack tag; fix the grants in infra/',
  TooManyTargetGroups: 'the account\'s target-group quota is used up; request an increase or expose fewer jobs',
  TooManyRules: 'the listener\'s rule quota (100 by default) is used up; request an increase or expose fewer jobs',
  TooManyTargets: 'the target group\'s target quota is used up; lower the job\'s count or request an increase',
  InvalidTarget: 'a target is not a running instance in the load balancer\'s VPC, or its port is outside what the security groups admit',
  ListenerNotFound: 'the listener the stack passed in does not exist; check the listenerArn',
};

export interface AlbLoadBalancerOptions {
  readonly client: ElasticLoadBalancingV2Client;
  /** The stack's listener; every rule this adapter makes lives on it. */
  readonly listenerArn: string;
  /** The VPC nodes run in: a target group of instances must name it. */
  readonly vpcId: string;
  /** The load balancer's DNS name, for URLs. */
  readonly dnsName: string;
  /** `https` when the listener has a certificate. */
  readonly scheme?: 'http' | 'https';
  readonly stackTag: { readonly key: string; readonly value: string };
  /** The target groups' `deregistration_delay.timeout_seconds` (default 15; ELB allows 0..3600). */
  readonly deregistrationDelaySeconds?: number;
}

/**
 * `LoadBalancer` over an Application Load Balancer (Elastic Load Balancing API Reference,
 * version 2015-12-01). Per exposed job: a target group of type `instance` (a target is a
 * node's EC2 instance id and a host port), named from a hash of the stack and the job
 * (names are unique per account and region, at most 32 characters), tagged with the
 * stack tag and the job; and one listener rule on the stack's listener with path-pattern
 * and/or host-header conditions forwarding to it.
 *
 * Everything is read back from ELB on each call, nothing kept between calls: a Lambda
 * may run each pass in a fresh process, and a pass that crashed half-way must converge.
 * The order of creation makes that so: target group, then its attributes, then the rule,
 * so a rule never routes to a group without its deregistration delay.
 *
 * Throws `LoadBalancerError`, classified by aws-error.ts (no retries here: the next pass
 * is the retry).
 */
export class AlbLoadBalancer implements LoadBalancer {
  readonly deregistrationDelaySeconds: number;
  private readonly client: ElasticLoadBalancingV2Client;
  private readonly listenerArn: string;
  private readonly vpcId: string;
  private readonly dnsName: string;
  private readonly scheme: 'http' | 'https';
  private readonly stackTag: Tag;

  constructor(options: AlbLoadBalancerOptions) {
    const fail = (field: string, message: string) => new AdapterConfigError('AlbLoadBalancer', field, message);
    if (!options?.client) throw fail('client', 'an ElasticLoadBalancingV2Client is required; pass `new ElasticLoadBalancingV2Client({})`');
    if (!LISTENER_ARN.test(options.listenerArn ?? '')) throw fail('listenerArn', `${JSON.stringify(options.listenerArn)} is not an Application Load Balancer listener ARN (arn:aws:elasticloadbalancing:…:listener/app/…); pass the stack's listener output`);
    if (!VPC_ID.test(options.vpcId ?? '')) throw fail('vpcId', `${JSON.stringify(options.vpcId)} is not a VPC id (vpc- and hex digits)`);
    if (typeof options.dnsName !== 'string' || !/^[A-Za-z0-9.-]{1,253}$/.test(options.dnsName)) throw fail('dnsName', `${JSON.stringify(options.dnsName)} is not the load balancer's DNS name`);
    const { key, value } = options.stackTag ?? { key: '', value: '' };
    if (!key || key.length > 128 || /^aws:/i.test(key)) throw fail('stackTag.key', `${JSON.stringify(key)} must be 1..128 characters and not start with aws:`);
    if (!value || value.length > 256) throw fail('stackTag.value', `must be 1..256 characters; got ${JSON.stringify(value)}`);
    const delay = options.deregistrationDelaySeconds ?? 15;
    if (!Number.isInteger(delay) || delay < 0 || delay > 3600) throw fail('deregistrationDelaySeconds', `${JSON.stringify(delay)} must be an integer in 0..3600 (ELB's range)`);
    this.client = options.client;
    this.listenerArn = options.listenerArn;
    this.vpcId = options.vpcId;
    this.dnsName = options.dnsName;
    this.scheme = options.scheme ?? 'http';
    this.stackTag = { Key: key, Value: value };
    this.deregistrationDelaySeconds = delay;
  }

  /** The target group's name: stable for a job in this stack, so a retried create finds what the first made. */
  targetGroupName(jobId: string): string {
    return `stw-${createHash('sha256').update(`${this.stackTag.Value}\n${jobId}`).digest('hex').slice(0, 28)}`;
  }

  async ensureService(service: LoadBalancedService): Promise<{ url: string }> {
    checkService(service);
    const op: LoadBalancerOperation = 'ensureService';
    const { jobId } = service;
    let group = await this.findTargetGroup(jobId, op);
    const rules = await this.listRules(op, jobId);

    const key = ruleKey(service.rule);
    const taken = rules.find((r) => r.key === key && r.targetGroupArn !== group?.TargetGroupArn);
    if (taken) throw await this.takenBy(service, taken, op);

    const health = healthCheckOf(service);
    const existed = group !== undefined;
    if (!group) {
      group = await this.createTargetGroup(service, op);
    } else if (group.HealthCheckPath !== health.HealthCheckPath || group.Matcher?.HttpCode !== health.Matcher.HttpCode) {
      await this.call(op, jobId, 'ModifyTargetGroup', () => this.client.send(new ModifyTargetGroupCommand({ TargetGroupArn: group!.TargetGroupArn, ...health })));
    }
    const arn = group.TargetGroupArn!;
    const ours = rules.filter((r) => r.targetGroupArn === arn);
    if (ours.length === 0) {
      await this.setDeregistrationDelay(arn, jobId, op);
      await this.createRule(service, arn, rules, op);
    } else {
      if (ours[0].key !== key) {
        await this.call(op, jobId, 'ModifyRule', () => this.client.send(new ModifyRuleCommand({ RuleArn: ours[0].ruleArn, Conditions: conditionsOf(service.rule) })));
      }
      // Two passes racing may each have created a rule; one is enough.
      for (const extra of ours.slice(1)) await this.deleteRule(extra.ruleArn, jobId, op);
    }
    if (existed) {
      // The name and port may change while the job keeps its group: a read each pass, a write only on change (AddTags overwrites).
      const have = (await this.tagsByArn([arn], op)).get(arn);
      const wanted = this.tagsOf(service);
      if (wanted.some((t) => have?.get(t.Key!) !== t.Value)) await this.call(op, jobId, 'AddTags', () => this.client.send(new AddTagsCommand({ ResourceArns: [arn], Tags: wanted })));
    }
    return { url: this.url(service.rule) };
  }

  async setTargets(jobId: string, targets: readonly LoadBalancerTarget[]): Promise<TargetChange> {
    const op: LoadBalancerOperation = 'setTargets';
    checkJobId(jobId, op);
    checkTargets(jobId, targets);
    const notInstance = targets.filter((t) => !INSTANCE_ID.test(t.nodeId));
    if (notInstance.length > 0) {
      throw new LoadBalancerError(`targets for job ${JSON.stringify(jobId)}: nodeId ${listIds(notInstance.map((t) => t.nodeId))} must be an EC2 instance id (i- and hex digits): ALB targets are instances`, { operation: op, jobId, retriable: false });
    }
    const group = await this.findTargetGroup(jobId, op);
    if (!group) throw noServiceError(jobId, op);
    const arn = group.TargetGroupArn!;
    const current = await this.registered(arn, jobId, op);
    const { add, remove } = diffTargets(current, targets);
    for (const batch of chunks(add, MAX_TARGETS_PER_CALL)) {
      await this.call(op, jobId, 'RegisterTargets', () => this.client.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: batch.map((t) => ({ Id: t.nodeId, Port: t.port })) })));
    }
    for (const batch of chunks(remove, MAX_TARGETS_PER_CALL)) {
      await this.call(op, jobId, 'DeregisterTargets', () => this.client.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: batch.map((t) => ({ Id: t.nodeId, Port: t.port })) })));
    }
    return { registered: add, deregistered: remove.map(({ nodeId, port }): KnownTarget => ({ nodeId, port })) };
  }

  async targets(jobId: string): Promise<readonly RegisteredTarget[]> {
    const group = await this.findTargetGroup(jobId, 'targets');
    return group ? this.registered(group.TargetGroupArn!, jobId, 'targets') : [];
  }

  async services(): Promise<readonly LoadBalancedService[]> {
    const rules = await this.listRules('services');
    const tags = await this.tagsByArn([...new Set(rules.map((r) => r.targetGroupArn).filter((a) => a !== ''))], 'services');
    const out: LoadBalancedService[] = [];
    for (const r of rules) {
      const t = tags.get(r.targetGroupArn);
      if (!t || t.get(this.stackTag.Key!) !== this.stackTag.Value || !t.has(JOB_ID_TAG)) continue;
      out.push({ jobId: t.get(JOB_ID_TAG)!, jobName: t.get(JOB_NAME_TAG) ?? t.get(JOB_ID_TAG)!, rule: { port: t.get(PORT_TAG) ?? '', ...r.rule } });
    }
    return out;
  }

  /**
   * Deletes the job's rules, then its target group. Deleting a group skips its
   * deregistration delay: the caller deregisters (setTargets with none) and waits first.
   */
  async removeService(jobId: string): Promise<void> {
    const op: LoadBalancerOperation = 'removeService';
    const group = await this.findTargetGroup(jobId, op);
    if (!group) return;
    for (const r of (await this.listRules(op, jobId)).filter((x) => x.targetGroupArn === group.TargetGroupArn)) await this.deleteRule(r.ruleArn, jobId, op);
    try {
      await this.client.send(new DeleteTargetGroupCommand({ TargetGroupArn: group.TargetGroupArn }));
    } catch (err) {
      if (errorCode(err) !== 'TargetGroupNotFound') throw failure(op, jobId, `DeleteTargetGroup ${group.TargetGroupName}`, err);
    }
  }

  async urlOf(jobId: string): Promise<string | undefined> {
    const group = await this.findTargetGroup(jobId, 'urlOf');
    if (!group) return undefined;
    const rule = (await this.listRules('urlOf', jobId)).find((r) => r.targetGroupArn === group.TargetGroupArn);
    return rule ? this.url(rule.rule) : undefined;
  }

  private url(rule: Pick<ExposeRule, 'path' | 'host'>): string {
    return exposedUrl(`${this.scheme}://${this.dnsName}`, rule);
  }

  private tagsOf(service: LoadBalancedService): Tag[] {
    return [this.stackTag, { Key: JOB_ID_TAG, Value: service.jobId }, { Key: JOB_NAME_TAG, Value: service.jobName }, { Key: PORT_TAG, Value: service.rule.port }];
  }

  private async findTargetGroup(jobId: string, op: LoadBalancerOperation): Promise<TargetGroup | undefined> {
    const name = this.targetGroupName(jobId);
    try {
      const out = await this.client.send(new DescribeTargetGroupsCommand({ Names: [name] }));
      return out.TargetGroups?.find((g) => g.TargetGroupName === name);
    } catch (err) {
      if (errorCode(err) === 'TargetGroupNotFound') return undefined;
      throw failure(op, jobId, `DescribeTargetGroups ${name}`, err);
    }
  }

  private async createTargetGroup(service: LoadBalancedService, op: LoadBalancerOperation): Promise<TargetGroup> {
    const name = this.targetGroupName(service.jobId);
    try {
      const out = await this.client.send(
        new CreateTargetGroupCommand({
          Name: name,
          TargetType: 'instance',
          Protocol: 'HTTP',
          // Each target is registered with its own host port; this one is only the default ELB requires.
          Port: 80,
          VpcId: this.vpcId,
          HealthCheckPort: 'traffic-port',
          HealthCheckIntervalSeconds: 10,
          HealthyThresholdCount: 2,
          UnhealthyThresholdCount: 2,
          ...healthCheckOf(service),
          Tags: this.tagsOf(service),
        }),
      );
      const group = out.TargetGroups?.[0];
      if (group?.TargetGroupArn) return group;
    } catch (err) {
      // A concurrent pass made it first (with other settings, or ELB would have returned it): use theirs.
      if (errorCode(err) !== 'DuplicateTargetGroupName') throw failure(op, service.jobId, `CreateTargetGroup ${name}`, err);
    }
    const group = await this.findTargetGroup(service.jobId, op);
    if (!group) throw new LoadBalancerError(`target group ${name} for job ${JSON.stringify(service.jobId)} was neither created nor found; a later pass retries`, { operation: op, jobId: service.jobId, retriable: true });
    return group;
  }

  private async setDeregistrationDelay(arn: string, jobId: string, op: LoadBalancerOperation): Promise<void> {
    await this.call(op, jobId, 'ModifyTargetGroupAttributes', () =>
      this.client.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: String(this.deregistrationDelaySeconds) }] })),
    );
  }

  /**
   * Creates the job's rule at the lowest free priority of its rank's block (priorityBlock),
   * so ELB, which tries rules by priority, routes overlapping rules most specific first as
   * haproxy does. Two passes may pick the same one: the loser sees PriorityInUse, reads the
   * rules again and tries the next free one once.
   */
  private async createRule(service: LoadBalancedService, arn: string, rules: readonly ListedRule[], op: LoadBalancerOperation): Promise<void> {
    let used = new Set(rules.map((r) => r.priority));
    for (let attempt = 0; ; attempt++) {
      let priority = priorityBlock(service.rule);
      while (used.has(priority)) priority++;
      if (priority > MAX_PRIORITY) throw new LoadBalancerError(`the listener has no free rule priority (1..${MAX_PRIORITY}); remove unused rules`, { operation: op, jobId: service.jobId, retriable: false });
      try {
        await this.client.send(
          new CreateRuleCommand({ ListenerArn: this.listenerArn, Priority: priority, Conditions: conditionsOf(service.rule), Actions: [{ Type: 'forward', TargetGroupArn: arn }], Tags: this.tagsOf(service) }),
        );
        return;
      } catch (err) {
        const what = `CreateRule at priority ${priority} for ${describeRule(service.rule)}`;
        if (errorCode(err) !== 'PriorityInUse') throw failure(op, service.jobId, what, err);
        // Lost the race twice: other passes are creating rules right now; the next pass will find a free priority.
        if (attempt > 0) throw new LoadBalancerError(`${what} lost to concurrent rule creation twice; a later pass retries`, { operation: op, jobId: service.jobId, retriable: true }, { cause: err });
      }
      used = new Set((await this.listRules(op, service.jobId)).map((r) => r.priority));
    }
  }

  private async deleteRule(ruleArn: string, jobId: string, op: LoadBalancerOperation): Promise<void> {
    try {
      await this.client.send(new DeleteRuleCommand({ RuleArn: ruleArn }));
    } catch (err) {
      if (errorCode(err) !== 'RuleNotFound') throw failure(op, jobId, `DeleteRule ${ruleArn}`, err);
    }
  }

  /** The listener's forwarding rules (not the default), across pages, with what each matches and where it sends. */
  private async listRules(op: LoadBalancerOperation, jobId?: string): Promise<ListedRule[]> {
    const rules: ListedRule[] = [];
    let marker: string | undefined;
    do {
      const out = await this.call(op, jobId, 'DescribeRules', () => this.client.send(new DescribeRulesCommand({ ListenerArn: this.listenerArn, ...(marker ? { Marker: marker } : {}) })));
      for (const r of out.Rules ?? []) {
        const listed = listedRule(r);
        if (listed) rules.push(listed);
      }
      marker = out.NextMarker;
    } while (marker);
    return rules;
  }

  /** Registered targets with health; draining ones are already deregistered and left out. */
  private async registered(arn: string, jobId: string, op: LoadBalancerOperation): Promise<RegisteredTarget[]> {
    const out = await this.call(op, jobId, 'DescribeTargetHealth', () => this.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })));
    const targets: RegisteredTarget[] = [];
    for (const d of out.TargetHealthDescriptions ?? []) {
      const state = d.TargetHealth?.State;
      if (!d.Target?.Id || d.Target.Port === undefined || state === 'draining' || state === 'unhealthy.draining') continue;
      targets.push({ nodeId: d.Target.Id, port: d.Target.Port, health: HEALTH[state ?? ''] ?? 'unknown' });
    }
    return targets;
  }

  private async tagsByArn(arns: readonly string[], op: LoadBalancerOperation): Promise<Map<string, Map<string, string>>> {
    const byArn = new Map<string, Map<string, string>>();
    for (const batch of chunks(arns, MAX_TAG_ARNS)) {
      const out = await this.call(op, undefined, 'DescribeTags', () => this.client.send(new DescribeTagsCommand({ ResourceArns: batch })));
      for (const d of out.TagDescriptions ?? []) byArn.set(d.ResourceArn!, new Map((d.Tags ?? []).map((t) => [t.Key!, t.Value ?? ''])));
    }
    return byArn;
  }

  /** The refusal for a rule another target group holds: a job's of this stack (named), or something Stowage did not make. */
  private async takenBy(service: LoadBalancedService, taken: ListedRule, op: LoadBalancerOperation): Promise<LoadBalancerError> {
    // A rule forwarding elsewhere than to one target group has no owner to ask.
    const tags = taken.targetGroupArn ? (await this.tagsByArn([taken.targetGroupArn], op)).get(taken.targetGroupArn) : undefined;
    const ownerId = tags && tags.get(this.stackTag.Key!) === this.stackTag.Value ? tags.get(JOB_ID_TAG) : undefined;
    if (tags && ownerId !== undefined) return ruleTakenError(service.jobId, describeRule(service.rule), { jobId: ownerId, jobName: tags.get(JOB_NAME_TAG) ?? ownerId });
    return new LoadBalancerError(
      `the rule ${describeRule(service.rule)} asked for by job ${JSON.stringify(service.jobId)} is already used by listener rule ${taken.ruleArn}, which Stowage did not create; choose another path or host, or remove that rule`,
      { operation: op, jobId: service.jobId, retriable: false },
    );
  }

  private async call<T>(op: LoadBalancerOperation, jobId: string | undefined, what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      throw failure(op, jobId, what, err);
    }
  }
}

interface ListedRule {
  readonly ruleArn: string;
  readonly priority: number;
  readonly targetGroupArn: string;
  readonly rule: { path?: string; host?: string };
  readonly key: string;
}

/** A rule this adapter could have made: a plain forward to one target group, on path and/or host. Others are skipped but keep their priority. */
function listedRule(r: Rule): ListedRule | undefined {
  if (r.IsDefault || !r.RuleArn) return undefined;
  const forward = r.Actions?.find((a) => a.Type === 'forward');
  const targetGroupArn = forward?.TargetGroupArn ?? (forward?.ForwardConfig?.TargetGroups?.length === 1 ? forward.ForwardConfig.TargetGroups[0].TargetGroupArn : undefined);
  const rule: { path?: string; host?: string } = {};
  for (const c of r.Conditions ?? []) {
    const values = c.PathPatternConfig?.Values ?? c.HostHeaderConfig?.Values ?? c.Values ?? [];
    if (c.Field === 'path-pattern' && values.length === 1) rule.path = values[0];
    else if (c.Field === 'host-header' && values.length === 1) rule.host = values[0];
  }
  return { ruleArn: r.RuleArn, priority: Number(r.Priority), targetGroupArn: targetGroupArn ?? '', rule, key: ruleKey({ port: '', ...rule }) };
}

/**
 * Where a rule's priorities start. ELB tries rules lowest priority first; the 50,000
 * priorities are cut into 4 bands of 12,000 (host and path, host, path, neither: see
 * ruleRank), each into blocks of 90 by the path's literal length (128 characters down to
 * 0), so a longer literal path gets a lower number. A full block spills into the next,
 * which only ever sorts a rule among less specific ones of its own kind.
 */
export function priorityBlock(rule: Pick<ExposeRule, 'path' | 'host'>): number {
  const { band, literalPath } = ruleRank(rule);
  return 1 + band * 12_000 + (128 - Math.min(literalPath, 128)) * 90;
}

function conditionsOf(rule: ExposeRule): RuleCondition[] {
  const conditions: RuleCondition[] = [];
  if (rule.path !== undefined) conditions.push({ Field: 'path-pattern', PathPatternConfig: { Values: [rule.path] } });
  if (rule.host !== undefined) conditions.push({ Field: 'host-header', HostHeaderConfig: { Values: [rule.host] } });
  return conditions;
}

/** ALB target groups check over HTTP only: the job's path expecting 2xx/3xx, or `/` taking any answer as alive. */
function healthCheckOf(service: LoadBalancedService): { HealthCheckProtocol: 'HTTP'; HealthCheckPath: string; Matcher: { HttpCode: string } } {
  return service.healthPath !== undefined
    ? { HealthCheckProtocol: 'HTTP', HealthCheckPath: service.healthPath, Matcher: { HttpCode: '200-399' } }
    : { HealthCheckProtocol: 'HTTP', HealthCheckPath: '/', Matcher: { HttpCode: '200-499' } };
}

const HEALTH: Readonly<Record<string, TargetHealth>> = { initial: 'initial', healthy: 'healthy', unhealthy: 'unhealthy', unused: 'unused', unavailable: 'unknown' };

/** The wire code, whether the SDK named the error by it (`Throttling`) or by its modelled exception (`PriorityInUseException`). */
function errorCode(err: unknown): string {
  return classifyAwsError(err, 'elbv2').code.replace(/Exception$/, '');
}

function failure(operation: LoadBalancerOperation, jobId: string | undefined, what: string, err: unknown): LoadBalancerError {
  const { message, retriable } = classifyAwsError(err, 'elbv2');
  const code = errorCode(err);
  const hint = HINTS[code] ?? (retriable ? 'a later pass retries' : 'not retried; fix the cause first');
  return new LoadBalancerError(`${what}${jobId ? ` for job ${JSON.stringify(jobId)}` : ''} failed with ${code}: ${message} — ${hint}`, { operation, jobId, retriable }, { cause: err });
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
