import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnResource } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_CATALOG } from '../../core/catalog';
import { architectureOfType, architecturesFor, InstanceTypeNameError } from '../../infra/architectures';
import { StowageStack, STACK_TAG_KEY, type StowageStackProps } from '../../infra/stowage-stack';
import { ENV } from '../../lambdas/config';
import { deniedResources, resolve, type RequestedResource } from './iam-simulator';

// Two stacks, each bundling the agent with esbuild.
jest.setTimeout(300_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const HANDLERS = path.join(__dirname, 'fixtures', 'handlers');

interface Synth {
  app: App;
  stack: StowageStack;
  resources: Record<string, Json>;
  parameters: Record<string, Json>;
}

const outdirs: string[] = [];
function synth(props: StowageStackProps): Synth {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-account-'));
  outdirs.push(outdir);
  const app = new App({ outdir });
  const stack = new StowageStack(app, 'Stowage', { handlersDir: HANDLERS, ...props });
  const t = Template.fromStack(stack).toJSON() as Json;
  return { app, stack, resources: t.Resources, parameters: t.Parameters };
}

let graviton: Synth;
let both: Synth;
beforeAll(() => {
  graviton = synth({});
  both = synth({ instanceTypes: ['m7g.large', 'c7i.xlarge', 'r7i.large'], ecrRepositories: ['team/web', 'batch'] });
});
afterAll(() => {
  for (const d of outdirs) fs.rmSync(d, { recursive: true, force: true });
});

const logicalId = (s: Synth, c: { node: { defaultChild?: unknown } }) => s.stack.resolve((c.node.defaultChild as CfnResource).logicalId) as string;
const ofType = (s: Synth, type: string) => Object.entries(s.resources).filter(([, r]) => r.Type === type);
const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

function policyStatements(s: Synth, roleLogicalId: string): Json[] {
  return ofType(s, 'AWS::IAM::Policy')
    .filter(([, p]) => asArray<Json>(p.Properties.Roles).some((r) => r.Ref === roleLogicalId))
    .flatMap(([, p]) => asArray<Json>(p.Properties.PolicyDocument.Statement));
}

function schedulerEnv(s: Synth): Record<string, unknown> {
  const [, fn] = ofType(s, 'AWS::Lambda::Function').find(([, r]) => r.Properties.Description === 'Stowage scheduler pass: snapshot, plan, apply')!;
  return fn.Properties.Environment.Variables;
}

/** The launch templates by architecture, read from the AMI parameter each resolves. */
function templatesByArch(s: Synth): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, lt] of ofType(s, 'AWS::EC2::LaunchTemplate')) {
    const ami = s.parameters[lt.Properties.LaunchTemplateData.ImageId.Ref].Default as string;
    out[/-arm64$/.test(ami) ? 'arm64' : /-x86_64$/.test(ami) ? 'x86_64' : ami] = id;
  }
  return out;
}

describe('architectures of instance types, read from their names', () => {
  it('agrees with the bundled catalog on every type', () => {
    for (const t of DEFAULT_CATALOG) expect([t.name, architectureOfType(t.name)]).toEqual([t.name, t.arch]);
  });

  it('knows Graviton families beyond the catalog, and the x86 ones that merely contain a g', () => {
    expect(['a1.large', 'c7gn.xlarge', 'r8gd.large', 'x2gd.large', 'im4gn.large', 'c6gd.large'].map(architectureOfType)).toEqual(Array(6).fill('arm64'));
    expect(['g5.xlarge', 'g4dn.xlarge', 'm7a.large', 'm6in.large', 'p4d.24xlarge', 'inf2.xlarge'].map(architectureOfType)).toEqual(Array(6).fill('x86_64'));
  });

  it('keeps Graviton alone by default and both when the named types hold both', () => {
    expect(architecturesFor(undefined)).toEqual(['arm64']);
    expect(architecturesFor([])).toEqual(['arm64']);
    expect(architecturesFor(['r5.large'])).toEqual(['x86_64']);
    expect(architecturesFor(['c7i.large', 'm7g.large'])).toEqual(['arm64', 'x86_64']);
  });

  it('refuses a name that is not an instance type, naming the context key', () => {
    expect(() => architecturesFor(['m7g'])).toThrow(InstanceTypeNameError);
    expect(() => architecturesFor(['m7g'])).toThrow(/instanceTypes: "m7g" is not an EC2 instance type name/);
  });
});

describe('one launch template per allowed architecture', () => {
  it('by default keeps one, booting AL2023 for arm64, and tells the scheduler only of it', () => {
    const templates = templatesByArch(graviton);
    expect(Object.keys(templates)).toEqual(['arm64']);
    const env = JSON.parse(JSON.stringify(schedulerEnv(graviton)[ENV.launchTemplates]));
    expect(resolve(env)).toBe(`{"arm64":"ref:${templates.arm64}"}`);
  });

  it('keeps one per architecture when the instance types hold both, each with the same node setup', () => {
    const templates = templatesByArch(both);
    expect(Object.keys(templates).sort()).toEqual(['arm64', 'x86_64']);
    expect(resolve(schedulerEnv(both)[ENV.launchTemplates])).toBe(`{"arm64":"ref:${templates.arm64}","x86_64":"ref:${templates.x86_64}"}`);
    const data = (arch: string) => both.resources[templates[arch]].Properties.LaunchTemplateData;
    for (const field of ['UserData', 'SecurityGroupIds', 'MetadataOptions', 'BlockDeviceMappings', 'IamInstanceProfile']) {
      expect(data('x86_64')[field] === undefined).toBe(data('arm64')[field] === undefined);
    }
    expect(data('x86_64').UserData).toEqual(data('arm64').UserData);
    expect(data('x86_64').SecurityGroupIds).toEqual(data('arm64').SecurityGroupIds);
    expect(data('x86_64').NetworkInterfaces).toBeUndefined();
  });

  it('outputs each template id by architecture', () => {
    const outputs = Template.fromStack(both.stack).toJSON().Outputs as Json;
    expect(outputs.NodeLaunchTemplateArm64.Value).toEqual({ Ref: templatesByArch(both).arm64 });
    expect(outputs.NodeLaunchTemplateX8664.Value).toEqual({ Ref: templatesByArch(both).x86_64 });
  });
});

describe('launch template pinning (offline IAM evaluation of the scheduler role)', () => {
  let statements: Json[];
  let templates: Record<string, string>;
  let base: RequestedResource[];
  const ACCOUNT = 'arn:aws:ec2:us-east-1:111122223333';
  const templateArn = (id: string) => `${ACCOUNT}:launch-template/ref:${id}`;

  beforeAll(() => {
    statements = policyStatements(both, logicalId(both, both.stack.scheduler.fn.role as never));
    templates = templatesByArch(both);
    const sg = logicalId(both, both.stack.fleet.securityGroup);
    const subnetArn = statements.flatMap((st) => asArray(st.Resource).map(resolve)).find((r) => r.includes(':subnet/'))!;
    const lt = templateArn(templates.arm64);
    const tagged = { [`aws:RequestTag/${STACK_TAG_KEY}`]: 'Stowage', 'ec2:LaunchTemplate': lt };
    // What EC2 authorises for Ec2Fleet's request: the template, its instance type and subnet overrides.
    base = [
      { arn: `${ACCOUNT}:instance/*`, context: { ...tagged, 'ec2:IsLaunchTemplateResource': 'false' } },
      { arn: `${ACCOUNT}:volume/*`, context: { ...tagged, 'ec2:IsLaunchTemplateResource': 'true' } },
      { arn: lt, context: { 'ec2:LaunchTemplate': lt } },
      { arn: subnetArn, context: { 'ec2:LaunchTemplate': lt, 'ec2:IsLaunchTemplateResource': 'false' } },
      { arn: `${ACCOUNT}:network-interface/*`, context: { 'ec2:LaunchTemplate': lt, 'ec2:IsLaunchTemplateResource': 'false' } },
      { arn: `${ACCOUNT}:security-group/getatt:${sg}.GroupId`, context: { 'ec2:LaunchTemplate': lt, 'ec2:IsLaunchTemplateResource': 'true' } },
      { arn: 'arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0', context: { 'ec2:LaunchTemplate': lt, 'ec2:IsLaunchTemplateResource': 'true', 'ec2:Owner': 'amazon' } },
    ];
  });

  const replace = (arnPart: string, change: (r: RequestedResource) => RequestedResource) => base.map((r) => (r.arn.includes(arnPart) ? change(r) : r));

  it('allows the launch Ec2Fleet makes, from either architecture\'s template', () => {
    expect(deniedResources(statements, 'ec2:RunInstances', base)).toEqual([]);
    const x86 = templateArn(templates.x86_64);
    const fromX86 = base.map((r) => ({
      arn: r.arn.includes(':launch-template/') ? x86 : r.arn,
      context: { ...r.context, 'ec2:LaunchTemplate': x86 },
    }));
    expect(deniedResources(statements, 'ec2:RunInstances', fromX86)).toEqual([]);
  });

  it('allows the same launch as an instant fleet (CreateFleet), whose volumes carry no request tag, with the fleet tagged', () => {
    const fleet = [
      ...base.map((r) => (r.arn.includes(':volume/') ? { ...r, context: { 'ec2:LaunchTemplate': r.context['ec2:LaunchTemplate'], 'ec2:IsLaunchTemplateResource': 'true' } } : r)),
      { arn: `${ACCOUNT}:fleet/*`, context: { [`aws:RequestTag/${STACK_TAG_KEY}`]: 'Stowage' } },
    ];
    expect(deniedResources(statements, 'ec2:CreateFleet', fleet)).toEqual([]);
    // Untagged, the fleet and its instances are refused, as an untagged RunInstances is.
    const untagged = fleet.map((r) => ({ ...r, context: Object.fromEntries(Object.entries(r.context).filter(([k]) => !k.startsWith('aws:RequestTag/'))) }));
    expect(deniedResources(statements, 'ec2:CreateFleet', untagged).sort()).toEqual([`${ACCOUNT}:fleet/*`, `${ACCOUNT}:instance/*`]);
    // And its image is pinned to the template's as RunInstances' is.
    const swapped = fleet.map((r) => (r.arn.includes(':image/') ? { ...r, context: { ...r.context, 'ec2:IsLaunchTemplateResource': 'false' } } : r));
    expect(deniedResources(statements, 'ec2:CreateFleet', swapped)).toHaveLength(1);
  });

  it('lets EC2 create only the Spot service-linked role, for spot.amazonaws.com', () => {
    const slr = statements.filter((s) => asArray(s.Action).includes('iam:CreateServiceLinkedRole'));
    expect(slr).toHaveLength(1);
    expect(resolve(slr[0].Resource)).toMatch(/:iam::111122223333:role\/aws-service-role\/spot\.amazonaws\.com\/AWSServiceRoleForEC2Spot$/);
    expect(slr[0].Condition).toEqual({ StringEquals: { 'iam:AWSServiceName': 'spot.amazonaws.com' } });
  });

  it('refuses the same launch with its image replaced, even by an Amazon-owned AMI', () => {
    const swapped = replace(':image/', (r) => ({ arn: 'arn:aws:ec2:us-east-1::image/ami-0fffffffffffffff0', context: { ...r.context, 'ec2:IsLaunchTemplateResource': 'false' } }));
    expect(deniedResources(statements, 'ec2:RunInstances', swapped)).toEqual(['arn:aws:ec2:us-east-1::image/ami-0fffffffffffffff0']);
  });

  it('refuses a security group replaced in the request', () => {
    const swapped = replace(':security-group/', (r) => ({ ...r, context: { ...r.context, 'ec2:IsLaunchTemplateResource': 'false' } }));
    expect(deniedResources(statements, 'ec2:RunInstances', swapped)).toHaveLength(1);
  });

  it('refuses every resource of a launch from another launch template, or from none', () => {
    const other = `${ACCOUNT}:launch-template/lt-0aaaaaaaaaaaaaaaa`;
    const foreign = base.map((r) => ({ arn: r.arn.includes(':launch-template/') ? other : r.arn, context: { ...r.context, 'ec2:LaunchTemplate': other } }));
    expect(deniedResources(statements, 'ec2:RunInstances', foreign)).toHaveLength(base.length);
    const bare = base
      .filter((r) => !r.arn.includes(':launch-template/'))
      .map((r) => ({ arn: r.arn, context: Object.fromEntries(Object.entries(r.context).filter(([k]) => k !== 'ec2:LaunchTemplate')) }));
    expect(deniedResources(statements, 'ec2:RunInstances', bare)).toHaveLength(bare.length);
  });

  it('ties every RunInstances statement to the stack\'s templates', () => {
    const run = statements.filter((s) => asArray(s.Action).includes('ec2:RunInstances'));
    expect(run.length).toBeGreaterThanOrEqual(4);
    for (const s of run) {
      expect(asArray(s.Condition?.ArnLike?.['ec2:LaunchTemplate']).map(resolve).sort()).toEqual([templateArn(templates.arm64), templateArn(templates.x86_64)].sort());
    }
  });
});

describe('SendCommand pinning (offline IAM evaluation of the scheduler role)', () => {
  let statements: Json[];
  let syncArn: string;
  const INSTANCE = 'arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0';
  const tagged = { [`ssm:resourceTag/${STACK_TAG_KEY}`]: 'Stowage' };

  beforeAll(() => {
    statements = policyStatements(graviton, logicalId(graviton, graviton.stack.scheduler.fn.role as never));
    syncArn = `arn:aws:ssm:us-east-1:111122223333:document/ref:${logicalId(graviton, { node: { defaultChild: graviton.stack.documents.sync } })}`;
  });

  it("allows the stack's sync document on an instance with the stack tag", () => {
    expect(deniedResources(statements, 'ssm:SendCommand', [{ arn: syncArn, context: {} }, { arn: INSTANCE, context: tagged }])).toEqual([]);
  });

  it('refuses AWS-RunShellScript, the exec document and any other document', () => {
    const execArn = `arn:aws:ssm:us-east-1:111122223333:document/ref:${logicalId(graviton, { node: { defaultChild: graviton.stack.documents.exec } })}`;
    for (const doc of ['arn:aws:ssm:us-east-1::document/AWS-RunShellScript', 'arn:aws:ssm:us-east-1::document/AWS-RunPowerShellScript', execArn, 'arn:aws:ssm:us-east-1:111122223333:document/Other']) {
      expect(deniedResources(statements, 'ssm:SendCommand', [{ arn: doc, context: {} }, { arn: INSTANCE, context: tagged }])).toEqual([doc]);
    }
  });

  it("refuses the sync document on an instance without the stack's tag, or with another stack's", () => {
    expect(deniedResources(statements, 'ssm:SendCommand', [{ arn: syncArn, context: {} }, { arn: INSTANCE, context: {} }])).toEqual([INSTANCE]);
    expect(deniedResources(statements, 'ssm:SendCommand', [{ arn: syncArn, context: {} }, { arn: INSTANCE, context: { [`ssm:resourceTag/${STACK_TAG_KEY}`]: 'Other' } }])).toEqual([INSTANCE]);
  });
});

describe('ECR pulls from nodes', () => {
  const nodeStatements = (s: Synth) => policyStatements(s, logicalId(s, s.stack.fleet.role));

  it('lets nodes get an ECR token and read images of the account\'s repositories, and never push', () => {
    const st = nodeStatements(graviton);
    const token = st.find((s) => s.Action === 'ecr:GetAuthorizationToken');
    expect(token?.Resource).toBe('*');
    const pull = st.find((s) => asArray(s.Action).includes('ecr:BatchGetImage'))!;
    expect(asArray<string>(pull.Action).sort()).toEqual(['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']);
    expect(asArray(pull.Resource).map(resolve)).toEqual(['arn:aws:ecr:us-east-1:111122223333:repository/*']);
    const all = st.flatMap((s) => asArray<string>(s.Action));
    for (const push of ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:*']) expect(all).not.toContain(push);
  });

  it('narrows reads to the repositories named at deploy', () => {
    const pull = nodeStatements(both).find((s) => asArray(s.Action).includes('ecr:BatchGetImage'))!;
    expect(asArray(pull.Resource).map(resolve)).toEqual(['arn:aws:ecr:us-east-1:111122223333:repository/team/web', 'arn:aws:ecr:us-east-1:111122223333:repository/batch']);
  });

  it('refuses a repository URI where a name belongs', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-account-')) });
    outdirs.push(app.outdir);
    expect(() => new StowageStack(app, 'Bad', { handlersDir: HANDLERS, ecrRepositories: ['111122223333.dkr.ecr.us-east-1.amazonaws.com/web'] })).toThrow(
      /ecrRepositories: "111122223333\.dkr\.ecr\.us-east-1\.amazonaws\.com\/web" is not an ECR repository name/,
    );
  });
});

describe('teardown on stack delete', () => {
  let resource: Json;
  let teardownId: string;
  beforeAll(() => {
    teardownId = graviton.stack.resolve((graviton.stack.teardown.resource.node.defaultChild as CfnResource).logicalId);
    resource = graviton.resources[teardownId];
  });

  it('is a custom resource told the schedule, the stream, wake-queue and interruption-queue mappings and the stack tag', () => {
    expect(resource.Type).toBe('Custom::StowageTeardown');
    const [[ruleId]] = ofType(graviton, 'AWS::Events::Rule').filter(([, r]) => r.Properties.ScheduleExpression);
    const mappings = ofType(graviton, 'AWS::Lambda::EventSourceMapping');
    const streamId = mappings.find(([, r]) => r.Properties.EventSourceArn?.['Fn::GetAtt']?.[1] === 'StreamArn')?.[0];
    const queueOf = (queue: { node: { defaultChild?: unknown } }) => mappings.find(([, r]) => r.Properties.EventSourceArn?.['Fn::GetAtt']?.[0] === logicalId(graviton, queue))?.[0];
    const queueId = queueOf(graviton.stack.scheduler.wakeQueue);
    const interruptionId = queueOf(graviton.stack.interruptions.queue);
    expect([streamId, queueId, interruptionId].every(Boolean)).toBe(true);
    expect(resource.Properties).toMatchObject({
      RuleName: { Ref: ruleId },
      EventSourceMappingId: { Ref: streamId },
      WakeMappingId: { Ref: queueId },
      InterruptionMappingId: { Ref: interruptionId },
      TagKey: STACK_TAG_KEY,
      TagValue: 'Stowage',
      QuietSeconds: '75',
    });
  });

  it('depends on the network, the node template and group, and the scheduler, so its Delete runs before theirs', () => {
    const deps = new Set(asArray<string>(resource.DependsOn));
    const must = [
      ...ofType(graviton, 'AWS::EC2::Subnet'),
      ...ofType(graviton, 'AWS::EC2::VPC'),
      // A live instance's public address keeps the gateway attached ("has some mapped public address(es)").
      ...ofType(graviton, 'AWS::EC2::InternetGateway'),
      ...ofType(graviton, 'AWS::EC2::VPCGatewayAttachment'),
      ...ofType(graviton, 'AWS::EC2::SecurityGroup'),
      ...ofType(graviton, 'AWS::EC2::LaunchTemplate'),
      ...ofType(graviton, 'AWS::IAM::InstanceProfile'),
      ...ofType(graviton, 'AWS::Lambda::EventSourceMapping'),
      ...ofType(graviton, 'AWS::Events::Rule'),
    ].map(([id]) => id);
    expect(must.length).toBeGreaterThanOrEqual(9);
    expect(must.filter((id) => !deps.has(id))).toEqual([]);
    expect(deps.has(logicalId(graviton, graviton.stack.scheduler.fn as never))).toBe(true);
  });

  it('holds exactly the grants the sweep needs, each on the stack\'s own resources', () => {
    const fn = resource.Properties.ServiceToken['Fn::GetAtt'][0];
    const role = graviton.resources[fn].Properties.Role['Fn::GetAtt'][0];
    const st = policyStatements(graviton, role).filter((s) => !asArray<string>(s.Action).some((a) => a.startsWith('logs:')));
    const byAction = Object.fromEntries(st.flatMap((s) => asArray<string>(s.Action).map((a) => [a, s])));
    expect(Object.keys(byAction).sort()).toEqual(['ec2:DescribeInstances', 'ec2:TerminateInstances', 'events:DisableRule', 'lambda:UpdateEventSourceMapping']);
    expect(byAction['ec2:TerminateInstances'].Condition).toEqual({ StringEquals: { [`aws:ResourceTag/${STACK_TAG_KEY}`]: 'Stowage' } });
    expect(resolve(byAction['events:DisableRule'].Resource)).toMatch(/^getatt:SchedulerEveryMinute\w+\.Arn$/);
    // The scheduler's mappings (the Nodes stream and the wake queue) and the interruption queue's.
    const mappings = asArray<unknown>(byAction['lambda:UpdateEventSourceMapping'].Resource).map(resolve);
    expect(mappings).toHaveLength(3);
    expect(mappings[0]).toMatch(/^arn:aws:lambda:us-east-1:111122223333:event-source-mapping:ref:SchedulerFunctionDynamoDBEventSource/);
    expect(mappings[1]).toMatch(/^arn:aws:lambda:us-east-1:111122223333:event-source-mapping:ref:SchedulerFunctionSqsEventSource\w*WakeQueue/);
    expect(mappings[2]).toMatch(/^arn:aws:lambda:us-east-1:111122223333:event-source-mapping:ref:InterruptionsFunction\w*SqsEventSource\w*InterruptionsQueue/);
  });

  it('may take Lambda\'s fifteen minutes to wait for the instances', () => {
    const fn = resource.Properties.ServiceToken['Fn::GetAtt'][0];
    expect(graviton.resources[fn].Properties.Timeout).toBe(900);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it.each(['graviton', 'both'])('reports no unacknowledged errors or warnings on the %s stack', (which) => {
    const s = which === 'graviton' ? graviton : both;
    const report = new AwsSolutionsChecks().validateScope(s.app);
    const findings = report.violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    // Acknowledged findings (each with its reason in the code) are not reported; nothing else may be.
    expect(findings).toEqual([]);
  });
});
