import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { GrantStatement } from '../../src/private/grant-statement';
import { grantStatements, grantThroughSharedReadPolicy, iamIdentityOf, READ_POLICY_ID } from '../../src/private/identity-policy';

const READ: GrantStatement[] = [{ actions: ['ssm:GetParameter'], resourceArns: ['arn:aws:ssm:us-east-1:111111111111:parameter/app/*'] }];

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
}

describe('the one path by which read grants reach a grantee', () => {
  test.each([
    ['role', (stack: Stack) => new iam.Role(stack, 'Identity', { assumedBy: new iam.AccountRootPrincipal() }), 'Roles'],
    ['user', (stack: Stack) => new iam.User(stack, 'Identity'), 'Users'],
    ['group', (stack: Stack) => new iam.Group(stack, 'Identity'), 'Groups'],
  ])('puts the statements into a managed policy attached to a %s', (_kind, make, attachment) => {
    // GIVEN
    const stack = newStack();
    const identity = make(stack);

    // WHEN
    const { policy } = grantThroughSharedReadPolicy(identity, READ);

    // THEN
    expect(policy?.node.id).toBe(READ_POLICY_ID);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      [attachment]: [{ Ref: stack.getLogicalId(identity.node.defaultChild as iam.CfnRole) }],
      PolicyDocument: { Statement: [{ Action: 'ssm:GetParameter', Effect: 'Allow', Resource: READ[0].resourceArns[0] }] },
    });
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('reuses the shared read policy for a second grant to the same identity', () => {
    // GIVEN
    const stack = newStack();
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });

    // WHEN
    const first = grantThroughSharedReadPolicy(role, READ);
    const second = grantThroughSharedReadPolicy(role, [{ actions: ['ssm:GetParameters'], resourceArns: ['*'] }]);

    // THEN
    expect(second.policy).toBe(first.policy);
    Template.fromStack(stack).resourceCountIs('AWS::IAM::ManagedPolicy', 1);
  });

  test('falls back to the principal\'s own policy when the grantee has no identity in this app', () => {
    // GIVEN
    const stack = newStack();
    const service: iam.IGrantable = { grantPrincipal: new iam.ServicePrincipal('lambda.amazonaws.com') };
    const policyFor = jest.fn();

    // WHEN
    const { grant, policy } = grantStatements(service, READ, policyFor);

    // THEN
    expect(policy).toBeUndefined();
    expect(policyFor).not.toHaveBeenCalled();
    // A service principal has no policy of its own: the grant reports that nothing was added.
    expect(grant.success).toBe(false);
    Template.fromStack(stack).resourceCountIs('AWS::IAM::ManagedPolicy', 0);
  });

  test('finds no identity behind a service principal', () => {
    expect(iamIdentityOf(new iam.ServicePrincipal('lambda.amazonaws.com'))).toBeUndefined();
  });
});
