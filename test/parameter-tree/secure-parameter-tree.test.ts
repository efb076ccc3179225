import { App, Aws, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ACCOUNT, newStack, REGION, representativeStack } from './fixtures';
import { treeProperties, treeSpecs } from './manifest-support';
import { ParameterStoreThroughput, ParameterTier, ParameterValue, SecureParameterTree } from '../../src/parameter-tree';
import { PLACEHOLDER_VALUE, TREE_RESOURCE_TYPE } from '../../src/parameter-tree/private/contract';

const ssmArn = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ssm:${REGION}:${ACCOUNT}:parameter${name}`]] });
const ssmViaService = { 'Fn::Join': ['', [`ssm.${REGION}.`, { Ref: 'AWS::URLSuffix' }]] };

const manifestBucketArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::cdk-hnb659fds-assets-${ACCOUNT}-${REGION}`]] };
/** Every manifest of the stack: objects named `<hash>.cdk-secure-config-<hash of the stack name>`. */
const manifestsArn = (stack: Stack) => {
  const extension = /\.cdk-secure-config-[0-9a-f]{16}$/.exec(treeProperties(stack).Manifest.Key)![0];
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::cdk-hnb659fds-assets-${ACCOUNT}-${REGION}/*${extension}`]] };
};

function treeResource(template: Template): { [key: string]: any } {
  const resources = template.findResources(TREE_RESOURCE_TYPE);
  expect(Object.keys(resources)).toHaveLength(1);
  return Object.values(resources)[0];
}

function keyLogicalId(template: Template, descriptionPart: string): string {
  const keys = template.findResources('AWS::KMS::Key', { Properties: { Description: Match.stringLikeRegexp(descriptionPart) } });
  expect(Object.keys(keys)).toHaveLength(1);
  return Object.keys(keys)[0];
}

describe('SecureParameterTree custom resource', () => {
  test('renders every kind of parameter into the contract properties, without any secret value', () => {
    // GIVEN
    const stack = newStack();
    const otherKey = new kms.Key(stack, 'OtherKey');

    // WHEN
    new SecureParameterTree(stack, 'Config', {
      path: '/ecommerce/prod',
      parameters: {
        'db/host': ParameterValue.string('db.example.com'),
        'cors/origins': ParameterValue.stringList(['https://a.example', 'https://b.example']),
        'api/jwt-secret': ParameterValue.generatedSecret({ length: 48, excludeCharacters: '"@', excludePunctuation: true, generation: '2' }),
        'api/default-secret': ParameterValue.generatedSecret(),
        'payments/stripe-key': ParameterValue.placeholderSecret(),
        'legacy/token': ParameterValue.encryptedSecret('AQICAHhB'),
        'legacy/other': ParameterValue.encryptedSecret('AQICAHhC', { key: otherKey }),
      },
    });

    // THEN
    const template = Template.fromStack(stack);
    const treeKey = keyLogicalId(template, '/ecommerce/prod');
    const base = { Tier: 'Standard', Description: '' };
    expect(treeResource(template).Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^ConfigReconcilerFunction/), 'Arn'] },
      Path: '/ecommerce/prod',
      KeyArn: { 'Fn::GetAtt': [treeKey, 'Arn'] },
      RemovalPolicy: 'retain',
      AdoptExisting: 'false',
      Owner: 'ConfigStack@/ecommerce/prod',
      LegacyOwner: expect.stringMatching(/^ConfigStack\/Config[0-9A-F]{8}$/),
      Tags: [],
      Manifest: {
        Bucket: `cdk-hnb659fds-assets-${ACCOUNT}-${REGION}`,
        Key: expect.stringMatching(/^[0-9a-f]{64}\.cdk-secure-config-[0-9a-f]{16}$/),
        Sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
      // Deploy-time values only; the rest is in the manifest.
      ManifestMarkers: { m0: { 'Fn::GetAtt': [expect.stringMatching(/^OtherKey/), 'Arn'] } },
    });
    expect(treeSpecs(stack)).toEqual([
      { ...base, Name: 'api/default-secret', Kind: 'Generated', Generator: { Length: '32', ExcludeCharacters: '', ExcludePunctuation: 'false', Generation: '' } },
      { ...base, Name: 'api/jwt-secret', Kind: 'Generated', Generator: { Length: '48', ExcludeCharacters: '"@', ExcludePunctuation: 'true', Generation: '2' } },
      { ...base, Name: 'cors/origins', Kind: 'StringList', Value: 'https://a.example,https://b.example' },
      { ...base, Name: 'db/host', Kind: 'String', Value: 'db.example.com' },
      { ...base, Name: 'legacy/other', Kind: 'Encrypted', Ciphertext: 'AQICAHhC', CiphertextKeyArn: { 'Fn::GetAtt': [expect.stringMatching(/^OtherKey/), 'Arn'] } },
      { ...base, Name: 'legacy/token', Kind: 'Encrypted', Ciphertext: 'AQICAHhB', CiphertextKeyArn: '' },
      { ...base, Name: 'payments/stripe-key', Kind: 'Placeholder' },
    ]);
  });

  test('includes parameters added after construction', () => {
    // GIVEN
    const stack = newStack();
    const tree = new SecureParameterTree(stack, 'Config', { path: '/app' });

    // WHEN
    tree.addParameter('feature/flags', ParameterValue.stringList(['checkout-v2']));

    // THEN
    expect(treeSpecs(stack)).toEqual([
      { Name: 'feature/flags', Kind: 'StringList', Tier: 'Standard', Description: '', Value: 'checkout-v2' },
    ]);
  });

  test('renders an empty parameter list for a tree without parameters', () => {
    const stack = newStack();
    new SecureParameterTree(stack, 'Config', { path: '/app' });
    expect(treeSpecs(stack)).toEqual([]);
  });

  test('costs the same number of resources for one parameter and for two hundred', () => {
    // GIVEN
    const count = (parameters: number) => {
      const stack = newStack();
      const tree = new SecureParameterTree(stack, 'Config', { path: '/app' });
      for (let i = 0; i < parameters; i++) tree.addParameter(`p${i}`, ParameterValue.generatedSecret());
      return Object.keys(Template.fromStack(stack).toJSON().Resources).length;
    };

    // THEN
    expect(count(200)).toBe(count(1));
  });

  test('depends on the managed policies that let the reconciler manage the tree and continue in another invocation', () => {
    const stack = newStack();
    new SecureParameterTree(stack, 'Config', { path: '/app' });
    const template = Template.fromStack(stack);
    const manages = template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('under /app$') } });
    const continues = template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('of /app invoke itself') } });
    expect(treeResource(template).DependsOn).toEqual([...Object.keys(continues), ...Object.keys(manages)]);
  });

  test('tells the reconciler to retain parameters by default and to delete them under RemovalPolicy.DESTROY', () => {
    const retained = newStack();
    new SecureParameterTree(retained, 'Config', { path: '/app' });
    const destroyed = newStack();
    new SecureParameterTree(destroyed, 'Config', { path: '/app', removalPolicy: RemovalPolicy.DESTROY });

    expect(treeResource(Template.fromStack(retained)).Properties.RemovalPolicy).toBe('retain');
    expect(treeResource(Template.fromStack(destroyed)).Properties.RemovalPolicy).toBe('destroy');
    // CloudFormation must always call the reconciler on delete: it applies the policy itself.
    expect(treeResource(Template.fromStack(destroyed)).DeletionPolicy).toBeUndefined();
  });

  test('asks the reconciler to adopt existing parameters only when told to', () => {
    const stack = newStack();
    new SecureParameterTree(stack, 'Config', { path: '/app', adoptExistingParameters: true });
    expect(treeResource(Template.fromStack(stack)).Properties.AdoptExisting).toBe('true');
  });

  test('asks the reconciler to retain removed parameters only when told to, leaving the property out otherwise', () => {
    const retaining = newStack();
    new SecureParameterTree(retaining, 'Config', { path: '/app', retainRemovedParameters: true });
    const deleting = newStack();
    new SecureParameterTree(deleting, 'Config', { path: '/app', retainRemovedParameters: false });

    expect(treeResource(Template.fromStack(retaining)).Properties.RetainRemovedParameters).toBe('true');
    // Absent, so that templates of trees that leave it unset send no Update when upgrading.
    expect(Object.keys(treeResource(Template.fromStack(deleting)).Properties)).not.toContain('RetainRemovedParameters');
  });

  test('tags the parameters with an owner made of the stack name and the path, unless a tree id is given', () => {
    const byStack = newStack();
    new SecureParameterTree(byStack, 'Config', { path: '/app' });
    const byTreeId = newStack();
    new SecureParameterTree(byTreeId, 'Renamed', { path: '/app', treeId: 'OldStack' });

    expect(treeResource(Template.fromStack(byStack)).Properties.Owner).toBe('ConfigStack@/app');
    expect(treeResource(Template.fromStack(byTreeId)).Properties.Owner).toBe('OldStack@/app');
  });

  test('keeps the owner when the construct is renamed, while the legacy owner follows the logical id', () => {
    const before = newStack();
    new SecureParameterTree(before, 'Config', { path: '/app' });
    const after = newStack();
    new SecureParameterTree(after, 'Settings', { path: '/app' });

    const [old, renamed] = [before, after].map((stack) => treeResource(Template.fromStack(stack)).Properties);
    expect(renamed.Owner).toBe(old.Owner);
    expect([old.LegacyOwner, renamed.LegacyOwner]).toEqual([expect.stringMatching(/^ConfigStack\/Config/), expect.stringMatching(/^ConfigStack\/Settings/)]);
  });

  test('the legacy owner names the logical id earlier versions gave the custom resource, which the new one does not reuse', () => {
    // GIVEN the stack and tree of the integration test, whose template from before per-tree
    // reconcilers named the custom resource Config57D1D894
    const stack = new Stack(new App(), 'SecureConfigInteg');
    const tree = new SecureParameterTree(stack, 'Config', { path: '/app' });

    // WHEN
    const template = Template.fromStack(stack);

    // THEN the parameters tagged by that version are recognised, and CloudFormation sees a new
    // resource (it refuses a changed ServiceToken on the old one)
    const [[logicalId, resource]] = Object.entries(template.findResources(TREE_RESOURCE_TYPE));
    expect(resource.Properties.LegacyOwner).toBe('SecureConfigInteg/Config57D1D894');
    expect(logicalId).not.toBe('Config57D1D894');
    expect(Object.keys(template.toJSON().Resources)).not.toContain('Config57D1D894');
    expect(tree.node.defaultChild).toBeDefined();
    expect(tree.node.tryFindChild('Resource')).toBeUndefined();
  });

  test('tells the reconciler the account\'s throughput setting only when it is the higher one', () => {
    // GIVEN
    const unset = newStack();
    const defaults = newStack();
    const higher = newStack();

    // WHEN
    new SecureParameterTree(unset, 'Config', { path: '/app' });
    new SecureParameterTree(defaults, 'Config', { path: '/app', parameterStoreThroughput: ParameterStoreThroughput.DEFAULT });
    new SecureParameterTree(higher, 'Config', { path: '/app', parameterStoreThroughput: ParameterStoreThroughput.HIGHER });

    // THEN the default leaves the template as it was before the setting existed
    expect(treeResource(Template.fromStack(unset)).Properties).not.toHaveProperty('Throughput');
    expect(treeResource(Template.fromStack(defaults)).Properties).not.toHaveProperty('Throughput');
    expect(treeResource(Template.fromStack(higher)).Properties.Throughput).toBe('higher');
  });

  test('uses the tree tier by default and the parameter tier when given', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new SecureParameterTree(stack, 'Config', {
      path: '/app',
      tier: ParameterTier.ADVANCED,
      parameters: {
        a: ParameterValue.string('x'),
        b: ParameterValue.string('y', { tier: ParameterTier.INTELLIGENT_TIERING }),
        c: ParameterValue.generatedSecret({ tier: ParameterTier.STANDARD }),
      },
    });

    // THEN
    const tiers = treeSpecs(stack).map((p: any) => [p.Name, p.Tier]);
    expect(tiers).toEqual([['a', 'Advanced'], ['b', 'Intelligent-Tiering'], ['c', 'Standard']]);
  });

  test('uses the tree description by default and the parameter description when given', () => {
    const stack = newStack();
    new SecureParameterTree(stack, 'Config', {
      path: '/app',
      description: 'App configuration',
      parameters: { a: ParameterValue.string('x'), b: ParameterValue.placeholderSecret({ description: 'Set by payments' }) },
    });
    const descriptions = treeSpecs(stack).map((p: any) => [p.Name, p.Description]);
    expect(descriptions).toEqual([['a', 'App configuration'], ['b', 'Set by payments']]);
  });

  test('passes tags added with Tags.of to the tree, and per-parameter tags to their parameter only', () => {
    // GIVEN
    const stack = newStack();
    new SecureParameterTree(stack, 'Config', {
      path: '/app',
      parameters: { a: ParameterValue.string('x', { tags: { owner: 'payments', cost: 'b' } }), b: ParameterValue.string('y') },
    });

    // WHEN
    Tags.of(stack).add('team', 'shop');

    // THEN
    const properties = treeResource(Template.fromStack(stack)).Properties;
    expect(properties.Tags).toEqual([{ Key: 'team', Value: 'shop' }]);
    expect(treeSpecs(stack)[0].Tags).toEqual([{ Key: 'cost', Value: 'b' }, { Key: 'owner', Value: 'payments' }]);
    expect(treeSpecs(stack)[1].Tags).toBeUndefined();
  });

  test('warns about every plain-text secret, naming the parameter but not the value', () => {
    // GIVEN
    const stack = newStack();
    const canary = 'CANARY-unsafe-3f9a1c';

    // WHEN
    new SecureParameterTree(stack, 'Config', {
      path: '/app',
      parameters: { 'legacy/a': ParameterValue.unsafePlainTextSecret(canary), 'legacy/b': ParameterValue.unsafePlainTextSecret(canary) },
    });

    // THEN
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('unsafePlainTextSecret'));
    expect(warnings.map((w) => String(w.entry.data))).toEqual([
      expect.stringContaining("'/app/legacy/a'"),
      expect.stringContaining("'/app/legacy/b'"),
    ]);
    expect(warnings.map((w) => String(w.entry.data)).join('\n')).not.toContain(canary);
    // The unsafe API's literal is in the manifest file, as it was in the template before.
    expect(treeSpecs(stack)[0]).toEqual(
      { Name: 'legacy/a', Kind: 'UnsafeLiteral', Tier: 'Standard', Description: '', Value: canary });
  });

  test('raises no warning for secrets that never enter the template', () => {
    const stack = newStack();
    new SecureParameterTree(stack, 'Config', {
      path: '/app',
      parameters: { a: ParameterValue.generatedSecret(), b: ParameterValue.placeholderSecret(), c: ParameterValue.encryptedSecret('AQID') },
    });
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('never puts the placeholder text in the template: the reconciler owns it', () => {
    const stack = newStack();
    new SecureParameterTree(stack, 'Config', { path: '/app', parameters: { p: ParameterValue.placeholderSecret() } });
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain(PLACEHOLDER_VALUE);
  });
});

describe('SecureParameterTree encryption key', () => {
  test('creates a rotated, retained key with an alias from the path and a key policy for the account root only', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    const tree = new SecureParameterTree(stack, 'Config', { path: '/ecommerce/prod' });

    // THEN
    const template = Template.fromStack(stack);
    const keyId = keyLogicalId(template, '/ecommerce/prod');
    const key = template.toJSON().Resources[keyId];
    expect(key.DeletionPolicy).toBe('Retain');
    expect(key.UpdateReplacePolicy).toBe('Retain');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.KeyPolicy).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Action: 'kms:*',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:root`]] } },
        Resource: '*',
      }],
    });
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: 'alias/cdk-secure-config/ecommerce/prod',
      TargetKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    expect(tree.encryptionKey).toBeInstanceOf(kms.Key);
  });

  test('replaces characters KMS does not allow in an alias', () => {
    const stack = newStack();
    new SecureParameterTree(stack, 'Config', { path: '/my.app/v1.2' });
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/cdk-secure-config/my_app/v1_2' });
  });

  test('uses the given key and creates none of its own', () => {
    // GIVEN
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Key', `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);

    // WHEN
    const tree = new SecureParameterTree(stack, 'Config', { path: '/app', encryptionKey: key });

    // THEN
    const template = Template.fromStack(stack);
    expect(tree.encryptionKey).toBe(key);
    expect(treeResource(template).Properties.KeyArn).toBe(key.keyArn);
    template.resourceCountIs('AWS::KMS::Alias', 0);
    // The only key left is the one that encrypts the reconciler's logs.
    expect(Object.keys(template.findResources('AWS::KMS::Key'))).toEqual([expect.stringMatching(/LogKey/)]);
  });
});

describe('SecureParameterTree reconciler', () => {
  const reconcilerPolicyOf = (template: Template, path: string) => {
    const policies = template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp(`under ${path}$`) } });
    expect(Object.keys(policies)).toHaveLength(1);
    return Object.values(policies)[0];
  };

  test('runs on arm64 and the pinned Node.js runtime, with 512 MB and 15 minutes', () => {
    const stack = newStack();
    new SecureParameterTree(stack, 'Config', { path: '/app' });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Architectures: ['arm64'],
      Runtime: 'nodejs24.x',
      MemorySize: 512,
      Timeout: 900,
      Environment: { Variables: { RECONCILER_CONCURRENCY: '4' } },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^ConfigReconcilerLogGroup') } },
    });
  });

  test('has a role without AWS-managed policies and no inline policy anywhere', () => {
    const stack = newStack();
    new SecureParameterTree(stack, 'Config', { path: '/app' });
    const template = Template.fromStack(stack);
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(roles).toHaveLength(1);
    expect(roles[0].Properties.ManagedPolicyArns).toBeUndefined();
    expect(roles[0].Properties.Policies).toBeUndefined();
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('may call what the handler calls, on parameters the tree owns, under the conditions IAM offers, in one managed policy', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new SecureParameterTree(stack, 'Config', { path: '/ecommerce/prod' });

    // THEN
    const template = Template.fromStack(stack);
    const treeKey = keyLogicalId(template, '/ecommerce/prod');
    // What earlier versions named the tree's custom resource (id 'Resource'), and tagged its parameters with
    const legacyOwner = 'ConfigStack/Config57D1D894';
    const owners = ['ConfigStack@/ecommerce/prod', legacyOwner];
    const below = ssmArn('/ecommerce/prod/*');
    const throughParameterStore = { StringEquals: { 'kms:ViaService': ssmViaService }, StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': below } };
    const policy = reconcilerPolicyOf(template, '/ecommerce/prod');
    expect(policy.Properties.Roles).toEqual([{ Ref: expect.stringMatching(/^ConfigReconcilerServiceRole/) }]);
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ConfigReconcilerLogGroup/), 'Arn'] } },
      { Sid: 'DescribeParameters', Effect: 'Allow', Action: 'ssm:DescribeParameters', Resource: '*' },
      { Sid: 'ReadTagsUnderThePath', Effect: 'Allow', Action: 'ssm:ListTagsForResource', Resource: below },
      {
        Sid: 'ManageOwnedParameters',
        Effect: 'Allow',
        Action: [
          'ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParameterHistory', 'ssm:PutParameter', 'ssm:LabelParameterVersion',
          'ssm:UnlabelParameterVersion', 'ssm:RemoveTagsFromResource', 'ssm:DeleteParameters',
        ],
        Resource: below,
        Condition: { StringEquals: { 'aws:ResourceTag/cdk-secure-config:owner': owners } },
      },
      {
        Sid: 'CreateOwnedParameters',
        Effect: 'Allow',
        Action: 'ssm:PutParameter',
        Resource: below,
        Condition: { StringEquals: { 'ssm:Overwrite': 'false', 'aws:RequestTag/cdk-secure-config:owner': owners[0] } },
      },
      {
        Sid: 'TagOwnedParameters',
        Effect: 'Allow',
        Action: 'ssm:AddTagsToResource',
        Resource: below,
        Condition: { StringEquals: { 'aws:RequestTag/cdk-secure-config:owner': owners[0], 'aws:ResourceTag/cdk-secure-config:owner': owners } },
      },
      {
        Sid: 'TagUnownedParameters',
        Effect: 'Allow',
        Action: 'ssm:AddTagsToResource',
        Resource: below,
        Condition: { StringEquals: { 'aws:RequestTag/cdk-secure-config:owner': owners[0] }, Null: { 'aws:ResourceTag/cdk-secure-config:owner': 'true' } },
      },
      {
        Sid: 'UseTheTreeKeyThroughParameterStore',
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [treeKey, 'Arn'] },
        Condition: throughParameterStore,
      },
      {
        Sid: 'DecryptThePathWithAnyKeyThroughParameterStore',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:kms:${REGION}:${ACCOUNT}:key/*`]] },
        Condition: throughParameterStore,
      },
      {
        Sid: 'ReadTheOwnStack',
        Effect: 'Allow',
        Action: ['cloudformation:DescribeStacks', 'cloudformation:DescribeStackResource', 'cloudformation:ListStackResources'],
        Resource: { Ref: 'AWS::StackId' },
      },
      // The stack's tree manifests (the previous one, the one a rollback deploys), and its bucket's key only through S3 and for those.
      { Effect: 'Allow', Action: 's3:GetObject', Resource: manifestsArn(stack) },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:kms:${REGION}:${ACCOUNT}:key/*`]] },
        Condition: {
          StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', [`s3.${REGION}.`, { Ref: 'AWS::URLSuffix' }]] } },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [manifestBucketArn, manifestsArn(stack)] },
        },
      },
    ]);
  });

  test('names the owner from the tree id when one is given, and keeps the legacy owner of earlier versions', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new SecureParameterTree(stack, 'Config', { path: '/app', treeId: 'OldStack' });

    // THEN
    const template = Template.fromStack(stack);
    // What earlier versions named the tree's custom resource (id 'Resource'), and tagged its parameters with
    const legacyOwner = 'ConfigStack/Config57D1D894';
    expect(treeResource(template).Properties).toMatchObject({ Owner: 'OldStack@/app', LegacyOwner: legacyOwner });
    const statements: any[] = reconcilerPolicyOf(template, '/app').Properties.PolicyDocument.Statement;
    const owned = statements.find((s) => s.Sid === 'ManageOwnedParameters');
    expect(owned.Condition.StringEquals['aws:ResourceTag/cdk-secure-config:owner']).toEqual(['OldStack@/app', legacyOwner]);
  });

  test('may decrypt the key of each ciphertext directly, once per key', () => {
    // GIVEN
    const stack = newStack();
    const otherKey = new kms.Key(stack, 'OtherKey');
    const tree = new SecureParameterTree(stack, 'Config', { path: '/app' });

    // WHEN
    tree.addParameter('a', ParameterValue.encryptedSecret('AQID'));
    tree.addParameter('b', ParameterValue.encryptedSecret('AQIE', { key: otherKey }));
    tree.addParameter('c', ParameterValue.encryptedSecret('AQIF', { key: otherKey }));

    // THEN
    const template = Template.fromStack(stack);
    const statements: any[] = reconcilerPolicyOf(template, '/app').Properties.PolicyDocument.Statement;
    const withoutContext = { Null: { 'kms:EncryptionContextKeys': 'true' } };
    expect(statements.filter((s) => s.Condition?.Null?.['kms:EncryptionContextKeys'])).toEqual([
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [keyLogicalId(template, '/app'), 'Arn'] }, Condition: withoutContext },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^OtherKey/), 'Arn'] }, Condition: withoutContext },
    ]);
  });

  test('logs to a KMS-encrypted log group kept for a year, and may write only there', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new SecureParameterTree(stack, 'Config', { path: '/app' });

    // THEN
    const template = Template.fromStack(stack);
    const logKey = keyLogicalId(template, 'logs of the cdk-secure-config');
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    const [logGroupId] = Object.keys(logGroups);
    const logGroupName = logGroups[logGroupId].Properties.LogGroupName;
    expect(logGroups[logGroupId].Properties).toEqual({
      LogGroupName: expect.stringMatching(/^\/cdk-secure-config\//),
      KmsKeyId: { 'Fn::GetAtt': [logKey, 'Arn'] },
      RetentionInDays: 365,
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: { 'Fn::Join': ['', [`logs.${REGION}.`, { Ref: 'AWS::URLSuffix' }]] } },
          Condition: {
            ArnEquals: {
              'kms:EncryptionContext:aws:logs:arn': Match.arrayWith([{
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:logs:${REGION}:${ACCOUNT}:log-group:${logGroupName}`]],
              }]),
            },
          },
        })]),
      },
    });
    const statements: any[] = reconcilerPolicyOf(template, '/app').Properties.PolicyDocument.Statement;
    expect(statements.filter((s) => [s.Action].flat().some((action: string) => action.startsWith('logs:')))).toEqual([
      { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
    ]);
  });

  test('is one per tree, with its own role, policy and log group; the trees of a stack share the log key', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new SecureParameterTree(stack, 'Orders', { path: '/orders' });
    new SecureParameterTree(stack, 'Payments', { path: '/payments' });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.resourceCountIs('AWS::IAM::Role', 2);
    template.resourceCountIs('AWS::Logs::LogGroup', 2);
    const trees = template.findResources(TREE_RESOURCE_TYPE);
    expect(Object.entries(trees).map(([id, tree]) => [id, tree.Properties.ServiceToken])).toEqual([
      [expect.stringMatching(/^Orders/), { 'Fn::GetAtt': [expect.stringMatching(/^OrdersReconcilerFunction/), 'Arn'] }],
      [expect.stringMatching(/^Payments/), { 'Fn::GetAtt': [expect.stringMatching(/^PaymentsReconcilerFunction/), 'Arn'] }],
    ]);
    for (const name of ['Orders', 'Payments']) {
      const policy = reconcilerPolicyOf(template, `/${name.toLowerCase()}`);
      expect(policy.Properties.Roles).toEqual([{ Ref: expect.stringMatching(new RegExp(`^${name}ReconcilerServiceRole`)) }]);
      // No statement of one tree's policy reaches the other tree's path.
      const other = name === 'Orders' ? '/payments' : '/orders';
      expect(JSON.stringify(policy.Properties.PolicyDocument)).not.toContain(`parameter${other}`);
    }
    const logKeys = template.findResources('AWS::KMS::Key', { Properties: { Description: Match.stringLikeRegexp('logs of the cdk-secure-config') } });
    expect(Object.keys(logKeys)).toEqual([expect.stringMatching(/^CdkSecureConfigParameterTreeReconcilerLogKey/)]);
    const logsStatement = Object.values(logKeys)[0].Properties.KeyPolicy.Statement.find((s: any) => s.Sid === 'AllowCloudWatchLogsForTheReconcilerLogGroups');
    const groupNames = Object.values(template.findResources('AWS::Logs::LogGroup')).map((g) => g.Properties.LogGroupName);
    const [earlierGroup, ...treeGroups] = logsStatement.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn'].map(concreteArn);
    expect(treeGroups).toEqual(groupNames.map((name) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}`));
    expect(earlierGroup).toMatch(/:log-group:\/cdk-secure-config\/ConfigStack-CdkSecureConfigParameterTreeReconciler-[0-9A-F]{8}$/);
  });

  test('keeps the log group of the one reconciler earlier versions gave a stack readable: the key still allows it', () => {
    // GIVEN the name an earlier version gave that group in the representative stack (retained with its logs)
    const earlierGroup = '/cdk-secure-config/RepresentativeStack-CdkSecureConfigParameterTreeReconciler-E072CF11';

    // WHEN
    const template = Template.fromStack(representativeStack());

    // THEN
    const logKeys = Object.values(template.findResources('AWS::KMS::Key', { Properties: { Description: Match.stringLikeRegexp('logs of the cdk-secure-config') } }));
    const logsStatement = logKeys[0].Properties.KeyPolicy.Statement.find((s: any) => s.Sid === 'AllowCloudWatchLogsForTheReconcilerLogGroups');
    expect(logsStatement.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn'].map(concreteArn))
      .toContain(`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${earlierGroup}`);
  });

  test('creates one log key per stack when two stacks hold trees', () => {
    const app = new App();
    const first = newStack(app, 'First');
    const second = newStack(app, 'Second');
    new SecureParameterTree(first, 'Config', { path: '/app' });
    new SecureParameterTree(second, 'Config', { path: '/app2' });
    for (const stack of [first, second]) {
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::Lambda::Function', 1);
      expect(Object.keys(template.findResources('AWS::KMS::Key', { Properties: { Description: Match.stringLikeRegexp('logs of the cdk-secure-config') } }))).toHaveLength(1);
    }
  });

  test('fits a managed policy with the longest owner Parameter Store accepts', () => {
    // GIVEN an owner tag of 250 characters, repeated by the ownership conditions
    const stack = newStack();

    // WHEN
    new SecureParameterTree(stack, 'Config', { path: `/${'p'.repeat(120)}`, treeId: 't'.repeat(128), parameters: { x: ParameterValue.encryptedSecret('AQID') } });

    // THEN
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('fails at synth, naming the tree, when its permissions outgrow a managed policy', () => {
    // GIVEN a long path, which the policy repeats, and ciphertext made with many keys, one statement each
    const stack = newStack();
    const tree = new SecureParameterTree(stack, 'Config', { path: `/${'p'.repeat(200)}` });

    // WHEN
    for (let i = 0; i < 30; i++) {
      const key = kms.Key.fromKeyArn(stack, `Key${i}`, `arn:aws:kms:${REGION}:${ACCOUNT}:key/00000000-0000-0000-0000-0000000000${String(i).padStart(2, '0')}`);
      tree.addParameter(`secret${i}`, ParameterValue.encryptedSecret('AQID', { key }));
    }

    // THEN
    expect(() => Template.fromStack(stack)).toThrow(/The reconciler policy of ConfigStack\/Config would be about \d+ characters, IAM allows 6144 in a managed policy/);
  });
});

describe('SecureParameterTree names', () => {
  test('names parameters and their ARNs below the path', () => {
    const stack = newStack();
    const tree = new SecureParameterTree(stack, 'Config', { path: '/ecommerce/prod' });
    expect(tree.parameterName('db/host')).toBe('/ecommerce/prod/db/host');
    expect(stack.resolve(tree.parameterArn('db/host'))).toEqual(ssmArn('/ecommerce/prod/db/host'));
    expect(stack.resolve(tree.pathArn)).toEqual(ssmArn('/ecommerce/prod'));
  });

  test('builds ARNs from the deployment region and account in an environment-agnostic stack', () => {
    const stack = new Stack(new App(), 'Agnostic');
    const tree = new SecureParameterTree(stack, 'Config', { path: '/app' });
    expect(stack.resolve(tree.pathArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':parameter/app']],
    });
    expect(stack.resolve(Aws.REGION)).toEqual({ Ref: 'AWS::Region' });
  });
});

describe('SecureParameterTree.stringParameter', () => {
  test('returns a String parameter resolved by dynamic reference after the tree has written it', () => {
    // GIVEN
    const stack = newStack();
    const tree = new SecureParameterTree(stack, 'Config', { path: '/app', parameters: { 'db/host': ParameterValue.string('db.example.com') } });

    // WHEN
    const parameter = tree.stringParameter('db/host');

    // THEN
    const treeId = Object.keys(Template.fromStack(stack).findResources(TREE_RESOURCE_TYPE))[0];
    expect(stack.resolve(parameter.parameterName)).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [treeId, 'Path'] }, '/db/host']] });
    expect(stack.resolve(parameter.stringValue)).toEqual({ 'Fn::Join': ['', ['{{resolve:ssm:', { 'Fn::GetAtt': [treeId, 'Path'] }, '/db/host}}']] });
    // No CloudFormation parameter: it would be resolved before the tree writes the value.
    const parameterDefaults = Object.values(Template.fromStack(stack).toJSON().Parameters ?? {}).map((p: any) => String(p.Default));
    expect(parameterDefaults.filter((name) => name.startsWith('/app'))).toEqual([]);
  });

  test('returns a SecureString parameter for secrets, with the tree key', () => {
    const stack = newStack();
    const tree = new SecureParameterTree(stack, 'Config', { path: '/app', parameters: { 'api/key': ParameterValue.generatedSecret() } });
    const parameter = tree.stringParameter('api/key');
    expect(stack.resolve(parameter.stringValue)).toEqual({ 'Fn::Join': ['', ['{{resolve:ssm-secure:', { 'Fn::GetAtt': [expect.any(String), 'Path'] }, '/api/key}}']] });
  });

  test('orders a consumer after the tree: a function using it references the custom resource', () => {
    // GIVEN
    const stack = newStack();
    const tree = new SecureParameterTree(stack, 'Config', { path: '/app', parameters: { 'db/host': ParameterValue.string('h') } });
    const fn = new lambda.Function(stack, 'Consumer', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = () => {}') });

    // WHEN
    fn.addEnvironment('DB_HOST', tree.stringParameter('db/host').stringValue);

    // THEN
    const template = Template.fromStack(stack);
    const treeId = Object.keys(template.findResources(TREE_RESOURCE_TYPE))[0];
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { DB_HOST: { 'Fn::Join': ['', ['{{resolve:ssm:', { 'Fn::GetAtt': [treeId, 'Path'] }, '/db/host}}']] } } },
    });
  });

  test('returns the same object when asked twice', () => {
    const stack = newStack();
    const tree = new SecureParameterTree(stack, 'Config', { path: '/app', parameters: { a: ParameterValue.string('x') } });
    expect(tree.stringParameter('a')).toBe(tree.stringParameter('a'));
  });

  test('rejects a name the tree does not hold, naming it', () => {
    const stack = newStack();
    const tree = new SecureParameterTree(stack, 'Config', { path: '/app', parameters: { a: ParameterValue.string('x') } });
    expect(() => tree.stringParameter('b')).toThrow("`relativeName` must name a parameter of the tree '/app', got: 'b'");
  });
});

describe('SecureParameterTree.grantRead', () => {
  function readPolicy(template: Template): any {
    const policies = template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('^Read-only access') } });
    expect(Object.keys(policies)).toHaveLength(1);
    return Object.values(policies)[0];
  }

  test('grants GetParametersByPath on the path, GetParameter(s) below it and Decrypt through SSM for the path', () => {
    // GIVEN
    const stack = newStack();
    const tree = new SecureParameterTree(stack, 'Config', { path: '/ecommerce/prod' });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });

    // WHEN
    tree.grantRead(role);

    // THEN
    const template = Template.fromStack(stack);
    const policy = readPolicy(template);
    expect(policy.Properties.Roles).toEqual([{ Ref: expect.stringMatching(/^Reader/) }]);
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'ssm:GetParametersByPath', Resource: ssmArn('/ecommerce/prod') },
      { Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: ssmArn('/ecommerce/prod/*') },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [keyLogicalId(template, '/ecommerce/prod'), 'Arn'] },
        Condition: {
          StringEquals: { 'kms:ViaService': ssmViaService },
          ArnLike: { 'kms:EncryptionContext:PARAMETER_ARN': [ssmArn('/ecommerce/prod'), ssmArn('/ecommerce/prod/*')] },
        },
      },
    ]);
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('grants on two subtrees share one statement per action', () => {
    // GIVEN
    const stack = newStack();
    const tree = new SecureParameterTree(stack, 'Config', {
      path: '/ecommerce/prod',
      parameters: { 'db/host': ParameterValue.string('h'), 'api/url': ParameterValue.string('u') },
    });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });

    // WHEN
    tree.grantRead(role, 'db');
    tree.grantRead(role, 'api');

    // THEN the SSM statements list both subtrees; the KMS ones keep their own encryption context
    const statements = readPolicy(Template.fromStack(stack)).Properties.PolicyDocument.Statement;
    expect(statements.filter((st: any) => String(st.Action).startsWith('ssm:'))).toEqual([
      { Effect: 'Allow', Action: 'ssm:GetParametersByPath', Resource: [ssmArn('/ecommerce/prod/api'), ssmArn('/ecommerce/prod/db')] },
      { Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: [ssmArn('/ecommerce/prod/api/*'), ssmArn('/ecommerce/prod/db/*')] },
    ]);
    expect(statements.filter((st: any) => st.Action === 'kms:Decrypt')).toHaveLength(2);
  });

  test('fails at synth when the grants of one role outgrow a managed policy, naming the role and the limit', () => {
    // GIVEN a role granted 40 subtrees one by one
    const app = new App();
    const stack = newStack(app);
    const names = Array.from({ length: 40 }, (_, i) => `service${String(i).padStart(2, '0')}/url`);
    const tree = new SecureParameterTree(stack, 'Config', {
      path: '/ecommerce/prod',
      parameters: Object.fromEntries(names.map((name) => [name, ParameterValue.string('u')])),
    });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    names.forEach((name) => tree.grantRead(role, name.split('/')[0]));

    // WHEN / THEN
    expect(() => app.synth()).toThrow(/read grants of ConfigStack\/Reader need up to \d+ characters of policy, over IAM's limit of 6144.*ReadOnlyConfigGrant/);
  });

  test('grants on the subtree path only when given a subtree', () => {
    // GIVEN
    const stack = newStack();
    const tree = new SecureParameterTree(stack, 'Config', { path: '/ecommerce/prod', parameters: { 'db/primary/host': ParameterValue.string('h') } });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });

    // WHEN
    tree.grantRead(role, 'db/primary');

    // THEN
    const statements = readPolicy(Template.fromStack(stack)).Properties.PolicyDocument.Statement;
    expect(statements.map((s: any) => s.Resource)).toEqual([
      ssmArn('/ecommerce/prod/db/primary'),
      ssmArn('/ecommerce/prod/db/primary/*'),
      { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
    ]);
    expect(statements[2].Condition.ArnLike['kms:EncryptionContext:PARAMETER_ARN']).toEqual([
      ssmArn('/ecommerce/prod/db/primary'),
      ssmArn('/ecommerce/prod/db/primary/*'),
    ]);
  });

  test("does not reach '/apple' when granting '/app'", () => {
    // GIVEN
    const stack = newStack();
    const tree = new SecureParameterTree(stack, 'Config', { path: '/app' });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });

    // WHEN
    tree.grantRead(role);

    // THEN: evaluate the statements' resource patterns as IAM does.
    const statements = readPolicy(Template.fromStack(stack)).Properties.PolicyDocument.Statement;
    const arnOf = (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name}`;
    const allows = (action: string, name: string) => statements
      .filter((s: any) => [s.Action].flat().includes(action))
      .some((s: any) => iamPatternMatches(concreteArn(s.Resource), arnOf(name)));
    expect(allows('ssm:GetParametersByPath', '/app')).toBe(true);
    expect(allows('ssm:GetParameter', '/app/db/host')).toBe(true);
    expect(allows('ssm:GetParametersByPath', '/apple')).toBe(false);
    expect(allows('ssm:GetParameter', '/apple')).toBe(false);
    expect(allows('ssm:GetParameter', '/apple/db/host')).toBe(false);
    const decrypt = statements.find((s: any) => s.Action === 'kms:Decrypt');
    const contexts: string[] = decrypt.Condition.ArnLike['kms:EncryptionContext:PARAMETER_ARN'].map(concreteArn);
    expect(contexts.some((p) => iamPatternMatches(p, arnOf('/app/db/host')))).toBe(true);
    expect(contexts.some((p) => iamPatternMatches(p, arnOf('/apple/db/host')))).toBe(false);
  });

  test('allows a subtree whose parameters are added after the grant', () => {
    const stack = newStack();
    const tree = new SecureParameterTree(stack, 'Config', { path: '/app' });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    tree.grantRead(role, 'db');
    tree.addParameter('db/host', ParameterValue.string('h'));
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('fails synthesis for a subtree that holds no parameter, naming it', () => {
    // GIVEN
    const stack = newStack();
    const tree = new SecureParameterTree(stack, 'Config', { path: '/app', parameters: { 'db/host': ParameterValue.string('h'), 'dbx': ParameterValue.string('x') } });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });

    // WHEN
    tree.grantRead(role, 'db/hos');

    // THEN
    expect(() => Template.fromStack(stack)).toThrow(/`subtree` of grantRead must hold at least one parameter of the tree '\/app', got: 'db\/hos'/);
  });

  test('returns a grant that reports success and the statements for the grantee', () => {
    const stack = newStack();
    const tree = new SecureParameterTree(stack, 'Config', { path: '/app' });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    const grant = tree.grantRead(role);
    expect(grant.success).toBe(true);
    expect(grant.principalStatements.flatMap((s) => s.actions)).toEqual(['ssm:GetParametersByPath', 'ssm:GetParameter', 'ssm:GetParameters', 'kms:Decrypt']);
  });
});

describe('SecureParameterTree.fromPath', () => {
  test('grants on an imported tree the same way, with Decrypt on its key', () => {
    // GIVEN
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'SharedKey', `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
    const shared = SecureParameterTree.fromPath(stack, 'Shared', { path: '/shared/prod', encryptionKey: key });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });

    // WHEN
    shared.grantRead(role, 'db');

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: 'ssm:GetParametersByPath', Resource: ssmArn('/shared/prod/db') },
          { Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: ssmArn('/shared/prod/db/*') },
          {
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: key.keyArn,
            Condition: {
              StringEquals: { 'kms:ViaService': ssmViaService },
              ArnLike: { 'kms:EncryptionContext:PARAMETER_ARN': [ssmArn('/shared/prod/db'), ssmArn('/shared/prod/db/*')] },
            },
          },
        ],
      },
    });
    expect(shared.parameterName('db/host')).toBe('/shared/prod/db/host');
  });

  test('grants no KMS statement for an imported tree on the AWS-managed key', () => {
    const stack = newStack();
    const shared = SecureParameterTree.fromPath(stack, 'Shared', { path: '/shared/prod' });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    shared.grantRead(role);
    const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'))[0];
    expect(policy.Properties.PolicyDocument.Statement.map((s: any) => s.Action)).toEqual(['ssm:GetParametersByPath', ['ssm:GetParameter', 'ssm:GetParameters']]);
    expect(shared.encryptionKey).toBeUndefined();
  });

  test('creates no resource and no reconciler', () => {
    const stack = newStack();
    SecureParameterTree.fromPath(stack, 'Shared', { path: '/shared/prod' });
    expect(Template.fromStack(stack).toJSON().Resources ?? {}).toEqual({});
  });
});

/** Replaces `{ Fn::Join: ['', ['arn:', { Ref: 'AWS::Partition' }, ...] }` by the string it makes in the aws partition. */
function concreteArn(value: any): string {
  if (typeof value === 'string') return value;
  const [separator, parts] = value['Fn::Join'];
  return parts.map((part: any) => {
    if (typeof part === 'string') return part;
    if (part.Ref === 'AWS::Partition') return 'aws';
    throw new Error(`unexpected token in ARN: ${JSON.stringify(part)}`);
  }).join(separator);
}

/** IAM resource and ArnLike matching: '*' matches any run of characters (also '/'), '?' one character. */
function iamPatternMatches(pattern: string, arn: string): boolean {
  const regex = pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&'))).join('');
  return new RegExp(`^${regex}$`).test(arn);
}
