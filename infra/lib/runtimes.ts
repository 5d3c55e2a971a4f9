/**
 * The node runtimes: the Lambda functions the state machines' Task states invoke, one per
 * runtime of `shared/src/runtime.ts`. Every runtime except code reads and writes the table and
 * puts lifecycle events on the bus (the node lifecycle middleware: pause check, node runs,
 * node_started/completed/failed), and gets/puts large outputs under `executions/`. The code
 * runtime has none of these and is granted nothing beyond its own logs and traces.
 */
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { runtimeFunctions, type RuntimeName } from '@shared/runtime';
import type { StepflowConfig } from './config';
import { catalogFunction, type FunctionCatalog, type FunctionKey } from './functions';
import { ArtifactPrefixes, objectsStatement, tableStatement } from './grants';
import { NodeFunction } from './node-function';
import { acknowledge, nagArn, nagRef } from './nag';

/** Which function serves each runtime. */
export const RUNTIME_FUNCTION_KEYS = {
  llm: 'invokeLlm',
  agent: 'runAgent',
  tool: 'runTool',
  code: 'runCode',
  human_input: 'requestInput',
  transform: 'transformData',
  callback: 'recordCallback',
} as const satisfies Record<RuntimeName, FunctionKey>;

export const RUNTIME_NAMES = Object.keys(runtimeFunctions) as RuntimeName[];

export interface StepflowRuntimesProps {
  readonly catalog: FunctionCatalog;
  readonly config: Pick<StepflowConfig, 'tenantId' | 'codeNetworkIsolation' | 'modelMode' | 'bedrockModels' | 'modelSecrets' | 'toolHttpAllowHosts' | 'toolMcpAllowHosts' | 'toolS3Buckets' | 'toolLambdaArns'>;
  readonly table: dynamodb.ITable;
  readonly eventBus: events.IEventBus;
  readonly artifactsBucket: s3.IBucket;
}

export class StepflowRuntimes extends Construct {
  readonly functions: Readonly<Record<RuntimeName, NodeFunction>>;
  /** The code runtime's network: no internet gateway, no NAT, no egress (when isolated). */
  readonly codeNetwork?: { readonly vpc: ec2.Vpc; readonly securityGroup: ec2.SecurityGroup };

  constructor(scope: Construct, id: string, props: StepflowRuntimesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config, catalog } = props;
    const withTable = { EVENT_BUS_NAME: props.eventBus.eventBusName, ARTIFACTS_BUCKET: props.artifactsBucket.bucketName, TABLE_NAME: props.table.tableName, DEFAULT_TENANT: config.tenantId };
    const models = { MODEL_MODE: config.modelMode };
    const tools = {
      TOOL_HTTP_ALLOW_HOSTS: config.toolHttpAllowHosts.join(','),
      TOOL_S3_ALLOW_BUCKETS: config.toolS3Buckets.join(','),
    };
    const environments: Record<RuntimeName, Record<string, string>> = {
      llm: { ...withTable, ...models },
      agent: { ...withTable, ...models, ...tools },
      tool: { ...withTable, ...tools, TOOL_MCP_ALLOW_HOSTS: config.toolMcpAllowHosts.join(',') },
      // The code runtime has no lifecycle middleware, no bus and no bucket (functions/run-code/handler.ts).
      code: {},
      human_input: withTable,
      transform: withTable,
      callback: withTable,
    };

    this.codeNetwork = config.codeNetworkIsolation ? isolatedNetwork(this) : undefined;
    const make = (runtime: RuntimeName): NodeFunction =>
      catalogFunction(this, catalog, RUNTIME_FUNCTION_KEYS[runtime], environments[runtime], runtime === 'code' && this.codeNetwork ? { vpc: this.codeNetwork.vpc, subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, securityGroups: [this.codeNetwork.securityGroup] } : undefined);
    const functions = Object.fromEntries(RUNTIME_NAMES.map((r) => [r, make(r)])) as Record<RuntimeName, NodeFunction>;
    this.functions = functions;
    if (this.codeNetwork) grantNetworkInterfaces(functions.code, this.codeNetwork);

    // Every runtime but code: the lifecycle middleware's records and events, large outputs.
    for (const runtime of RUNTIME_NAMES) {
      if (runtime === 'code') continue;
      const fn = functions[runtime];
      fn.addToRolePolicy(tableStatement(props.table, 'readwrite'));
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [props.eventBus.eventBusArn] }));
      fn.addToRolePolicy(objectsStatement(props.artifactsBucket, ArtifactPrefixes.largeOutputs, ['s3:GetObject', 's3:PutObject']));
      acknowledge(fn.role, `AwsSolutions-IAM5[Resource::${nagRef(props.artifactsBucket.node.defaultChild as IConstruct, 'Arn')}/${ArtifactPrefixes.largeOutputs}*]`, 'outputs over 200 KB are stored at executions/<execution>/<node>/<uuid>.json and read back by the next node: GetObject and PutObject only, only under executions/');
    }

    // Models: Bedrock (llm, agent) and the API keys of OpenAI-compatible endpoints.
    for (const runtime of ['llm', 'agent'] as const) {
      const fn = functions[runtime];
      if (config.modelMode === 'real') {
        fn.addToRolePolicy(bedrockStatement(stack, config.bedrockModels));
        if (config.bedrockModels.length === 0) {
          const why = 'workflow authors choose Bedrock models per node in the console after deployment (and cross-region inference profiles route to other regions); only InvokeModel and InvokeModelWithResponseStream are allowed; pin the models with the stepflow:bedrockModels context to remove this wildcard';
          acknowledge(fn.role, 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/*]', why);
          acknowledge(fn.role, `AwsSolutions-IAM5[Resource::${nagArn(stack, 'bedrock', 'inference-profile/*')}]`, why);
        } else {
          for (const id of config.bedrockModels) {
            acknowledge(fn.role, `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${id.replace(/^(us|eu|apac|us-gov|global)\./, '')}]`, 'a configured model: region "*" because a cross-region inference profile invokes it in the regions of its geography');
          }
        }
      }
      if (config.modelSecrets.length > 0) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: ['secretsmanager:GetSecretValue'],
            // Secrets Manager appends 6 random characters to a secret's name in its ARN.
            resources: config.modelSecrets.map((name) => stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${name}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
          }),
        );
        for (const name of config.modelSecrets) {
          acknowledge(fn.role, `AwsSolutions-IAM5[Resource::${nagArn(stack, 'secretsmanager', `secret:${name}-??????`)}]`, `the configured secret ${name}: Secrets Manager appends six random characters to the name in the ARN, which "-??????" matches exactly`);
        }
      }
    }

    // Tools: the s3_get/s3_put buckets (agent and tool nodes), the customer's Lambdas (tool nodes).
    if (config.toolS3Buckets.length > 0) {
      for (const runtime of ['agent', 'tool'] as const) {
        functions[runtime].addToRolePolicy(
          new iam.PolicyStatement({
            actions: ['s3:GetObject', 's3:PutObject'],
            resources: config.toolS3Buckets.map((b) => stack.formatArn({ service: 's3', region: '', account: '', resource: b, resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME })),
          }),
        );
        for (const b of config.toolS3Buckets) {
          acknowledge(functions[runtime].role, `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${b}/*]`, `the s3_get/s3_put tools read and write the keys a workflow names in ${b}, a bucket the deployment allow-listed (stepflow:toolS3Buckets); GetObject and PutObject only`);
        }
      }
    }
    if (config.toolLambdaArns.length > 0) {
      functions.tool.addToRolePolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: config.toolLambdaArns }));
    }
  }

  /** The runtime functions' ARNs by runtime name (the `RUNTIME_FUNCTION_ARNS` of api-workflows). */
  get arns(): Record<RuntimeName, string> {
    return Object.fromEntries(RUNTIME_NAMES.map((r) => [r, this.functions[r].functionArn])) as Record<RuntimeName, string>;
  }
}

/**
 * Converse and ConverseStream on the configured foundation models, or on any foundation model
 * when none is configured (workflow authors pick models in the editor). Foundation-model ARNs
 * have no account, and cross-region inference profiles route to other regions, hence region `*`;
 * inference profiles are resources of this account and region.
 */
export function bedrockStatement(stack: Stack, modelIds: readonly string[]): iam.PolicyStatement {
  const foundation = (id: string) => `arn:${stack.partition}:bedrock:*::foundation-model/${id}`;
  const profile = (id: string) => stack.formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: id, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  // A cross-region profile id is the model id with a geography prefix (us., eu., apac., global.).
  const profilePrefix = /^(us|eu|apac|us-gov|global)\./;
  const resources =
    modelIds.length === 0
      ? [foundation('*'), profile('*')]
      : [...new Set(modelIds.flatMap((id) => (profilePrefix.test(id) ? [profile(id), foundation(id.replace(profilePrefix, ''))] : [foundation(id)])))];
  return new iam.PolicyStatement({ actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'], resources });
}

/**
 * A VPC with private isolated subnets only (no internet gateway, no NAT gateway, no endpoints)
 * and a security group with no egress rule, for the code runtime. Rejected traffic is logged
 * (flow logs), so an escape that tries the network leaves a trace.
 */
function isolatedNetwork(scope: Construct): { vpc: ec2.Vpc; securityGroup: ec2.SecurityGroup } {
  const vpc = new ec2.Vpc(scope, 'CodeVpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
    restrictDefaultSecurityGroup: false,
  });
  const flowLogs = new logs.LogGroup(scope, 'CodeVpcFlowLogs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
  vpc.addFlowLog('RejectedTraffic', { trafficType: ec2.FlowLogTrafficType.REJECT, destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs) });
  const securityGroup = new ec2.SecurityGroup(scope, 'CodeSecurityGroup', { vpc, allowAllOutbound: false, description: 'Stepflow code runtime: no ingress, no egress' });
  return { vpc, securityGroup };
}

/**
 * What Lambda needs from the function's role to place it in the VPC (the actions of
 * AWSLambdaVPCAccessExecutionRole, without its logs:* on every log group): create interfaces only
 * in the isolated subnets with the no-egress security group; describe calls support no
 * resource-level permissions.
 */
function grantNetworkInterfaces(fn: NodeFunction, network: { vpc: ec2.Vpc; securityGroup: ec2.SecurityGroup }): void {
  const stack = Stack.of(fn);
  const arn = (resource: string, name: string) => stack.formatArn({ service: 'ec2', resource, resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  const interfaces = arn('network-interface', '*');
  const policy = new iam.Policy(fn, 'NetworkInterfaces', {
    roles: [fn.role],
    statements: [
      new iam.PolicyStatement({
        actions: ['ec2:CreateNetworkInterface'],
        resources: [interfaces, arn('security-group', network.securityGroup.securityGroupId), ...network.vpc.isolatedSubnets.map((s) => arn('subnet', s.subnetId))],
      }),
      new iam.PolicyStatement({ actions: ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'], resources: [interfaces] }),
      new iam.PolicyStatement({ actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'], resources: ['*'] }),
    ],
  });
  // Lambda checks these permissions when it creates the function.
  fn.function.node.addDependency(policy);
  acknowledge(policy, `AwsSolutions-IAM5[Resource::${nagArn(stack, 'ec2', 'network-interface/*')}]`, "Lambda creates and deletes the function's network interfaces (ids unknown in advance) with its role; creation is limited to the isolated subnets and the no-egress security group");
  acknowledge(policy, 'AwsSolutions-IAM5[Resource::*]', 'ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets, which Lambda calls to place the function in its subnets, support no resource-level permissions');
}
