import { App, Stack } from 'aws-cdk-lib';
import { mergeStatements } from '../../src/private/grant-statement';
import { estimatedPolicySize } from '../../src/private/policy-size';

describe('grant policy statements', () => {
  test('merges statements with the same actions and conditions into one listing every resource', () => {
    // WHEN
    const merged = mergeStatements([
      { actions: ['ssm:GetParameter'], resourceArns: ['arn:a/*'] },
      { actions: ['ssm:GetParameter'], resourceArns: ['arn:b/*', 'arn:a/*'] },
    ]);

    // THEN
    expect(merged).toEqual([{ actions: ['ssm:GetParameter'], resourceArns: ['arn:a/*', 'arn:b/*'] }]);
  });

  test('keeps statements apart when a condition other than an encryption context differs', () => {
    // WHEN
    const merged = mergeStatements([
      { actions: ['kms:Decrypt'], resourceArns: ['key-1'], conditions: { StringEquals: { 'kms:ViaService': 'ssm.us-east-1.amazonaws.com' } } },
      { actions: ['kms:Decrypt'], resourceArns: ['key-2'], conditions: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } } },
    ]);

    // THEN
    expect(merged).toHaveLength(2);
  });

  test('joins the encryption-context lists of key statements that differ only there', () => {
    // WHEN
    const merged = mergeStatements([
      { actions: ['kms:Decrypt'], resourceArns: ['key-1'], conditions: { StringEquals: { 'kms:ViaService': 'ssm' }, ArnLike: { 'kms:EncryptionContext:PARAMETER_ARN': ['p/a', 'p/a/*'] } } },
      { actions: ['kms:Decrypt'], resourceArns: ['key-2'], conditions: { StringEquals: { 'kms:ViaService': 'ssm' }, ArnLike: { 'kms:EncryptionContext:PARAMETER_ARN': ['p/b', 'p/b/*'] } } },
    ]);

    // THEN
    expect(merged).toEqual([{
      actions: ['kms:Decrypt'],
      resourceArns: ['key-1', 'key-2'],
      conditions: { StringEquals: { 'kms:ViaService': 'ssm' }, ArnLike: { 'kms:EncryptionContext:PARAMETER_ARN': ['p/a', 'p/a/*', 'p/b', 'p/b/*'] } },
    }]);
  });

  test('estimates deploy-time values at their longest, never below the deployed size', () => {
    // GIVEN an environment-agnostic stack: partition, region and account resolve at deploy time
    const stack = new Stack(new App(), 'Agnostic');
    const arn = stack.formatArn({ service: 'ssm', resource: 'parameter/ecommerce/prod/db' });
    const statements = [{ actions: ['ssm:GetParametersByPath'], resourceArns: [arn] }];

    // WHEN
    const estimate = estimatedPolicySize(stack, statements);

    // THEN it covers the longest partition, region and account the ARN can have
    const longest = JSON.stringify({
      Statement: [{ Action: 'ssm:GetParametersByPath', Effect: 'Allow', Resource: 'arn:aws-iso-b:ssm:ap-southeast-7:111111111111:parameter/ecommerce/prod/db' }],
      Version: '2012-10-17',
    }).length;
    expect(estimate).toBeGreaterThanOrEqual(longest);
    expect(estimate).toBeLessThan(longest + 10);
  });
});
