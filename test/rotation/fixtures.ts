import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';

export const ENV = { account: '111122223333', region: 'us-east-1' };

/** A stack with a VPC (public, private-with-egress and isolated subnets) in a fixed environment. */
export function stackWithVpc(): { app: App; stack: Stack; vpc: ec2.Vpc } {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
  return { app, stack, vpc };
}

/** A PostgreSQL instance in the isolated subnets of `vpc`. */
export function postgresInstance(stack: Stack, vpc: ec2.IVpc, id = 'Database'): rds.DatabaseInstance {
  return new rds.DatabaseInstance(stack, id, {
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
    storageEncrypted: true,
  });
}

/** A database outside RDS: a host, a port and the host's security group. */
export function externalEndpoint(stack: Stack, vpc: ec2.IVpc) {
  const securityGroup = new ec2.SecurityGroup(stack, 'DatabaseHostSecurityGroup', { vpc, allowAllOutbound: false });
  return { host: 'db.internal.example', port: 3306, vpc, securityGroup };
}
