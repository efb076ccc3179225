/**
 * Deployable integration test for a real account (`npx integ-runner --directory test`): a tree of
 * every value kind, a subtree read by a role, and assertions against Parameter Store after deployment.
 * The committed snapshot is verified offline by the test command (the integ-runner step of the test task).
 */
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { integApp, ParameterValue, PLACEHOLDER_VALUE_FOR_TESTS, SecureParameterTree } from '../integ-support';

const app = integApp();
const stack = new Stack(app, 'SecureConfigInteg');
const tree = new SecureParameterTree(stack, 'Config', {
  path: '/cdk-secure-config-integ/tree',
  removalPolicy: RemovalPolicy.DESTROY,
  parameters: {
    'db/host': ParameterValue.string('db.example.com'),
    'cors/origins': ParameterValue.stringList(['https://a.example', 'https://b.example']),
    'api/jwt-secret': ParameterValue.generatedSecret({ length: 40, excludePunctuation: true }),
    'payments/api-key': ParameterValue.placeholderSecret(),
  },
});
const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
tree.grantRead(reader, 'db');

const integ = new IntegTest(app, 'SecureParameterTreeInteg', { testCases: [stack] });
integ.assertions
  .awsApiCall('SSM', 'getParameter', { Name: tree.parameterName('db/host') })
  .expect(ExpectedResult.objectLike({ Parameter: { Type: 'String', Value: 'db.example.com' } }));
integ.assertions
  .awsApiCall('SSM', 'getParameter', { Name: tree.parameterName('payments/api-key'), WithDecryption: true })
  .expect(ExpectedResult.objectLike({ Parameter: { Type: 'SecureString', Value: PLACEHOLDER_VALUE_FOR_TESTS } }));
integ.assertions
  .awsApiCall('SSM', 'getParameter', { Name: tree.parameterName('api/jwt-secret') })
  .expect(ExpectedResult.objectLike({ Parameter: { Type: 'SecureString' } }));
