/**
 * Compliance-pack findings on SecureParameterTree's own resources that cannot apply to them,
 * acknowledged exactly where they arise, each with its reason. Wildcards are acknowledged one
 * ARN at a time, so that any other wildcard still raises AwsSolutions-IAM5.
 */
import { IConstruct } from 'constructs';
import { acknowledgeSynchronousFunction, acknowledgeWildcardResources } from '../../private/nag-acknowledgements';

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

/** The IAM5 findings for the wildcard resources among `resourceArns`, on the policy that holds them. */
export function acknowledgePathWildcards(policy: IConstruct, resourceArns: string[]): void {
  acknowledgeWildcardResources(policy, resourceArns, PATH_WILDCARD_REASON);
}

/** Lambda rules that do not apply to a custom-resource handler calling AWS APIs only. */
export function acknowledgeReconcilerFunction(fn: IConstruct): void {
  acknowledgeSynchronousFunction(fn, {
    deadLetterQueue: SYNCHRONOUS_INVOKE_REASON,
    concurrency: CONCURRENCY_REASON,
    outsideVpc: OUTSIDE_VPC_REASON,
  });
}
