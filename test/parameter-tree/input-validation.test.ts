/**
 * Inputs that Parameter Store, KMS or a JavaScript caller would only reject at deploy time (or
 * with a TypeError): each is refused at synth with the property and the value received.
 */
import { App, Stack, Tags } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { newStack } from './fixtures';
import { ConfigConsumer, ReadOnlyConfigGrant } from '../../src/grants';
import { ParameterValue, SecureParameterTree, SecureParameterTreeProps } from '../../src/parameter-tree';

/** What a JavaScript or Python caller can pass where TypeScript would not compile. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const untyped = (value: unknown): any => value;

function newTree(props: Partial<SecureParameterTreeProps> = {}, stack: Stack = newStack()): SecureParameterTree {
  return new SecureParameterTree(stack, 'Config', { path: '/app', ...props });
}

describe('ParameterValue refuses values Parameter Store cannot store', () => {
  test.each([
    ['an empty String', () => ParameterValue.string(''), "`value` must not be empty (Parameter Store stores no empty value), got: ''"],
    ['an empty plain-text secret', () => ParameterValue.unsafePlainTextSecret(''), "`value` must not be empty (Parameter Store stores no empty value), got: ''"],
    ['a generator with every character excluded', () => ParameterValue.generatedSecret({
      excludeCharacters: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', excludePunctuation: true,
    }), "`excludeCharacters` leaves 0 character(s) to draw a secret from (with excludePunctuation), at least 2 are needed; got: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'"],
    ['a generator left with one character', () => ParameterValue.generatedSecret({
      excludeCharacters: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz012345678', excludePunctuation: true,
    }), '`excludeCharacters` leaves 1 character(s) to draw a secret from (with excludePunctuation), at least 2 are needed'],
  ])('%s', (_case, make, message) => {
    expect(make).toThrow(message);
  });

  test('accepts a generator left with two characters', () => {
    expect(() => ParameterValue.generatedSecret({
      excludeCharacters: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz01234567', excludePunctuation: true,
    })).not.toThrow();
  });
});

describe('ParameterValue refuses tags AWS would refuse', () => {
  const many = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 'v']));
  test.each([
    ['48 tags (the tree writes 3 of the 50 itself)', { ...many(48) }, '`tags` must hold at most 47 tags (Parameter Store allows 50 per parameter and the tree writes 3 of its own), got: 48'],
    ['an empty key', { '': 'v' }, "`tags` keys must be 1 to 128 characters, got a key of 0: ''"],
    ['a key of 129 characters', { ['k'.repeat(129)]: 'v' }, '`tags` keys must be 1 to 128 characters, got a key of 129'],
    ['a value of 257 characters', { team: 'v'.repeat(257) }, "`tags` values must be at most 256 characters, got 257 for the key 'team'"],
    ['a key with a character AWS refuses', { 'team#1': 'v' }, "`tags` keys may only contain letters, numbers, spaces and _ . : / = + - @, got the key: 'team#1'"],
    ['a value with a character AWS refuses', { team: 'a&b' }, "`tags` values may only contain letters, numbers, spaces and _ . : / = + - @, got for the key 'team': 'a&b'"],
    ['a value that is no string', { team: 42 }, "`tags` value of 'team' must be a string, got: 42 (number)"],
  ])('%s', (_case, tags, message) => {
    expect(() => ParameterValue.string('x', { tags: untyped(tags) })).toThrow(message);
  });

  test.each([
    ['47 tags', many(47)],
    ['letters of any script, spaces and every allowed sign', { 'Équipe de nuit': 'café _.:/=+-@ 42' }],
    ['an empty value', { team: '' }],
  ])('accepts %s', (_case, tags) => {
    expect(() => ParameterValue.string('x', { tags })).not.toThrow();
  });

  test("counts the tree's tags with the parameter's own, at synthesis", () => {
    // GIVEN a parameter with 40 tags of its own
    const stack = newStack();
    newTree({ parameters: { 'db/host': ParameterValue.string('h', { tags: many(40) }) } }, stack);
    // WHEN the stack adds 10 more to every resource
    for (let i = 0; i < 10; i++) Tags.of(stack).add(`stack-${i}`, 'v');
    // THEN the 50 user tags do not fit next to the tree's own three
    expect(() => Template.fromStack(stack)).toThrow("`tags of 'db/host' (the tree's and its own)` must hold at most 47 tags");
  });
});

describe("names with a '.' or '..' level", () => {
  test.each([
    ['/app/../etc', "`path` must not contain a '.' or '..' level, got: '/app/../etc'"],
    ['/app/./prod', "`path` must not contain a '.' or '..' level, got: '/app/./prod'"],
  ])('path %s', (path, message) => {
    expect(() => newTree({ path })).toThrow(message);
  });

  test.each([
    ['../secret', "`relativeName` must not contain a '.' or '..' level, got: '../secret'"],
    ['db/./host', "`relativeName` must not contain a '.' or '..' level, got: 'db/./host'"],
  ])('parameter %s', (name, message) => {
    expect(() => newTree().addParameter(name, ParameterValue.string('x'))).toThrow(message);
  });

  test('accepts dots inside a level', () => {
    expect(() => newTree({ path: '/app/v1.2' }).addParameter('.hidden/x..y', ParameterValue.string('x'))).not.toThrow();
  });

  test('a ReadOnlyConfigGrant subtree', () => {
    const stack = newStack();
    const tree = newTree({ parameters: { 'db/host': ParameterValue.string('h') } }, stack);
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.grantable(role), parameters: [{ tree, subtree: 'db/..' }] }))
      .toThrow("no '.' or '..' level, no wildcard), got: 'db/..'");
  });
});

describe('trees of one app that would fight at deploy time', () => {
  function twoTrees(first: Partial<SecureParameterTreeProps>, second: Partial<SecureParameterTreeProps>, sameStack = true): App {
    const app = new App();
    const stackA = newStack(app, 'A');
    const stackB = sameStack ? stackA : newStack(app, 'B');
    new SecureParameterTree(stackA, 'First', { path: '/app', ...first });
    new SecureParameterTree(stackB, 'Second', { path: '/app', ...second });
    return app;
  }

  test('two trees at one path, in two stacks of one account and region', () => {
    const app = twoTrees({ path: '/shop/prod' }, { path: '/shop/prod' }, false);
    expect(() => app.synth()).toThrow("`path` must be unique among the trees of an account and region, got: '/shop/prod', which B/Second uses too");
  });

  test('a tree nested inside another', () => {
    const app = twoTrees({ path: '/shop' }, { path: '/shop/v2' });
    expect(() => app.synth()).toThrow("`path` must not nest one tree inside another, got: '/shop', and A/First holds '/shop' which contains A/Second ('/shop/v2')");
  });

  test('two default keys whose aliases collide', () => {
    // '.' is not allowed in a KMS alias and becomes '_': both paths give alias/cdk-secure-config/shop_prod
    const app = twoTrees({ path: '/shop.prod' }, { path: '/shop_prod' });
    expect(() => app.synth()).toThrow("gives the same default key alias 'alias/cdk-secure-config/shop_prod' as A/Second ('/shop_prod')");
  });

  test('two trees at one path in one stack', () => {
    const app = twoTrees({ path: '/shop/prod' }, { path: '/shop/prod' });
    expect(() => app.synth()).toThrow("`path` must be unique among the trees of an account and region, got: '/shop/prod', which A/Second uses too");
  });

  test('a tree nested inside a tree of another stack of the account and region, whichever comes first', () => {
    const inner = twoTrees({ path: '/shop/v2/eu' }, { path: '/shop' }, false);
    expect(() => inner.synth()).toThrow("`path` must not nest one tree inside another, got: '/shop/v2/eu', and B/Second holds '/shop' which contains A/First ('/shop/v2/eu')");
  });

  test('two default keys whose aliases collide, in two stacks of the account and region', () => {
    const app = twoTrees({ path: '/shop.prod' }, { path: '/shop_prod' }, false);
    expect(() => app.synth()).toThrow("gives the same default key alias 'alias/cdk-secure-config/shop_prod' as B/Second ('/shop_prod')");
  });

  test('two trees at one path in two environment-agnostic stacks, which may deploy to one account and region', () => {
    const app = new App();
    new SecureParameterTree(new Stack(app, 'A'), 'First', { path: '/shop' });
    new SecureParameterTree(new Stack(app, 'B'), 'Second', { path: '/shop' });
    expect(() => app.synth()).toThrow("`path` must be unique among the trees of an account and region, got: '/shop', which B/Second uses too");
  });

  test.each([
    ['sibling paths that share a prefix', { path: '/shop' }, { path: '/shopping' }, true],
    ['colliding aliases when one tree brings its own key', { path: '/shop.prod' }, { path: '/shop_prod', encryptionKey: 'own' }, true],
  ])('accepts %s', (_case, first, second, sameStack) => {
    const app = new App();
    const stack = newStack(app, 'A');
    new SecureParameterTree(stack, 'First', { path: '/app', ...first as Partial<SecureParameterTreeProps> });
    const key = (second as { encryptionKey?: string }).encryptionKey ? new kms.Key(stack, 'Own', { enableKeyRotation: true }) : undefined;
    new SecureParameterTree(sameStack ? stack : newStack(app, 'B'), 'Second', { path: '/app', ...second as Partial<SecureParameterTreeProps>, encryptionKey: key });
    expect(() => app.synth()).not.toThrow();
  });

  test('accepts one path in two Regions of one account', () => {
    const app = new App();
    new SecureParameterTree(new Stack(app, 'Ireland', { env: { account: '111111111111', region: 'eu-west-1' } }), 'Config', { path: '/shop' });
    new SecureParameterTree(new Stack(app, 'Virginia', { env: { account: '111111111111', region: 'us-east-1' } }), 'Config', { path: '/shop' });
    expect(() => app.synth()).not.toThrow();
  });

  test('accepts one path in two accounts', () => {
    const app = new App();
    new SecureParameterTree(new Stack(app, 'Prod', { env: { account: '111111111111', region: 'eu-west-1' } }), 'Config', { path: '/shop' });
    new SecureParameterTree(new Stack(app, 'Test', { env: { account: '222222222222', region: 'eu-west-1' } }), 'Config', { path: '/shop' });
    expect(() => app.synth()).not.toThrow();
  });
});

describe('ReadOnlyConfigGrant checks that a subtree holds a parameter of a tree built in the app', () => {
  test('at synthesis, naming the entry', () => {
    // GIVEN
    const stack = newStack();
    const tree = newTree({ parameters: { 'db/host': ParameterValue.string('h') } }, stack);
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.grantable(role), parameters: [{ tree }, { tree, subtree: 'api' }] });
    // THEN
    expect(() => Template.fromStack(stack)).toThrow("`parameters[1].subtree` must hold at least one parameter of the tree '/app', got: 'api'. The tree holds: db/host.");
  });

  test('not for an imported tree', () => {
    const stack = newStack();
    const shared = SecureParameterTree.fromPath(stack, 'Shared', { path: '/shared' });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.grantable(role), parameters: [{ tree: shared, subtree: 'any' }] });
    expect(() => Template.fromStack(stack)).not.toThrow();
  });
});

describe('callers without a type checker get the property named, never a TypeError', () => {
  const stack = () => newStack();
  test.each([
    ['no props at all', () => new SecureParameterTree(stack(), 'T', untyped(undefined)), '`props` is required, got: undefined'],
    ['a path that is a number', () => new SecureParameterTree(stack(), 'T', untyped({ path: 42 })), '`path` must be a string, got: 42 (number)'],
    ['no path', () => new SecureParameterTree(stack(), 'T', untyped({})), '`path` must be a string, got: undefined'],
    ['parameters as an array', () => newTree({ parameters: untyped([ParameterValue.string('x')]) }), '`parameters` must be an object, got: an array of 1 item(s)'],
    ['a parameter given as a bare string', () => newTree({ parameters: untyped({ 'db/host': 'h' }) }),
      "the value of 'db/host' must be a ParameterValue (ParameterValue.string(...), generatedSecret(...), ...), got: 'h'"],
    ['a tier spelled wrong', () => newTree({ tier: untyped('standard') }), "`tier` must be one of 'Standard', 'Advanced', 'Intelligent-Tiering', got: 'standard'"],
    ['adoptExistingParameters as a string', () => newTree({ adoptExistingParameters: untyped('yes') }), "`adoptExistingParameters` must be true or false, got: 'yes'"],
    ['retainRemovedParameters as a string', () => newTree({ retainRemovedParameters: untyped('true') }), "`retainRemovedParameters` must be true or false, got: 'true'"],
    ['treeId as a number', () => newTree({ treeId: untyped(7) }), '`treeId` must be a string, got: 7 (number)'],
    ['an encryption key that is an ARN string', () => newTree({ encryptionKey: untyped('arn:aws:kms:eu-west-1:111122223333:key/x') }),
      "`encryptionKey` must be a kms.IKey, got: 'arn:aws:kms:eu-west-1:111122223333:key/x'"],
    ['a description that is a number', () => newTree({ description: untyped(7) }), '`description` must be a string, got: 7 (number)'],
    ['a String value that is a number', () => ParameterValue.string(untyped(5432)), '`value` must be a string, got: 5432 (number)'],
    ['a String value left out', () => ParameterValue.string(untyped(undefined)), '`value` must be a string, got: undefined'],
    ['a StringList given one string', () => ParameterValue.stringList(untyped('a,b')), "`values` must be an array of strings, got: 'a,b'"],
    ['a StringList item that is a number', () => ParameterValue.stringList(untyped(['a', 2])), '`values[1]` must be a string, got: 2 (number)'],
    ['a generated length given as a string', () => ParameterValue.generatedSecret({ length: untyped('32') }), "`length` must be a number, got: '32'"],
    ['generator options as null', () => ParameterValue.generatedSecret(untyped(null)), '`options` must be an object, got: null'],
    ['excludePunctuation as a string', () => ParameterValue.generatedSecret({ excludePunctuation: untyped('true') }), "`excludePunctuation` must be true or false, got: 'true'"],
    ['ciphertext left out', () => ParameterValue.encryptedSecret(untyped(undefined)), '`ciphertext` must be a string, got: undefined'],
    ['a ciphertext key that is an ARN string', () => ParameterValue.encryptedSecret('AQICAHhB', { key: untyped('arn:aws:kms:x') }), "`key` must be a kms.IKey, got: 'arn:aws:kms:x'"],
    ['tags as an array', () => ParameterValue.string('x', { tags: untyped(['a']) }), '`tags` must be an object, got: an array of 1 item(s)'],
  ])('%s', (_case, make, message) => {
    expect(make).toThrow(message);
  });

  test.each([
    ['no props', (s: Stack) => new ReadOnlyConfigGrant(s, 'G', untyped(undefined)), '`props` is required, got: undefined'],
    ['no consumer', (s: Stack) => new ReadOnlyConfigGrant(s, 'G', untyped({ secrets: [] })), '`consumer` is required, got: undefined'],
    ['parameters as one object', (s: Stack, tree: SecureParameterTree) => new ReadOnlyConfigGrant(s, 'G', untyped({ consumer: consumerOf(s), parameters: { tree } })),
      '`parameters` must be an array, got: an object (Object)'],
    ['a parameters entry without a tree', (s: Stack) => new ReadOnlyConfigGrant(s, 'G', untyped({ consumer: consumerOf(s), parameters: [{ subtree: 'db' }] })),
      '`parameters[0].tree` is required, got: undefined'],
    ['a parameters entry that is a path string', (s: Stack) => new ReadOnlyConfigGrant(s, 'G', untyped({ consumer: consumerOf(s), parameters: ['/app/db'] })),
      "`parameters[0]` must be an object, got: '/app/db'"],
    ['a subtree that is a number', (s: Stack, tree: SecureParameterTree) => new ReadOnlyConfigGrant(s, 'G', untyped({ consumer: consumerOf(s), parameters: [{ tree, subtree: 1 }] })),
      '`parameters[0].subtree` must be a string, got: 1 (number)'],
    ['a secret given as an ARN string', (s: Stack) => new ReadOnlyConfigGrant(s, 'G', untyped({ consumer: consumerOf(s), secrets: ['arn:aws:secretsmanager:x'] })),
      "`secrets[0]` must be a secretsmanager.ISecret, got: 'arn:aws:secretsmanager:x'"],
    ['extensionEnabled as a string', (s: Stack, tree: SecureParameterTree) => new ReadOnlyConfigGrant(s, 'G', untyped({ consumer: consumerOf(s), parameters: [{ tree }], extensionEnabled: 'no' })),
      "`extensionEnabled` must be true or false, got: 'no'"],
  ])('ReadOnlyConfigGrant: %s', (_case, make, message) => {
    const s = newStack();
    const tree = newTree({ parameters: { 'db/host': ParameterValue.string('h') } }, s);
    expect(() => make(s, tree)).toThrow(message);
  });
});

function consumerOf(stack: Stack): ConfigConsumer {
  return ConfigConsumer.grantable(new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() }));
}
