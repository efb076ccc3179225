import { Names, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';

/**
 * The Secrets Manager interface endpoint that rotation functions of `vpc` in this stack share,
 * created by the first one that asks. A VPC takes only one endpoint with private DNS per
 * service, so each RotatingDbSecret making its own would fail to deploy from the second on.
 * Later callers' subnets are not added: the first selection serves the whole VPC through DNS.
 */
export function secretsManagerEndpointFor(
  scope: IConstruct,
  vpc: ec2.IVpc,
  subnets: ec2.SubnetSelection | undefined,
): ec2.InterfaceVpcEndpoint {
  const stack = Stack.of(scope);
  const id = `SecretsManagerEndpoint${Names.nodeUniqueId(vpc.node)}`;
  const existing = stack.node.tryFindChild(id);
  if (existing) return existing as ec2.InterfaceVpcEndpoint;
  return new ec2.InterfaceVpcEndpoint(stack, id, {
    vpc,
    service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    subnets,
    privateDnsEnabled: true,
    // Only rotation functions get in, each through its own ingress rule.
    open: false,
  });
}
