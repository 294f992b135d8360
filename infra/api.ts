import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { HANDLER_MODULES, resourcePattern, ROUTE_LIST, ROUTES, type HandlerModule } from '../contract/routes';

/** The function serving each handler module's routes (lambdas/handlers/<module>.ts). */
export type StowageApiProps = Readonly<Record<HandlerModule, lambda.IFunction>>;

/**
 * The HTTP API, its routes those of contract/routes.ts. Every route is signed with SigV4
 * (IAM authorisation): users through their IAM identities, agents through their instance
 * role, which may invoke only the heartbeat route (see grantHeartbeat). There is
 * deliberately no default authorizer fallback to "none": each route names the
 * authorizer, and the infra test checks every route in the template.
 */
export class StowageApi extends Construct {
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;

  constructor(scope: Construct, id: string, props: StowageApiProps) {
    super(scope, id);
    const authorizer = new HttpIamAuthorizer();

    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Stowage control plane',
      // The default stage cannot take access-log settings; the $default stage below does.
      createDefaultStage: false,
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(accessLogs) },
      // A runaway client (or agent loop) is throttled here before it costs Lambda time.
      throttle: { rateLimit: 100, burstLimit: 200 },
    });

    // One integration per function (and so one invoke permission), shared by its routes.
    const integrations = Object.fromEntries(
      HANDLER_MODULES.map((m) => [m, new HttpLambdaIntegration(m.charAt(0).toUpperCase() + m.slice(1), props[m])]),
    ) as Record<HandlerModule, HttpLambdaIntegration>;
    for (const r of ROUTE_LIST) {
      this.httpApi.addRoutes({ path: r.path, methods: [apigwv2.HttpMethod[r.method]], integration: integrations[r.handler], authorizer });
    }
  }

  /** The API's base URL (the $default stage). */
  get url(): string {
    return this.stage.url;
  }

  /**
   * Lets `role` (the node role) call PUT /nodes/{id}/heartbeat and nothing else. The
   * wildcard stands for the node id; the heartbeat handler checks that the signing
   * instance is the node in the path, so one node cannot report for another.
   */
  grantHeartbeat(role: iam.Role): void {
    const r = ROUTES.heartbeat;
    const resource = resourcePattern(r);
    const arn = this.httpApi.arnForExecuteApi(r.method, resource, this.stage.stageName);
    role.addToPolicy(new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: [arn] }));
    const apiLogicalId = Stack.of(this).resolve((this.httpApi.node.defaultChild as apigwv2.CfnApi).logicalId) as string;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiLogicalId}>/${this.stage.stageName}/${r.method}${resource}]`,
      reason: `The wildcard is the node id in ${r.key}, the only route a node may call; the heartbeat handler refuses a caller whose instance is not the node in the path.`,
    });
  }
}
