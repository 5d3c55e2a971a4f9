/**
 * The control-plane REST API (`/api/v1`, README "The control-plane API") on an API Gateway HTTP
 * API, whose Lambda payload (v2) the handlers' adapter reads. Every `/api/v1` route has a Lambda
 * authorizer taking the editor client's Cognito ID tokens or an API key (functions/api-authorizer);
 * the handlers verify the caller again and check roles and tenant. The webhook route
 * `POST /hooks/{id}` has no authorizer: the
 * api-hooks function checks the hook's signature (`x-stepflow-signature`).
 *
 * Routes are listed one by one (not `{proxy+}`), so an unknown path is refused by API Gateway
 * before any function runs.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The API's routes by the function serving them (each handler's `routes.ts`). */
export const API_ROUTES = {
  apiWorkflows: [
    ['GET', '/api/v1/workflows'],
    ['POST', '/api/v1/workflows'],
    ['GET', '/api/v1/workflows/{id}'],
    ['PUT', '/api/v1/workflows/{id}'],
    ['DELETE', '/api/v1/workflows/{id}'],
    ['POST', '/api/v1/workflows/{id}/validate'],
    ['POST', '/api/v1/workflows/{id}/publish'],
    ['GET', '/api/v1/workflows/{id}/versions'],
    ['GET', '/api/v1/workflows/{id}/versions/{version}'],
  ],
  apiExecutions: [
    ['POST', '/api/v1/workflows/{id}/execute'],
    ['GET', '/api/v1/executions'],
    ['GET', '/api/v1/executions/{id}'],
    ['POST', '/api/v1/executions/{id}/stop'],
    ['POST', '/api/v1/executions/{id}/pause'],
    ['POST', '/api/v1/executions/{id}/resume'],
    ['POST', '/api/v1/executions/{id}/input'],
  ],
  apiAgents: [
    ['GET', '/api/v1/agents'],
    ['POST', '/api/v1/agents'],
    ['GET', '/api/v1/agents/{id}'],
    ['DELETE', '/api/v1/agents/{id}'],
  ],
  apiAccess: [
    ['GET', '/api/v1/api-keys'],
    ['POST', '/api/v1/api-keys'],
    ['DELETE', '/api/v1/api-keys/{keyId}'],
    ['GET', '/api/v1/audit'],
  ],
} as const satisfies Record<string, readonly (readonly [Method, string])[]>;

export const HOOK_ROUTE = ['POST', '/hooks/{id}'] as const;

export interface StepflowRestApiProps {
  readonly userPool: cognito.IUserPool;
  readonly userPoolClient: cognito.IUserPoolClient;
  /** The functions behind `API_ROUTES`. */
  readonly handlers: Readonly<Record<keyof typeof API_ROUTES, lambda.IFunction>>;
  /**
   * The Lambda authorizer accepting a Cognito JWT or an API key (functions/api-authorizer); without
   * it, a Cognito JWT authorizer, which refuses API-key callers at the gateway.
   */
  readonly authorizer?: lambda.IFunction;
  /** The webhook function (absent until functions/api-hooks exists). */
  readonly hooks?: lambda.IFunction;
  /** Origins the browser may call from (the editor). */
  readonly allowOrigins: readonly string[];
}

export class StepflowRestApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: StepflowRestApiProps) {
    super(scope, id);
    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'Stepflow control-plane API',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [...props.allowOrigins],
        allowMethods: [apigwv2.CorsHttpMethod.GET, apigwv2.CorsHttpMethod.POST, apigwv2.CorsHttpMethod.PUT, apigwv2.CorsHttpMethod.DELETE],
        allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-api-key'],
        maxAge: Duration.hours(1),
      },
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(this.accessLogs), format: apigw.AccessLogFormat.jsonWithStandardFields() },
    });

    const authorizer = props.authorizer
      ? new HttpLambdaAuthorizer('CallerAuthorizer', props.authorizer, {
          responseTypes: [HttpLambdaResponseType.SIMPLE],
          // Either header may carry the credential, so none is required up front; nothing is
          // cached, as a cache needs identity sources (and a revoked key must stop at once).
          identitySource: [],
          resultsCacheTtl: Duration.seconds(0),
        })
      : new HttpUserPoolAuthorizer('CognitoJwt', props.userPool, { userPoolClients: [props.userPoolClient] });
    for (const [key, routes] of Object.entries(API_ROUTES) as [keyof typeof API_ROUTES, readonly (readonly [Method, string])[]][]) {
      const integration = new HttpLambdaIntegration(`${key}Integration`, props.handlers[key]);
      for (const [method, path] of routes) {
        this.api.addRoutes({ path, methods: [apigwv2.HttpMethod[method]], integration, authorizer });
      }
    }
    if (props.hooks) {
      const [route] = this.api.addRoutes({
        path: HOOK_ROUTE[1],
        methods: [apigwv2.HttpMethod[HOOK_ROUTE[0]]],
        integration: new HttpLambdaIntegration('apiHooksIntegration', props.hooks),
        // The hook's own secret is the credential (x-stepflow-signature), checked by the function.
        authorizer: new apigwv2.HttpNoneAuthorizer(),
      });
      if (route) acknowledge(route, 'AwsSolutions-APIG4', 'webhook callers (SaaS products, CI systems) cannot obtain Cognito tokens; api-hooks authenticates each request with the hook\'s own secret (HMAC in x-stepflow-signature) before starting anything');
    }
  }

  /** `https://<id>.execute-api.<region>.amazonaws.com` (the `$default` stage is at the root). */
  get url(): string {
    return this.api.apiEndpoint;
  }
}
