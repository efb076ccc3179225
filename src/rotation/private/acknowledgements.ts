/**
 * Compliance-pack findings on RotatingDbSecret's own resources that cannot apply to them, each
 * acknowledged where it arises with the reason. Nothing here touches the user's resources.
 */
import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { acknowledgeFunctionRules } from '../../private/nag-acknowledgements';

const WILDCARD_ACTIONS_REASON =
  "Only secretsmanager:GetRandomPassword and Lambda's VPC network-interface actions use '*': "
  + 'IAM offers no resource-level permissions for them. Every other statement names its resource.';

const SYNCHRONOUS_INVOKE_REASON =
  'Secrets Manager invokes the rotation function synchronously and records failures itself; '
  + 'a dead-letter queue only receives asynchronous invocations.';

const CONCURRENCY_REASON =
  'Secrets Manager runs one rotation step at a time per secret, and this function serves one secret. '
  + 'Reserving concurrency would fail to deploy in accounts at the minimum concurrency quota.';

const DEPLOY_TIME_PORT_REASON =
  "The rule admits only the rotation function's security group, on the database's port; the packs "
  + 'cannot evaluate a port that CloudFormation resolves at deploy time.';

export function acknowledgeRotationPolicy(policy: IConstruct): void {
  Validations.of(policy).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: WILDCARD_ACTIONS_REASON });
}

export function acknowledgeRotationFunction(fn: IConstruct): void {
  acknowledgeFunctionRules(fn, { deadLetterQueue: SYNCHRONOUS_INVOKE_REASON, concurrency: CONCURRENCY_REASON });
}

/** Only for an ingress rule whose port is a deploy-time token. */
export function acknowledgeDeployTimePortIngress(rule: IConstruct): void {
  const ids = ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321']
    .flatMap((pack) => [`${pack}-EC2RestrictedSSH`, `${pack}-EC2RestrictedCommonPorts`]);
  Validations.of(rule).acknowledge(...ids.map((id) => ({ id, reason: DEPLOY_TIME_PORT_REASON })));
}
