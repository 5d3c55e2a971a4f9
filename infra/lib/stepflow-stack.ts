/**
 * The stack `cdk deploy` puts into an account: the platform, the editor's hosting, and one state
 * machine (with its triggers) per workflow file of `stepflow:workflowsDir`.
 */
import * as path from 'node:path';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { readConfig, type StepflowConfig } from './config';
import { StepflowHosting } from './hosting';
import { REPO_ROOT } from './node-function';
import { StepflowPlatform } from './platform';
import { StepflowWorkflow } from './stepflow-workflow';
import { compileWorkflowsDir } from './workflow-files';

export interface StepflowStackProps extends StackProps {
  /** Overrides of the context settings (tests, or apps that build the stack themselves). */
  readonly config?: Partial<StepflowConfig>;
  /** @default the repository's `functions/` */
  readonly functionsDir?: string;
}

/** `support-ticket-triage` -> `SupportTicketTriage` (construct ids of workflows are stable). */
export const constructIdOf = (workflowId: string) =>
  workflowId
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

export class StepflowStack extends Stack {
  readonly platform: StepflowPlatform;
  readonly hosting: StepflowHosting;
  readonly workflows: readonly StepflowWorkflow[];

  constructor(scope: Construct, id: string, props: StepflowStackProps = {}) {
    super(scope, id, { description: 'Stepflow: AI-agent workflows on AWS Step Functions', ...props });

    const config: StepflowConfig = { ...readConfig((k) => this.node.tryGetContext(k)), ...props.config };
    this.hosting = new StepflowHosting(this, 'Editor', {
      ...(config.editorRepository === undefined ? {} : { repository: config.editorRepository }),
      ...(config.editorAccessTokenSecret === undefined ? {} : { accessTokenSecret: config.editorAccessTokenSecret }),
      branch: config.editorBranch,
    });
    this.platform = new StepflowPlatform(this, 'Stepflow', {
      config,
      ...(props.functionsDir ? { functionsDir: props.functionsDir } : {}),
      editorUrls: [this.hosting.url, ...config.editorCallbackUrls],
    });

    const workflowsDir = path.resolve(REPO_ROOT, config.workflowsDir);
    this.workflows = compileWorkflowsDir(workflowsDir, { tenantId: config.tenantId, displayRoot: REPO_ROOT }).map(
      (compiled) => new StepflowWorkflow(this, `Workflow${constructIdOf(compiled.workflowId)}`, { definition: compiled, platform: this.platform }),
    );

    const ws = this.platform.liveEvents.url;
    this.hosting.addEnvironment('VITE_API_URL', this.platform.restApi.url);
    if (ws) this.hosting.addEnvironment('VITE_WS_URL', ws);
    this.hosting.addEnvironment('VITE_USER_POOL_ID', this.platform.auth.userPool.userPoolId);
    this.hosting.addEnvironment('VITE_USER_POOL_CLIENT_ID', this.platform.auth.client.userPoolClientId);
    this.hosting.addEnvironment('VITE_REGION', this.region);

    new CfnOutput(this, 'ApiUrl', { value: this.platform.restApi.url, description: 'REST API (routes under /api/v1)' });
    new CfnOutput(this, 'WebSocketUrl', { value: ws ?? 'not deployed (functions/ws-routes missing)', description: 'Live events (wss://..., ?token=<JWT or API key>)' });
    new CfnOutput(this, 'EditorUrl', { value: this.hosting.url, description: 'The editor (Amplify Hosting)' });
    new CfnOutput(this, 'EditorAppId', { value: this.hosting.app.attrAppId, description: 'Amplify app id (for manual deployments)' });
    new CfnOutput(this, 'UserPoolId', { value: this.platform.auth.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.platform.auth.client.userPoolClientId });
    new CfnOutput(this, 'TableName', { value: this.platform.data.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: this.platform.data.eventBus.eventBusName });
    new CfnOutput(this, 'ArtifactsBucketName', { value: this.platform.data.artifactsBucket.bucketName });
    for (const wf of this.workflows) {
      for (const hook of wf.webhooks) {
        const id = constructIdOf(hook.hookId);
        if (hook.url) new CfnOutput(this, `WebhookUrl${id}`, { value: hook.url, description: `POST here to start ${wf.compiled.file} (body = input)` });
        new CfnOutput(this, `WebhookSecretArn${id}`, { value: hook.secret.secretArn, description: `Signing secret of the ${hook.hookId} webhook: x-stepflow-signature: sha256=<hex HMAC-SHA256 of the body>` });
      }
    }

  }
}
