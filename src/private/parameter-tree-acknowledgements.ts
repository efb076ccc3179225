/**
 * Compliance-pack findings on SecureParameterTree's own resources that cannot apply to them,
 * acknowledged exactly where they arise, each with its reason. Wildcards are acknowledged one
 * ARN at a time, so that any other wildcard still raises AwsSolutions-IAM5.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

const PATH_WILDCARD_REASON =
  "'<path>/*' is the tree's own hierarchy (never '<path>*', which would match sibling paths); "
  + "ssm:DescribeParameters accepts no resource but '*'.";

const SYNCHRONOUS_INVOKE_REASON =
  'CloudFormation invokes the reconciler synchronously and records a failure as a failed resource; '
  + 'a dead-letter queue only receives asynchronous invocations.';

const CONCURRENCY_REASON =
  'CloudFormation invokes the reconciler once per tree operation, and it bounds its own SSM concurrency. '
  + 'Reserving concurrency would fail to deploy in accounts at the minimum concurrency quota.';

const OUTSIDE_VPC_REASON =
  'The reconciler reaches only the Parameter Store and KMS APIs and no resource inside a VPC; '
  + 'a VPC would add interface endpoints or a NAT gateway without protecting anything.';

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
 * Adds to the metadata `Validations.acknowledge` writes. Written directly because
 * `Validations.acknowledge` refuses an id with a second '::', which an ARN finding holds
 * (`arn:<AWS::Partition>:...`); cdk-nag matches the id exactly.
 */
function acknowledgeFindings(scope: IConstruct, ids: string[], reason: string): void {
  const key = Validations.ACKNOWLEDGED_RULES_METADATA_KEY;
  const previous = scope.node.metadata.filter((entry) => entry.type === key).pop()?.data as Record<string, string> | undefined;
  scope.node.addMetadata(key, { ...previous, ...Object.fromEntries(ids.map((id) => [id, reason])) });
}

/** The IAM5 findings for the wildcard resources among `resourceArns`, on the policy that holds them. */
export function acknowledgePathWildcards(policy: IConstruct, resourceArns: string[]): void {
  const stack = Stack.of(policy);
  const wildcards = new Set(resourceArns
    .map((arn) => asNagString(stack.resolve(arn)))
    .filter((arn) => arn.includes('*')));
  if (wildcards.size === 0) return;
  acknowledgeFindings(policy, [...wildcards].sort().map((arn) => `AwsSolutions-IAM5[Resource::${arn}]`), PATH_WILDCARD_REASON);
}

/** Lambda rules that do not apply to a custom-resource handler calling AWS APIs only. */
export function acknowledgeReconcilerFunction(fn: IConstruct): void {
  Validations.of(fn).acknowledge(
    { id: 'HIPAA.Security-LambdaDLQ', reason: SYNCHRONOUS_INVOKE_REASON },
    { id: 'NIST.800.53.R5-LambdaDLQ', reason: SYNCHRONOUS_INVOKE_REASON },
    { id: 'Serverless-LambdaDLQ', reason: SYNCHRONOUS_INVOKE_REASON },
    { id: 'HIPAA.Security-LambdaConcurrency', reason: CONCURRENCY_REASON },
    { id: 'NIST.800.53.R5-LambdaConcurrency', reason: CONCURRENCY_REASON },
    { id: 'HIPAA.Security-LambdaInsideVPC', reason: OUTSIDE_VPC_REASON },
    { id: 'NIST.800.53.R5-LambdaInsideVPC', reason: OUTSIDE_VPC_REASON },
    { id: 'PCI.DSS.321-LambdaInsideVPC', reason: OUTSIDE_VPC_REASON },
  );
}
