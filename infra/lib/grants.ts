/**
 * The IAM statements Stepflow's functions need, each with exactly the actions the code calls
 * (read from the handlers and the data layer) on the resources it touches. Kept in one place so
 * a reviewer reads every statement once.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct, IConstruct } from 'constructs';
import { acknowledge, nagArn } from './nag';
import { GSI1 } from '../../functions/_shared/data/keys';

/** State machines Stepflow creates (from the repository or the console) are all named `stepflow-...`. */
export const STATE_MACHINE_PREFIX = 'stepflow-';

/** The S3 key prefixes the functions write (functions/_shared/large-output.ts, api-workflows publish). */
export const ArtifactPrefixes = { largeOutputs: 'executions/', definitions: 'definitions/' } as const;

/** Items the data layer reads and writes (functions/_shared/data: Get/Put/Update/Delete/Query/BatchGet/BatchWrite). */
const TABLE_READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
const TABLE_WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

export function tableStatement(table: dynamodb.ITable, access: 'read' | 'readwrite'): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: access === 'read' ? TABLE_READ : [...TABLE_READ, ...TABLE_WRITE],
    resources: [table.tableArn, `${table.tableArn}/index/${GSI1}`],
  });
}

/** Get/Put of objects under one key prefix (the keys themselves are generated per execution). */
export function objectsStatement(bucket: s3.IBucket, prefix: string, actions: readonly ('s3:GetObject' | 's3:PutObject')[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: [...actions], resources: [bucket.arnForObjects(`${prefix}*`)] });
}

/** ARN patterns of Stepflow's state machines, their versions and their executions in this account and region. */
export function stateMachineArns(stack: Stack) {
  const arn = (resource: string, resourceName: string) => stack.formatArn({ service: 'states', resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  return {
    stateMachines: arn('stateMachine', `${STATE_MACHINE_PREFIX}*`),
    versions: arn('stateMachine', `${STATE_MACHINE_PREFIX}*:*`),
    executions: arn('execution', `${STATE_MACHINE_PREFIX}*:*`),
  };
}

/** Start executions of Stepflow state machines (latest or a published version). */
export function startExecutionStatement(stack: Stack): iam.PolicyStatement {
  const arns = stateMachineArns(stack);
  return new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [arns.stateMachines, arns.versions] });
}

/** Describe and stop Stepflow executions. */
export function executionControlStatement(stack: Stack): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: ['states:DescribeExecution', 'states:StopExecution'], resources: [stateMachineArns(stack).executions] });
}

/** Answer callback tasks (human input, pause gates) of Stepflow state machines. */
export function taskResponseStatement(stack: Stack): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: [stateMachineArns(stack).stateMachines] });
}

/**
 * Create, update and publish Stepflow state machines (api-workflows' publish). CreateStateMachine
 * with tags needs TagResource; with `publish: true`, PublishStateMachineVersion.
 */
export function publishStatement(stack: Stack): iam.PolicyStatement {
  const arns = stateMachineArns(stack);
  return new iam.PolicyStatement({
    actions: ['states:CreateStateMachine', 'states:UpdateStateMachine', 'states:DescribeStateMachine', 'states:PublishStateMachineVersion', 'states:TagResource'],
    resources: [arns.stateMachines, arns.versions],
  });
}

/**
 * What CloudWatch Logs' vended log delivery needs from whoever configures logging on a state
 * machine (its execution role, and the caller of Create/UpdateStateMachine). None of these
 * actions supports resource-level permissions.
 */
export function logDeliveryStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: [
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ],
    resources: ['*'],
  });
}

/** Post to, read and close WebSocket connections of one stage. */
export function manageConnectionsStatement(stack: Stack, apiId: string, stageName: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['execute-api:ManageConnections'],
    resources: [stack.formatArn({ service: 'execute-api', resource: apiId, resourceName: `${stageName}/*/@connections/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
  });
}

/**
 * The log-delivery statement as a policy of its own, so its unavoidable `*` is acknowledged on
 * exactly this policy and nowhere else.
 */
export function attachLogDeliveryPolicy(scope: Construct, id: string, role: iam.IRole): iam.Policy {
  const policy = new iam.Policy(scope, id, { statements: [logDeliveryStatement()], roles: [role] });
  acknowledge(policy, 'AwsSolutions-IAM5[Resource::*]', 'CloudWatch Logs vended log delivery (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) supports no resource-level permissions; Step Functions requires them to log executions to the vended log group');
  return policy;
}

/** Acknowledges the `stepflow-*` patterns of state machine statements on a role. */
export function acknowledgeStateMachinePatterns(role: IConstruct, which: readonly ('stateMachines' | 'versions' | 'executions')[], why: string): void {
  const stack = Stack.of(role);
  const patterns = { stateMachines: `stateMachine:${STATE_MACHINE_PREFIX}*`, versions: `stateMachine:${STATE_MACHINE_PREFIX}*:*`, executions: `execution:${STATE_MACHINE_PREFIX}*:*` };
  for (const w of which) {
    acknowledge(role, `AwsSolutions-IAM5[Resource::${nagArn(stack, 'states', patterns[w])}]`, `${why}; scoped to the stepflow- name prefix in this account and region (names are stepflow-<tenant>-<workflow>-<hash>, created at run time by publish${w === 'executions' ? ', execution names from idempotency keys' : w === 'versions' ? ', versions numbered by Step Functions' : ''})`);
  }
}
