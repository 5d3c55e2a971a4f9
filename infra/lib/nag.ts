/**
 * cdk-nag (AwsSolutions) acknowledgements. Each construct acknowledges the findings it causes on
 * its own resources, next to the code that causes them, with the reason that finding is right
 * there; nothing is acknowledged for the whole stack.
 */
import { Stack, Token, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * @param finding the finding as cdk-nag names it, e.g. `AwsSolutions-IAM5[Resource::*]`
 * @example
 * ```ts
 * acknowledge(queue, 'AwsSolutions-SQS3', 'this queue is the dead-letter queue of ...');
 * ```
 */
export function acknowledge(scope: IConstruct, finding: string, reason: string): void {
  const pack = finding.slice(0, finding.indexOf('-'));
  Validations.of(scope).acknowledge({ id: `${pack}::${finding}`, reason });
}

/** How cdk-nag prints an ARN built by `Stack.formatArn` (tokens as `<AWS::Region>`, `<LogicalId>`). */
export function nagArn(stack: Stack, service: string, resource: string): string {
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  return `arn:<AWS::Partition>:${service}:${region}:${account}:${resource}`;
}

/** How cdk-nag prints `Fn::GetAtt` of a resource (`<LogicalId.Attr>`) or a `Ref` (`<LogicalId>`). */
export function nagRef(element: IConstruct, attribute?: string): string {
  const logicalId = Stack.of(element).getLogicalId(element as CfnElement);
  return attribute ? `<${logicalId}.${attribute}>` : `<${logicalId}>`;
}
