import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { prodTree, role, stackWithEnv } from './grant-fixtures';
import { ConfigConsumer, ReadOnlyConfigGrant } from '../../src/grants';
import { RotatingDbSecret } from '../../src/rotation';

const ROLE_ARN = 'arn:aws:iam::111111111111:role/owned-elsewhere';

/** The three ways the library grants to a principal. */
const GRANTS: Array<[string, (stack: Stack, grantee: iam.IRole) => iam.Grant | undefined]> = [
  ['SecureParameterTree.grantRead', (stack, grantee) => prodTree(stack).grantRead(grantee)],
  ['RotatingDbSecret.grantRead (imported)', (stack, grantee) => RotatingDbSecret.fromSecretAttributes(stack, 'Db', {
    secret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Secret', 'arn:aws:secretsmanager:us-east-1:111111111111:secret:db-AbCdEf'),
    encryptionKey: kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
  }).grantRead(grantee)],
  ['ReadOnlyConfigGrant', (stack, grantee) => {
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.grantable(grantee), parameters: [{ tree: prodTree(stack) }] });
    return undefined;
  }],
];

describe('a role imported with mutable: false', () => {
  test.each(GRANTS)('%s attaches no policy to it and warns naming the role', (_case, grant) => {
    // GIVEN
    const stack = stackWithEnv();
    const immutable = iam.Role.fromRoleArn(stack, 'Owned', ROLE_ARN, { mutable: false });

    // WHEN
    const result = grant(stack, immutable);

    // THEN no policy names the role
    const template = Template.fromStack(stack);
    for (const type of ['AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy']) {
      for (const resource of Object.values(template.findResources(type)) as any[]) {
        expect(JSON.stringify(resource.Properties.Roles ?? [])).not.toContain('owned-elsewhere');
      }
    }
    // AND the grant records the statements it would have given, as aws-cdk-lib's grants on immutable roles do
    if (result) expect(result.principalStatements.length).toBeGreaterThan(0);
    // AND a warning names the role and the permissions its owner must give
    Annotations.fromStack(stack).hasWarning('/Stack/Owned', Match.stringLikeRegexp(
      'Stack/Owned was imported with `mutable: false`: cdk-secure-config attached no policy to it\\. Its owner must allow .*(ssm:GetParameter|secretsmanager:GetSecretValue)',
    ));
  });

  test.each(GRANTS)('%s still attaches its managed policy to a mutable role', (_case, grant) => {
    // GIVEN
    const stack = stackWithEnv();
    const mutable = role(stack);

    // WHEN
    grant(stack, mutable);

    // THEN
    const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy')) as any[];
    const roleRef = { Ref: stack.getLogicalId(mutable.node.defaultChild as iam.CfnRole) };
    expect(policies.some((policy) => JSON.stringify(policy.Properties.Roles ?? []) === JSON.stringify([roleRef]))).toBe(true);
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('mutable: false'));
  });
});
