import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ENV } from './fixtures';
import { secretPolicyArn, secretReadStatements } from '../../src/private/secret-read-statements';
import { DatabaseEngine } from '../../src/rotation';
import { engineFromRdsEngineType } from '../../src/rotation/private/engines';

/** `secretsmanager.<region>.<URL suffix>`: the suffix differs by partition. */
const VIA_SECRETS_MANAGER = { 'Fn::Join': ['', ['secretsmanager.us-east-1.', { Ref: 'AWS::URLSuffix' }]] };

describe('secretReadStatements', () => {
  test('reads the value and metadata of the secret, and decrypts its key through Secrets Manager only', () => {
    // GIVEN
    const stack = new Stack(undefined, 'Stack', { env: ENV });
    const key = new kms.Key(stack, 'Key');
    const secret = new secretsmanager.Secret(stack, 'Secret', { encryptionKey: key });

    // WHEN
    const statements = stack.resolve(secretReadStatements(secret));

    // THEN
    expect(statements).toEqual([
      { actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resourceArns: [{ Ref: 'SecretA720EF05' }] },
      {
        actions: ['kms:Decrypt'],
        resourceArns: [{ 'Fn::GetAtt': ['Key961B73FD', 'Arn'] }],
        conditions: { StringEquals: { 'kms:ViaService': VIA_SECRETS_MANAGER } },
      },
    ]);
  });

  test('grants no KMS action for a secret under the AWS-managed key', () => {
    // GIVEN
    const stack = new Stack(undefined, 'Stack', { env: ENV });
    const secret = new secretsmanager.Secret(stack, 'Secret');

    // WHEN
    const statements = secretReadStatements(secret);

    // THEN
    expect(statements.map((statement) => statement.actions)).toEqual([['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']]);
  });

  test('uses the key it is given over the one the secret knows', () => {
    // GIVEN
    const stack = new Stack(undefined, 'Stack', { env: ENV });
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Imported', 'shop/app');
    const key = kms.Key.fromKeyArn(stack, 'ImportedKey', 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');

    // WHEN
    const statements = stack.resolve(secretReadStatements(secret, key));

    // THEN
    expect(statements[1].resourceArns).toEqual(['arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab']);
  });

  test('matches a secret imported by name with its six random characters, and nothing longer', () => {
    // GIVEN
    const stack = new Stack(undefined, 'Stack', { env: ENV });
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Imported', 'shop/app');

    // WHEN
    const arn = stack.resolve(secretPolicyArn(secret));

    // THEN
    expect(arn).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:us-east-1:111122223333:secret:shop/app-??????']],
    });
  });
});

describe('engineFromRdsEngineType', () => {
  test.each([
    ['postgres', DatabaseEngine.POSTGRES],
    ['aurora-postgresql', DatabaseEngine.POSTGRES],
    ['mysql', DatabaseEngine.MYSQL],
    ['aurora-mysql', DatabaseEngine.MYSQL],
    ['aurora', DatabaseEngine.MYSQL],
    ['mariadb', DatabaseEngine.MARIADB],
    ['oracle-ee', undefined],
    ['sqlserver-se', undefined],
    [undefined, undefined],
  ])('maps %s to %s', (engineType, expected) => {
    // WHEN / THEN
    expect(engineFromRdsEngineType(engineType)).toBe(expected);
  });
});
