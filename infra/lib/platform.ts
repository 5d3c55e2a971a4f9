/**
 * The Stepflow platform: data (table, bus, artifacts), users (Cognito), the node runtimes, the
 * shared state machine role and log group, the control-plane REST API and the live-events
 * WebSocket API with the event fan-out. Workflows run on it through {@link StepflowWorkflow}.
 *
 * @example
 * ```ts
 * const platform = new StepflowPlatform(this, 'Stepflow', { config: { modelMode: 'real' } });
 * new StepflowWorkflow(this, 'Triage', { definition: 'workflows/triage.json', platform });
 * ```
 */
import { Annotations, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import type { RuntimeName } from '@shared/runtime';
import { StepflowAuth } from './auth';
import { readConfig, type StepflowConfig } from './config';
import { StepflowData } from './data';
import { catalogFunction, FunctionCatalog, type FunctionKey } from './functions';
import { acknowledgeStateMachinePatterns, ArtifactPrefixes, attachLogDeliveryPolicy, executionControlStatement, objectsStatement, publishStatement, startExecutionStatement, tableStatement, taskResponseStatement } from './grants';
import { acknowledge, nagRef } from './nag';
import { StepflowLiveEvents } from './live-events';
import type { NodeFunction } from './node-function';
import { StepflowOrchestration } from './orchestration';
import { API_ROUTES, StepflowRestApi } from './rest-api';
import { RUNTIME_NAMES, StepflowRuntimes } from './runtimes';
import type { StepflowPlatformRef } from './stepflow-workflow';

export interface StepflowPlatformProps {
  /** Settings; what is not given comes from CDK context (`stepflow:*`), then the defaults. */
  readonly config?: Partial<StepflowConfig>;
  /**
   * Where the handlers are (one folder per function, each with `handler.ts`).
   * @default the repository's `functions/`
   */
  readonly functionsDir?: string;
  /**
   * The editor's URLs: the browser origins the API accepts, and where sign-in returns to.
   * @default http://localhost:5173 (the Vite dev server)
   */
  readonly editorUrls?: readonly string[];
}

export class StepflowPlatform extends Construct implements StepflowPlatformRef {
  readonly config: StepflowConfig;
  readonly catalog: FunctionCatalog;
  readonly data: StepflowData;
  readonly auth: StepflowAuth;
  readonly runtimes: StepflowRuntimes;
  readonly orchestration: StepflowOrchestration;
  readonly restApi: StepflowRestApi;
  readonly liveEvents: StepflowLiveEvents;
  /** The control-plane functions, by catalog key. */
  readonly apiFunctions: Partial<Record<FunctionKey, NodeFunction>> = {};
  private readonly hooksFunction?: NodeFunction;
  private readonly webhooks = new Map<string, { workflowId: string; stateMachineArn: string; secretArn: string; tenantId: string }>();

  constructor(scope: Construct, id: string, props: StepflowPlatformProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.config = { ...readConfig((k) => this.node.tryGetContext(k)), ...props.config };
    const config = this.config;
    this.catalog = new FunctionCatalog(props.functionsDir);
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const editorUrls = props.editorUrls ?? ['http://localhost:5173'];

    this.data = new StepflowData(this, 'Data', { artifactRetentionDays: config.artifactRetentionDays, removalPolicy });
    const { table, eventBus, artifactsBucket } = this.data;
    this.auth = new StepflowAuth(this, 'Auth', { callbackUrls: editorUrls.map((u) => (u.endsWith('/') ? u : `${u}/`)), removalPolicy });
    const { userPool, client } = this.auth;

    this.runtimes = new StepflowRuntimes(this, 'Runtimes', { catalog: this.catalog, config, table, eventBus, artifactsBucket });
    this.orchestration = new StepflowOrchestration(this, 'Orchestration', { runtimes: RUNTIME_NAMES.map((r) => this.runtimes.functions[r].function) });

    // Control plane.
    const apiEnv = {
      TABLE_NAME: table.tableName,
      USER_POOL_ID: userPool.userPoolId,
      USER_POOL_CLIENT_ID: client.userPoolClientId,
      ...(config.auditRetentionDays === undefined ? {} : { AUDIT_RETENTION_DAYS: String(config.auditRetentionDays) }),
    };
    const api = (key: FunctionKey, environment: Record<string, string>) => {
      const fn = catalogFunction(this, this.catalog, key, environment);
      fn.addToRolePolicy(tableStatement(table, 'readwrite'));
      this.apiFunctions[key] = fn;
      return fn;
    };
    const apiWorkflows = api('apiWorkflows', {
      ...apiEnv,
      ARTIFACTS_BUCKET: artifactsBucket.bucketName,
      STATE_MACHINE_ROLE_ARN: this.orchestration.stateMachineRole.roleArn,
      RUNTIME_FUNCTION_ARNS: stack.toJsonString(this.runtimes.arns),
      LOG_GROUP_ARN: this.orchestration.logGroup.logGroupArn,
      AWS_ACCOUNT_ID: stack.account,
    });
    apiWorkflows.addToRolePolicy(objectsStatement(artifactsBucket, ArtifactPrefixes.definitions, ['s3:PutObject']));
    apiWorkflows.addToRolePolicy(publishStatement(stack));
    attachLogDeliveryPolicy(apiWorkflows, 'LogDelivery', apiWorkflows.role);
    this.orchestration.stateMachineRole.grantPassRole(apiWorkflows.role);
    acknowledgeStateMachinePatterns(apiWorkflows.role, ['stateMachines', 'versions'], 'publish creates, updates, describes, tags and versions the state machines of workflows drawn in the console');
    acknowledge(apiWorkflows.role, `AwsSolutions-IAM5[Resource::${nagRef(artifactsBucket.node.defaultChild as IConstruct, 'Arn')}/${ArtifactPrefixes.definitions}*]`, 'publish stores each compiled definition at definitions/<tenant>/<workflow>/<sha256>.asl.json: PutObject only, only under definitions/');

    const apiExecutions = api('apiExecutions', { ...apiEnv, AWS_ACCOUNT_ID: stack.account });
    apiExecutions.addToRolePolicy(startExecutionStatement(stack));
    apiExecutions.addToRolePolicy(executionControlStatement(stack));
    apiExecutions.addToRolePolicy(taskResponseStatement(stack));
    acknowledgeStateMachinePatterns(apiExecutions.role, ['stateMachines', 'versions', 'executions'], 'execute starts the latest or a published version of a tenant workflow; get/stop read and stop its executions; human-input answers and resume complete its callback tasks');

    const apiAgents = api('apiAgents', apiEnv);
    const apiAccess = api('apiAccess', apiEnv);

    let hooks: NodeFunction | undefined;
    if (this.catalog.has('apiHooks')) {
      // The hooks are known at deploy time (registerWebhook): each one's state machine and secret
      // are granted exactly, and HOOKS lists them when the template is produced.
      hooks = api('apiHooks', {
        TABLE_NAME: table.tableName,
        DEFAULT_TENANT: config.tenantId,
        AWS_ACCOUNT_ID: stack.account,
        HOOKS: Lazy.string({ produce: () => stack.toJsonString(Object.fromEntries(this.webhooks)) }),
      });
      this.hooksFunction = hooks;
    } else {
      Annotations.of(this).addWarningV2('stepflow:missing-function', `${this.catalog.entry('apiHooks')} does not exist yet: the webhook route POST /hooks/{id} is not deployed`);
    }

    // Callers with an API key (automation) cannot pass a Cognito JWT authorizer: this one takes
    // either credential. It only reads (API key records).
    let authorizer: NodeFunction | undefined;
    if (this.catalog.has('apiAuthorizer')) {
      authorizer = catalogFunction(this, this.catalog, 'apiAuthorizer', { TABLE_NAME: table.tableName, USER_POOL_ID: userPool.userPoolId, USER_POOL_CLIENT_ID: client.userPoolClientId });
      authorizer.addToRolePolicy(tableStatement(table, 'read'));
      this.apiFunctions.apiAuthorizer = authorizer;
    }

    this.restApi = new StepflowRestApi(this, 'RestApi', {
      userPool,
      userPoolClient: client,
      ...(authorizer ? { authorizer: authorizer.function } : {}),
      handlers: { apiWorkflows: apiWorkflows.function, apiExecutions: apiExecutions.function, apiAgents: apiAgents.function, apiAccess: apiAccess.function } satisfies Record<keyof typeof API_ROUTES, lambda.IFunction>,
      ...(hooks ? { hooks: hooks.function } : {}),
      allowOrigins: editorUrls.map((u) => u.replace(/\/+$/, '')),
    });

    this.liveEvents = new StepflowLiveEvents(this, 'LiveEvents', {
      catalog: this.catalog,
      table,
      eventBus,
      userPool,
      userPoolClient: client,
      tenantId: config.tenantId,
      createCloudWatchRole: config.apiGatewayCloudWatchRole,
    });
    for (const key of ['wsRoutes', 'wsAuthorizer', 'fanOutEvent'] as const) {
      if (!this.catalog.has(key)) Annotations.of(this).addWarningV2('stepflow:missing-function', `${this.catalog.entry(key)} does not exist yet: live events are deployed without it`);
    }
  }

  /**
   * Serves `POST /hooks/<hookId>` for a workflow: api-hooks may start exactly that state machine
   * and read exactly that secret. Returns false when the platform has no webhook function.
   */
  registerWebhook(hookId: string, target: { readonly workflowId: string; readonly stateMachine: sfn.IStateMachine; readonly secret: secretsmanager.ISecret }): boolean {
    const fn = this.hooksFunction;
    if (!fn) return false;
    if (this.webhooks.has(hookId)) throw new Error(`webhook id "${hookId}" is used twice; every webhook trigger needs its own id`);
    this.webhooks.set(hookId, { workflowId: target.workflowId, stateMachineArn: target.stateMachine.stateMachineArn, secretArn: target.secret.secretArn, tenantId: this.config.tenantId });
    target.stateMachine.grantStartExecution(fn.role);
    target.secret.grantRead(fn.role);
    return true;
  }

  /** The URL a webhook is called at. */
  webhookUrl(hookId: string): string {
    return `${this.restApi.url}/hooks/${hookId}`;
  }

  get runtimeFunctions(): Readonly<Record<RuntimeName, lambda.IFunction>> {
    return Object.fromEntries(RUNTIME_NAMES.map((r) => [r, this.runtimes.functions[r].function])) as unknown as Record<RuntimeName, lambda.IFunction>;
  }

  get stateMachineRole(): iam.IRole {
    return this.orchestration.stateMachineRole;
  }

  get stateMachineLogGroup(): logs.ILogGroup {
    return this.orchestration.logGroup;
  }

  get eventBus(): events.IEventBus {
    return this.data.eventBus;
  }

  get tenantId(): string {
    return this.config.tenantId;
  }
}
