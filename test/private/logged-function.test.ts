import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { allowLogsToUseKey, loggedFunctionParts, writeOwnLogsStatement } from '../../src/private/logged-function';

function stackWithKey() {
  const stack = new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
  return { stack, key: new kms.Key(stack, 'Key') };
}

describe('the logged-function recipe', () => {
  test('lets Logs use the key for one named log group only when the name is known', () => {
    // GIVEN
    const { stack, key } = stackWithKey();

    // WHEN
    allowLogsToUseKey(key, { sid: 'OneGroup', logGroupNames: ['/app/fn'] });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'OneGroup',
          Principal: { Service: { 'Fn::Join': ['', ['logs.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] } },
          Condition: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:111111111111:log-group:/app/fn']] } } },
        })]),
      },
    });
  });

  test('lets Logs use the key for each named log group, names added after the call included', () => {
    // GIVEN
    const { stack, key } = stackWithKey();
    const names = ['/app/first'];
    allowLogsToUseKey(key, { sid: 'SomeGroups', logGroupNames: names });

    // WHEN a second function of the stack shares the key
    names.push('/app/second');

    // THEN
    const arn = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:logs:eu-west-1:111111111111:log-group:${name}`]] });
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'SomeGroups',
          Condition: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': [arn('/app/first'), arn('/app/second')] } },
        })]),
      },
    });
  });

  test('lets Logs use the key for any log group of the account and region when no name is given', () => {
    // GIVEN
    const { stack, key } = stackWithKey();

    // WHEN
    allowLogsToUseKey(key, { sid: 'AnyGroup' });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'AnyGroup',
          Principal: { Service: { 'Fn::Join': ['', ['logs.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] } },
          Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:111111111111:log-group:*']] } } },
        })]),
      },
    });
  });

  test('gives the function an encrypted log group and a role whose permissions sit in one managed policy', () => {
    // GIVEN
    const { stack, key } = stackWithKey();

    // WHEN
    const parts = loggedFunctionParts(stack, {
      logKey: key,
      logRetention: logs.RetentionDays.ONE_MONTH,
      logRemovalPolicy: RemovalPolicy.DESTROY,
      roleId: 'Role',
      roleDescription: 'runs fn',
      policyId: 'Policy',
      policyDescription: 'what fn may do',
      statements: (logGroup) => [writeOwnLogsStatement(logGroup, 'Logs')],
    });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: stack.resolve(key.keyArn), RetentionInDays: 30 });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [stack.resolve(parts.role.roleName)],
      PolicyDocument: { Statement: [{ Sid: 'Logs', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: stack.resolve(parts.logGroup.logGroupArn) }] },
    });
    template.hasResourceProperties('AWS::IAM::Role', { Description: 'runs fn', ManagedPolicyArns: Match.absent(), Policies: Match.absent() });
    expect(parts.functionRole.roleArn).toBe(parts.role.roleArn);
  });
});
