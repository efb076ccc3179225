/**
 * Compliance-pack findings on SecureParameterTree's own resources that cannot apply to them,
 * acknowledged exactly where they arise, each with its reason. Wildcards are acknowledged one
 * ARN at a time, so that any other wildcard still raises AwsSolutions-IAM5.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { acknowledgeFunctionRules, acknowledgeWildcardResources } from '../../private/nag-acknowledgements';

const PATH_WILDCARD_REASON =
  "'<path>/*' is the tree's own hierarchy (never '<path>*', which would match sibling paths); "
  + "ssm:DescribeParameters accepts no resource but '*'.";

const KEY_WILDCARD_REASON =
  "kms:Decrypt on the account's keys is limited by kms:ViaService to Parameter Store in the stack's Region and by the "
  + "encryption context to parameters under the tree's path: the reconciler must read the tree's SecureStrings "
  + 'whatever key wrote them, to write them again with the current key after the tree\'s key changed.';

const MANIFEST_KEY_WILDCARD_REASON =
  "The asset bucket's key is chosen by the bootstrap stack, not known at synthesis: 'key/*' is narrowed to "
  + "decryption through S3 (kms:ViaService) of the stack's tree manifests only (kms:EncryptionContext:aws:s3:arn). "
  + "The manifests themselves are granted as '<bucket>/*<extension of this stack's manifests>': an Update reads the previous one, "
  + 'a rollback the one it deploys again, and neither key is known when the template is synthesized.';

const DEAD_LETTER_REASON =
  'CloudFormation invokes the reconciler asynchronously. The reconciler reports every outcome, failures included, '
  + "to CloudFormation's response URL before its deadline, and Lambda retries an invocation that crashed; "
  + 'a dead-letter queue would only collect custom-resource events that nothing can answer any more.';

const CONCURRENCY_REASON =
  'CloudFormation invokes the reconciler once per tree operation, and it bounds its own SSM concurrency. '
  + 'Reserving concurrency would fail to deploy in accounts at the minimum concurrency quota.';

const OUTSIDE_VPC_REASON =
  'The reconciler reaches only the Parameter Store, KMS, S3 and CloudFormation APIs and no resource inside a VPC; '
  + 'a VPC would add interface endpoints or a NAT gateway without protecting anything.';

/** The IAM5 findings for the wildcard resources among `resourceArns`, on the policy that holds them. */
export function acknowledgePathWildcards(policy: IConstruct, resourceArns: string[]): void {
  acknowledgeWildcardResources(policy, resourceArns, PATH_WILDCARD_REASON);
}

/** The IAM5 findings of the reconciler's own statements: the path, DescribeParameters and the account's keys. */
export function acknowledgeReconcilerWildcards(policy: IConstruct, statements: iam.PolicyStatement[]): void {
  const isKms = (statement: iam.PolicyStatement) => statement.actions.every((action) => action.startsWith('kms:'));
  acknowledgeWildcardResources(policy, statements.filter((s) => !isKms(s)).flatMap((s) => s.resources), PATH_WILDCARD_REASON);
  acknowledgeWildcardResources(policy, statements.filter(isKms).flatMap((s) => s.resources), KEY_WILDCARD_REASON);
}

/** The IAM5 finding for the key wildcard of the manifest read grant. */
export function acknowledgeManifestKeyWildcard(policy: IConstruct, resourceArns: string[]): void {
  acknowledgeWildcardResources(policy, resourceArns, MANIFEST_KEY_WILDCARD_REASON);
}

/** Lambda rules that do not apply to a custom-resource handler calling AWS APIs only. */
export function acknowledgeReconcilerFunction(fn: IConstruct): void {
  acknowledgeFunctionRules(fn, {
    deadLetterQueue: DEAD_LETTER_REASON,
    concurrency: CONCURRENCY_REASON,
    outsideVpc: OUTSIDE_VPC_REASON,
  });
}
