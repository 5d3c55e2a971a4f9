/**
 * Live progress: the WebSocket API (route selection on `$request.body.type`; `$connect` behind a
 * Lambda REQUEST authorizer reading the `token` query parameter) and the fan-out: EventBridge
 * rules send every Stepflow lifecycle event (the Stepflow bus) and Step Functions' own execution
 * status changes of `stepflow-*` machines (the default bus) to an SQS FIFO queue, which the
 * WebSocket subscribe route also feeds with catch-up jobs; the fan-out function consumes it in
 * order, with partial batch failures.
 *
 * EventBridge sets one static MessageGroupId per rule target (it cannot take one from the event),
 * so both rules use the same group: events are fanned out in one total order, which keeps every
 * execution's order (and the order of its events relative to its status changes) at the cost of
 * one batch at a time. Catch-up jobs from the WebSocket route join the same group: a catch-up reads
 * the log and then subscribes, and only an event handled in between could be missed, which the
 * shared group rules out.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { EVENT_SOURCE } from '@shared/events';
import { catalogFunction, type FunctionCatalog } from './functions';
import { acknowledgeStateMachinePatterns, manageConnectionsStatement, STATE_MACHINE_PREFIX, tableStatement, taskResponseStatement } from './grants';
import type { NodeFunction } from './node-function';
import { acknowledge, nagArn, nagRef } from './nag';

export const WS_STAGE_NAME = 'live';
/** The FIFO group of every event the rules deliver (see the module comment). */
export const EVENTS_MESSAGE_GROUP = 'stepflow-events';

export interface StepflowLiveEventsProps {
  readonly catalog: FunctionCatalog;
  readonly table: dynamodb.ITable;
  readonly eventBus: events.IEventBus;
  readonly userPool: cognito.IUserPool;
  readonly userPoolClient: cognito.IUserPoolClient;
  readonly tenantId: string;
  /** Create the account's API Gateway CloudWatch role (needed for WebSocket access logs). */
  readonly createCloudWatchRole: boolean;
}

export class StepflowLiveEvents extends Construct {
  /** Absent until functions/ws-routes and functions/ws-authorizer exist. */
  readonly webSocketApi?: apigwv2.WebSocketApi;
  readonly stage?: apigwv2.WebSocketStage;
  readonly functions: { wsRoutes?: NodeFunction; wsAuthorizer?: NodeFunction; fanOutEvent?: NodeFunction } = {};
  /** The FIFO queue in front of the fan-out function. */
  readonly fanOutQueue?: sqs.Queue;
  /** Where the FIFO queue parks messages that failed five receives (FIFO, like its source). */
  readonly fanOutDeadLetters?: sqs.Queue;
  /** Where EventBridge puts events it could not deliver to the FIFO queue. */
  readonly ruleDeadLetters?: sqs.Queue;

  constructor(scope: Construct, id: string, props: StepflowLiveEventsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { catalog } = props;
    if (!catalog.has('wsRoutes') || !catalog.has('wsAuthorizer')) return;

    const api = new apigwv2.WebSocketApi(this, 'Api', { description: 'Stepflow live events', routeSelectionExpression: '$request.body.type' });
    this.webSocketApi = api;
    // Built from the API id and the stage name, not from the stage: the stage's deployment depends
    // on the routes, whose functions read this URL.
    const managementEndpoint = `https://${api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}/${WS_STAGE_NAME}`;
    const manage = manageConnectionsStatement(stack, api.apiId, WS_STAGE_NAME);
    const manageFinding = `AwsSolutions-IAM5[Resource::${nagArn(stack, 'execute-api', `${nagRef(api.node.defaultChild as IConstruct)}/${WS_STAGE_NAME}/*/@connections/*`)}]`;
    const manageWhy = `posts to, reads and closes the connections of this API's ${WS_STAGE_NAME} stage only: connection ids are assigned by API Gateway at $connect, and "*" in the method position covers POST/GET/DELETE of @connections`;

    const wsAuthorizer = catalogFunction(this, catalog, 'wsAuthorizer', {
      USER_POOL_ID: props.userPool.userPoolId,
      USER_POOL_CLIENT_ID: props.userPoolClient.userPoolClientId,
      TABLE_NAME: props.table.tableName,
    });
    wsAuthorizer.addToRolePolicy(tableStatement(props.table, 'read'));
    // Subscribes queue a catch-up job behind the execution's events.
    const fanOutDeadLetters = new sqs.Queue(this, 'FanOutDeadLetters', { fifo: true, encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    acknowledge(fanOutDeadLetters, 'AwsSolutions-SQS3', 'this queue is itself the dead-letter queue of the fan-out FIFO queue (messages that failed five receives are parked here, in order); a queue behind it would have nothing to catch');
    const fanOutQueue = new sqs.Queue(this, 'FanOutQueue', {
      fifo: true,
      // EventBridge sends no deduplication id; each event's body carries its unique id.
      contentBasedDeduplication: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Above six times the fan-out function's timeout, as Lambda advises for SQS event sources.
      visibilityTimeout: Duration.minutes(3),
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: fanOutDeadLetters, maxReceiveCount: 5 },
    });
    this.fanOutQueue = fanOutQueue;
    this.fanOutDeadLetters = fanOutDeadLetters;

    const wsRoutes = catalogFunction(this, catalog, 'wsRoutes', { TABLE_NAME: props.table.tableName, WS_MANAGEMENT_ENDPOINT: managementEndpoint, FANOUT_QUEUE_URL: fanOutQueue.queueUrl, FANOUT_MESSAGE_GROUP: EVENTS_MESSAGE_GROUP });
    wsRoutes.addToRolePolicy(tableStatement(props.table, 'readwrite'));
    wsRoutes.addToRolePolicy(taskResponseStatement(stack));
    wsRoutes.addToRolePolicy(manage);
    wsRoutes.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [fanOutQueue.queueArn] }));
    acknowledge(wsRoutes.role, manageFinding, manageWhy);
    acknowledgeStateMachinePatterns(wsRoutes.role, ['stateMachines'], 'send_input answers human-input and resumes pause gates of a subscribed execution (SendTaskSuccess/SendTaskFailure only)');
    this.functions.wsAuthorizer = wsAuthorizer;
    this.functions.wsRoutes = wsRoutes;

    const routes = new WebSocketLambdaIntegration('Routes', wsRoutes.function);
    api.addRoute('$connect', {
      integration: routes,
      authorizer: new WebSocketLambdaAuthorizer('Authorizer', wsAuthorizer.function, { identitySource: ['route.request.querystring.token'] }),
    });
    const disconnect = api.addRoute('$disconnect', { integration: routes });
    const fallback = api.addRoute('$default', { integration: routes });
    const connectOnly = 'API Gateway WebSocket APIs authorize only the $connect route; messages on $default and $disconnect travel on the connection $connect authorized, and ws-routes checks each message against the identity recorded for that connection';
    acknowledge(disconnect, 'AwsSolutions-APIG4', connectOnly);
    acknowledge(fallback, 'AwsSolutions-APIG4', connectOnly);

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    this.stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: api,
      stageName: WS_STAGE_NAME,
      autoDeploy: true,
      throttle: { rateLimit: 200, burstLimit: 400 },
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(accessLogs), format: apigw.AccessLogFormat.jsonWithStandardFields({ caller: false, httpMethod: false, ip: true, protocol: false, requestTime: true, resourcePath: false, responseLength: false, status: true, user: false }) },
    });
    if (props.createCloudWatchRole) {
      // WebSocket (unlike HTTP API) access logs are written with the account's API Gateway role.
      const role = new iam.Role(this, 'ApiGatewayCloudWatchRole', {
        assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
        managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs')],
      });
      acknowledge(role, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]', 'the policy AWS documents for the account-level API Gateway logging role: API Gateway creates and writes log groups of every API stage in the account and region through it, whose names cannot be known here');
      const account = new apigw.CfnAccount(this, 'ApiGatewayAccount', { cloudWatchRoleArn: role.roleArn });
      this.stage.node.addDependency(account);
    }

    if (!catalog.has('fanOutEvent')) return;
    const fanOut = catalogFunction(this, catalog, 'fanOutEvent', { TABLE_NAME: props.table.tableName, WS_MANAGEMENT_ENDPOINT: managementEndpoint, DEFAULT_TENANT: props.tenantId });
    fanOut.addToRolePolicy(tableStatement(props.table, 'readwrite'));
    fanOut.addToRolePolicy(manage);
    acknowledge(fanOut.role, manageFinding, manageWhy);
    // Grants exactly what an SQS event source needs on this queue (receive, delete, change visibility, attributes).
    fanOut.function.addEventSource(new SqsEventSource(fanOutQueue, { batchSize: 10, reportBatchItemFailures: true }));
    this.functions.fanOutEvent = fanOut;

    this.ruleDeadLetters = new sqs.Queue(this, 'RuleDeadLetters', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    acknowledge(this.ruleDeadLetters, 'AwsSolutions-SQS3', "this queue is itself the dead-letter queue of the fan-out rules' target (events EventBridge could not put on the FIFO queue after retries land here); a queue behind it would have nothing to catch");
    const target = new eventTargets.SqsQueue(fanOutQueue, { messageGroupId: EVENTS_MESSAGE_GROUP, deadLetterQueue: this.ruleDeadLetters, retryAttempts: 8, maxEventAge: Duration.hours(1) });
    new events.Rule(this, 'LifecycleEvents', {
      description: 'Stepflow lifecycle events to the fan-out queue',
      eventBus: props.eventBus,
      eventPattern: { source: [EVENT_SOURCE] },
      targets: [target],
    });
    new events.Rule(this, 'ExecutionStatusChanges', {
      description: 'Step Functions status changes of Stepflow executions to the fan-out queue',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [{ prefix: `arn:${stack.partition}:states:${stack.region}:${stack.account}:stateMachine:${STATE_MACHINE_PREFIX}` }] },
      },
      targets: [target],
    });
  }

  /** `wss://<id>.execute-api.<region>.amazonaws.com/live`, when the WebSocket API is deployed. */
  get url(): string | undefined {
    return this.stage?.url;
  }
}
