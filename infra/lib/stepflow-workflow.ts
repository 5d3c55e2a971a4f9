/**
 * One workflow file as a Step Functions state machine, wired to a Stepflow platform's runtimes:
 * the same name (`stepflow-<tenant>-<workflow>-<hash>`), role and log group as the machines the
 * console publishes, logging level ALL and X-Ray tracing, plus the workflow's triggers.
 *
 * @example
 * ```ts
 * const platform = new StepflowPlatform(this, 'Stepflow');
 * new StepflowWorkflow(this, 'Triage', { definition: 'workflows/triage.json', platform });
 * ```
 */
import * as path from 'node:path';
import { Annotations, ArnFormat, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { runtimeFunctions, type RuntimeName } from '@shared/runtime';
import { stateMachineName } from '../../functions/_shared/stepfunctions/names';
import { acknowledge } from './nag';
import { WorkflowTriggers } from './triggers';
import { compileWorkflowFile, type CompiledWorkflow } from './workflow-files';

/** What a workflow needs from the platform it runs on. `StepflowPlatform` implements it. */
export interface StepflowPlatformRef {
  /** The runtime functions, by runtime name. */
  readonly runtimeFunctions: Readonly<Record<RuntimeName, lambda.IFunction>>;
  /** The execution role every Stepflow state machine uses. */
  readonly stateMachineRole: iam.IRole;
  /** The vended log group every Stepflow state machine logs to. */
  readonly stateMachineLogGroup: logs.ILogGroup;
  /** The Stepflow bus (`eventbridge` triggers listen on it). */
  readonly eventBus: events.IEventBus;
  /** The tenant repository workflows belong to. */
  readonly tenantId: string;
  /** Serves `POST /hooks/<hookId>` for a workflow; false (or absent) when webhooks are not deployed. */
  registerWebhook?(hookId: string, target: { readonly workflowId: string; readonly stateMachine: sfn.IStateMachine; readonly secret: secretsmanager.ISecret }): boolean;
  /** The URL of a registered webhook. */
  webhookUrl?(hookId: string): string;
}

export interface StepflowWorkflowProps {
  /** A workflow file (relative to the working directory, usually the repository root), or a compiled workflow. */
  readonly definition: string | CompiledWorkflow;
  readonly platform: StepflowPlatformRef;
  /**
   * Deploy the triggers of `settings.triggers`.
   * @default true
   */
  readonly triggers?: boolean;
}

export class StepflowWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly compiled: CompiledWorkflow;
  readonly triggers?: WorkflowTriggers;
  /** Webhook triggers: the hook id, its secret (the signing key) and its URL. */
  readonly webhooks: { readonly hookId: string; readonly secret: secretsmanager.Secret; readonly url?: string }[] = [];

  constructor(scope: Construct, id: string, props: StepflowWorkflowProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { platform } = props;
    this.compiled = typeof props.definition === 'string' ? compileWorkflowFile(path.resolve(props.definition), { tenantId: platform.tenantId }) : props.definition;
    const wf = this.compiled;

    const substitutions: Record<string, string> = {};
    for (const runtime of wf.runtimes) substitutions[runtimeFunctions[runtime]] = platform.runtimeFunctions[runtime].functionArn;
    for (const sub of wf.subworkflows) {
      const name = stateMachineName(platform.tenantId, sub.workflowId);
      substitutions[sub.key] = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: sub.version === undefined ? name : `${name}:${sub.version}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    }

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: stateMachineName(platform.tenantId, wf.workflowId),
      stateMachineType: wf.workflow.settings.type === 'EXPRESS' ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(wf.definition),
      definitionSubstitutions: substitutions,
      role: platform.stateMachineRole,
      logs: { destination: platform.stateMachineLogGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });

    if (props.triggers ?? true) {
      this.triggers = new WorkflowTriggers(this, 'Triggers', { stateMachine: this.stateMachine, triggers: wf.workflow.settings.triggers, eventBus: platform.eventBus, source: wf.file });
      this.addWebhooks(platform, stack);
    }
  }

  /**
   * One hook per `webhook` trigger: id `<workflow id>` (then `-2`, `-3`, ...), a generated secret
   * in Secrets Manager that callers sign the body with (x-stepflow-signature), served by the
   * platform's api-hooks function when it is in the same stack.
   */
  private addWebhooks(platform: StepflowPlatformRef, stack: Stack): void {
    const count = this.compiled.workflow.settings.triggers.filter((t) => t.kind === 'webhook').length;
    for (let i = 1; i <= count; i += 1) {
      const hookId = i === 1 ? this.compiled.workflowId : `${this.compiled.workflowId}-${i}`;
      if (!platform.registerWebhook || (platform instanceof Construct && Stack.of(platform) !== stack)) {
        Annotations.of(this).addWarningV2('stepflow:webhook-not-served', `${this.compiled.file}: the webhook trigger is not deployed: the platform serving POST /hooks/{id} must be in the same stack`);
        return;
      }
      const secret = new secretsmanager.Secret(this, i === 1 ? 'WebhookSecret' : `WebhookSecret${i}`, {
        description: `Signing secret of the Stepflow webhook ${hookId} (HMAC-SHA256 of the body, header x-stepflow-signature)`,
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
      });
      acknowledge(secret, 'AwsSolutions-SMG4', 'a webhook signing secret is shared with the calling system, which cannot follow an automatic rotation; rotate it by hand (new value, then update the caller) when it may have leaked');
      if (!platform.registerWebhook(hookId, { workflowId: this.compiled.workflowId, stateMachine: this.stateMachine, secret })) {
        Annotations.of(this).addWarningV2('stepflow:webhook-not-served', `${this.compiled.file}: the webhook trigger is not deployed: the platform has no api-hooks function`);
        return;
      }
      this.webhooks.push({ hookId, secret, ...(platform.webhookUrl ? { url: platform.webhookUrl(hookId) } : {}) });
    }
  }
}
