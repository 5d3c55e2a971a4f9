/**
 * What synth does with broken workflow files, bad context, handlers not yet in the tree and
 * narrower settings. Each case builds a small stack (the valid fixture: one llm workflow).
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from '../lib/config';
import { compileWorkflowsDir } from '../lib/workflow-files';
import { toEventPattern } from '../lib/triggers';
import { buildStack, repoPath, stubFunctionsDir } from './stacks';

jest.setTimeout(120_000);

const VALID = 'infra/test/fixtures/valid';
const BROKEN = 'infra/test/fixtures/broken';

describe('a broken workflow file', () => {
  it('fails synth naming the file, the issue code and the node id', () => {
    expect(() => buildStack({ config: { workflowsDir: BROKEN } })).toThrow(/infra\/test\/fixtures\/broken\/broken\.json: 1 issue\n {2}- UNKNOWN_REFERENCE \(node "summarise", field config\.prompt\)/);
  });

  it('is reported with every other broken file, while valid files compile', () => {
    expect(compileWorkflowsDir(repoPath(VALID)).map((w) => w.workflowId)).toEqual(['hello']);
    expect(() => compileWorkflowsDir(repoPath(BROKEN), { displayRoot: repoPath() })).toThrow(/broken\.json/);
  });

  it('fails synth when the workflows directory does not exist, naming the context key', () => {
    expect(() => buildStack({ config: { workflowsDir: 'infra/test/fixtures/nowhere' } })).toThrow(/stepflow:workflowsDir/);
  });

  it('refuses an eventbridge trigger pattern with an unknown field', () => {
    expect(() => toEventPattern({ 'detail-typ': ['x'] }, 'workflows/x.json')).toThrow('workflows/x.json: the eventbridge trigger\'s pattern has an unknown top-level field "detail-typ"');
    expect(toEventPattern({ source: ['crm'], 'detail-type': ['Lead Created'] }, 'w')).toEqual({ source: ['crm'], detailType: ['Lead Created'] });
  });
});

describe('context', () => {
  it('fails with the key named when a value is invalid', () => {
    expect(() => readConfig((k) => (k === 'stepflow:modelMode' ? 'bedrock' : undefined))).toThrow(/stepflow:modelMode/);
    expect(() => readConfig((k) => (k === 'stepflow:toolLambdaArns' ? 'not-an-arn' : undefined))).toThrow(/stepflow:toolLambdaArns.*Lambda function ARN/);
  });

  it('reads lists given on the command line as comma-separated or JSON', () => {
    expect(readConfig((k) => (k === 'stepflow:toolHttpAllowHosts' ? 'api.example.com, example.org' : undefined)).toolHttpAllowHosts).toEqual(['api.example.com', 'example.org']);
    expect(readConfig((k) => (k === 'stepflow:bedrockModels' ? '["amazon.nova-micro-v1:0"]' : undefined)).bedrockModels).toEqual(['amazon.nova-micro-v1:0']);
  });
});

describe('handlers not in the tree yet', () => {
  it('leaves the WebSocket API, fan-out and webhook route out, with a warning naming each missing handler', () => {
    const functionsDir = stubFunctionsDir(['invokeLlm', 'runAgent', 'runTool', 'runCode', 'requestInput', 'recordCallback', 'transformData', 'apiWorkflows', 'apiExecutions', 'apiAgents', 'apiAccess']);
    const { stack, template } = buildStack({ functionsDir, config: { workflowsDir: VALID } });
    template.resourcePropertiesCountIs('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET' }, 0);
    template.resourcePropertiesCountIs('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /hooks/{id}' }, 0);
    const warnings = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((m) => m.type === 'aws:cdk:warning' && String(m.data).includes('does not exist yet'))
      .map((m) => String(m.data));
    expect(warnings.join('\n')).toMatch(/api-hooks\/handler\.ts/);
    expect(warnings.join('\n')).toMatch(/ws-routes\/handler\.ts/);
    expect(warnings.join('\n')).toMatch(/fan-out-event\/handler\.ts/);
    expect(template.toJSON().Outputs.WebSocketUrl.Value).toMatch(/not deployed/);
  });
});

describe('narrower settings', () => {
  it('pins Bedrock to the configured models, grants the allow-listed tool buckets and Lambdas, reads model secrets by exact name, and drops what is switched off', () => {
    const { template } = buildStack({
      functionsDir: stubFunctionsDir(),
      config: {
        workflowsDir: VALID,
        bedrockModels: ['amazon.nova-micro-v1:0', 'eu.anthropic.claude-3-5-haiku-20241022-v1:0'],
        toolS3Buckets: ['acme-reports'],
        toolLambdaArns: ['arn:aws:lambda:eu-west-1:123456789012:function:lookup'],
        modelSecrets: ['stepflow/openai'],
        apiGatewayCloudWatchRole: false,
        retainData: false,
        codeNetworkIsolation: false,
      },
    });
    const statements = Object.values(template.toJSON().Resources as Record<string, any>)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const json = (a: string) => JSON.stringify(statements.filter((s) => ([] as string[]).concat(s.Action).includes(a)).map((s) => s.Resource));
    expect(json('bedrock:InvokeModel')).not.toContain('foundation-model/*');
    expect(json('bedrock:InvokeModel')).toContain('foundation-model/amazon.nova-micro-v1:0');
    expect(json('bedrock:InvokeModel')).toContain('inference-profile/eu.anthropic.claude-3-5-haiku-20241022-v1:0');
    expect(json('bedrock:InvokeModel')).toContain('foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0');
    expect(json('lambda:InvokeFunction')).toContain('arn:aws:lambda:eu-west-1:123456789012:function:lookup');
    expect(json('s3:GetObject')).toContain(':s3:::acme-reports/*');
    expect(json('secretsmanager:GetSecretValue')).toContain(':secret:stepflow/openai-??????');
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ TOOL_S3_ALLOW_BUCKETS: 'acme-reports' }) } });
  });
});

describe('cdk-nag in these tests', () => {
  it('fails synth on a finding nobody acknowledged (so a clean platform build means a clean report)', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new Stack(app, 'Unacknowledged');
    new sqs.Queue(stack, 'PlainQueue');
    expect(() => Template.fromStack(stack)).toThrow(/PlainQueue\/Resource[\s\S]*AwsSolutions-SQS3/);
  });
});
