import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { SecureParameterTree } from '../../src';
import { readStatements } from '../../src/private/read-access';

function fixture() {
  const stack = new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
  const tree = SecureParameterTree.fromPath(stack, 'Tree', { path: '/app/prod', encryptionKey: new kms.Key(stack, 'TreeKey') });
  const secretKey = new kms.Key(stack, 'SecretKey');
  const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Secret', 'arn:aws:secretsmanager:us-east-1:111111111111:secret:api-AbCdEf');
  return { stack, tree, secret, secretKey };
}

describe('readStatements, the one builder of read statements', () => {
  test('merges the subtrees of one tree into one statement per action set', () => {
    // GIVEN
    const { stack, tree } = fixture();

    // WHEN
    const statements = stack.resolve(readStatements({ subtrees: [{ tree, subtree: 'db' }, { tree, subtree: 'api' }] }));

    // THEN
    expect(statements.map((s: any) => s.actions)).toEqual([['ssm:GetParametersByPath'], ['ssm:GetParameter', 'ssm:GetParameters'], ['kms:Decrypt']]);
    expect(statements[0].resourceArns).toHaveLength(2);
    expect(statements[2].conditions.ArnLike['kms:EncryptionContext:PARAMETER_ARN']).toHaveLength(4);
  });

  test('decrypts a secret with the key it is given when the secret names none', () => {
    // GIVEN
    const { stack, secret, secretKey } = fixture();

    // WHEN
    const statements = stack.resolve(readStatements({ secrets: [{ secret, encryptionKey: secretKey }] }));

    // THEN
    expect(statements).toEqual([
      {
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        resourceArns: ['arn:aws:secretsmanager:us-east-1:111111111111:secret:api-AbCdEf'],
      },
      {
        actions: ['kms:Decrypt'],
        resourceArns: [stack.resolve(secretKey.keyArn)],
        conditions: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.us-east-1.', { Ref: 'AWS::URLSuffix' }]] } } },
      },
    ]);
  });

  test('adds DescribeParameters on * only when asked', () => {
    // GIVEN
    const { tree } = fixture();

    // THEN
    expect(readStatements({ subtrees: [{ tree }] }).flatMap((s) => s.actions)).not.toContain('ssm:DescribeParameters');
    expect(readStatements({ subtrees: [{ tree }], describeParameters: true }).pop()).toEqual({ actions: ['ssm:DescribeParameters'], resourceArns: ['*'] });
  });

  test('leaves statements that merge with nothing as they are', () => {
    // GIVEN
    const { tree } = fixture();

    // THEN
    expect(readStatements({ subtrees: [{ tree, subtree: 'db' }] })).toHaveLength(3);
  });
});
