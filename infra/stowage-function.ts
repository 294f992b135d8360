import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import * as path from 'node:path';

/** lambdas/handlers/ of this repository: one file per handler, each exporting `handler`. */
const REPO_ROOT = path.join(__dirname, '..');
export const DEFAULT_HANDLERS_DIR = path.join(REPO_ROOT, 'lambdas', 'handlers');

export interface StowageFunctionProps {
  /** Handler file name without `.ts`, e.g. `submit`. */
  readonly handler: string;
  /** Directory holding `<handler>.ts`. Default: lambdas/handlers. */
  readonly handlersDir?: string;
  readonly environment?: Record<string, string>;
  /** Default 10 s: API handlers answer one request; the scheduler passes its own. */
  readonly timeout?: Duration;
  /** Default 512 MiB (CPU scales with memory; bundles load faster). */
  readonly memorySize?: number;
  readonly description?: string;
}

/**
 * One Stowage Lambda with the project's defaults: Node.js 24 on ARM64 (Graviton: cheaper
 * per ms for the same work), bundled locally with esbuild so synth needs neither Docker
 * nor network, its own log group with a retention, and its own role that may write only
 * to that log group. The role is built here rather than taking Lambda's default
 * (AWSLambdaBasicExecutionRole), which may write to every log group in the account.
 */
export class StowageFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: StowageFunctionProps) {
    super(scope, id);
    const entry = path.join(props.handlersDir ?? DEFAULT_HANDLERS_DIR, `${props.handler}.ts`);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Stowage ${props.handler} function`,
    });
    // grantWrite names this log group's ARN only (CreateLogStream, PutLogEvents); the
    // group exists before the function, so Lambda never needs logs:CreateLogGroup.
    this.logGroup.grantWrite(this.role);

    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout ?? Duration.seconds(10),
      memorySize: props.memorySize ?? 512,
      role: this.role,
      logGroup: this.logGroup,
      description: props.description,
      environment: { ...props.environment },
      // Named explicitly so synth works from any working directory.
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      bundling: {
        forceDockerBundling: false,
        minify: true,
        target: 'node24',
        // Errors and warnings only: a size report per function on every synth (and on
        // every first `npm run local`) says nothing anyone acts on.
        logLevel: nodejs.LogLevel.WARNING,
        // The Node.js 24 runtime ships AWS SDK v3; bundling our own would only grow the
        // package and the cold start. NodejsFunction externalises @aws-sdk/* by default.
      },
    });
    // The role's policy must exist before the function can log its first invocation.
    this.fn.node.addDependency(this.role);
  }
}
