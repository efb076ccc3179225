/**
 * Deployable integration test for a real account (`npx integ-runner --directory test`): a
 * RotatingDbSecret in isolated subnets (no NAT gateway: the function reaches Secrets Manager
 * through the interface endpoint the construct creates), publishing its connection facts into a
 * tree. The committed snapshot is verified offline by the integ-runner step of the test task.
 *
 * No database is deployed: the target is an endpoint nothing serves, behind a security group
 * standing in for the database's, and `rotateImmediatelyOnUpdate: false` keeps Secrets Manager
 * from rotating at deployment. The assertions check what deployment must get right (rotation
 * configured with this function, the function's runtime and network, the published facts); the
 * rotation steps themselves are proven against real PostgreSQL and MariaDB servers by the
 * handler tests. A database here would need a user whose password is the one Secrets Manager
 * generates, which CloudFormation cannot arrange before the first rotation.
 */
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { DatabaseEngine, DatabaseTarget, RotatingDbSecret, SecureParameterTree, integApp } from '../integ-support';

const app = integApp();
const stack = new Stack(app, 'SecureConfigRotationInteg');
const vpc = new ec2.Vpc(stack, 'Vpc', {
  maxAzs: 2,
  natGateways: 0,
  subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
});
const databaseSecurityGroup = new ec2.SecurityGroup(stack, 'DatabaseSecurityGroup', { vpc, allowAllOutbound: false });
const tree = new SecureParameterTree(stack, 'Config', {
  path: '/cdk-secure-config-integ/rotation',
  removalPolicy: RemovalPolicy.DESTROY,
});
const appUser = new RotatingDbSecret(stack, 'AppUser', {
  target: DatabaseTarget.endpoint({ host: 'db.integ.invalid', port: 5432, vpc, securityGroup: databaseSecurityGroup }),
  engine: DatabaseEngine.POSTGRES,
  username: 'app_user',
  databaseName: 'app',
  removalPolicy: RemovalPolicy.DESTROY,
  rotateImmediatelyOnUpdate: false,
  publishTo: { tree, prefix: 'db/app' },
});

const integ = new IntegTest(app, 'RotatingDbSecretInteg', { testCases: [stack] });
integ.assertions
  .awsApiCall('SecretsManager', 'describeSecret', { SecretId: appUser.secret.secretArn })
  .expect(ExpectedResult.objectLike({ RotationEnabled: true, RotationLambdaARN: appUser.rotationFunction.functionArn }));
integ.assertions
  .awsApiCall('Lambda', 'getFunctionConfiguration', { FunctionName: appUser.rotationFunction.functionName })
  .expect(ExpectedResult.objectLike({ Runtime: 'nodejs24.x', Architectures: ['arm64'] }));
integ.assertions
  .awsApiCall('SSM', 'getParameter', { Name: tree.parameterName('db/app/host') })
  .expect(ExpectedResult.objectLike({ Parameter: { Type: 'String', Value: 'db.integ.invalid' } }));
