/**
 * Stepflow's CDK constructs, for customers' own CDK apps: the platform, workflows from files,
 * and the pieces they are made of.
 *
 * @example
 * ```ts
 * import { App, Stack } from 'aws-cdk-lib';
 * import { StepflowPlatform, StepflowWorkflow } from './infra/lib';
 *
 * const app = new App();
 * const stack = new Stack(app, 'Automation');
 * const platform = new StepflowPlatform(stack, 'Stepflow', { config: { bedrockModels: ['amazon.nova-micro-v1:0'] } });
 * new StepflowWorkflow(stack, 'Triage', { definition: 'workflows/support-ticket-triage.json', platform });
 * ```
 */
export { StepflowPlatform, type StepflowPlatformProps } from './platform';
export { StepflowWorkflow, type StepflowWorkflowProps, type StepflowPlatformRef } from './stepflow-workflow';
export { StepflowStack, type StepflowStackProps } from './stepflow-stack';
export { WorkflowTriggers, type WorkflowTriggersProps, type Trigger } from './triggers';
export { compileWorkflowFile, compileWorkflowsDir, WorkflowFileError, type CompiledWorkflow } from './workflow-files';
export { NodeFunction, type NodeFunctionProps } from './node-function';
export { readConfig, stepflowConfigSchema, type StepflowConfig } from './config';
export { StepflowHosting, type StepflowHostingProps } from './hosting';
