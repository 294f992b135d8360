import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface StowageApiProps {
  readonly submit: lambda.IFunction;
  readonly jobs: lambda.IFunction;
  readonly nodes: lambda.IFunction;
  readonly heartbeat: lambda.IFunction;
  readonly report: lambda.IFunction;
}

/** The path of the heartbeat route, as an execute-api resource pattern (any node id). */
export const HEARTBEAT_METHOD = 'PUT';
export const HEARTBEAT_RESOURCE = '/nodes/*/heartbeat';

/**
 * The HTTP API. Every route is signed with SigV4 (IAM authorisation): users through their
 * IAM identities, agents through their instance role, which may invoke only the heartbeat
 * route (see NodeFleet). There is deliberately no default authorizer fallback to "none":
 * each route names the authorizer, so a new route without one fails review, and the infra
 * test checks every route in the template.
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
    const integration = {
      submit: new HttpLambdaIntegration('Submit', props.submit),
      jobs: new HttpLambdaIntegration('Jobs', props.jobs),
      nodes: new HttpLambdaIntegration('Nodes', props.nodes),
      heartbeat: new HttpLambdaIntegration('Heartbeat', props.heartbeat),
      report: new HttpLambdaIntegration('Report', props.report),
    };
    const route = (method: apigwv2.HttpMethod, path: string, target: apigwv2.HttpRouteIntegration) =>
      this.httpApi.addRoutes({ path, methods: [method], integration: target, authorizer });

    route(apigwv2.HttpMethod.POST, '/jobs', integration.submit);
    route(apigwv2.HttpMethod.GET, '/jobs', integration.jobs);
    route(apigwv2.HttpMethod.GET, '/jobs/{id}', integration.jobs);
    route(apigwv2.HttpMethod.DELETE, '/jobs/{id}', integration.jobs);
    route(apigwv2.HttpMethod.GET, '/nodes', integration.nodes);
    route(apigwv2.HttpMethod.PUT, '/nodes/{id}/heartbeat', integration.heartbeat);
    route(apigwv2.HttpMethod.GET, '/report', integration.report);
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
    const arn = this.httpApi.arnForExecuteApi(HEARTBEAT_METHOD, HEARTBEAT_RESOURCE, this.stage.stageName);
    role.addToPolicy(new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: [arn] }));
    const apiLogicalId = Stack.of(this).resolve((this.httpApi.node.defaultChild as apigwv2.CfnApi).logicalId) as string;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiLogicalId}>/${this.stage.stageName}/${HEARTBEAT_METHOD}${HEARTBEAT_RESOURCE}]`,
      reason: 'The wildcard is the node id in PUT /nodes/{id}/heartbeat, the only route a node may call; the heartbeat handler refuses a caller whose instance is not the node in the path.',
    });
  }
}
