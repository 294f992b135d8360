import { ArnFormat, CfnOutput, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import * as path from 'node:path';
import { StowageApi } from './api';
import { architecturesFor } from './architectures';
import { StowageLoadBalancer } from './load-balancer';
import { Network } from './network';
import { NodeDocuments } from './node-documents';
import { NodeFleet } from './node-fleet';
import { Operations } from './operations';
import { RUNTIME_ENV } from './runtime-env';
import { Scheduler } from './scheduler';
import { StateTables } from './state-tables';
import { StowageFunction } from './stowage-function';
import { StackTeardown } from './teardown';
import { Interruptions } from './interruptions';

/** The tag key on every instance this stack launches; Ec2Fleet refuses `aws:` keys. */
export const STACK_TAG_KEY = 'stowage:stack';

/** How long containers' output is kept when the stack names no `logRetentionDays`. */
export const DEFAULT_LOG_RETENTION_DAYS = 30;

export interface StowageStackProps extends StackProps {
  /** Use this existing VPC (needs `env` with account and region, and credentials to look up). */
  readonly vpcId?: string;
  readonly maxNodes?: number;
  readonly minNodes?: number;
  /**
   * Instance types the scheduler may launch; default: the bundled catalog's Graviton
   * (arm64) types. The stack keeps a launch template for each architecture they hold.
   */
  readonly instanceTypes?: readonly string[];
  /** ECR repositories nodes may pull from (names); default every repository of the account in the region. */
  readonly ecrRepositories?: readonly string[];
  /** Directory of the handler sources. Default: lambdas/handlers. */
  readonly handlersDir?: string;
  /** Folder shipped to nodes as the agent bundle. Default: agent/. */
  /** Where agent/ and core/ are (the agent bundle is built from them); default this repository. */
  readonly repoRoot?: string;
  /**
   * An Application Load Balancer for exposed jobs (`-c loadBalancer=true`). Off by
   * default: an idle ALB is billed by the hour, the rest of the control plane is not.
   */
  readonly loadBalancer?: boolean;
  /** An ACM certificate for HTTPS on the load balancer (`-c certificateArn=…`); needs loadBalancer. */
  readonly certificateArn?: string;
  /**
   * IAM role or user ARNs that see and change every job (`-c admins=arn1,arn2`); every
   * other caller sees and changes only the jobs it created (lambdas/api/ownership.ts).
   */
  readonly admins?: readonly string[];
  /** Days CloudWatch Logs keeps containers' output (`-c logRetentionDays=…`, one of its retention values); default 30. */
  readonly logRetentionDays?: number;
  /**
   * Seconds between a node's reports (`-c heartbeatSeconds=…`, 5 to 60; default 10). A
   * node is LOST after four periods without a report; a longer period costs less (each
   * report is a Lambda invocation and DynamoDB units) and notices a dead node later.
   */
  readonly heartbeatSeconds?: number;
}

export const HEARTBEAT_SECONDS = { default: 10, min: 5, max: 60 } as const;

/** An IAM role or user ARN: an admin is named as the principal, never as one session of it. */
const ADMIN_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/;

export class StackConfigError extends Error {
  override readonly name = 'StackConfigError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** The whole control plane: state, API, scheduler, and the node template it launches from. */
export class StowageStack extends Stack {
  readonly tables: StateTables;
  readonly api: StowageApi;
  readonly fleet: NodeFleet;
  readonly scheduler: Scheduler;
  /** The dashboard, the alarms and the topic they publish to. */
  readonly operations: Operations;
  readonly loadBalancer?: StowageLoadBalancer;
  readonly teardown: StackTeardown;
  /** Spot interruption warnings and rebalance recommendations → the nodes they concern, DRAINING. */
  readonly interruptions: Interruptions;
  readonly documents: NodeDocuments;

  constructor(scope: Construct, id: string, props: StowageStackProps = {}) {
    super(scope, id, props);
    if (props.certificateArn !== undefined && !props.loadBalancer) {
      throw new StackConfigError('certificateArn', 'is for the load balancer, which is off; add -c loadBalancer=true');
    }
    for (const arn of props.admins ?? []) {
      if (!ADMIN_ARN.test(arn)) throw new StackConfigError('admins', `"${arn}" is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name> or :user/<name>); name the role, not one session of it`);
    }
    const stackTag = { key: STACK_TAG_KEY, value: this.stackName };
    const logRetentionDays = props.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS;
    if (!Object.values(logs.RetentionDays).includes(logRetentionDays) || logRetentionDays === logs.RetentionDays.INFINITE) {
      throw new StackConfigError('logRetentionDays', `must be one of CloudWatch Logs' retention periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ... days), got ${logRetentionDays}`);
    }
    const heartbeatSeconds = props.heartbeatSeconds ?? HEARTBEAT_SECONDS.default;
    if (!Number.isInteger(heartbeatSeconds) || heartbeatSeconds < HEARTBEAT_SECONDS.min || heartbeatSeconds > HEARTBEAT_SECONDS.max) {
      throw new StackConfigError('heartbeatSeconds', `must be a whole number of seconds from ${HEARTBEAT_SECONDS.min} to ${HEARTBEAT_SECONDS.max}, got ${heartbeatSeconds}`);
    }
    // Every job's group is under this prefix; node and API grants reach nothing else.
    const logGroupPrefix = `/stowage/${this.stackName}`;
    const handlersDir = props.handlersDir;

    this.tables = new StateTables(this, 'State');
    const tableEnv = this.tables.environment;
    const fn = (id: string, handler: string, extra: Record<string, string> = {}) =>
      new StowageFunction(this, id, { handler, handlersDir, environment: { ...tableEnv, ...extra }, description: `Stowage ${handler} handler` });

    // The stack's name: a job's secrets must be under /stowage/<stack>/ (contract/secret-refs.ts).
    const submit = fn('Submit', 'submit', { [RUNTIME_ENV.idempotencyTable]: this.tables.idempotency.tableName, [RUNTIME_ENV.stackTagValue]: this.stackName });
    const jobs = fn('Jobs', 'jobs');
    const nodes = fn('Nodes', 'nodes');
    const heartbeat = fn('Heartbeat', 'heartbeat', { [RUNTIME_ENV.heartbeatSeconds]: String(heartbeatSeconds) });
    // Nodes report here, signed with their instance role (IAM auth): a function URL costs
    // nothing per request, API Gateway $1 a million, and reports are most of the traffic.
    const heartbeatUrl = heartbeat.fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
    const report = fn('Report', 'report');

    const { jobs: jobsTable, tasks, nodes: nodesTable, samples, idempotency, versions } = this.tables;
    // Who touches what: submit creates and updates jobs, their tasks and versions; jobs
    // reads them, stops them (DELETE), scales them (new tasks), rolls them back and shows
    // node ids; heartbeat records node state and container exits on tasks; the readers
    // only read. Only these two touch the versions.
    for (const t of [jobsTable, tasks, idempotency, versions]) t.grantReadWriteData(submit.fn);
    for (const t of [jobsTable, tasks, versions]) t.grantReadWriteData(jobs.fn);
    nodesTable.grantReadData(jobs.fn);
    nodesTable.grantReadData(nodes.fn);
    for (const t of [nodesTable, tasks]) t.grantReadWriteData(heartbeat.fn);
    jobsTable.grantReadData(heartbeat.fn);
    samples.grantReadData(report.fn);

    for (const f of [submit, jobs, heartbeat]) this.tables.acknowledgeIndexGrant(f.role);
    // Who sees and changes every job; the routes that read or change jobs check it.
    if (props.admins && props.admins.length > 0) for (const f of [submit, jobs]) f.fn.addEnvironment(RUNTIME_ENV.admins, props.admins.join(','));

    this.api = new StowageApi(this, 'Api', { submit: submit.fn, jobs: jobs.fn, nodes: nodes.fn, heartbeat: heartbeat.fn, report: report.fn });

    const network = new Network(this, 'Network', { vpcId: props.vpcId });
    this.fleet = new NodeFleet(this, 'NodeFleet', {
      vpc: network.vpc,
      repoRoot: props.repoRoot ?? path.join(__dirname, '..'),
      heartbeatUrl: heartbeatUrl.url,
      heartbeatSeconds,
      stackTag,
      loadBalanced: props.loadBalancer,
      architectures: architecturesFor(props.instanceTypes),
      ecrRepositories: props.ecrRepositories,
      logs: { groupPrefix: logGroupPrefix, retentionDays: logRetentionDays },
    });

    // The node role may call the heartbeat URL (lambda:InvokeFunctionUrl with IAM auth, and
    // lambda:InvokeFunction only through a function URL) and no API route.
    heartbeatUrl.grantInvokeUrl(this.fleet.role);
    // The heartbeat route takes a caller as a node only with a session of this role.
    heartbeat.fn.addEnvironment(RUNTIME_ENV.nodeRoleName, this.fleet.role.roleName);

    if (props.loadBalancer) {
      this.loadBalancer = new StowageLoadBalancer(this, 'LoadBalancer', {
        vpc: network.vpc,
        nodeSecurityGroup: this.fleet.securityGroup,
        certificateArn: props.certificateArn,
        stackTag,
      });
      // The jobs API shows each exposed job's URL.
      jobs.fn.addEnvironment(RUNTIME_ENV.lbUrl, this.loadBalancer.url);
    }

    this.documents = new NodeDocuments(this, 'NodeDocuments');
    this.scheduler = new Scheduler(this, 'Scheduler', {
      syncDocument: this.documents.sync,
      tables: this.tables,
      fleet: this.fleet,
      subnetsByZone: network.subnetsByZone,
      stackTag,
      maxNodes: props.maxNodes,
      minNodes: props.minNodes,
      heartbeatSeconds,
      instanceTypes: props.instanceTypes,
      handlersDir,
      loadBalancer: this.loadBalancer,
    });

    this.operations = new Operations(this, 'Operations', { scheduler: this.scheduler.fn, schedulerTimeout: this.scheduler.timeout });
    // GET /jobs/{id}/logs reads the job's group: FilterLogEvents under the stack's prefix only.
    jobs.fn.addEnvironment(RUNTIME_ENV.logGroupPrefix, logGroupPrefix);
    jobs.fn.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'ReadJobLogs', actions: ['logs:FilterLogEvents'], resources: [this.formatArn({ service: 'logs', resource: 'log-group', resourceName: `${logGroupPrefix}/*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })] }),
    );
    Validations.of(jobs.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:${logGroupPrefix}/*]`,
      reason: 'One log group per job, created as jobs start: the grant is FilterLogEvents on the stack\'s prefix, /stowage/<stack>/, and no other group.',
    });

    // A created, changed, scaled, rolled-back or stopped job asks for a pass at once.
    for (const f of [submit, jobs]) {
      f.fn.addEnvironment(RUNTIME_ENV.wakeQueueUrl, this.scheduler.wakeQueue.queueUrl);
      this.scheduler.wakeQueue.grantSendMessages(f.fn);
    }

    this.interruptions = new Interruptions(this, 'Interruptions', { tables: this.tables, wakeQueue: this.scheduler.wakeQueue, handlersDir });

    // On delete, before the network and the node template go: stop the scheduler and
    // terminate what it launched, or the subnets and security group cannot be deleted.
    this.teardown = new StackTeardown(this, 'Teardown', {
      scheduler: this.scheduler,
      interruptions: this.interruptions,
      stackTag,
      handlersDir,
      before: [network, this.fleet, this.scheduler, this.interruptions, ...(this.loadBalancer ? [this.loadBalancer] : [])],
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the Stowage API (SigV4-signed requests only)' });
    new CfnOutput(this, 'HeartbeatUrl', { value: heartbeatUrl.url, description: "The heartbeat function's URL nodes report to (SigV4 for lambda, the node role only)" });
    new CfnOutput(this, 'JobsTableName', { value: jobsTable.tableName });
    new CfnOutput(this, 'TasksTableName', { value: tasks.tableName });
    new CfnOutput(this, 'NodesTableName', { value: nodesTable.tableName });
    new CfnOutput(this, 'SamplesTableName', { value: samples.tableName });
    new CfnOutput(this, 'LeasesTableName', { value: this.tables.leases.tableName });
    new CfnOutput(this, 'VersionsTableName', { value: versions.tableName });
    new CfnOutput(this, 'IdempotencyTableName', { value: idempotency.tableName });
    new CfnOutput(this, 'NodeLaunchTemplateId', { value: this.fleet.launchTemplate.launchTemplateId!, description: 'The node launch template of the default architecture (arm64 when allowed)' });
    for (const [arch, lt] of this.fleet.launchTemplates) {
      new CfnOutput(this, `NodeLaunchTemplate${arch === 'arm64' ? 'Arm64' : 'X8664'}`, { value: lt.launchTemplateId!, description: `The node launch template for ${arch} instance types` });
    }
    new CfnOutput(this, 'ExecDocumentName', { value: this.documents.exec.ref, description: 'The SSM Session document `stowage exec` starts; grant ssm:StartSession on it (and on instances with the stack tag) to whoever may exec' });
    if (this.loadBalancer) {
      new CfnOutput(this, 'LoadBalancerUrl', { value: this.loadBalancer.url, description: 'Where exposed jobs answer (each at its path or host rule)' });
    }
  }
}
