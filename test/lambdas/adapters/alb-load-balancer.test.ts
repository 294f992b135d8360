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
  DuplicateTargetGroupNameException,
  ElasticLoadBalancingV2Client,
  ElasticLoadBalancingV2ServiceException,
  InvalidTargetException,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  PriorityInUseException,
  PriorRequestNotCompleteException,
  RegisterTargetsCommand,
  ResourceInUseException,
  RuleNotFoundException,
  TargetGroupNotFoundException,
  type Action,
  type CreateTargetGroupCommandInput,
  type RuleCondition,
  type Tag,
  type TargetHealthStateEnum,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { LoadBalancerError } from '../../../control/load-balancer-errors';
import { AlbLoadBalancer, priorityBlock, type AlbLoadBalancerOptions } from '../../../lambdas/adapters/alb-load-balancer';
import { classifyAwsError } from '../../../lambdas/adapters/aws-error';
import { AdapterConfigError } from '../../../lambdas/adapters/errors';
import { describeLoadBalancerContract } from '../../control/load-balancer.contract';

const elb = mockClient(ElasticLoadBalancingV2Client);

const ACCOUNT = '123456789012';
const LISTENER = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener/app/stowage/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const OPTIONS: AlbLoadBalancerOptions = {
  client: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
  listenerArn: LISTENER,
  vpcId: 'vpc-0123456789abcdef0',
  dnsName: 'stowage-123.us-east-1.elb.amazonaws.com',
  stackTag: { key: 'stowage:stack', value: 'prod' },
};
const iid = (n: number) => `i-${n.toString(16).padStart(17, '0')}`;

const meta = { $metadata: { httpStatusCode: 400 } };
const notFound = () => new TargetGroupNotFoundException({ message: 'One or more target groups not found', ...meta });
const throttling = () => new ElasticLoadBalancingV2ServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', ...meta });

/**
 * A small model of one ALB listener, answering only the calls the adapter makes, with
 * the errors the ELB v2 API Reference documents for each: TargetGroupNotFound for an
 * unknown name or ARN, DuplicateTargetGroupName for a name reused with other settings
 * (the same settings return the existing group: CreateTargetGroup is idempotent),
 * PriorityInUse, RuleNotFound, ResourceInUse for a group a rule still forwards to,
 * InvalidTarget for a target that is not an instance. Deregistered targets stay
 * `draining` until `drain()`, as ELB keeps them for the deregistration delay.
 * DescribeRules pages two rules at a time, so the adapter's paging is exercised.
 */
class ElbModel {
  readonly groups = new Map<string, { input: CreateTargetGroupCommandInput; arn: string; attributes: Map<string, string>; tags: Map<string, string>; targets: Map<string, { Id: string; Port: number; State: TargetHealthStateEnum }> }>();
  readonly rules = new Map<string, { arn: string; priority: number; conditions: RuleCondition[]; actions: Action[]; tags: Map<string, string> }>();
  private next = 1;
  private readonly faults = new Map<string, Error[]>();

  /** The next call of `command` fails with `error` (after the adapter sent it, as ELB would answer). */
  fail(command: { name: string }, error: Error): this {
    this.faults.set(command.name, [...(this.faults.get(command.name) ?? []), error]);
    return this;
  }

  constructor() {
    const on = <C extends new (...args: never[]) => unknown>(command: C, answer: (input: NonNullable<ConstructorParameters<C>[0]>) => unknown) =>
      elb.on(command as never).callsFake((input: NonNullable<ConstructorParameters<C>[0]>) => {
        const fault = this.faults.get(command.name)?.shift();
        if (fault) throw fault;
        return answer(input);
      });
    const group = (arn: string | undefined) => {
      const g = [...this.groups.values()].find((x) => x.arn === arn);
      if (!g) throw notFound();
      return g;
    };
    const setTags = (map: Map<string, string>, tags: Tag[] | undefined) => (tags ?? []).forEach((t) => map.set(t.Key!, t.Value ?? ''));
    on(DescribeTargetGroupsCommand, (input) => {
      const found = (input.Names ?? []).map((n) => this.groups.get(n));
      if (found.some((g) => g === undefined)) throw notFound();
      return { TargetGroups: found.map((g) => g!).map((g) => ({ TargetGroupArn: g.arn, TargetGroupName: g.input.Name, HealthCheckPath: g.input.HealthCheckPath, Matcher: g.input.Matcher })) };
    });
    on(CreateTargetGroupCommand, (input) => {
      if (!/^[A-Za-z0-9-]{1,32}$/.test(input.Name ?? '')) throw new ElasticLoadBalancingV2ServiceException({ name: 'ValidationError', $fault: 'client', message: 'bad name', ...meta });
      if (input.TargetType === 'instance' && (!input.VpcId || !input.Port || !input.Protocol)) throw new ElasticLoadBalancingV2ServiceException({ name: 'ValidationError', $fault: 'client', message: 'VpcId, Port and Protocol are required', ...meta });
      const existing = this.groups.get(input.Name!);
      const settings = (i: CreateTargetGroupCommandInput) => JSON.stringify({ ...i, Tags: undefined });
      if (existing && settings(existing.input) !== settings(input)) throw new DuplicateTargetGroupNameException({ message: 'A target group with the same name exists', ...meta });
      const g = existing ?? { input, arn: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/${input.Name}/${(this.next++).toString(16).padStart(16, '0')}`, attributes: new Map(), tags: new Map(), targets: new Map() };
      if (!existing) setTags(g.tags, input.Tags);
      this.groups.set(input.Name!, g);
      return { TargetGroups: [{ TargetGroupArn: g.arn, TargetGroupName: input.Name, HealthCheckPath: input.HealthCheckPath, Matcher: input.Matcher }] };
    });
    on(ModifyTargetGroupCommand, (input) => {
      const g = group(input.TargetGroupArn);
      g.input = { ...g.input, HealthCheckPath: input.HealthCheckPath ?? g.input.HealthCheckPath, Matcher: input.Matcher ?? g.input.Matcher };
      return {};
    });
    on(ModifyTargetGroupAttributesCommand, (input) => {
      const g = group(input.TargetGroupArn);
      for (const a of input.Attributes ?? []) g.attributes.set(a.Key!, a.Value!);
      return { Attributes: [...g.attributes].map(([Key, Value]) => ({ Key, Value })) };
    });
    on(DeleteTargetGroupCommand, (input) => {
      const g = [...this.groups.values()].find((x) => x.arn === input.TargetGroupArn);
      if (!g) return {};
      if ([...this.rules.values()].some((r) => r.actions.some((a) => a.TargetGroupArn === g.arn))) throw new ResourceInUseException({ message: 'in use by a listener rule', ...meta });
      this.groups.delete(g.input.Name!);
      return {};
    });
    on(DescribeRulesCommand, (input) => {
      if (input.ListenerArn !== LISTENER) throw new ElasticLoadBalancingV2ServiceException({ name: 'ListenerNotFound', $fault: 'client', message: 'no listener', ...meta });
      const all = [
        { RuleArn: `${LISTENER}/default`, Priority: 'default', IsDefault: true, Conditions: [], Actions: [{ Type: 'fixed-response' as const }] },
        ...[...this.rules.values()].sort((a, b) => a.priority - b.priority).map((r) => ({ RuleArn: r.arn, Priority: String(r.priority), IsDefault: false, Conditions: r.conditions, Actions: r.actions })),
      ];
      const from = Number(input.Marker ?? 0);
      return { Rules: all.slice(from, from + 2), NextMarker: from + 2 < all.length ? String(from + 2) : undefined };
    });
    on(CreateRuleCommand, (input) => {
      if (input.ListenerArn !== LISTENER) throw new ElasticLoadBalancingV2ServiceException({ name: 'ListenerNotFound', $fault: 'client', message: 'no listener', ...meta });
      if ([...this.rules.values()].some((r) => r.priority === input.Priority)) throw new PriorityInUseException({ message: `Priority '${input.Priority}' is currently in use`, ...meta });
      for (const a of input.Actions ?? []) group(a.TargetGroupArn);
      const arn = `${LISTENER.replace(':listener/', ':listener-rule/')}/${(this.next++).toString(16).padStart(16, '0')}`;
      const rule = { arn, priority: input.Priority!, conditions: input.Conditions ?? [], actions: input.Actions ?? [], tags: new Map<string, string>() };
      setTags(rule.tags, input.Tags);
      this.rules.set(arn, rule);
      return { Rules: [{ RuleArn: arn }] };
    });
    on(ModifyRuleCommand, (input) => {
      const r = this.rules.get(input.RuleArn!);
      if (!r) throw new RuleNotFoundException({ message: 'no rule', ...meta });
      r.conditions = input.Conditions ?? r.conditions;
      return {};
    });
    on(DeleteRuleCommand, (input) => {
      if (!this.rules.delete(input.RuleArn!)) throw new RuleNotFoundException({ message: 'no rule', ...meta });
      return {};
    });
    on(DescribeTagsCommand, (input) => {
      if ((input.ResourceArns ?? []).length > 20) throw new ElasticLoadBalancingV2ServiceException({ name: 'ValidationError', $fault: 'client', message: 'at most 20', ...meta });
      return {
        TagDescriptions: (input.ResourceArns ?? []).map((arn: string) => {
          const tags = [...this.groups.values()].find((g) => g.arn === arn)?.tags ?? this.rules.get(arn)?.tags;
          if (!tags) throw notFound();
          return { ResourceArn: arn, Tags: [...tags].map(([Key, Value]) => ({ Key, Value })) };
        }),
      };
    });
    on(AddTagsCommand, (input) => {
      for (const arn of input.ResourceArns ?? []) setTags(group(arn).tags, input.Tags);
      return {};
    });
    on(RegisterTargetsCommand, (input) => {
      const g = group(input.TargetGroupArn);
      for (const t of input.Targets ?? []) {
        if (!/^i-[0-9a-f]+$/.test(t.Id ?? '')) throw new InvalidTargetException({ message: `${t.Id} is not an instance`, ...meta });
        g.targets.set(`${t.Id}|${t.Port}`, { Id: t.Id!, Port: t.Port!, State: 'initial' });
      }
      return {};
    });
    on(DeregisterTargetsCommand, (input) => {
      const g = group(input.TargetGroupArn);
      for (const t of input.Targets ?? []) {
        const known = g.targets.get(`${t.Id}|${t.Port}`);
        if (known) known.State = 'draining';
      }
      return {};
    });
    on(DescribeTargetHealthCommand, (input) => {
      const g = group(input.TargetGroupArn);
      return { TargetHealthDescriptions: [...g.targets.values()].map((t) => ({ Target: { Id: t.Id, Port: t.Port }, TargetHealth: { State: t.State } })) };
    });
  }

  /** The deregistration delay passes: draining targets are gone. */
  drain(): void {
    for (const g of this.groups.values()) for (const [k, t] of g.targets) if (t.State === 'draining') g.targets.delete(k);
  }
}

let model: ElbModel;
beforeEach(() => {
  elb.reset();
  model = new ElbModel();
});

const target = (taskId: string, n: number) => ({ taskId, nodeId: iid(n + 1), address: `10.0.0.${n + 1}`, port: 32768 + n });

describeLoadBalancerContract('AlbLoadBalancer (over a modelled ELB)', async () => ({ lb: new AlbLoadBalancer(OPTIONS), target }));

describe('AlbLoadBalancer', () => {
  const web = { jobId: 'job-0123456789abcdef0123', jobName: 'web', rule: { port: 'http', path: '/web/*' } };
  const calls = <I extends object>(command: new (input: I) => unknown) => elb.commandCalls(command as never).map((c) => c.args[0].input as I);

  describe('construction', () => {
    it.each<[string, Partial<AlbLoadBalancerOptions>, RegExp]>([
      ['a listener ARN of a network load balancer', { listenerArn: LISTENER.replace('/app/', '/net/') }, /listenerArn: .*not an Application Load Balancer listener ARN/],
      ['a VPC name', { vpcId: 'main' }, /vpcId: "main" is not a VPC id/],
      ['a stack tag in the aws: namespace', { stackTag: { key: 'aws:x', value: 'y' } }, /stackTag\.key/],
      ['a deregistration delay past ELB\'s range', { deregistrationDelaySeconds: 4000 }, /deregistrationDelaySeconds: 4000 must be an integer in 0\.\.3600/],
    ])('refuses %s', (_what, over, pattern) => {
      expect(() => new AlbLoadBalancer({ ...OPTIONS, ...over })).toThrow(AdapterConfigError);
      expect(() => new AlbLoadBalancer({ ...OPTIONS, ...over })).toThrow(pattern);
    });
  });

  it('creates a tagged instance target group with its deregistration delay, then a rule forwarding to it', async () => {
    const lb = new AlbLoadBalancer(OPTIONS);
    expect(await lb.ensureService({ ...web, rule: { ...web.rule, host: 'web.example.com' }, healthPath: '/healthz' })).toEqual({ url: 'http://web.example.com/web/' });
    const [created] = calls(CreateTargetGroupCommand);
    expect(created).toMatchObject({ Name: lb.targetGroupName(web.jobId), TargetType: 'instance', Protocol: 'HTTP', VpcId: OPTIONS.vpcId, HealthCheckPath: '/healthz', Matcher: { HttpCode: '200-399' } });
    expect(created.Name).toMatch(/^stw-[0-9a-f]{28}$/);
    expect(created.Tags).toEqual(expect.arrayContaining([{ Key: 'stowage:stack', Value: 'prod' }, { Key: 'stowage:job-id', Value: web.jobId }, { Key: 'stowage:job-name', Value: 'web' }]));
    expect(calls(ModifyTargetGroupAttributesCommand)).toEqual([{ TargetGroupArn: expect.any(String), Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '15' }] }]);
    const [rule] = calls(CreateRuleCommand);
    expect(rule).toMatchObject({
      ListenerArn: LISTENER,
      Priority: priorityBlock({ path: '/web/*', host: 'web.example.com' }),
      Conditions: [
        { Field: 'path-pattern', PathPatternConfig: { Values: ['/web/*'] } },
        { Field: 'host-header', HostHeaderConfig: { Values: ['web.example.com'] } },
      ],
      Actions: [{ Type: 'forward', TargetGroupArn: [...model.groups.values()][0].arn }],
    });
    // ELB's order: the rule only once its group has its delay.
    const order = elb.calls().map((c) => c.args[0].constructor.name);
    expect(order.indexOf('ModifyTargetGroupAttributesCommand')).toBeLessThan(order.indexOf('CreateRuleCommand'));
  });

  it('changes nothing when the service already is as asked', async () => {
    const lb = new AlbLoadBalancer(OPTIONS);
    await lb.ensureService(web);
    elb.resetHistory();
    expect(await lb.ensureService(web)).toEqual({ url: `http://${OPTIONS.dnsName}/web/` });
    expect(calls(CreateTargetGroupCommand)).toEqual([]);
    expect(calls(CreateRuleCommand)).toEqual([]);
    expect(calls(ModifyRuleCommand)).toEqual([]);
    expect(calls(ModifyTargetGroupCommand)).toEqual([]);
    expect(calls(AddTagsCommand)).toEqual([]);
    expect(calls(ModifyTargetGroupAttributesCommand)).toEqual([]);
  });

  it('retags the group when the job\'s name or port changes', async () => {
    const lb = new AlbLoadBalancer(OPTIONS);
    await lb.ensureService(web);
    await lb.ensureService({ ...web, jobName: 'web2', rule: { ...web.rule, port: 'admin' } });
    expect(calls(AddTagsCommand)).toEqual([{ ResourceArns: [expect.any(String)], Tags: expect.arrayContaining([{ Key: 'stowage:job-name', Value: 'web2' }, { Key: 'stowage:port', Value: 'admin' }]) }]);
    expect(await lb.services()).toEqual([{ jobId: web.jobId, jobName: 'web2', rule: { port: 'admin', path: '/web/*' } }]);
  });

  it('allocates the lowest free priority of the rule\'s block, reusing freed ones', async () => {
    const lb = new AlbLoadBalancer(OPTIONS);
    const block = priorityBlock({ path: '/b/*' });
    await lb.ensureService({ jobId: 'job-b', jobName: 'b', rule: { port: 'http', path: '/b/*' } });
    await lb.ensureService({ jobId: 'job-c', jobName: 'c', rule: { port: 'http', path: '/c/*' } });
    await lb.removeService('job-b');
    await lb.ensureService({ jobId: 'job-d', jobName: 'd', rule: { port: 'http', path: '/d/*' } });
    expect(calls(CreateRuleCommand).map((c) => c.Priority)).toEqual([block, block + 1, block]);
  });

  it('gives more specific rules lower priorities whatever the order jobs were exposed in, as haproxy orders them', async () => {
    const lb = new AlbLoadBalancer(OPTIONS);
    await lb.ensureService({ jobId: 'job-any', jobName: 'any', rule: { port: 'http', path: '/*' } });
    await lb.ensureService({ jobId: 'job-web', jobName: 'web', rule: { port: 'http', path: '/web/*' } });
    await lb.ensureService({ jobId: 'job-api', jobName: 'api', rule: { port: 'http', path: '/web/api/*' } });
    await lb.ensureService({ jobId: 'job-host', jobName: 'host', rule: { port: 'http', host: 'web.example.com' } });
    await lb.ensureService({ jobId: 'job-both', jobName: 'both', rule: { port: 'http', path: '/web/*', host: 'web.example.com' } });
    const byPriority = [...model.rules.values()].sort((a, b) => a.priority - b.priority).map((r) => r.tags.get('stowage:job-name'));
    expect(byPriority).toEqual(['both', 'host', 'api', 'web', 'any']);
    expect(Math.max(...[...model.rules.values()].map((r) => r.priority))).toBeLessThanOrEqual(50_000);
  });

  it('reads the rules again and retries when a concurrent pass took its pick (PriorityInUse)', async () => {
    const lb = new AlbLoadBalancer(OPTIONS);
    model.fail(CreateRuleCommand, new PriorityInUseException({ message: "Priority '1' is currently in use", ...meta }));
    await lb.ensureService(web);
    const p = priorityBlock(web.rule);
    expect(calls(CreateRuleCommand).map((c) => c.Priority)).toEqual([p, p]);
    expect(calls(DescribeRulesCommand).length).toBeGreaterThan(1);
    expect(model.rules.size).toBe(1);
  });

  it('says a retry may help when the priority race is lost twice', async () => {
    const lb = new AlbLoadBalancer(OPTIONS);
    model.fail(CreateRuleCommand, new PriorityInUseException({ message: 'in use', ...meta })).fail(CreateRuleCommand, new PriorityInUseException({ message: 'in use', ...meta }));
    await expect(lb.ensureService(web)).rejects.toMatchObject({ name: 'LoadBalancerError', retriable: true, message: expect.stringMatching(/lost to concurrent rule creation twice/) });
  });

  it('uses the target group a concurrent pass created (DuplicateTargetGroupName)', async () => {
    const lb = new AlbLoadBalancer(OPTIONS);
    // Another pass made the group (with a health path since changed) but not yet its rule, after this pass looked.
    await lb.ensureService({ ...web, healthPath: '/old' });
    model.rules.clear();
    elb.resetHistory();
    model.fail(DescribeTargetGroupsCommand, notFound());
    await lb.ensureService(web);
    expect(calls(CreateTargetGroupCommand)).toHaveLength(1);
    expect(model.groups.size).toBe(1);
    expect(model.rules.size).toBe(1);
    // The next pass brings the health check to what the job asks.
    await lb.ensureService(web);
    expect(calls(ModifyTargetGroupCommand)).toEqual([expect.objectContaining({ HealthCheckPath: '/', Matcher: { HttpCode: '200-499' } })]);
  });

  it('converges after a pass that failed between the target group and the rule', async () => {
    const lb = new AlbLoadBalancer(OPTIONS);
    model.fail(ModifyTargetGroupAttributesCommand, throttling());
    await expect(lb.ensureService(web)).rejects.toMatchObject({ retriable: true });
    expect(model.groups.size).toBe(1);
    expect(model.rules.size).toBe(0);
    elb.resetHistory();
    await lb.ensureService(web);
    expect(calls(CreateTargetGroupCommand)).toEqual([]);
    expect(calls(ModifyTargetGroupAttributesCommand)).toHaveLength(1);
    expect(calls(CreateRuleCommand)).toHaveLength(1);
    expect([...model.groups.values()][0].attributes.get('deregistration_delay.timeout_seconds')).toBe('15');
  });

  it('refuses a rule held by a listener rule Stowage did not make, naming it', async () => {
    const lb = new AlbLoadBalancer(OPTIONS);
    await lb.ensureService(web);
    const [group] = [...model.groups.values()];
    group.tags.clear();
    const err = await lb.ensureService({ jobId: 'job-x', jobName: 'x', rule: { port: 'http', path: '/web/*' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadBalancerError);
    expect(err).toMatchObject({ retriable: false, ownerJobName: undefined, message: expect.stringMatching(/listener rule arn:aws:elasticloadbalancing:.*which Stowage did not create/) });
  });

  it('registers instance id and host port, and deregisters by diff', async () => {
    const lb = new AlbLoadBalancer(OPTIONS);
    await lb.ensureService(web);
    await lb.setTargets(web.jobId, [target('a', 0), target('b', 1)]);
    expect(calls(RegisterTargetsCommand)).toEqual([{ TargetGroupArn: expect.any(String), Targets: [{ Id: iid(1), Port: 32768 }, { Id: iid(2), Port: 32769 }] }]);
    await lb.setTargets(web.jobId, [target('b', 1)]);
    expect(calls(DeregisterTargetsCommand)).toEqual([{ TargetGroupArn: expect.any(String), Targets: [{ Id: iid(1), Port: 32768 }] }]);
    expect(calls(RegisterTargetsCommand)).toHaveLength(1);
  });

  it('counts a draining target as deregistered, and registers it again when asked', async () => {
    const lb = new AlbLoadBalancer(OPTIONS);
    await lb.ensureService(web);
    await lb.setTargets(web.jobId, [target('a', 0), target('b', 1)]);
    await lb.setTargets(web.jobId, [target('b', 1)]);
    expect((await lb.targets(web.jobId)).map((t) => t.nodeId)).toEqual([iid(2)]);
    expect((await lb.setTargets(web.jobId, [target('a', 0), target('b', 1)])).registered).toEqual([target('a', 0)]);
    model.drain();
    expect((await lb.targets(web.jobId)).map((t) => t.health)).toEqual(['initial', 'initial']);
  });

  it('refuses targets that are not instances before calling ELB', async () => {
    const lb = new AlbLoadBalancer(OPTIONS);
    await lb.ensureService(web);
    await expect(lb.setTargets(web.jobId, [{ ...target('a', 0), nodeId: 'local-1' }])).rejects.toMatchObject({ retriable: false, message: expect.stringMatching(/"local-1" must be an EC2 instance id/) });
    expect(calls(RegisterTargetsCommand)).toEqual([]);
  });

  it('deletes the rule before the target group', async () => {
    const lb = new AlbLoadBalancer(OPTIONS);
    await lb.ensureService(web);
    await lb.removeService(web.jobId);
    expect(model.groups.size + model.rules.size).toBe(0);
    const order = elb.calls().map((c) => c.args[0].constructor.name);
    expect(order.indexOf('DeleteRuleCommand')).toBeLessThan(order.indexOf('DeleteTargetGroupCommand'));
  });

  it('says a retry may help when the group is still in use (ResourceInUse) or ELB throttles', async () => {
    const lb = new AlbLoadBalancer(OPTIONS);
    await lb.ensureService(web);
    model.fail(DeleteTargetGroupCommand, new ResourceInUseException({ message: 'in use', ...meta }));
    await expect(lb.removeService(web.jobId)).rejects.toMatchObject({ retriable: true, operation: 'removeService', jobId: web.jobId });
    model.fail(DescribeTargetGroupsCommand, throttling());
    const err = await lb.setTargets(web.jobId, []).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'LoadBalancerError', retriable: true, message: expect.stringMatching(/failed with Throttling: Rate exceeded — a later pass retries/) });
    expect((err as Error).cause).toBeInstanceOf(ElasticLoadBalancingV2ServiceException);
  });

  it('does not retry a refused target (InvalidTarget), and says why', async () => {
    const lb = new AlbLoadBalancer(OPTIONS);
    await lb.ensureService(web);
    model.fail(RegisterTargetsCommand, new InvalidTargetException({ message: 'not in VPC', ...meta }));
    await expect(lb.setTargets(web.jobId, [target('a', 0)])).rejects.toMatchObject({ retriable: false, message: expect.stringMatching(/InvalidTarget: not in VPC — a target is not a running instance/) });
  });

  it('lists the services of this stack only, with the owner\'s name and port from the tags', async () => {
    const lb = new AlbLoadBalancer(OPTIONS);
    await lb.ensureService({ jobId: 'job-api', jobName: 'api', rule: { port: 'grpc', host: 'api.example.com' } });
    await new AlbLoadBalancer({ ...OPTIONS, stackTag: { key: 'stowage:stack', value: 'staging' } }).ensureService(web);
    expect(await lb.services()).toEqual([{ jobId: 'job-api', jobName: 'api', rule: { port: 'grpc', host: 'api.example.com' } }]);
    expect(calls(DescribeTagsCommand).every((c) => (c.ResourceArns ?? []).length <= 20)).toBe(true);
  });

  it('classifies ELB v2\'s own retry-later codes as retriable', () => {
    expect(classifyAwsError(new PriorRequestNotCompleteException({ message: 'busy', ...meta }), 'elbv2')).toMatchObject({ retriable: true });
    expect(classifyAwsError(new ResourceInUseException({ message: 'in use', ...meta }), 'elbv2')).toMatchObject({ retriable: true, kind: 'service-code' });
    expect(classifyAwsError(new PriorityInUseException({ message: 'in use', ...meta }), 'elbv2')).toMatchObject({ retriable: false });
    expect(classifyAwsError(throttling(), 'elbv2')).toMatchObject({ retriable: true, kind: 'throttling' });
  });
});
