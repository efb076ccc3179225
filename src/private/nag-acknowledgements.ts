/**
 * Shared mechanics for acknowledging compliance-pack findings on the library's own resources.
 * Each construct keeps its own reasons; this module only knows how findings are named.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** A resolved value as cdk-nag prints it in a finding: intrinsics as `<Name>` or `<Id.Attr>`. */
function asNagString(value: unknown): string {
  if (typeof value === 'string') return value;
  const intrinsic = value as Record<string, any>;
  if (typeof intrinsic.Ref === 'string') return `<${intrinsic.Ref}>`;
  if (Array.isArray(intrinsic['Fn::GetAtt'])) return `<${intrinsic['Fn::GetAtt'].join('.')}>`;
  if (Array.isArray(intrinsic['Fn::Join'])) return (intrinsic['Fn::Join'][1] as unknown[]).map(asNagString).join(intrinsic['Fn::Join'][0]);
  // `${AWS::AccountId}` as `<AWS::AccountId>`: the asset bucket's name in an environment-agnostic stack.
  if (typeof intrinsic['Fn::Sub'] === 'string') return (intrinsic['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, '<$1>');
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

/**
 * Acknowledges AwsSolutions-IAM5 for exactly the wildcard resources among `resourceArns`, one ARN
 * at a time, on the policy that holds them: any other wildcard still raises the finding.
 */
export function acknowledgeWildcardResources(policy: IConstruct, resourceArns: string[], reason: string): void {
  const stack = Stack.of(policy);
  const wildcards = new Set(resourceArns
    .map((arn) => asNagString(stack.resolve(arn)))
    .filter((arn) => arn.includes('*') || arn.includes('?')));
  if (wildcards.size === 0) return;
  acknowledgeFindings(policy, [...wildcards].sort().map((arn) => `AwsSolutions-IAM5[Resource::${arn}]`), reason);
}

/** Reasons for the Lambda rules that do not fit a function only an AWS service invokes. */
export interface FunctionRuleReasons {
  /** Why a dead-letter queue cannot apply. */
  readonly deadLetterQueue: string;
  /** Why reserved concurrency is not set. */
  readonly concurrency: string;
  /** Why the function is outside a VPC; omit for a function inside one. */
  readonly outsideVpc?: string;
}

/** The dead-letter, concurrency (and VPC) rules of the five packs, with the caller's reasons. */
export function acknowledgeFunctionRules(fn: IConstruct, reasons: FunctionRuleReasons): void {
  Validations.of(fn).acknowledge(
    { id: 'HIPAA.Security-LambdaDLQ', reason: reasons.deadLetterQueue },
    { id: 'NIST.800.53.R5-LambdaDLQ', reason: reasons.deadLetterQueue },
    { id: 'Serverless-LambdaDLQ', reason: reasons.deadLetterQueue },
    { id: 'HIPAA.Security-LambdaConcurrency', reason: reasons.concurrency },
    { id: 'NIST.800.53.R5-LambdaConcurrency', reason: reasons.concurrency },
  );
  if (reasons.outsideVpc) {
    Validations.of(fn).acknowledge(
      { id: 'HIPAA.Security-LambdaInsideVPC', reason: reasons.outsideVpc },
      { id: 'NIST.800.53.R5-LambdaInsideVPC', reason: reasons.outsideVpc },
      { id: 'PCI.DSS.321-LambdaInsideVPC', reason: reasons.outsideVpc },
    );
  }
}
