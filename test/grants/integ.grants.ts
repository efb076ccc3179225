/**
 * Deployable integration test for a real account (`npx integ-runner --directory test`): a
 * ReadOnlyConfigGrant for a Lambda function (with the Parameters and Secrets extension) and one
 * for a role, on a subtree of a tree and a secret under a customer-managed key. The committed
 * snapshot is verified offline by the integ-runner step of the test task.
 *
 * The assertions read through the grant as a consumer would: the function reads a parameter and
 * the secret through the extension, and IAM's policy simulator says the role may read under the
 * granted subtree and not under a sibling path that shares its prefix.
 */
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ConfigConsumer, ParameterValue, ReadOnlyConfigGrant, SecureParameterTree, integApp } from '../integ-support';

const app = integApp();
const stack = new Stack(app, 'SecureConfigGrantsInteg');
const tree = new SecureParameterTree(stack, 'Config', {
  path: '/cdk-secure-config-integ/grants',
  removalPolicy: RemovalPolicy.DESTROY,
  parameters: {
    'db/host': ParameterValue.string('db.example.com'),
    'db/password': ParameterValue.generatedSecret({ length: 32 }),
    'other/flag': ParameterValue.string('on'),
  },
});
const secretKey = new kms.Key(stack, 'SecretKey', { enableKeyRotation: true, removalPolicy: RemovalPolicy.DESTROY });
const apiSecret = new secretsmanager.Secret(stack, 'ApiSecret', { encryptionKey: secretKey, removalPolicy: RemovalPolicy.DESTROY });

// Reads through the extension, which listens on port 2773 and takes the session token as proof.
const READER_CODE = `
const get = async (path) => {
  const response = await fetch('http://localhost:2773' + path, {
    headers: { 'X-Aws-Parameters-Secrets-Token': process.env.AWS_SESSION_TOKEN },
  });
  if (!response.ok) throw new Error(path.split('?')[0] + ' answered ' + response.status);
  return response.json();
};
exports.handler = async () => {
  const [path] = process.env.SECURE_CONFIG_PATHS.split(',');
  const [secretArn] = process.env.SECURE_CONFIG_SECRET_ARNS.split(',');
  const parameter = await get('/systemsmanager/parameters/get?name=' + encodeURIComponent(path + '/host'));
  const secret = await get('/secretsmanager/get?secretId=' + encodeURIComponent(secretArn));
  return { host: parameter.Parameter.Value, secretRead: typeof secret.SecretString === 'string' };
};
`;
const reader = new lambda.Function(stack, 'Reader', {
  runtime: lambda.Runtime.NODEJS_24_X,
  architecture: lambda.Architecture.ARM_64,
  handler: 'index.handler',
  code: lambda.Code.fromInline(READER_CODE),
  timeout: Duration.seconds(30),
});
new ReadOnlyConfigGrant(stack, 'ReaderGrant', {
  consumer: ConfigConsumer.lambdaFunction(reader),
  parameters: [{ tree, subtree: 'db' }],
  secrets: [apiSecret],
});

const role = new iam.Role(stack, 'ReaderRole', { assumedBy: new iam.AccountRootPrincipal() });
new ReadOnlyConfigGrant(stack, 'RoleGrant', {
  consumer: ConfigConsumer.grantable(role),
  parameters: [{ tree, subtree: 'db' }],
});

const integ = new IntegTest(app, 'ReadOnlyConfigGrantInteg', { testCases: [stack] });
integ.assertions
  .invokeFunction({ functionName: reader.functionName })
  .expect(ExpectedResult.objectLike({ Payload: '{"host":"db.example.com","secretRead":true}' }));
const simulate = (relativeName: string) => integ.assertions.awsApiCall('IAM', 'simulatePrincipalPolicy', {
  PolicySourceArn: role.roleArn,
  ActionNames: ['ssm:GetParameter'],
  ResourceArns: [tree.parameterArn(relativeName)],
});
simulate('db/host')
  .expect(ExpectedResult.objectLike({ EvaluationResults: [{ EvalDecision: 'allowed' }] }));
// '/.../db' must not match '/.../dbx': the grant is on '<path>/*', never '<path>*'.
simulate('dbx/host')
  .expect(ExpectedResult.objectLike({ EvaluationResults: [{ EvalDecision: 'implicitDeny' }] }));
