import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * The role to hand to a `lambda.Function` whose permissions all sit in managed policies.
 *
 * Given a role construct, aws-cdk-lib adds a DependsOn from the function to the role that the
 * function's GetAtt of the role's ARN already implies (cfn-lint W3005). An immutable reference
 * to the same ARN has no resource to depend on; the caller makes the function depend on the
 * managed policies it needs instead.
 */
export function roleWithoutDependsOn(scope: Construct, role: iam.IRole): iam.IRole {
  return iam.Role.fromRoleArn(scope, 'FunctionRoleReference', role.roleArn, { mutable: false });
}
