import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnResource } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CertificateArnError, NO_MATCH_BODY, NODE_HOST_PORTS } from '../../infra/load-balancer';
import { StackConfigError, StowageStack, STACK_TAG_KEY, type StowageStackProps } from '../../infra/stowage-stack';
import { ENV } from '../../lambdas/config';

// Synthesis with esbuild bundling of the agent takes a while on a busy machine.
jest.setTimeout(300_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const HANDLERS = path.join(__dirname, 'fixtures', 'handlers');
const CERTIFICATE = 'arn:aws:acm:us-east-1:123456789012:certificate/0b9a6a5e-1111-2222-3333-444455556666';
const LB_ENV = [ENV.lbListenerArn, ENV.lbDnsName, ENV.vpcId];

interface Synth {
  app: App;
  stack: StowageStack;
  template: Json;
  resources: Record<string, Json>;
}

const outdirs: string[] = [];
function synth(props: StowageStackProps): Synth {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-lb-'));
  outdirs.push(outdir);
  const app = new App({ outdir });
  const stack = new StowageStack(app, 'Stowage', { handlersDir: HANDLERS, ...props });
  const template = Template.fromStack(stack).toJSON() as Json;
  return { app, stack, template, resources: template.Resources as Record<string, Json> };
}

let off: Synth;
let http: Synth;
let https: Synth;

beforeAll(() => {
  off = synth({});
  http = synth({ loadBalancer: true });
  https = synth({ loadBalancer: true, certificateArn: CERTIFICATE });
});

afterAll(() => {
  for (const dir of outdirs) fs.rmSync(dir, { recursive: true, force: true });
});

const ofType = (s: Synth, type: string) => Object.entries(s.resources).filter(([, r]) => r.Type === type);
const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
const idOf = (s: Synth, construct: { node: { defaultChild?: unknown } }) => s.stack.resolve((construct.node.defaultChild as CfnResource).logicalId) as string;
const groupId = (s: Synth, construct: { node: { defaultChild?: unknown } }) => ({ 'Fn::GetAtt': [idOf(s, construct), 'GroupId'] });

function schedulerEnv(s: Synth): Json {
  return s.resources[idOf(s, s.stack.scheduler.fn)].Properties.Environment.Variables;
}

function statements(s: Synth): Json[] {
  return ofType(s, 'AWS::IAM::Policy').flatMap(([, p]) => asArray<Json>(p.Properties.PolicyDocument.Statement).map((st) => ({ ...st, roles: p.Properties.Roles })));
}
const elbStatements = (s: Synth) => statements(s).filter((st) => asArray<string>(st.Action).some((a) => a.startsWith('elasticloadbalancing:')));
const bySid = (s: Synth, sid: string) => {
  const found = elbStatements(s).filter((st) => st.Sid === sid);
  expect(found).toHaveLength(1);
  return found[0];
};

function nagErrors(s: Synth): string[] {
  const report = new AwsSolutionsChecks().validateScope(s.app);
  return report.violations.filter((v) => v.severity === 'error').map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

describe('without -c loadBalancer', () => {
  it('creates no load balancer, listener, access-log bucket or load-balancer security group', () => {
    for (const type of ['AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::ElasticLoadBalancingV2::Listener', 'AWS::S3::Bucket', 'AWS::S3::BucketPolicy']) {
      expect({ type, count: ofType(off, type).length }).toEqual({ type, count: 0 });
    }
    expect(ofType(off, 'AWS::EC2::SecurityGroup')).toHaveLength(1);
    expect(off.stack.loadBalancer).toBeUndefined();
    expect(off.template.Outputs.LoadBalancerUrl).toBeUndefined();
  });

  it('keeps nodes closed to all inbound traffic', () => {
    expect(ofType(off, 'AWS::EC2::SecurityGroupIngress')).toHaveLength(0);
    expect(off.resources[idOf(off, off.stack.fleet.securityGroup)].Properties.SecurityGroupIngress ?? []).toEqual([]);
  });

  it('gives the scheduler no load-balancer variables and no Elastic Load Balancing permission', () => {
    for (const name of LB_ENV) expect(schedulerEnv(off)[name]).toBeUndefined();
    expect(elbStatements(off)).toEqual([]);
  });

  it('synthesises the same template as loadBalancer: false', () => {
    expect(synth({ loadBalancer: false }).template).toEqual(off.template);
  });

  it('refuses a certificate without the load balancer, naming the field', () => {
    expect(() => synth({ certificateArn: CERTIFICATE })).toThrow(StackConfigError);
    expect(() => synth({ certificateArn: CERTIFICATE })).toThrow(/certificateArn: .*-c loadBalancer=true/);
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged error', () => {
    expect(nagErrors(off)).toEqual([]);
  });
});

describe('with -c loadBalancer=true', () => {
  it('owns one internet-facing ALB in the public subnets, dropping invalid headers and logging access', () => {
    const albs = ofType(http, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(albs).toHaveLength(1);
    const props = albs[0][1].Properties;
    expect(props).toMatchObject({ Type: 'application', Scheme: 'internet-facing' });
    const publicSubnets = ofType(http, 'AWS::EC2::Subnet').filter(([, s]) => s.Properties.MapPublicIpOnLaunch === true).map(([id]) => ({ Ref: id }));
    expect(publicSubnets).toHaveLength(2);
    expect(props.Subnets).toEqual(publicSubnets);
    expect(props.SecurityGroups).toEqual([groupId(http, http.stack.loadBalancer!.securityGroup)]);
    const attributes = Object.fromEntries(props.LoadBalancerAttributes.map((a: Json) => [a.Key, a.Value]));
    expect(attributes).toMatchObject({
      'routing.http.drop_invalid_header_fields.enabled': 'true',
      'access_logs.s3.enabled': 'true',
      'access_logs.s3.bucket': { Ref: idOf(http, http.stack.loadBalancer!.accessLogs) },
    });
  });

  it('listens on HTTP 80 only, answering 404 "no service matches" to anything no rule claims', () => {
    const listeners = ofType(http, 'AWS::ElasticLoadBalancingV2::Listener').map(([, l]) => l.Properties);
    expect(listeners).toHaveLength(1);
    expect(listeners[0]).toMatchObject({ Port: 80, Protocol: 'HTTP' });
    expect(listeners[0].DefaultActions).toEqual([
      { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: NO_MATCH_BODY } },
    ]);
    expect(ofType(http, 'AWS::ElasticLoadBalancingV2::ListenerRule')).toHaveLength(0);
    expect(ofType(http, 'AWS::ElasticLoadBalancingV2::TargetGroup')).toHaveLength(0);
  });

  it('admits 80 from anywhere over IPv4 and IPv6, and nothing else, to the ALB', () => {
    const sg = http.resources[idOf(http, http.stack.loadBalancer!.securityGroup)].Properties;
    const ingress = sg.SecurityGroupIngress.map((r: Json) => ({ from: r.FromPort, to: r.ToPort, proto: r.IpProtocol, cidr: r.CidrIp ?? r.CidrIpv6 }));
    expect(ingress).toEqual([
      { from: 80, to: 80, proto: 'tcp', cidr: '0.0.0.0/0' },
      { from: 80, to: 80, proto: 'tcp', cidr: '::/0' },
    ]);
  });

  it('opens nodes only on the ephemeral host-port range, only from the ALB security group', () => {
    expect(NODE_HOST_PORTS).toEqual({ from: 32768, to: 60999 });
    const node = http.resources[idOf(http, http.stack.fleet.securityGroup)].Properties;
    expect(node.SecurityGroupIngress ?? []).toEqual([]);
    const ingress = ofType(http, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties);
    expect(ingress).toEqual([
      expect.objectContaining({
        GroupId: groupId(http, http.stack.fleet.securityGroup),
        SourceSecurityGroupId: groupId(http, http.stack.loadBalancer!.securityGroup),
        IpProtocol: 'tcp',
        FromPort: 32768,
        ToPort: 60999,
      }),
    ]);
    expect(ingress[0].CidrIp).toBeUndefined();
  });

  it('lets the ALB send only to node host ports: one egress rule to the node group, the default allow-all kept off', () => {
    const sg = http.resources[idOf(http, http.stack.loadBalancer!.securityGroup)].Properties;
    expect(sg.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32', IpProtocol: 'icmp' })]);
    const egress = ofType(http, 'AWS::EC2::SecurityGroupEgress').map(([, r]) => r.Properties);
    expect(egress).toEqual([
      expect.objectContaining({
        GroupId: groupId(http, http.stack.loadBalancer!.securityGroup),
        DestinationSecurityGroupId: groupId(http, http.stack.fleet.securityGroup),
        IpProtocol: 'tcp',
        FromPort: 32768,
        ToPort: 60999,
      }),
    ]);
  });

  it('tells the scheduler the listener, the DNS name and the VPC', () => {
    const env = schedulerEnv(http);
    expect(env[ENV.lbListenerArn]).toEqual({ Ref: idOf(http, http.stack.loadBalancer!.listener) });
    expect(env[ENV.lbDnsName]).toEqual({ 'Fn::GetAtt': [idOf(http, http.stack.loadBalancer!.alb), 'DNSName'] });
    expect(env[ENV.vpcId]).toEqual({ Ref: expect.stringMatching(/^NetworkVpc/) });
  });

  it("tells the jobs API the load balancer's URL, so it shows exposed jobs there", () => {
    const [, jobs] = ofType(http, 'AWS::Lambda::Function').find(([id]) => id.startsWith('Jobs'))!;
    expect(jobs.Properties.Environment.Variables[ENV.lbUrl]).toEqual(http.template.Outputs.LoadBalancerUrl.Value);
  });

  it('outputs the load balancer URL over http', () => {
    expect(http.template.Outputs.LoadBalancerUrl.Value).toEqual({ 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [idOf(http, http.stack.loadBalancer!.alb), 'DNSName'] }]] });
  });

  it('writes access logs to a TLS-only, SSE-S3, private bucket that ELB log delivery may write to', () => {
    const bucket = http.resources[idOf(http, http.stack.loadBalancer!.accessLogs)].Properties;
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }]);
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    const [[, policy]] = ofType(http, 'AWS::S3::BucketPolicy');
    const doc = asArray<Json>(policy.Properties.PolicyDocument.Statement);
    expect(doc).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    const writers = doc.filter((st) => st.Effect === 'Allow');
    expect(writers.map((st) => st.Action)).toEqual(['s3:PutObject', 's3:PutObject']);
    expect(writers[0].Principal).toEqual({ Service: 'logdelivery.elasticloadbalancing.amazonaws.com' });
    expect(JSON.stringify(writers[1].Principal)).toContain('Fn::FindInMap');
    for (const w of writers) expect(JSON.stringify(w.Resource)).toContain('/AWSLogs/');
  });

  describe("the scheduler's Elastic Load Balancing grants", () => {
    const requestTag = `aws:RequestTag/${STACK_TAG_KEY}`;
    const resourceTag = `aws:ResourceTag/${STACK_TAG_KEY}`;
    const targetGroups = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':elasticloadbalancing:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':targetgroup/*']] };
    let listener: Json;
    let rules: Json;
    beforeAll(() => {
      const ref = { Ref: idOf(http, http.stack.loadBalancer!.listener) };
      listener = ref;
      const split = { 'Fn::Split': [':listener/', ref] };
      rules = { 'Fn::Join': ['', [{ 'Fn::Select': [0, split] }, ':listener-rule/', { 'Fn::Select': [1, split] }, '/*']] };
    });

    it('are attached to the scheduler role only', () => {
      const schedulerRole = http.resources[idOf(http, http.stack.scheduler.fn)].Properties.Role['Fn::GetAtt'][0];
      for (const st of elbStatements(http)) expect(st.roles).toEqual([{ Ref: schedulerRole }]);
    });

    it('create target groups only with the stack tag in the request', () => {
      expect(bySid(http, 'CreateTaggedTargetGroups')).toMatchObject({
        Action: 'elasticloadbalancing:CreateTargetGroup',
        Resource: targetGroups,
        Condition: { StringEquals: { [requestTag]: 'Stowage' } },
      });
    });

    it('modify, delete, register and deregister only on target groups carrying the stack tag', () => {
      const st = bySid(http, 'ManageStackTargetGroups');
      expect(asArray<string>(st.Action).sort()).toEqual(
        ['DeleteTargetGroup', 'DeregisterTargets', 'ModifyTargetGroupAttributes', 'RegisterTargets'].map((a) => `elasticloadbalancing:${a}`),
      );
      expect(st.Resource).toEqual(targetGroups);
      expect(st.Condition).toEqual({ StringEquals: { [resourceTag]: 'Stowage' } });
    });

    it('create rules only on this listener, tagged with the stack tag', () => {
      expect(bySid(http, 'CreateTaggedRulesOnListener')).toMatchObject({
        Action: 'elasticloadbalancing:CreateRule',
        Resource: [listener, rules],
        Condition: { StringEquals: { [requestTag]: 'Stowage' } },
      });
    });

    it("modify and delete only this listener's rules carrying the stack tag", () => {
      const st = bySid(http, 'ManageStackRules');
      expect(asArray<string>(st.Action).sort()).toEqual(['elasticloadbalancing:DeleteRule', 'elasticloadbalancing:ModifyRule']);
      expect(st.Resource).toEqual(rules);
      expect(st.Condition).toEqual({ StringEquals: { [resourceTag]: 'Stowage' } });
    });

    it('tag only while creating a target group or rule, and only with the stack tag', () => {
      const tagging = elbStatements(http).filter((st) => asArray<string>(st.Action).includes('elasticloadbalancing:AddTags'));
      expect(tagging).toHaveLength(1);
      expect(tagging[0].Resource).toEqual([targetGroups, rules]);
      expect(tagging[0].Condition).toEqual({
        StringEquals: { 'elasticloadbalancing:CreateAction': ['CreateTargetGroup', 'CreateRule'], [requestTag]: 'Stowage' },
      });
    });

    it('read with Describe actions on * (they have no resource-level permissions) and write nothing on *', () => {
      for (const st of elbStatements(http).filter((s) => asArray(s.Resource).includes('*'))) {
        for (const action of asArray<string>(st.Action)) expect(action).toMatch(/^elasticloadbalancing:Describe/);
      }
      expect(bySid(http, 'DescribeLoadBalancing').Resource).toBe('*');
    });

    it('never touch the load balancer or its listeners themselves', () => {
      const actions = elbStatements(http).flatMap((st) => asArray<string>(st.Action));
      for (const forbidden of ['CreateLoadBalancer', 'DeleteLoadBalancer', 'ModifyLoadBalancerAttributes', 'CreateListener', 'DeleteListener', 'ModifyListener', 'RemoveTags']) {
        expect(actions).not.toContain(`elasticloadbalancing:${forbidden}`);
      }
      expect(actions.some((a) => a.includes('*'))).toBe(false);
    });
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged error', () => {
    expect(nagErrors(http)).toEqual([]);
  });
});

describe('with -c certificateArn as well', () => {
  it('serves HTTPS on 443 with the certificate and a TLS 1.3 policy, and HTTP only redirects to it', () => {
    const listeners = Object.fromEntries(ofType(https, 'AWS::ElasticLoadBalancingV2::Listener').map(([, l]) => [l.Properties.Port, l.Properties]));
    expect(Object.keys(listeners).sort()).toEqual(['443', '80']);
    expect(listeners[443]).toMatchObject({ Protocol: 'HTTPS', Certificates: [{ CertificateArn: CERTIFICATE }], SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' });
    expect(listeners[443].DefaultActions[0]).toMatchObject({ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', MessageBody: NO_MATCH_BODY } });
    expect(listeners[80].DefaultActions).toEqual([{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }]);
  });

  it('gives the scheduler the HTTPS listener, and outputs an https URL', () => {
    const https443 = idOf(https, https.stack.loadBalancer!.listener);
    expect(https.resources[https443].Properties.Port).toBe(443);
    expect(schedulerEnv(https)[ENV.lbListenerArn]).toEqual({ Ref: https443 });
    expect(JSON.stringify(https.template.Outputs.LoadBalancerUrl.Value)).toContain('"https://"');
  });

  it('admits 80 and 443 from anywhere over IPv4 and IPv6', () => {
    const sg = https.resources[idOf(https, https.stack.loadBalancer!.securityGroup)].Properties;
    const ingress = sg.SecurityGroupIngress.map((r: Json) => `${r.FromPort}-${r.ToPort}/${r.IpProtocol} ${r.CidrIp ?? r.CidrIpv6}`).sort();
    expect(ingress).toEqual(['443-443/tcp ::/0', '443-443/tcp 0.0.0.0/0', '80-80/tcp ::/0', '80-80/tcp 0.0.0.0/0'].sort());
  });

  it('refuses something that is not an ACM certificate ARN', () => {
    expect(() => synth({ loadBalancer: true, certificateArn: 'arn:aws:iam::123456789012:server-certificate/x' })).toThrow(CertificateArnError);
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged error', () => {
    expect(nagErrors(https)).toEqual([]);
  });
});
