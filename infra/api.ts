import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { HANDLER_MODULES, ROUTE_LIST, type HandlerModule } from '../contract/routes';

/** The function serving each handler module's routes (lambdas/handlers/<module>.ts). */
export type StowageApiProps = Readonly<Record<HandlerModule, lambda.IFunction>>;

/**
 * The HTTP API, its routes those of contract/routes.ts. Every route is signed with SigV4
 * (IAM authorisation) for users' IAM identities. Nodes report to the heartbeat function's
 * URL instead (stowage-stack.ts) and may call no route here. There is
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
}
