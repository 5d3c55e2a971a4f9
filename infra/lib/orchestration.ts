/**
 * What every Stepflow state machine shares, whether it is compiled from the repository at synth
 * or published from the console at run time: one execution role and one vended log group (level
 * ALL, execution data included, X-Ray tracing on).
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeStateMachinePatterns, executionControlStatement, logDeliveryStatement, startExecutionStatement } from './grants';
import { acknowledge } from './nag';

export interface StepflowOrchestrationProps {
  /** The runtime functions the Task states invoke. */
  readonly runtimes: readonly lambda.IFunction[];
  /** @default three months */
  readonly logRetention?: logs.RetentionDays;
}

export class StepflowOrchestration extends Construct {
  readonly stateMachineRole: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: StepflowOrchestrationProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // Step Functions requires the `/aws/vendedlogs/` prefix to keep its resource policy small.
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${stack.stackName}`,
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.stateMachineRole = new iam.Role(this, 'StateMachineRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com').withConditions({ StringEquals: { 'aws:SourceAccount': stack.account } }),
      description: 'Execution role of every Stepflow state machine (repository and console workflows)',
    });
    // The Task states invoke the unqualified ARNs (definition substitutions), so no `:*` for
    // versions and aliases as `grantInvoke` would add.
    this.stateMachineRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: props.runtimes.map((fn) => fn.functionArn) }));
    // Sub-workflows: startExecution.sync:2 on other Stepflow machines, which Step Functions
    // follows through a managed EventBridge rule.
    this.stateMachineRole.addToPrincipalPolicy(startExecutionStatement(stack));
    this.stateMachineRole.addToPrincipalPolicy(executionControlStatement(stack));
    this.stateMachineRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule' })],
      }),
    );
    // The same statements the CDK adds for a StateMachine with logs and tracing (identical
    // statements merge), here as well so console-published machines get them with no repository workflow.
    this.stateMachineRole.addToPrincipalPolicy(logDeliveryStatement());
    this.stateMachineRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'], resources: ['*'] }),
    );
    acknowledge(this.stateMachineRole, 'AwsSolutions-IAM5[Resource::*]', 'only two statements use "*", both required by Step Functions and neither supporting resource-level permissions: X-Ray tracing (PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) and vended log delivery to the log group (CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups)');
    acknowledgeStateMachinePatterns(this.stateMachineRole, ['stateMachines', 'versions', 'executions'], 'sub-workflow nodes start (latest or a pinned version), describe and stop executions of other Stepflow state machines, which the console publishes after deployment');
  }
}
