import { Aws, CfnCondition, CfnMapping, Duration, Fn, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';

export interface StowageLoadBalancerProps {
  readonly vpc: ec2.IVpc;
  /** The nodes' security group: it admits the host-port range from the load balancer only. */
  readonly nodeSecurityGroup: ec2.ISecurityGroup;
  /** An ACM certificate: HTTPS on 443, and HTTP on 80 only redirects to it. */
  readonly certificateArn?: string;
  /** The tag the scheduler must put on every target group and rule it creates. */
  readonly stackTag: { readonly key: string; readonly value: string };
}

/**
 * The host ports Docker publishes a container port on when no host port is asked for (as
 * ECS's hostPort 0): Docker's port allocator takes the kernel's ephemeral range from
 * /proc/sys/net/ipv4/ip_local_port_range, whose Linux default is 32768–60999
 * (net.ipv4.ip_local_port_range in the kernel's Documentation/networking/ip-sysctl.rst).
 * Amazon Linux 2023 nodes keep that default. (Docker falls back to 49153–65535 only when
 * it cannot read that file; a node tuned to another range needs this one changed too.)
 */
export const NODE_HOST_PORTS = { from: 32768, to: 60999 } as const;

/** Who delivers access logs in regions opened since August 2022 (ELB user guide). */
const LOG_DELIVERY_BY_SERVICE_PRINCIPAL = 'logdelivery.elasticloadbalancing.amazonaws.com';

/** What answers a request no exposed job's rule matches. */
export const NO_MATCH_BODY = 'no service matches';

const ACM_CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/;

export class CertificateArnError extends Error {
  override readonly name = 'CertificateArnError';
  constructor(readonly certificateArn: string) {
    super(`certificateArn "${certificateArn}" is not an ACM certificate ARN; pass e.g. -c certificateArn=arn:aws:acm:us-east-1:123456789012:certificate/<id>`);
  }
}

/**
 * The deployment's one Application Load Balancer, owned by the stack: internet-facing in the
 * VPC's public subnets, one listener whose default answer is a 404, and nothing behind it.
 * The scheduler adds one target group and one listener rule per exposed job through the
 * Elastic Load Balancing API (grantTargetManagement), so the stack never has to change
 * when jobs do.
 */
export class StowageLoadBalancer extends Construct {
  readonly alb: elbv2.ApplicationLoadBalancer;
  /** The listener the scheduler adds its rules to: HTTPS when a certificate is given. */
  readonly listener: elbv2.ApplicationListener;
  readonly securityGroup: ec2.SecurityGroup;
  readonly accessLogs: s3.Bucket;
  readonly url: string;
  readonly vpcId: string;
  private readonly stackTag: { readonly key: string; readonly value: string };

  constructor(scope: Construct, id: string, props: StowageLoadBalancerProps) {
    super(scope, id);
    const { certificateArn } = props;
    if (certificateArn !== undefined && !Token.isUnresolved(certificateArn) && !ACM_CERTIFICATE_ARN.test(certificateArn)) {
      throw new CertificateArnError(certificateArn);
    }
    this.stackTag = props.stackTag;
    this.vpcId = props.vpc.vpcId;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Stowage load balancer: HTTP(S) from anywhere; out only to node host ports',
      allowAllOutbound: false,
    });
    const ports = certificateArn ? [80, 443] : [80];
    for (const port of ports) {
      this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(port), `HTTP${port === 443 ? 'S' : ''} from anywhere (IPv4)`);
      this.securityGroup.addIngressRule(ec2.Peer.anyIpv6(), ec2.Port.tcp(port), `HTTP${port === 443 ? 'S' : ''} from anywhere (IPv6)`);
    }
    // The one way into a node: the host ports Docker publishes containers on, from this
    // load balancer. allowTo writes both halves, the ALB's egress and the nodes' ingress.
    this.securityGroup.connections.allowTo(
      props.nodeSecurityGroup,
      ec2.Port.tcpRange(NODE_HOST_PORTS.from, NODE_HOST_PORTS.to),
      'Stowage load balancer to container host ports',
    );
    // That egress rule names a security group, so it is a resource of its own; a group with
    // no inline egress rule gets EC2's default allow-all egress when it is created. An inline
    // rule that matches nothing (the one CDK itself uses for allowAllOutbound: false) keeps
    // the default off, so the node host ports stay the only way out.
    this.securityGroup.addEgressRule(ec2.Peer.ipv4('255.255.255.255/32'), ec2.Port.icmpTypeAndCode(252, 86), 'Disallow all other traffic');
    Validations.of(this.securityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'An internet-facing load balancer serves the public: its listener ports (80, and 443 with a certificate) admit 0.0.0.0/0 and ::/0 and nothing else; nodes admit only this group.',
    });

    this.alb = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: this.securityGroup,
      // Headers that are not valid HTTP are dropped rather than passed to services.
      dropInvalidHeaderFields: true,
    });
    this.accessLogs = this.logAccessTo();

    const notFound = elbv2.ListenerAction.fixedResponse(404, { contentType: 'text/plain', messageBody: NO_MATCH_BODY });
    if (certificateArn) {
      this.listener = this.alb.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [elbv2.ListenerCertificate.fromArn(certificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultAction: notFound,
        open: false,
      });
      this.alb.addListener('Http', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
        open: false,
      });
    } else {
      this.listener = this.alb.addListener('Http', { port: 80, protocol: elbv2.ApplicationProtocol.HTTP, defaultAction: notFound, open: false });
    }
    this.url = `${certificateArn ? 'https' : 'http'}://${this.alb.loadBalancerDnsName}`;
  }

  /**
   * What the scheduler needs to keep one target group and one listener rule per exposed
   * job, and nothing more: every create carries the stack tag (aws:RequestTag), tags may be
   * written only by those creates (elasticloadbalancing:CreateAction), every later change
   * needs the tag on the resource (aws:ResourceTag), and rules live on this listener only.
   * Actions, resource types and condition keys as in the Service Authorization Reference,
   * "Actions, resources, and condition keys for AWS Elastic Load Balancing V2"
   * (docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html)
   * and "ELB API permissions to tag resources during creation" in the ELB user guide.
   */
  grantTargetManagement(role: iam.IRole): iam.Policy {
    const stack = Stack.of(this);
    const { key, value } = this.stackTag;
    const targetGroups = stack.formatArn({ service: 'elasticloadbalancing', resource: 'targetgroup', resourceName: '*' });
    // listener/app/<lb>/<lb-id>/<listener-id> → listener-rule/app/<lb>/<lb-id>/<listener-id>/*
    const [prefix, listenerPath] = Fn.split(':listener/', this.listener.listenerArn, 2);
    const rules = Fn.join('', [prefix, ':listener-rule/', listenerPath, '/*']);
    const requestTagged = { StringEquals: { [`aws:RequestTag/${key}`]: value } };
    const resourceTagged = { StringEquals: { [`aws:ResourceTag/${key}`]: value } };

    const policy = new iam.Policy(this, 'SchedulerPolicy', {
      statements: [
        new iam.PolicyStatement({
          sid: 'CreateTaggedTargetGroups',
          actions: ['elasticloadbalancing:CreateTargetGroup'],
          resources: [targetGroups],
          conditions: requestTagged,
        }),
        new iam.PolicyStatement({
          sid: 'ManageStackTargetGroups',
          actions: [
            'elasticloadbalancing:ModifyTargetGroupAttributes',
            'elasticloadbalancing:DeleteTargetGroup',
            'elasticloadbalancing:RegisterTargets',
            'elasticloadbalancing:DeregisterTargets',
          ],
          resources: [targetGroups],
          conditions: resourceTagged,
        }),
        // CreateRule is authorised on the listener it adds to and on the new rule.
        new iam.PolicyStatement({
          sid: 'CreateTaggedRulesOnListener',
          actions: ['elasticloadbalancing:CreateRule'],
          resources: [this.listener.listenerArn, rules],
          conditions: requestTagged,
        }),
        new iam.PolicyStatement({
          sid: 'ManageStackRules',
          actions: ['elasticloadbalancing:ModifyRule', 'elasticloadbalancing:DeleteRule'],
          resources: [rules],
          conditions: resourceTagged,
        }),
        // Tagging only as part of those two creates, and only with the stack tag: the
        // scheduler cannot tag, and so adopt, a target group or rule it did not create.
        new iam.PolicyStatement({
          sid: 'TagOnCreateOnly',
          actions: ['elasticloadbalancing:AddTags'],
          resources: [targetGroups, rules],
          conditions: {
            StringEquals: { 'elasticloadbalancing:CreateAction': ['CreateTargetGroup', 'CreateRule'], [`aws:RequestTag/${key}`]: value },
          },
        }),
        // The Describe actions support no resource-level permissions: '*' is the only form.
        new iam.PolicyStatement({
          sid: 'DescribeLoadBalancing',
          actions: [
            'elasticloadbalancing:DescribeTargetGroups',
            'elasticloadbalancing:DescribeTargetGroupAttributes',
            'elasticloadbalancing:DescribeTargetHealth',
            'elasticloadbalancing:DescribeRules',
            'elasticloadbalancing:DescribeTags',
          ],
          resources: ['*'],
        }),
      ],
    });
    policy.attachToRole(role);
    Validations.of(policy).acknowledge(
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'The elasticloadbalancing Describe actions have no resource-level permissions; they only read, and the scheduler uses them to find the target groups and rules carrying the stack tag.' },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticloadbalancing:<AWS::Region>:<AWS::AccountId>:targetgroup/*]',
        reason: 'Target group ids do not exist before CreateTargetGroup; creating needs the stack tag in the request (aws:RequestTag), every other action needs it on the target group (aws:ResourceTag), tagging is allowed only on create.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${nagRendering(stack.resolve(rules))}]`,
        reason: 'Rule ids do not exist before CreateRule; the wildcard is the rule id under this one listener, creating needs the stack tag in the request, modifying and deleting need it on the rule.',
      },
    );
    return policy;
  }

  /**
   * Access logs (cdk-nag ELB2) to a bucket of their own: SSE-S3, the only encryption ALB
   * log delivery supports; TLS only; no public access; kept 90 days. Who may write depends
   * on the region ("Enable access logs for your Application Load Balancer", ELB user guide):
   * regions opened before August 2022 deliver as a regional ELB account, later ones as the
   * log-delivery service principal. The stack is region-agnostic, so the account comes from
   * a mapping of the regions CDK knows, and the service principal is allowed everywhere.
   */
  private logAccessTo(): s3.Bucket {
    const bucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket only receives the load balancer\'s access logs; logging its own accesses would need a further bucket with the same finding, and ELB is its only writer.',
    });

    const objects = bucket.arnForObjects(`AWSLogs/${Aws.ACCOUNT_ID}/*`);
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ElbLogDelivery',
        actions: ['s3:PutObject'],
        principals: [new iam.ServicePrincipal(LOG_DELIVERY_BY_SERVICE_PRINCIPAL)],
        resources: [objects],
      }),
    );
    const accounts: Record<string, Record<string, string>> = {};
    for (const region of RegionInfo.regions) accounts[region.name] = { account: region.elbv2Account ?? 'none' };
    const mapping = new CfnMapping(this, 'ElbAccount', { mapping: accounts });
    const account = mapping.findInMap(Aws.REGION, 'account');
    const hasAccount = new CfnCondition(this, 'RegionHasElbAccount', { expression: Fn.conditionNot(Fn.conditionEquals(account, 'none')) });
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ElbAccountLogDelivery',
        actions: ['s3:PutObject'],
        // In a region without one, the stack's own account stands in: it can already
        // write to its own bucket through IAM, so this grants nothing new.
        principals: [new iam.AccountPrincipal(Fn.conditionIf(hasAccount.logicalId, account, Aws.ACCOUNT_ID).toString())],
        resources: [objects],
      }),
    );
    this.alb.setAttribute('access_logs.s3.enabled', 'true');
    this.alb.setAttribute('access_logs.s3.bucket', bucket.bucketName);
    // The load balancer checks it can write when the attribute is set: the policy first.
    if (bucket.policy) this.alb.node.addDependency(bucket.policy);
    return bucket;
  }
}

/** A resolved Fn::Join as cdk-nag names it in a finding: literal parts as they are, intrinsics as JSON. */
function nagRendering(resolved: unknown): string {
  const join = (resolved as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) return JSON.stringify(resolved);
  return join[1].map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(join[0]);
}
