/**
 * The IAM stand-in against IAM's documented evaluation rules, one rule per case, so that the
 * enforcement tests built on it rest on known behaviour.
 */
import { evaluate, PolicyDocument, resolveTemplateValue, wildcardMatches } from './policy-evaluator';

const ARN = 'arn:aws:ssm:eu-west-1:111122223333:parameter/app/db/host';

function allow(statement: Record<string, unknown>): PolicyDocument {
  return { Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: ARN, ...statement } as any] };
}

describe('the IAM stand-in', () => {
  test.each([
    ['* spans levels and colons', 'arn:aws:ssm:*:parameter/app/*', ARN, true],
    ['? is one character', 'arn:aws:ssm:eu-west-?:111122223333:parameter/app/db/host', ARN, true],
    ['a sibling path does not match', 'arn:aws:ssm:eu-west-1:111122223333:parameter/app/*', 'arn:aws:ssm:eu-west-1:111122223333:parameter/apple/x', false],
    ['the path itself is not below it', 'arn:aws:ssm:eu-west-1:111122223333:parameter/app/*', 'arn:aws:ssm:eu-west-1:111122223333:parameter/app', false],
    ['regex characters are literal', 'a.c', 'abc', false],
  ])('wildcards: %s', (_case, pattern, value, matches) => {
    expect(wildcardMatches(pattern, value)).toBe(matches);
  });

  test('matches actions without regard to case, resources with it', () => {
    expect(evaluate(allow({ Action: 'SSM:getparameter' }), { action: 'ssm:GetParameter', resource: ARN })).toBe('allow');
    expect(evaluate(allow({}), { action: 'ssm:GetParameter', resource: ARN.toUpperCase() })).toBe('implicit-deny');
  });

  test('an explicit deny wins over an allow, and nothing allowed is an implicit deny', () => {
    const policy: PolicyDocument = { Statement: [...allow({}).Statement, { Effect: 'Deny', Action: 'ssm:*', Resource: '*' }] };
    expect(evaluate(policy, { action: 'ssm:GetParameter', resource: ARN })).toBe('explicit-deny');
    expect(evaluate(allow({}), { action: 'ssm:PutParameter', resource: ARN })).toBe('implicit-deny');
  });

  test('StringEquals: any of the values, case-sensitive; a missing key fails', () => {
    const policy = allow({ Condition: { StringEquals: { 'aws:ResourceTag/owner': ['a', 'b'] } } });
    expect(evaluate(policy, { action: 'ssm:GetParameter', resource: ARN, context: { 'aws:ResourceTag/owner': 'b' } })).toBe('allow');
    expect(evaluate(policy, { action: 'ssm:GetParameter', resource: ARN, context: { 'aws:ResourceTag/owner': 'B' } })).toBe('implicit-deny');
    expect(evaluate(policy, { action: 'ssm:GetParameter', resource: ARN })).toBe('implicit-deny');
  });

  test('condition key names are matched without regard to case', () => {
    const policy = allow({ Condition: { StringEquals: { 'kms:ViaService': 'ssm.eu-west-1.amazonaws.com' } } });
    expect(evaluate(policy, { action: 'ssm:GetParameter', resource: ARN, context: { 'KMS:viaservice': 'ssm.eu-west-1.amazonaws.com' } })).toBe('allow');
  });

  test('StringLike: wildcards in the values', () => {
    const policy = allow({ Condition: { StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': 'arn:aws:ssm:*:parameter/app/*' } } });
    expect(evaluate(policy, { action: 'ssm:GetParameter', resource: ARN, context: { 'kms:EncryptionContext:PARAMETER_ARN': ARN } })).toBe('allow');
    expect(evaluate(policy, { action: 'ssm:GetParameter', resource: ARN, context: { 'kms:EncryptionContext:PARAMETER_ARN': ARN.replace('/app/', '/apple/') } })).toBe('implicit-deny');
  });

  test('Null: true asks for the key to be absent, false for it to be present', () => {
    const absent = allow({ Condition: { Null: { 'aws:ResourceTag/owner': 'true' } } });
    const present = allow({ Condition: { Null: { 'aws:ResourceTag/owner': 'false' } } });
    const tagged = { action: 'ssm:GetParameter', resource: ARN, context: { 'aws:ResourceTag/owner': 'a' } };
    const untagged = { action: 'ssm:GetParameter', resource: ARN };
    expect([evaluate(absent, tagged), evaluate(absent, untagged), evaluate(present, tagged), evaluate(present, untagged)])
      .toEqual(['implicit-deny', 'allow', 'allow', 'implicit-deny']);
  });

  test('Bool compares true and false without regard to case', () => {
    const policy = allow({ Condition: { Bool: { 'aws:SecureTransport': 'true' } } });
    expect(evaluate(policy, { action: 'ssm:GetParameter', resource: ARN, context: { 'aws:SecureTransport': 'TRUE' } })).toBe('allow');
    expect(evaluate(policy, { action: 'ssm:GetParameter', resource: ARN, context: { 'aws:SecureTransport': 'false' } })).toBe('implicit-deny');
  });

  test('all keys and all operators of a statement must hold', () => {
    const policy = allow({ Condition: { StringEquals: { 'ssm:Overwrite': 'false', 'aws:RequestTag/owner': 'a' }, Null: { 'aws:ResourceTag/owner': 'true' } } });
    const request = (context: Record<string, string>) => evaluate(policy, { action: 'ssm:GetParameter', resource: ARN, context });
    expect(request({ 'ssm:Overwrite': 'false', 'aws:RequestTag/owner': 'a' })).toBe('allow');
    expect(request({ 'ssm:Overwrite': 'true', 'aws:RequestTag/owner': 'a' })).toBe('implicit-deny');
    expect(request({ 'ssm:Overwrite': 'false', 'aws:RequestTag/owner': 'a', 'aws:ResourceTag/owner': 'a' })).toBe('implicit-deny');
  });

  test('refuses what it does not implement instead of guessing', () => {
    expect(() => evaluate(allow({ Condition: { StringEqualsIfExists: { k: 'v' } } }), { action: 'ssm:GetParameter', resource: ARN }))
      .toThrow("does not implement the condition operator 'StringEqualsIfExists'");
    expect(() => evaluate(allow({ NotResource: '*' }), { action: 'ssm:GetParameter', resource: ARN })).toThrow('does not implement NotResource');
  });

  test('resolves Ref, Fn::GetAtt and Fn::Join as CloudFormation would', () => {
    const value = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:x:', { 'Fn::GetAtt': ['Key', 'KeyId'] }]] };
    expect(resolveTemplateValue(value, { refs: { 'AWS::Partition': 'aws-cn' }, attributes: { Key: { KeyId: 'k1' } } })).toBe('arn:aws-cn:kms:x:k1');
    expect(() => resolveTemplateValue({ Ref: 'Other' }, { refs: {} })).toThrow('no value for Ref Other');
  });
});
