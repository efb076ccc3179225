import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { nodeFunction, prodTree, stackWithEnv } from './grant-fixtures';
import { ConfigConsumer, ReadOnlyConfigGrant } from '../../src/grants';
import { SecureParameterTree } from '../../src/parameter-tree';
import { normaliseAssetHashes } from '../support/snapshots';

test('a Lambda consumer of a subtree, an imported tree and a secret synthesizes as recorded', () => {
  // GIVEN
  const stack = stackWithEnv();
  const tree = prodTree(stack);
  const shared = SecureParameterTree.fromPath(stack, 'Shared', {
    path: '/shared/prod',
    encryptionKey: kms.Key.fromKeyArn(stack, 'SharedKey', 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555'),
  });
  const secret = new secretsmanager.Secret(stack, 'DbSecret', { encryptionKey: new kms.Key(stack, 'DbKey', { enableKeyRotation: true }) });
  const fn = nodeFunction(stack, 'Api', lambda.Architecture.ARM_64);

  // WHEN
  new ReadOnlyConfigGrant(stack, 'ApiConfig', {
    consumer: ConfigConsumer.lambdaFunction(fn),
    parameters: [{ tree, subtree: 'db' }, { tree, subtree: 'api' }, { tree: shared }],
    secrets: [secret],
  });

  // THEN
  expect(normaliseAssetHashes(Template.fromStack(stack).toJSON())).toMatchSnapshot();
});
