/**
 * The wildcards a ReadOnlyConfigGrant writes on purpose, acknowledged one by one on the policy
 * that holds them, so that any other wildcard still raises AwsSolutions-IAM5.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { GrantStatement } from './managed-policy-grant';

const WILDCARD_REASON =
  "A grant's wildcards are its scope: '<path>/*' is the granted subtree (never '<path>*', which "
  + "would match sibling paths), '-??????' is the random suffix Secrets Manager appends to a secret's "
  + "ARN, and ssm:DescribeParameters (only when asked for) accepts no resource but '*'.";

/** A resolved value as cdk-nag prints it in a finding: intrinsics as `<Name>` or `<Id.Attr>`. */
function asNagString(value: unknown): string {
  if (typeof value === 'string') return value;
  const intrinsic = value as Record<string, any>;
  if (typeof intrinsic.Ref === 'string') return `<${intrinsic.Ref}>`;
  if (Array.isArray(intrinsic['Fn::GetAtt'])) return `<${intrinsic['Fn::GetAtt'].join('.')}>`;
  if (Array.isArray(intrinsic['Fn::Join'])) return (intrinsic['Fn::Join'][1] as unknown[]).map(asNagString).join(intrinsic['Fn::Join'][0]);
  return JSON.stringify(value);
}

/**
 * Records acknowledgements in the metadata `Validations.acknowledge` writes. Written directly
 * because `Validations.acknowledge` refuses an id with a second '::', and a finding on an ARN
 * holds one (`arn:<AWS::Partition>:...`); cdk-nag matches the id exactly.
 */
function acknowledgeFindings(scope: IConstruct, ids: string[], reason: string): void {
  const key = Validations.ACKNOWLEDGED_RULES_METADATA_KEY;
  const previous = scope.node.metadata.filter((entry) => entry.type === key).pop()?.data as Record<string, string> | undefined;
  scope.node.addMetadata(key, { ...previous, ...Object.fromEntries(ids.map((id) => [id, reason])) });
}

export function acknowledgeGrantWildcards(policy: IConstruct, statements: GrantStatement[]): void {
  const stack = Stack.of(policy);
  const wildcards = new Set(statements
    .flatMap((statement) => statement.resourceArns)
    .map((arn) => asNagString(stack.resolve(arn)))
    .filter((arn) => arn.includes('*') || arn.includes('?')));
  if (wildcards.size === 0) return;
  acknowledgeFindings(policy, [...wildcards].sort().map((arn) => `AwsSolutions-IAM5[Resource::${arn}]`), WILDCARD_REASON);
}
