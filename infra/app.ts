import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StowageStack } from './stowage-stack';

/**
 * The CDK app: wires the stack and cdk-nag's AwsSolutions pack, nothing else.
 * Context (`-c key=value` or cdk.json): vpcId (use an existing VPC: needs credentials,
 * because it is looked up), maxNodes, minNodes, instanceTypes (comma-separated),
 * loadBalancer (true: an Application Load Balancer for exposed jobs), certificateArn
 * (an ACM certificate: HTTPS on the load balancer), ecrRepositories (comma-separated
 * repository names nodes may pull from; default every repository of the account),
 * admins (comma-separated IAM role or user ARNs that see and change every job),
 * heartbeatSeconds (seconds between node reports, 5 to 60; default 10).
 */
const app = new App();
const vpcId = context('vpcId');

new StowageStack(app, context('stackName') ?? 'Stowage', {
  vpcId,
  maxNodes: integer('maxNodes'),
  minNodes: integer('minNodes'),
  instanceTypes: context('instanceTypes')?.split(',').map((s) => s.trim()).filter(Boolean),
  ecrRepositories: context('ecrRepositories')?.split(',').map((s) => s.trim()).filter(Boolean),
  loadBalancer: flag('loadBalancer'),
  certificateArn: context('certificateArn'),
  admins: context('admins')?.split(',').map((s) => s.trim()).filter(Boolean),
  logRetentionDays: integer('logRetentionDays'),
  heartbeatSeconds: integer('heartbeatSeconds'),
  // A lookup needs a concrete account and region; without vpcId the stack stays
  // environment-agnostic, so synth needs no credentials at all.
  env: vpcId ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } : undefined,
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

function context(key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

function integer(key: string): number | undefined {
  const raw = context(key);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new Error(`context ${key}: "${raw}" is not a non-negative integer; pass e.g. -c ${key}=10`);
  return Number(raw);
}

function flag(key: string): boolean {
  const raw = context(key);
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new Error(`context ${key}: "${raw}" is not true or false; pass -c ${key}=true`);
}
