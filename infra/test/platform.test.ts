/**
 * The platform stack as `cdk deploy` would create it, with every function wired (stub handlers
 * for the ones not in the tree yet) and every example workflow (all trigger kinds) compiled.
 * Built once, with cdk-nag on: building it at all proves cdk-nag found nothing unacknowledged.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { envSchema } from '../../functions/_shared/env';
import { GSI1, TableKeys } from '../../functions/_shared/data/keys';
import { stateMachineName } from '../../functions/_shared/stepfunctions/names';
import { FUNCTIONS, type FunctionKey } from '../lib/functions';
import { API_ROUTES } from '../lib/rest-api';
import { buildStack, repoPath, stubFunctionsDir, type BuiltStack } from './stacks';

jest.setTimeout(120_000);

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

const EXAMPLES = readdirSync(repoPath('examples')).filter((f) => f.endsWith('.json'));

let built: BuiltStack;
let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  // Template.fromStack synthesizes the app; with cdk-nag registered, any unacknowledged finding
  // throws "Validation failed" here and the report names each one.
  built = buildStack({ functionsDir: stubFunctionsDir(), nag: true, config: { workflowsDir: 'examples' } });
  template = built.template;
  resources = template.toJSON().Resources as Record<string, Resource>;
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
/** The logical id of the construct at `Stepflow/<path>` (`../<path>`: from the stack root). */
const logicalIdOf = (constructPath: string): string => {
  const fromStack = constructPath.startsWith('../');
  if (fromStack) constructPath = constructPath.slice(3);
  const node = fromStack ? built.stack : built.stack.node.findChild('Stepflow');
  const target = constructPath.split('/').reduce((n, id) => n.node.findChild(id), node);
  const child = (target.node.defaultChild ?? target) as any;
  return built.stack.resolve(child.logicalId) as string;
};
/** Every statement of the policies attached to a role (by the role's logical id). */
const statementsOfRole = (roleId: string): Statement[] =>
  ofType('AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
const functionNamed = (key: FunctionKey) => {
  const found = ofType('AWS::Lambda::Function').filter(([, r]) => r.Properties.Description === FUNCTIONS[key].description);
  expect(found).toHaveLength(1);
  return found[0]![1];
};
const roleOf = (fn: Resource) => (fn.Properties.Role['Fn::GetAtt'] as string[])[0]!;

describe('cdk-nag', () => {
  it('finds nothing unacknowledged (the stack synthesized with AwsSolutionsChecks registered)', () => {
    expect(Object.keys(resources).length).toBeGreaterThan(100);
    // Every acknowledgement names an AwsSolutions finding on the construct that causes it (none on
    // the stack or the app), with a reason of substance.
    const acks = built.stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id, reason }))))
      .filter((a) => a.id.startsWith('AwsSolutions::'));
    expect(acks.length).toBeGreaterThan(40);
    for (const ack of acks) {
      expect(ack.path).not.toBe('Stepflow');
      expect(ack.reason.length).toBeGreaterThan(80);
    }
    // Findings acknowledged: only these rules.
    expect([...new Set(acks.map((a) => a.id.replace(/^AwsSolutions::AwsSolutions-/, '').replace(/\[.*$/, '')))].sort()).toEqual(['APIG4', 'COG8', 'IAM4', 'IAM5', 'L1', 'SMG4', 'SQS3']);
  });
});

describe('data', () => {
  it('creates the table with the data layer keys, gsi1, PITR and TTL on ttl', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: TableKeys.pk, KeyType: 'HASH' },
        { AttributeName: TableKeys.sk, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: GSI1,
          KeySchema: [
            { AttributeName: TableKeys.gsi1pk, KeyType: 'HASH' },
            { AttributeName: TableKeys.gsi1sk, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        }),
      ],
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
  });

  it('blocks public access to the artifacts bucket, refuses plain HTTP and expires objects', () => {
    const artifacts = logicalIdOf('Data/Artifacts');
    expect(resources[artifacts]!.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: expect.arrayContaining([expect.objectContaining({ ExpirationInDays: 120, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' })]) },
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalIdOf('Data/AccessLogs') }, LogFilePrefix: 'artifacts/' },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: artifacts },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('creates the Stepflow event bus', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
  });
});

describe('functions', () => {
  it('deploys every catalog function, each on nodejs22.x, ARM64, active tracing, JSON logs in its own log group', () => {
    const functions = ofType('AWS::Lambda::Function').filter(([, r]) => Object.values(FUNCTIONS).some((f) => f.description === r.Properties.Description));
    expect(functions).toHaveLength(Object.keys(FUNCTIONS).length);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
        Handler: 'index.handler',
      });
      const logGroup = resources[fn.Properties.LoggingConfig.LogGroup.Ref]!;
      expect(logGroup.Properties.RetentionInDays).toBe(30);
      // Its own role, with no managed policy.
      expect(resources[roleOf(fn)]!.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('gives every function each environment variable its handler requires (loadEnv without a default)', () => {
    const checked: string[] = [];
    for (const [key, spec] of Object.entries(FUNCTIONS) as [FunctionKey, (typeof FUNCTIONS)[FunctionKey]][]) {
      let source: string;
      try {
        source = readFileSync(repoPath('functions', spec.dir, 'handler.ts'), 'utf8');
      } catch {
        continue; // not in the tree yet
      }
      const list = /loadEnv\(\[([^\]]*)\]/.exec(source)?.[1];
      if (list === undefined) continue;
      const required = [...list.matchAll(/'([A-Z0-9_]+)'/g)]
        .map((m) => m[1]!)
        .filter((name) => name !== 'AWS_REGION') // set by Lambda itself
        .filter((name) => {
          const schema = (envSchema.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>)[name];
          return schema === undefined || !schema.safeParse(undefined).success;
        });
      const env = functionNamed(key).Properties.Environment.Variables as Record<string, unknown>;
      for (const name of required) expect({ function: spec.dir, name, present: name in env }).toEqual({ function: spec.dir, name, present: true });
      checked.push(spec.dir);
    }
    expect(checked).toEqual(expect.arrayContaining(['invoke-llm', 'run-agent', 'run-tool', 'api-workflows', 'api-executions', 'fan-out-event', 'ws-routes', 'ws-authorizer']));
  });

  it('passes api-workflows the state machine role, the runtime ARNs as JSON, the log group and the account', () => {
    const env = functionNamed('apiWorkflows').Properties.Environment.Variables;
    expect(env.STATE_MACHINE_ROLE_ARN).toEqual({ 'Fn::GetAtt': [logicalIdOf('Orchestration/StateMachineRole'), 'Arn'] });
    expect(env.LOG_GROUP_ARN).toEqual({ 'Fn::GetAtt': [logicalIdOf('Orchestration/Logs'), 'Arn'] });
    expect(env.AWS_ACCOUNT_ID).toBe('123456789012');
    const json = JSON.stringify(built.stack.resolve(env.RUNTIME_FUNCTION_ARNS));
    for (const runtime of ['llm', 'agent', 'tool', 'code', 'human_input', 'transform', 'callback']) expect(json).toContain(`\\"${runtime}\\":`);
  });

  it('sets MODEL_MODE=real and the tenant on the runtimes, nothing on run-code, and bundles its sandbox runner', () => {
    expect(functionNamed('invokeLlm').Properties.Environment.Variables).toMatchObject({ MODEL_MODE: 'real', DEFAULT_TENANT: 'default' });
    // No bus, no bucket, no table: nothing to find there even from an escape.
    expect(Object.keys(functionNamed('runCode').Properties.Environment.Variables).filter((k) => !k.startsWith('POWERTOOLS_') && k !== 'NODE_OPTIONS')).toEqual([]);
    expect(FUNCTIONS.runCode.copyFiles).toEqual(['sandbox-runner.cjs']);
  });
});

describe('IAM', () => {
  const allStatements = () => ofType('AWS::IAM::Policy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);

  it('uses "*" only for X-Ray, vended log delivery and ENI describe calls, which support no resource-level permissions', () => {
    const allowed = new Set(['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups']);
    const starred = allStatements().filter((s) => asArray(s.Resource).includes('*'));
    expect(starred.length).toBeGreaterThan(0);
    for (const s of starred) for (const a of asArray(s.Action)) expect(allowed.has(a) ? a : `unexpected * for ${a}`).toBe(a);
  });

  it('never uses wildcard actions', () => {
    for (const s of allStatements()) for (const a of asArray(s.Action)) expect(a).not.toMatch(/\*/);
  });

  it('grants run-code nothing but its own log group, tracing and the network interfaces Lambda needs in its isolated subnets', () => {
    const runCode = functionNamed('runCode');
    const statements = statementsOfRole(roleOf(runCode));
    const actions = statements.flatMap((s) => asArray(s.Action)).sort();
    expect(actions).toEqual([
      'ec2:AssignPrivateIpAddresses',
      'ec2:CreateNetworkInterface',
      'ec2:DeleteNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:UnassignPrivateIpAddresses',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    const logs = statements.find((s) => asArray(s.Action).includes('logs:PutLogEvents'))!;
    expect(logs.Resource).toEqual({ 'Fn::GetAtt': [runCode.Properties.LoggingConfig.LogGroup.Ref, 'Arn'] });
    const create = JSON.stringify(statements.find((s) => asArray(s.Action).includes('ec2:CreateNetworkInterface'))!.Resource);
    expect(create).toContain(':network-interface/*');
    expect(create).toContain(`{"Fn::GetAtt":["${logicalIdOf('Runtimes/CodeSecurityGroup')}","GroupId"]}`);
    expect(create.match(/:subnet\//g)).toHaveLength(2);
  });

  it('puts run-code in isolated subnets with no route out and a security group without egress', () => {
    const runCode = functionNamed('runCode');
    expect(runCode.Properties.VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [logicalIdOf('Runtimes/CodeSecurityGroup'), 'GroupId'] }]);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    for (const [, route] of ofType('AWS::EC2::Route')) expect(route.Properties.DestinationCidrBlock).not.toBe('0.0.0.0/0');
    const sg = resources[logicalIdOf('Runtimes/CodeSecurityGroup')]!;
    // The CDK's placeholder rule for "no egress": ICMP type 252 code 86 to 255.255.255.255/32.
    expect(sg.Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32', IpProtocol: 'icmp' })]);
    expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT', ResourceType: 'VPC' });
    // No other function is in a VPC.
    expect(ofType('AWS::Lambda::Function').filter(([, r]) => r.Properties.VpcConfig)).toHaveLength(1);
  });

  it('grants invoke-llm Bedrock, the table, the bus and large outputs under executions/ only', () => {
    const statements = statementsOfRole(roleOf(functionNamed('invokeLlm')));
    const byAction = (a: string) => statements.filter((s) => asArray(s.Action).includes(a));
    expect(byAction('bedrock:InvokeModel')[0]!.Action).toEqual(['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream']);
    expect(asArray(byAction('dynamodb:PutItem')[0]!.Action).sort()).toEqual(
      ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'].sort(),
    );
    const table = logicalIdOf('Data/Table');
    expect(built.stack.resolve(byAction('dynamodb:PutItem')[0]!.Resource)).toEqual([
      { 'Fn::GetAtt': [table, 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, '/index/gsi1']] },
    ]);
    expect(byAction('events:PutEvents')[0]!.Resource).toEqual({ 'Fn::GetAtt': [logicalIdOf('Data/Bus'), 'Arn'] });
    expect(byAction('s3:PutObject')[0]!.Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf('Data/Artifacts'), 'Arn'] }, '/executions/*']] });
    expect(byAction('lambda:InvokeFunction')).toHaveLength(0);
  });

  it('grants the state machine role invoke on exactly the seven runtime functions (unqualified)', () => {
    const statements = statementsOfRole(logicalIdOf('Orchestration/StateMachineRole'));
    const invoke = statements.filter((s) => asArray(s.Action).includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    const targets = asArray(invoke[0]!.Resource as { 'Fn::GetAtt': string[] }[]).map((r) => r['Fn::GetAtt'][0]);
    const runtimes = (['invokeLlm', 'runAgent', 'runTool', 'runCode', 'requestInput', 'transformData', 'recordCallback'] as const).map((k) => {
      const id = ofType('AWS::Lambda::Function').find(([, r]) => r.Properties.Description === FUNCTIONS[k].description)![0];
      return id;
    });
    expect(targets.sort()).toEqual(runtimes.sort());
  });

  it('lets api-workflows pass only the state machine role, and publish only stepflow-* machines in this account and region', () => {
    const statements = statementsOfRole(roleOf(functionNamed('apiWorkflows')));
    const pass = statements.filter((s) => asArray(s.Action).includes('iam:PassRole'));
    expect(pass).toHaveLength(1);
    expect(pass[0]!.Resource).toEqual({ 'Fn::GetAtt': [logicalIdOf('Orchestration/StateMachineRole'), 'Arn'] });
    const publish = statements.find((s) => asArray(s.Action).includes('states:CreateStateMachine'))!;
    expect(publish.Action).toEqual(['states:CreateStateMachine', 'states:UpdateStateMachine', 'states:DescribeStateMachine', 'states:PublishStateMachineVersion', 'states:TagResource']);
    expect(built.stack.resolve(publish.Resource)).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:eu-west-1:123456789012:stateMachine:stepflow-*']] },
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:eu-west-1:123456789012:stateMachine:stepflow-*:*']] },
    ]);
  });

  it('scopes ManageConnections to the live stage of the WebSocket API', () => {
    const statements = statementsOfRole(roleOf(functionNamed('fanOutEvent')));
    const manage = statements.find((s) => asArray(s.Action).includes('execute-api:ManageConnections'))!;
    expect(manage.Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:eu-west-1:123456789012:', { Ref: logicalIdOf('LiveEvents/Api') }, '/live/*/@connections/*']],
    });
  });

  it('attaches AWS managed policies only to the API Gateway logging role and the CDK bucket-notifications handler', () => {
    const withManaged = ofType('AWS::IAM::Role').filter(([, r]) => r.Properties.ManagedPolicyArns);
    expect(withManaged.map(([id]) => id).sort()).toEqual([expect.stringMatching(/^BucketNotificationsHandler/), expect.stringMatching(/ApiGatewayCloudWatchRole/)].sort());
  });
});

describe('APIs', () => {
  it('routes every /api/v1 route through the Lambda authorizer (a Cognito JWT or an API key), and the webhook route through none', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').filter(([, r]) => (r.Properties.RouteKey as string).includes('/'));
    const expected = Object.values(API_ROUTES).flat().length + 1;
    expect(routes).toHaveLength(expected);
    const restApi = { Ref: logicalIdOf('RestApi/Api') };
    const authorizers = ofType('AWS::ApiGatewayV2::Authorizer').filter(([, a]) => JSON.stringify(a.Properties.ApiId) === JSON.stringify(restApi));
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0]!;
    // Simple responses, nothing cached (a revoked key stops at once), no header required up front.
    expect(authorizer.Properties).toMatchObject({ AuthorizerType: 'REQUEST', AuthorizerPayloadFormatVersion: '2.0', EnableSimpleResponses: true, AuthorizerResultTtlInSeconds: 0, IdentitySource: [] });
    const fn = ofType('AWS::Lambda::Function').find(([, r]) => r.Properties.Description === FUNCTIONS.apiAuthorizer.description)!;
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(fn[0]);
    for (const [, route] of routes) {
      if (route.Properties.RouteKey === 'POST /hooks/{id}') expect(route.Properties.AuthorizationType).toBe('NONE');
      else expect(route.Properties).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } });
    }
  });

  it('lets the REST authorizer only read the table, and check tokens against the user pool', () => {
    const fn = functionNamed('apiAuthorizer');
    const actions = statementsOfRole(roleOf(fn)).flatMap((s) => asArray(s.Action)).filter((a) => a.startsWith('dynamodb:'));
    expect(actions.sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    expect(fn.Properties.Environment.Variables).toMatchObject({ USER_POOL_ID: { Ref: logicalIdOf('Auth/Users') }, USER_POOL_CLIENT_ID: { Ref: logicalIdOf('Auth/Users/Editor') } });
  });

  it('logs access on the HTTP API stage and throttles it', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: '$default', AutoDeploy: true, AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.anyValue() }, DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 } });
  });

  it('creates the WebSocket API with routes on body.type and a query-token REQUEST authorizer on $connect only', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.type' });
    const authorizer = ofType('AWS::ApiGatewayV2::Authorizer').find(([, a]) => JSON.stringify(a.Properties.ApiId) === JSON.stringify({ Ref: logicalIdOf('LiveEvents/Api') }))!;
    expect(authorizer[1].Properties).toMatchObject({ AuthorizerType: 'REQUEST', IdentitySource: ['route.request.querystring.token'] });
    const ws = ofType('AWS::ApiGatewayV2::Route').filter(([, r]) => (r.Properties.RouteKey as string).startsWith('$'));
    expect(Object.fromEntries(ws.map(([, r]) => [r.Properties.RouteKey, r.Properties.AuthorizationType ?? 'NONE']))).toEqual({ $connect: 'CUSTOM', $disconnect: 'NONE', $default: 'NONE' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: 'live', AccessLogSettings: Match.anyValue() });
  });

  it('creates the user pool with required MFA and the editor client without a secret', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'ON', AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', { GenerateSecret: false, AllowedOAuthFlows: ['code'] });
  });
});

describe('live events', () => {
  const queue = () => resources[logicalIdOf('LiveEvents/FanOutQueue')]!;

  it('sends Stepflow bus events and stepflow-* execution status changes to the fan-out FIFO queue, in one message group, with a dead-letter queue', () => {
    const queueId = logicalIdOf('LiveEvents/FanOutQueue');
    const rules = ofType('AWS::Events::Rule').filter(([, r]) => (r.Properties.Targets as any[]).some((t) => t.Arn['Fn::GetAtt']?.[0] === queueId));
    expect(rules).toHaveLength(2);
    const patterns = rules.map(([, r]) => built.stack.resolve(r.Properties.EventPattern));
    expect(patterns).toContainEqual({ source: ['stepflow'] });
    expect(patterns).toContainEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [{ prefix: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:eu-west-1:123456789012:stateMachine:stepflow-']] } }] },
    });
    for (const [, r] of rules) {
      expect(r.Properties.Targets[0]).toMatchObject({
        SqsParameters: { MessageGroupId: 'stepflow-events' },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf('LiveEvents/RuleDeadLetters'), 'Arn'] } },
      });
    }
  });

  it('keeps the FIFO queue encrypted, deduplicated by content, with a FIFO dead-letter queue after five receives', () => {
    expect(queue().Properties).toMatchObject({
      FifoQueue: true,
      ContentBasedDeduplication: true,
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 180,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf('LiveEvents/FanOutDeadLetters'), 'Arn'] }, maxReceiveCount: 5 },
    });
    expect(resources[logicalIdOf('LiveEvents/FanOutDeadLetters')]!.Properties.FifoQueue).toBe(true);
  });

  it('feeds the fan-out function from the queue with partial batch failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf('LiveEvents/FanOutQueue'), 'Arn'] },
      FunctionName: { Ref: ofType('AWS::Lambda::Function').find(([, r]) => r.Properties.Description === FUNCTIONS.fanOutEvent.description)![0] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('lets ws-routes queue catch-up jobs (SendMessage on that queue only) and answer callback tasks', () => {
    const statements = statementsOfRole(roleOf(functionNamed('wsRoutes')));
    const send = statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('sqs:')));
    expect(send).toEqual([expect.objectContaining({ Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [logicalIdOf('LiveEvents/FanOutQueue'), 'Arn'] } })]);
    expect(statements.flatMap((s) => asArray(s.Action))).toEqual(expect.arrayContaining(['states:SendTaskSuccess', 'states:SendTaskFailure', 'execute-api:ManageConnections']));
    expect(statements.flatMap((s) => asArray(s.Action))).not.toContain('events:PutEvents');
    expect(functionNamed('wsRoutes').Properties.Environment.Variables.FANOUT_QUEUE_URL).toEqual({ Ref: logicalIdOf('LiveEvents/FanOutQueue') });
  });

  it('lets the WebSocket authorizer only read the table', () => {
    const actions = statementsOfRole(roleOf(functionNamed('wsAuthorizer'))).flatMap((s) => asArray(s.Action)).filter((a) => a.startsWith('dynamodb:'));
    expect(actions.sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
  });
});

describe('workflows as code', () => {
  const machines = () => ofType('AWS::StepFunctions::StateMachine');

  it('creates one state machine per workflow file, named like the console names them', () => {
    expect(machines()).toHaveLength(EXAMPLES.length);
    const names = machines().map(([, m]) => m.Properties.StateMachineName).sort();
    const expected = EXAMPLES.map((f) => {
      const id = JSON.parse(readFileSync(repoPath('examples', f), 'utf8')).metadata.id ?? path.basename(f, '.json');
      return stateMachineName('default', id);
    }).sort();
    expect(names).toEqual(expected);
  });

  it('logs ALL with execution data to the vended log group, traces with X-Ray and uses the shared role', () => {
    for (const [, m] of machines()) {
      expect(m.Properties).toMatchObject({
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logicalIdOf('Orchestration/Logs'), 'Arn'] } } }] },
        TracingConfiguration: { Enabled: true },
        RoleArn: { 'Fn::GetAtt': [logicalIdOf('Orchestration/StateMachineRole'), 'Arn'] },
      });
    }
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/vendedlogs/states/Stepflow' });
  });

  it('resolves every ${placeholder} of every definition with a substitution', () => {
    for (const [, m] of machines()) {
      const definition = m.Properties.DefinitionString as string;
      const used = new Set([...definition.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((x) => x[1]));
      expect(used.size).toBeGreaterThan(0);
      expect(new Set(Object.keys(m.Properties.DefinitionSubstitutions))).toEqual(used);
    }
  });

  it('points a sub-workflow node at the state machine of the workflow it names', () => {
    const [, caller] = machines().find(([, m]) => Object.keys(m.Properties.DefinitionSubstitutions).some((k) => k.startsWith('Subworkflow_')))!;
    const [key, value] = Object.entries(caller.Properties.DefinitionSubstitutions).find(([k]) => k.startsWith('Subworkflow_'))!;
    const id = key.replace(/^Subworkflow_/, '').replace(/_v\d+$/, '');
    expect(JSON.stringify(built.stack.resolve(value))).toContain(`stateMachine:${stateMachineName('default', id.replace(/_/g, '-'))}`);
  });
});

describe('triggers', () => {
  const queues = () => ofType('AWS::SQS::Queue');

  it('gives every trigger an encrypted, TLS-only dead-letter queue', () => {
    const triggerQueues = queues().filter(([id]) => /^Workflow.*Triggers.*DeadLetters/.test(id));
    // document-pipeline (s3), error-handling and scheduled-digest (schedule), lead-qualification (eventbridge).
    expect(triggerQueues).toHaveLength(4);
    for (const [id, q] of triggerQueues) {
      expect(q.Properties.SqsManagedSseEnabled).toBe(true);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    }
  });

  it('starts scheduled workflows with EventBridge Scheduler, retries and a dead-letter queue', () => {
    const schedules = ofType('AWS::Scheduler::Schedule');
    expect(schedules.map(([, s]) => s.Properties.ScheduleExpression).sort()).toEqual(['cron(0 7 ? * MON-FRI *)', 'rate(1 hour)']);
    for (const [, s] of schedules) {
      expect(s.Properties.Target).toMatchObject({ Arn: { Ref: expect.any(String) }, DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringContaining('DeadLetters'), 'Arn'] } }, RetryPolicy: { MaximumRetryAttempts: 8 } });
      expect(resources[s.Properties.Target.Arn.Ref]!.Type).toBe('AWS::StepFunctions::StateMachine');
      // The local platform's schedule input (local/platform/triggers.ts): the trigger's input and the scheduled time.
      expect(JSON.parse(s.Properties.Target.Input)).toMatchObject({ scheduledTime: '<aws.scheduler.scheduled-time>' });
    }
    const inputs = schedules.map(([, s]) => JSON.parse(s.Properties.Target.Input) as Record<string, unknown>);
    expect(inputs).toContainEqual(expect.objectContaining({ channel: '#morning-news', items: expect.arrayContaining([expect.objectContaining({ title: 'Bedrock ships a model' })]) }));
    expect(inputs).toContainEqual(expect.objectContaining({ base: 'EUR', cachedAt: '2026-11-21T23:00:00Z' }));
  });

  it('starts S3-triggered workflows from Object Created events under the prefix, with EventBridge notifications on', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: ['stepflow-inbox'] }, object: { key: [{ prefix: 'documents/' }] } } },
      Targets: [
        Match.objectLike({
          DeadLetterConfig: Match.anyValue(),
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
          // The local platform's s3 input: { bucket, key, size, etag }.
          InputTransformer: {
            InputPathsMap: { 'detail-bucket-name': '$.detail.bucket.name', 'detail-object-key': '$.detail.object.key', 'detail-object-size': '$.detail.object.size', 'detail-object-etag': '$.detail.object.etag' },
            InputTemplate: '{"bucket":<detail-bucket-name>,"key":<detail-object-key>,"size":<detail-object-size>,"etag":<detail-object-etag>}',
          },
        }),
      ],
    });
    template.hasResourceProperties('Custom::S3BucketNotifications', { BucketName: 'stepflow-inbox', NotificationConfiguration: { EventBridgeConfiguration: {} } });
  });

  it('starts EventBridge-triggered workflows from their pattern on the Stepflow bus', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: logicalIdOf('Data/Bus') },
      EventPattern: { source: ['crm'], 'detail-type': ['Lead Created'] },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('WorkflowLeadQualification') }, DeadLetterConfig: Match.anyValue() })],
    });
  });
});

describe('webhooks', () => {
  const wfId = 'support-ticket-triage';
  const machine = () => logicalIdOf('../WorkflowSupportTicketTriage/StateMachine');
  const secret = () => ofType('AWS::SecretsManager::Secret').find(([id]) => id.startsWith('WorkflowSupportTicketTriageWebhookSecret'))![0];

  it('gives each webhook trigger a generated signing secret and lists the hooks in api-hooks HOOKS', () => {
    expect(resources[secret()]!.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 48, ExcludePunctuation: true });
    const hooks = built.stack.resolve(functionNamed('apiHooks').Properties.Environment.Variables.HOOKS);
    expect(hooks).toEqual({
      'Fn::Join': ['', [`{"${wfId}":{"workflowId":"${wfId}","stateMachineArn":"`, { Ref: machine() }, '","secretArn":"', { Ref: secret() }, '","tenantId":"default"}}']],
    });
  });

  it('lets api-hooks start exactly the hooked state machines and read exactly their secrets', () => {
    const statements = statementsOfRole(roleOf(functionNamed('apiHooks')));
    const byPrefix = (p: string) => statements.filter((s) => asArray(s.Action).some((a) => a.startsWith(p)));
    expect(byPrefix('states:')).toEqual([expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: machine() } })]);
    expect(byPrefix('secretsmanager:')).toEqual([expect.objectContaining({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: { Ref: secret() } })]);
  });

  it('outputs each webhook URL and secret ARN', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(JSON.stringify(outputs.WebhookUrlSupportTicketTriage!.Value)).toContain(`/hooks/${wfId}`);
    expect(outputs.WebhookSecretArnSupportTicketTriage!.Value).toEqual({ Ref: secret() });
  });
});

describe('hosting and outputs', () => {
  it('hosts the editor on Amplify with the endpoints as build variables', () => {
    template.hasResourceProperties('AWS::Amplify::App', { Platform: 'WEB', CustomRules: [Match.objectLike({ Target: '/index.html', Status: '200' })] });
    const branch = ofType('AWS::Amplify::Branch')[0]![1];
    expect((branch.Properties.EnvironmentVariables as { Name: string }[]).map((v) => v.Name).sort()).toEqual(['VITE_API_URL', 'VITE_REGION', 'VITE_USER_POOL_CLIENT_ID', 'VITE_USER_POOL_ID', 'VITE_WS_URL']);
  });

  it('outputs the API, WebSocket and editor URLs', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['ApiUrl', 'WebSocketUrl', 'EditorUrl', 'UserPoolId', 'UserPoolClientId']));
    expect(JSON.stringify(outputs.WebSocketUrl!.Value)).toContain('wss://');
  });
});
