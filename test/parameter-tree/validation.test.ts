import { App, Lazy, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { newStack } from './fixtures';
import { ParameterTier, ParameterValue, SecureParameterTree, SecureParameterTreeProps } from '../../src/parameter-tree';

const CANARY = 'CANARY-secret-7d41e2';

function newTree(props: Partial<SecureParameterTreeProps> = {}, stack: Stack = newStack()): SecureParameterTree {
  return new SecureParameterTree(stack, 'Config', { path: '/app', ...props });
}

describe('SecureParameterTree rejects a bad path', () => {
  test.each([
    ['ecommerce/prod', "`path` must start with '/', got: 'ecommerce/prod'"],
    ['/ecommerce/prod/', "`path` must not end with '/', got: '/ecommerce/prod/'"],
    ['/', "`path` must not end with '/', got: '/'"],
    ['/ecommerce prod', "`path` may only contain letters, digits and the characters _ . - /, got: '/ecommerce prod'"],
    ['/ecommerce/pröd', "`path` may only contain letters, digits and the characters _ . - /, got: '/ecommerce/pröd'"],
    ['/ecommerce//prod', "`path` must not contain an empty level ('//'), got: '/ecommerce//prod'"],
    ['/aws/prod', "`path` must not start with 'aws' (any case) in its first level, Parameter Store reserves it; got: '/aws/prod'"],
    ['/AwsConfig', "`path` must not start with 'aws' (any case) in its first level, Parameter Store reserves it; got: '/AwsConfig'"],
    ['/SSM-settings/prod', "`path` must not start with 'ssm' (any case) in its first level, Parameter Store reserves it; got: '/SSM-settings/prod'"],
  ])('%s', (path, message) => {
    // GIVEN a stack, WHEN a tree gets the path, THEN the error names it
    expect(() => newTree({ path })).toThrow(message);
  });

  test.each([
    ['/shop/aws'],
    ['/app-ssm/x'],
    ['/a/b.c/d_e/f-g'],
  ])('accepts %s', (path) => {
    expect(() => newTree({ path })).not.toThrow();
  });

  test('fromPath validates the path the same way', () => {
    expect(() => SecureParameterTree.fromPath(newStack(), 'Shared', { path: 'shared/prod' })).toThrow("`path` must start with '/', got: 'shared/prod'");
  });

  test('skips a path that is an unresolved token', () => {
    const path = Lazy.string({ produce: () => '/from/a/token' });
    expect(() => newTree({ path })).not.toThrow();
  });
});

describe('SecureParameterTree rejects a bad parameter name', () => {
  const deepName = Array.from({ length: 15 }, (_, i) => `l${i}`).join('/');
  const longName = 'n'.repeat(1011 - '/app/'.length + 1);
  test.each([
    ['a leading slash', '/db/host', "`relativeName` must be relative to the tree path (no leading '/'), got: '/db/host'. Write it as 'db/host'."],
    ['a trailing slash', 'db/', "`relativeName` must not end with '/', got: 'db/'"],
    ['an empty name', '', "`relativeName` must not be empty, got: ''"],
    ['a space', 'db host', "`relativeName` may only contain letters, digits and the characters _ . - /, got: 'db host'"],
    ['an empty level', 'db//host', "`relativeName` must not contain an empty level ('//'), got: 'db//host'"],
    ['16 levels with the path', deepName, `\`relativeName\` makes a full name of 16 levels, Parameter Store allows at most 15; got: '/app/${deepName}'`],
    ['1012 characters with the path', longName, '`relativeName` makes a full name of 1012 characters, Parameter Store allows at most 1011'],
  ])('%s', (_case, name, message) => {
    // GIVEN
    const tree = newTree();
    // WHEN / THEN
    expect(() => tree.addParameter(name, ParameterValue.string('x'))).toThrow(message);
  });

  test('rejects 16 levels but accepts 15, counting the tree path', () => {
    const tree = newTree({ path: '/a' });
    const levels = (n: number) => Array.from({ length: n }, (_, i) => `l${i}`).join('/');
    expect(() => tree.addParameter(levels(14), ParameterValue.string('x'))).not.toThrow();
    expect(() => tree.addParameter(levels(15), ParameterValue.string('x'))).toThrow("makes a full name of 16 levels, Parameter Store allows at most 15; got: '/a/l0/");
  });

  test('accepts a full name of exactly 1011 characters', () => {
    const tree = newTree();
    expect(() => tree.addParameter('n'.repeat(1011 - '/app/'.length), ParameterValue.string('x'))).not.toThrow();
  });

  test('names the parameter already in the tree when a name is added twice', () => {
    // GIVEN
    const tree = newTree({ parameters: { 'db/host': ParameterValue.string('a') } });
    // WHEN / THEN
    expect(() => tree.addParameter('db/host', ParameterValue.string('b'))).toThrow("`relativeName` must be unique in the tree, got: 'db/host', which '/app' already holds");
  });

  test('validates names given to parameterName', () => {
    expect(() => newTree().parameterName('/db')).toThrow("`relativeName` must be relative to the tree path (no leading '/'), got: '/db'");
  });
});

describe('SecureParameterTree rejects a value its tier cannot store', () => {
  test.each([
    [ParameterTier.STANDARD, 4097, 'must be at most 4096 bytes in the Standard tier, got a value of 4097 bytes. Use ParameterTier.ADVANCED'],
    [ParameterTier.ADVANCED, 8193, 'must be at most 8192 bytes in the Advanced tier, got a value of 8193 bytes'],
    [ParameterTier.INTELLIGENT_TIERING, 8193, 'must be at most 8192 bytes in the Intelligent-Tiering tier, got a value of 8193 bytes'],
  ])('%s, %d bytes', (tier, bytes, message) => {
    const tree = newTree({ tier });
    expect(() => tree.addParameter('big', ParameterValue.string('x'.repeat(bytes)))).toThrow(`\`value of '/app/big'\` ${message}`);
  });

  test.each([
    [ParameterTier.STANDARD, 4096],
    [ParameterTier.ADVANCED, 8192],
    [ParameterTier.INTELLIGENT_TIERING, 8192],
  ])('accepts %s up to %d bytes', (tier, bytes) => {
    expect(() => newTree({ tier }).addParameter('big', ParameterValue.string('x'.repeat(bytes)))).not.toThrow();
  });

  test('counts bytes, not characters', () => {
    // 'é' is two bytes in UTF-8: 2049 of them make 4098 bytes.
    expect(() => newTree().addParameter('big', ParameterValue.string('é'.repeat(2049)))).toThrow('got a value of 4098 bytes');
  });

  test("uses the parameter's own tier before the tree's", () => {
    const tree = newTree({ tier: ParameterTier.STANDARD });
    expect(() => tree.addParameter('big', ParameterValue.string('x'.repeat(5000), { tier: ParameterTier.ADVANCED }))).not.toThrow();
  });

  test('checks a StringList by its joined size', () => {
    const items = Array.from({ length: 2 }, () => 'x'.repeat(2048));
    expect(() => newTree().addParameter('list', ParameterValue.stringList(items))).toThrow('got a value of 4097 bytes');
  });

  test('never shows an oversized plain-text secret in the error', () => {
    const tree = newTree();
    const secret = CANARY + 'x'.repeat(4096);
    const add = () => tree.addParameter('big', ParameterValue.unsafePlainTextSecret(secret));
    expect(add).toThrow(/got a value of 4116 bytes/);
    expect(add).not.toThrow(CANARY);
  });

  test('skips a value that is an unresolved token', () => {
    const value = Lazy.string({ produce: () => 'x'.repeat(5000) });
    expect(() => newTree().addParameter('token', ParameterValue.string(value))).not.toThrow();
  });
});

describe('ParameterValue rejects bad values', () => {
  test.each([
    ['an empty list', () => ParameterValue.stringList([]), '`values` must hold at least one item, got: []'],
    ['an item with a comma', () => ParameterValue.stringList(['a', 'b,c']), "`values[1]` must not contain ',' (it separates StringList items), got: 'b,c'"],
    ['an empty item', () => ParameterValue.stringList(['a', '']), "`values[1]` must not be empty, got: ''"],
    ['a list item with {{', () => ParameterValue.stringList(['{{resolve:ssm:/x}}']), "`values[0]` must not contain '{{' (it would be resolved as a reference), got: '{{resolve:ssm:/x}}'"],
    ['a string with {{', () => ParameterValue.string('pre {{resolve:ssm:/x}}'), "`value` must not contain '{{' (it would be resolved as a reference), got: 'pre {{resolve:ssm:/x}}'"],
    ['a generated length below 8', () => ParameterValue.generatedSecret({ length: 7 }), '`length` must be a whole number from 8 to 4096, got: 7'],
    ['a generated length above 4096', () => ParameterValue.generatedSecret({ length: 4097 }), '`length` must be a whole number from 8 to 4096, got: 4097'],
    ['a fractional generated length', () => ParameterValue.generatedSecret({ length: 12.5 }), '`length` must be a whole number from 8 to 4096, got: 12.5'],
    ['ciphertext that is not base64', () => ParameterValue.encryptedSecret('not base64!'), "`ciphertext` must be base64-encoded KMS ciphertext (as `aws kms encrypt --query CiphertextBlob` prints it), got: 'not base64!'"],
    ['empty ciphertext', () => ParameterValue.encryptedSecret(''), "`ciphertext` must be base64-encoded KMS ciphertext (as `aws kms encrypt --query CiphertextBlob` prints it), got: ''"],
    ['ciphertext with bad padding', () => ParameterValue.encryptedSecret('AQI'), "got: 'AQI'"],
    ['a description too long', () => ParameterValue.string('x', { description: 'd'.repeat(1025) }), '`description` must be at most 1024 characters, got 1025'],
    ['a tag key reserved by AWS', () => ParameterValue.string('x', { tags: { 'AWS:owner': 'me' } }), "`tags` must not use the reserved prefix 'aws:', got the key: 'AWS:owner'"],
    ['a tag key reserved by the reconciler', () => ParameterValue.generatedSecret({ tags: { 'cdk-secure-config:owner': 'me' } }), "`tags` must not use the reserved prefix 'cdk-secure-config:', got the key: 'cdk-secure-config:owner'"],
  ])('%s', (_case, make, message) => {
    expect(make).toThrow(message);
  });

  test.each([[8], [32], [4096]])('accepts a generated length of %d', (length) => {
    expect(() => ParameterValue.generatedSecret({ length })).not.toThrow();
  });

  test('never shows a plain-text secret containing {{ in the error', () => {
    const make = () => ParameterValue.unsafePlainTextSecret(`${CANARY}{{x`);
    expect(make).toThrow("`value` must not contain '{{' (it would be resolved as a reference), got: <a secret value, not shown>");
    expect(make).not.toThrow(CANARY);
  });
});

describe('SecureParameterTree rejects bad tree properties', () => {
  test.each([
    [RemovalPolicy.SNAPSHOT, "`removalPolicy` must be RemovalPolicy.RETAIN or RemovalPolicy.DESTROY, got: 'snapshot'"],
    [RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE, "`removalPolicy` must be RemovalPolicy.RETAIN or RemovalPolicy.DESTROY, got: 'retain-on-update-or-delete'"],
  ])('removalPolicy %s', (removalPolicy, message) => {
    expect(() => newTree({ removalPolicy })).toThrow(message);
  });

  test.each([
    ['an empty tree id', '', "`treeId` must be 1 to 128 characters of A-Z a-z 0-9 _ . : - starting with a letter or digit, got: ''"],
    ['a space', 'my stack', "`treeId` must be 1 to 128 characters of A-Z a-z 0-9 _ . : - starting with a letter or digit, got: 'my stack'"],
    ['a slash', 'team/app', "`treeId` must be 1 to 128 characters of A-Z a-z 0-9 _ . : - starting with a letter or digit, got: 'team/app'"],
    ["an '@', which separates it from the path in the owner tag", 'a@b', "`treeId` must be 1 to 128 characters of A-Z a-z 0-9 _ . : - starting with a letter or digit, got: 'a@b'"],
    ['a leading hyphen', '-app', "`treeId` must be 1 to 128 characters of A-Z a-z 0-9 _ . : - starting with a letter or digit, got: '-app'"],
    ['129 characters', 't'.repeat(129), `\`treeId\` must be 1 to 128 characters of A-Z a-z 0-9 _ . : - starting with a letter or digit, got: '${'t'.repeat(129)}'`],
  ])('treeId with %s', (_case, treeId, message) => {
    expect(() => newTree({ treeId })).toThrow(message);
  });

  test('a tree id and path whose owner tag exceeds the 256 characters of a tag value', () => {
    const path = `/${'p'.repeat(200)}`;
    expect(() => newTree({ path, treeId: 't'.repeat(60) }))
      .toThrow(`\`treeId\` and \`path\` make the owner tag '${'t'.repeat(60)}@${path}', 262 characters; Parameter Store allows 256. Set a shorter \`treeId\` or use a shorter path.`);
  });

  test('accepts a tree id of 128 characters of every allowed kind, and a stack name as the default', () => {
    expect(() => newTree({ treeId: `Ab0_.:-${'x'.repeat(121)}` })).not.toThrow();
    expect(() => newTree({}, new Stack(new App(), 'My-Stack-2'))).not.toThrow();
  });

  test('a stack name that leaves no room for the path in the owner tag', () => {
    const stack = new Stack(new App(), `S${'s'.repeat(127)}`);
    expect(() => newTree({ path: `/${'p'.repeat(130)}` }, stack)).toThrow(/^The stack name \(the default `treeId`\) and `path` make the owner tag 'Ss+@\/p+', 260 characters/);
  });

  test('a description too long', () => {
    expect(() => newTree({ description: 'd'.repeat(1025) })).toThrow('`description` must be at most 1024 characters, got 1025');
  });

  test('a tag with the reconciler prefix reaching the tree, at synthesis', () => {
    // GIVEN
    const stack = newStack();
    newTree({}, stack);
    // WHEN
    Tags.of(stack).add('cdk-secure-config:generation', 'mine');
    // THEN
    expect(() => Template.fromStack(stack)).toThrow("`tags` must not use the reserved prefix 'cdk-secure-config:', got the key: 'cdk-secure-config:generation'");
  });
});

describe('SecureParameterTree rejects a bad subtree', () => {
  function grantee(stack: Stack): iam.IGrantable {
    return new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  }

  test.each([
    ['/db', "`subtree` must be relative to the tree path (no leading '/'), got: '/db'"],
    ['db/', "`subtree` must not end with '/', got: 'db/'"],
    ['db*', "`subtree` may only contain letters, digits and the characters _ . - /, got: 'db*'"],
  ])('%s, at once', (subtree, message) => {
    const stack = newStack();
    const tree = newTree({ parameters: { 'db/host': ParameterValue.string('h') } }, stack);
    expect(() => tree.grantRead(grantee(stack), subtree)).toThrow(message);
  });

  test.each([
    ['d', "got: 'd'. The tree holds: db/host."],
    ['db/host/x', "got: 'db/host/x'. The tree holds: db/host."],
    ['api', "got: 'api'. The tree holds: db/host."],
  ])('%s, at synthesis, when it holds no parameter', (subtree, message) => {
    // GIVEN
    const stack = newStack();
    const tree = newTree({ parameters: { 'db/host': ParameterValue.string('h') } }, stack);
    // WHEN
    tree.grantRead(grantee(stack), subtree);
    // THEN
    expect(() => Template.fromStack(stack)).toThrow(`\`subtree\` of grantRead must hold at least one parameter of the tree '/app', ${message}`);
  });

  test('accepts the exact name of a parameter as a subtree', () => {
    const stack = newStack();
    const tree = newTree({ parameters: { 'db/host': ParameterValue.string('h') } }, stack);
    tree.grantRead(grantee(stack), 'db/host');
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('does not check the subtree of an imported tree, whose parameters are unknown', () => {
    const stack = newStack(new App());
    const shared = SecureParameterTree.fromPath(stack, 'Shared', { path: '/shared' });
    shared.grantRead(grantee(stack), 'anything');
    expect(() => Template.fromStack(stack)).not.toThrow();
  });
});
