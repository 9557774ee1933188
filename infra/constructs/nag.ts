/**
 * Helpers for acknowledging cdk-nag findings. cdk-nag 3 reports each IAM wildcard as its own finding
 * (`AwsSolutions-IAM5[Resource::<LogicalId.Arn>/suffix]`), so an acknowledgment names the exact finding.
 */
import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Acknowledges one cdk-nag finding on a construct and everything under it. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * Returns the cdk-nag IAM5 finding id of a resource ARN wildcard: `Resource::<LogicalId.Arn>` followed by the
 * suffix, the form cdk-nag gives a `Fn::GetAtt Arn` joined with a literal.
 */
export function arnWildcardFinding(resource: CfnElement, suffix: string, attribute = 'Arn'): string {
  const logicalId = Stack.of(resource).resolve(resource.logicalId) as string;
  return `AwsSolutions-IAM5[Resource::<${logicalId}.${attribute}>${suffix}]`;
}
