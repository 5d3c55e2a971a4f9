/**
 * The construct customers import: a platform and a workflow file in their own stack.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stateMachineName } from '../../functions/_shared/stepfunctions/names';
import { StepflowPlatform, StepflowWorkflow } from '../lib';
import { ENV, repoPath, stubFunctionsDir } from './stacks';

jest.setTimeout(120_000);

let template: Template;
let workflow: StepflowWorkflow;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'CustomerAutomation', { env: ENV });
  const platform = new StepflowPlatform(stack, 'Stepflow', { functionsDir: stubFunctionsDir(), config: { tenantId: 'acme', bedrockModels: ['amazon.nova-micro-v1:0'] } });
  workflow = new StepflowWorkflow(stack, 'Hello', { definition: repoPath('infra/test/fixtures/valid/hello.json'), platform });
  template = Template.fromStack(stack);
});

it('creates the workflow state machine in the customer stack, named for the platform tenant', () => {
  template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
  template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: stateMachineName('acme', 'hello') });
  expect(workflow.compiled.runtimes).toEqual(['callback', 'llm']);
});

it('substitutes the platform runtime ARNs it uses, and only those', () => {
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  expect(Object.keys(machine!.Properties.DefinitionSubstitutions).sort()).toEqual(['CallbackFunctionArn', 'LlmFunctionArn']);
  expect(machine!.Properties.DefinitionSubstitutions.LlmFunctionArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^StepflowRuntimesInvokeLlmFunction/), 'Arn'] });
});

it('fails with the file and node named when the file does not compile', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Broken', { env: ENV });
  const fake = { runtimeFunctions: {}, tenantId: 'acme' } as unknown as StepflowPlatform;
  expect(() => new StepflowWorkflow(stack, 'Broken', { definition: repoPath('infra/test/fixtures/broken/broken.json'), platform: fake })).toThrow(/broken\.json: 1 issue\n.*UNKNOWN_REFERENCE \(node "summarise"/);
});
