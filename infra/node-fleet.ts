import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { AgentBundle } from './agent-bundle';
import type { NodeArchitecture } from './architectures';
import { Construct } from 'constructs';

export interface NodeFleetProps {
  readonly vpc: ec2.IVpc;
  /** Folder bundled as the agent asset and unpacked on every node. */
  /** The repository root: the agent bundle is built from its agent/ and core/. */
  readonly repoRoot: string;
  /** The heartbeat function's URL the agent reports to. */
  readonly heartbeatUrl: string;
  /** Seconds between the agent's reports (its --interval-s). */
  readonly heartbeatSeconds: number;
  /** The tag that marks this stack's instances; the scheduler's EC2/SSM grants hang on it. */
  readonly stackTag: { readonly key: string; readonly value: string };
  /** The stack has a load balancer, which adds the one inbound rule (StowageLoadBalancer). */
  readonly loadBalanced?: boolean;
  /** One launch template per architecture; default arm64 alone. */
  readonly architectures?: readonly NodeArchitecture[];
  /**
   * ECR repositories (names, in this account and region) nodes may pull from; default
   * every repository of the account in the stack's region.
   */
  readonly ecrRepositories?: readonly string[];
  /** Where containers log (awslogs): the stack's group prefix, `/stowage/<stack>`, and the retention of the groups the agent creates. */
  readonly logs: { readonly groupPrefix: string; readonly retentionDays: number };
}

/** A NodeFleet property that cannot work; the message names it and the fix. */
export class NodeFleetConfigError extends Error {
  override readonly name = 'NodeFleetConfigError';
}

const ECR_REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

const AGENT_HOME = '/opt/stowage-agent';
const AGENT_ZIP = '/tmp/stowage-agent.zip';

/**
 * What a Stowage node is: the launch templates the scheduler launches from (Amazon Linux
 * 2023, Docker, Node.js, the agent as a systemd service), one per allowed architecture
 * because an AMI boots on one architecture only; its security group and its role.
 * Instance type and subnet are chosen per launch by Ec2Fleet, so no template names
 * either, and none defines network interfaces (Ec2Fleet passes SubnetId).
 */
export class NodeFleet extends Construct {
  /** Architecture → its template, arm64 first. */
  readonly launchTemplates: ReadonlyMap<NodeArchitecture, ec2.LaunchTemplate>;
  readonly role: iam.Role;
  readonly securityGroup: ec2.SecurityGroup;
  readonly agentBundle: Asset;

  constructor(scope: Construct, id: string, props: NodeFleetProps) {
    super(scope, id);

    // No inbound rule of its own: the agent only calls out (API, SSM, S3, registries), and
    // SSM Run Command reaches it over the SSM agent's own outbound channel. With a load
    // balancer, StowageLoadBalancer adds the one exception: container host ports from the
    // load balancer's group.
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: props.loadBalanced
        ? 'Stowage nodes: inbound only container host ports from the load balancer; outbound for the API, SSM, S3 and image registries'
        : 'Stowage nodes: no inbound; outbound for the API, SSM, S3 and image registries',
      allowAllOutbound: true,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Stowage node: SSM agent, the agent bundle, and the heartbeat route',
    });
    this.grantSsmAgent();
    // Its one control-plane permission, the heartbeat function's URL, is granted by the stack (grantInvokeUrl).
    this.grantEcrPull(props.ecrRepositories);
    this.grantLogWrites(props.logs.groupPrefix);
    this.grantSecretReads(props.stackTag.value);

    this.agentBundle = new AgentBundle(this, 'AgentBundle', { repoRoot: props.repoRoot }).asset;
    // GetObject on the one bundle object, rather than Asset.grantRead (GetObject*, List*
    // and GetBucket* on the whole asset bucket, shared by every stack in the account).
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.agentBundle.bucket.arnForObjects(this.agentBundle.s3ObjectKey)] }),
    );

    const userData = ec2.UserData.forLinux();
    userData.addCommands(
      'set -euo pipefail',
      'dnf install -y docker nodejs22 unzip',
      // Make `node` the Node.js 22 the agent is built for, whatever else the AMI ships.
      'alternatives --set node /usr/bin/node-22 || true',
      'systemctl enable --now docker',
    );
    const zip = userData.addS3DownloadCommand({
      bucket: this.agentBundle.bucket,
      bucketKey: this.agentBundle.s3ObjectKey,
      localFile: AGENT_ZIP,
    });
    userData.addCommands(
      `rm -rf ${AGENT_HOME} && mkdir -p ${AGENT_HOME}`,
      `unzip -q -o ${zip} -d ${AGENT_HOME}`,
      // The bundle's contract: an executable bin/stowage-agent. On PATH so that SSM's
      // fixed command `stowage-agent sync` finds it.
      `ln -sf ${AGENT_HOME}/bin/stowage-agent /usr/local/bin/stowage-agent`,
      'cat > /etc/systemd/system/stowage-agent.service <<"UNIT"',
      '[Unit]',
      'Description=Stowage node agent',
      'After=docker.service network-online.target',
      'Requires=docker.service',
      'Wants=network-online.target',
      '[Service]',
      // The agent's one call is its heartbeat: the URL is the heartbeat function's (signed for lambda).
      `Environment=STOWAGE_API_URL=${props.heartbeatUrl}`,
      `Environment=AWS_REGION=${Stack.of(this).region}`,
      // The agent logs containers with awslogs under this prefix (agent/main.ts loggingFromEnv).
      `Environment=STOWAGE_LOG_GROUP_PREFIX=${props.logs.groupPrefix}`,
      `Environment=STOWAGE_LOG_RETENTION_DAYS=${props.logs.retentionDays}`,
      // --ec2: identity, capacity and price from IMDSv2; images are pulled; calls are SigV4-signed.
      `ExecStart=/usr/local/bin/stowage-agent run --ec2 --interval-s ${props.heartbeatSeconds}`,
      'Restart=always',
      'RestartSec=5',
      '[Install]',
      'WantedBy=multi-user.target',
      'UNIT',
      'systemctl daemon-reload',
      'systemctl enable --now stowage-agent',
    );

    const architectures = props.architectures && props.architectures.length > 0 ? props.architectures : (['arm64'] as const);
    const templates = new Map<NodeArchitecture, ec2.LaunchTemplate>();
    for (const arch of architectures) {
      // The arm64 template keeps the id it has always had, so a stack that allows only
      // Graviton replaces nothing on update.
      templates.set(arch, this.launchTemplateFor(arch === 'arm64' ? 'LaunchTemplate' : 'LaunchTemplateX8664', arch, userData));
    }
    this.launchTemplates = templates;
  }

  /** The template of the default architecture (arm64 when allowed). */
  get launchTemplate(): ec2.LaunchTemplate {
    return [...this.launchTemplates.values()][0];
  }

  /**
   * What the SSM agent itself needs for the two features Stowage uses, Run Command (the
   * scheduler's `stowage-agent sync`) and Session Manager (`stowage exec`), instead of the
   * managed AmazonSSMManagedInstanceCore: that policy also carries ssm:GetParameter(s) on
   * every parameter of the account, associations, inventory, patching and compliance,
   * none of which a Stowage node uses. The set is the one AWS itself grants for Session
   * Manager alone (the managed AWSCloud9SSMInstanceProfile: UpdateInstanceInformation and
   * the four ssmmessages channel actions) plus the ec2messages actions through which the
   * agent receives and answers Run Command messages. Without ssm:ListInstanceAssociations
   * the agent logs an access-denied line each time it polls for State Manager
   * associations; the stack defines none, so nothing is lost.
   */
  private grantSsmAgent(): void {
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SsmAgentRegistration',
        actions: ['ssm:UpdateInstanceInformation'],
        resources: ['*'],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SsmAgentSessionChannels',
        actions: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
        resources: ['*'],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SsmAgentRunCommandMessages',
        actions: ['ec2messages:AcknowledgeMessage', 'ec2messages:DeleteMessage', 'ec2messages:FailMessage', 'ec2messages:GetEndpoint', 'ec2messages:GetMessages', 'ec2messages:SendReply'],
        resources: ['*'],
      }),
    );
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ssmmessages and ec2messages actions support no resource-level permission, and the SSM agent reports its own instance with ssm:UpdateInstanceInformation; none reads a parameter, a document or another instance.',
    });
  }

  /**
   * Pull rights on the named repositories (or all of the account's in this region):
   * image and layer reads only, never a push. GetAuthorizationToken takes no resource;
   * the token it returns is only as good as these grants.
   */
  private grantEcrPull(repositories: readonly string[] | undefined): void {
    const stack = Stack.of(this);
    for (const name of repositories ?? []) {
      // A registry host would pass the name grammar (dots are allowed) and grant nothing.
      if (!ECR_REPOSITORY_NAME.test(name) || /\.dkr\.ecr\./.test(name)) {
        throw new NodeFleetConfigError(`ecrRepositories: "${name}" is not an ECR repository name (lowercase letters, digits, . _ - and / between parts); pass names, not URIs`);
      }
    }
    const arns = repositories && repositories.length > 0
      ? repositories.map((name) => stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: name }))
      : [stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: '*' })];
    this.role.addToPolicy(new iam.PolicyStatement({ sid: 'EcrAuthToken', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    this.role.addToPolicy(
      new iam.PolicyStatement({ sid: 'EcrPull', actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'], resources: arns }),
    );
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken supports no resource-level permission; the token it returns reaches only the repositories the EcrPull statement names.',
    });
    if (!repositories || repositories.length === 0) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/*]',
        reason: 'Nodes pull whatever image a job names, from any repository of this account and region (read-only: BatchGetImage, GetDownloadUrlForLayer, BatchCheckLayerAvailability); deploy with -c ecrRepositories=a,b to name them instead.',
      });
    }
  }

  /**
   * Docker's awslogs driver writes with the node role: streams and events only in the
   * stack's groups, and the agent creates each job's group with its retention
   * (agent/log-groups.ts) before the first copy writes. Nothing else in CloudWatch Logs.
   */
  private grantLogWrites(groupPrefix: string): void {
    const stack = Stack.of(this);
    const groups = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `${groupPrefix}/*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.role.addToPolicy(new iam.PolicyStatement({ sid: 'CreateJobLogGroups', actions: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy'], resources: [groups] }));
    this.role.addToPolicy(new iam.PolicyStatement({ sid: 'WriteJobLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${groups}:log-stream:*`] }));
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:${groupPrefix}/*]`,
      reason: 'One log group per job, named by the job id at its first start: creating groups and setting their retention is granted under the stack\'s prefix, /stowage/<stack>/, only.',
    });
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:${groupPrefix}/*:log-stream:*]`,
      reason: 'One stream per task copy, named by its task id: streams and events are written only in the stack\'s job groups.',
    });
  }

  /**
   * Jobs' secrets, read by the agent at container start: parameters under
   * /stowage/<stack>/ and secrets named stowage/<stack>/… only (contract/secret-refs.ts,
   * which refuses any other ARN at submit). SecureStrings under the aws/ssm key need no
   * KMS grant; a customer-managed key needs kms:Decrypt added for this role.
   */
  private grantSecretReads(stack: string): void {
    const s = Stack.of(this);
    const parameters = s.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `stowage/${stack}/*` });
    const secrets = s.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `stowage/${stack}/*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadJobParameters', actions: ['ssm:GetParameter', 'ssm:GetParameters'], resources: [parameters] }));
    this.role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadJobSecrets', actions: ['secretsmanager:GetSecretValue'], resources: [secrets] }));
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/stowage/${stack}/*]`,
      reason: 'Jobs name their parameters at submit; the nodes may read only those under the stack\'s prefix, /stowage/<stack>/, which submit also enforces.',
    });
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:stowage/${stack}/*]`,
      reason: 'Jobs name their secrets at submit; the nodes may read only secrets named stowage/<stack>/…, which submit also enforces.',
    });
  }

  private launchTemplateFor(id: string, arch: NodeArchitecture, userData: ec2.UserData): ec2.LaunchTemplate {
    return new ec2.LaunchTemplate(this, id, {
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: arch === 'arm64' ? ec2.AmazonLinuxCpuType.ARM_64 : ec2.AmazonLinuxCpuType.X86_64 }),
      userData,
      role: this.role,
      securityGroup: this.securityGroup,
      // IMDSv2 only, and a hop limit of 1: containers on the bridge network are one hop
      // further away and so cannot borrow the node role's credentials.
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(30, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3, deleteOnTermination: true }),
        },
      ],
    });
  }
}
