/**
 * The wildcards a ReadOnlyConfigGrant writes on purpose, acknowledged one by one on the policy
 * that holds them, so that any other wildcard still raises AwsSolutions-IAM5.
 */
import { IConstruct } from 'constructs';
import { GrantStatement } from '../../private/grant-statement';
import { acknowledgeWildcardResources } from '../../private/nag-acknowledgements';

const WILDCARD_REASON =
  "A grant's wildcards are its scope: '<path>/*' is the granted subtree (never '<path>*', which "
  + "would match sibling paths), '-??????' is the random suffix Secrets Manager appends to a secret's "
  + "ARN, and ssm:DescribeParameters (only when asked for) accepts no resource but '*'.";

export function acknowledgeGrantWildcards(policy: IConstruct, statements: GrantStatement[]): void {
  acknowledgeWildcardResources(policy, statements.flatMap((statement) => statement.resourceArns), WILDCARD_REASON);
}
