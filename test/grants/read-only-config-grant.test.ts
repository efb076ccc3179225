import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  ACCOUNT, allows, concrete, iamMatches, managedPolicies, nodeFunction, prodTree, REGION, role, ssmArn, stackWithEnv,
} from './grant-fixtures';
import { ConfigConsumer, ReadOnlyConfigGrant } from '../../src/grants';
import { ParameterValue, SecureParameterTree } from '../../src/parameter-tree';

const PARTITION_JOIN = (suffix: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, suffix]] });
const SSM_VIA = { 'Fn::Join': ['', [`ssm.${REGION}.`, { Ref: 'AWS::URLSuffix' }]] };
const param = (name: string) => PARTITION_JOIN(`:ssm:${REGION}:${ACCOUNT}:parameter${name}`);

function grantPolicies(stack: Stack, prefix = 'Grant') {
  return managedPolicies(Template.fromStack(stack)).filter((policy) => policy.id.startsWith(prefix));
}

describe('ReadOnlyConfigGrant policy statements', () => {
  test('grants exactly path reads, reads below the path and key use through SSM for one subtree', () => {
    // GIVEN
    const stack = stackWithEnv();
    const tree = prodTree(stack);
    const reader = role(stack);

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.grantable(reader), parameters: [{ tree, subtree: 'db' }] });

    // THEN
    const [policy, ...others] = grantPolicies(stack);
    expect(others).toEqual([]);
    expect(policy.roles).toEqual([{ Ref: stack.getLogicalId(reader.node.defaultChild as iam.CfnRole) }]);
    expect(policy.statements).toEqual([
      { Effect: 'Allow', Action: 'ssm:GetParametersByPath', Resource: param('/ecommerce/prod/db') },
      { Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: param('/ecommerce/prod/db/*') },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: stack.resolve(tree.encryptionKey!.keyArn),
        Condition: {
          StringEquals: { 'kms:ViaService': SSM_VIA },
          ArnLike: { 'kms:EncryptionContext:PARAMETER_ARN': [param('/ecommerce/prod/db'), param('/ecommerce/prod/db/*')] },
        },
      },
    ]);
  });

  test('merges two trees into one statement per action set, keys and paths listed together', () => {
    // GIVEN
    const stack = stackWithEnv();
    const prod = prodTree(stack);
    const shared = prodTree(stack, 'Shared', '/shared/prod');

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', {
      consumer: ConfigConsumer.grantable(role(stack)),
      parameters: [{ tree: prod }, { tree: shared, subtree: 'api' }],
    });

    // THEN
    expect(grantPolicies(stack)[0].statements).toEqual([
      { Effect: 'Allow', Action: 'ssm:GetParametersByPath', Resource: [param('/ecommerce/prod'), param('/shared/prod/api')] },
      { Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: [param('/ecommerce/prod/*'), param('/shared/prod/api/*')] },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: [stack.resolve(prod.encryptionKey!.keyArn), stack.resolve(shared.encryptionKey!.keyArn)],
        Condition: {
          StringEquals: { 'kms:ViaService': SSM_VIA },
          ArnLike: {
            'kms:EncryptionContext:PARAMETER_ARN': [
              param('/ecommerce/prod'), param('/ecommerce/prod/*'), param('/shared/prod/api'), param('/shared/prod/api/*'),
            ],
          },
        },
      },
    ]);
  });

  test('grants a secret its value and metadata, and its key through Secrets Manager only', () => {
    // GIVEN
    const stack = stackWithEnv();
    const key = new kms.Key(stack, 'SecretKey');
    const secret = new secretsmanager.Secret(stack, 'Secret', { encryptionKey: key });

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.grantable(role(stack)), secrets: [secret] });

    // THEN
    expect(grantPolicies(stack)[0].statements).toEqual([
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: { Ref: 'SecretA720EF05' } },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: stack.resolve(key.keyArn),
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', [`secretsmanager.${REGION}.`, { Ref: 'AWS::URLSuffix' }]] } } },
      },
    ]);
  });

  test('a grant on /app reaches /app/x but never /apple/x', () => {
    // GIVEN
    const stack = stackWithEnv();
    const tree = SecureParameterTree.fromPath(stack, 'App', { path: '/app' });

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.grantable(role(stack)), parameters: [{ tree }] });

    // THEN
    const statements = grantPolicies(stack)[0].statements;
    expect(allows(statements, 'ssm:GetParameter', ssmArn('/app/x'))).toBe(true);
    expect(allows(statements, 'ssm:GetParametersByPath', ssmArn('/app'))).toBe(true);
    expect(allows(statements, 'ssm:GetParameter', ssmArn('/apple/x'))).toBe(false);
    expect(allows(statements, 'ssm:GetParametersByPath', ssmArn('/apple'))).toBe(false);
    expect(allows(statements, 'ssm:GetParameter', ssmArn('/apple'))).toBe(false);
  });

  test('the test matcher itself treats * as any run and ? as one character', () => {
    expect(iamMatches('arn:x:parameter/app/*', 'arn:x:parameter/app/a/b')).toBe(true);
    expect(iamMatches('arn:x:parameter/app*', 'arn:x:parameter/apple')).toBe(true);
    expect(iamMatches('arn:x:secret:s-??????', 'arn:x:secret:s-AbCdEf')).toBe(true);
    expect(iamMatches('arn:x:secret:s-??????', 'arn:x:secret:s-AbCdEfG')).toBe(false);
  });

  test('the key condition keeps /apple parameters out of the decrypt grant', () => {
    // GIVEN
    const stack = stackWithEnv();
    const tree = prodTree(stack, 'App', '/app');

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.grantable(role(stack)), parameters: [{ tree }] });

    // THEN
    const decrypt = grantPolicies(stack)[0].statements.find((s) => s.Action === 'kms:Decrypt');
    const contexts: string[] = decrypt.Condition.ArnLike['kms:EncryptionContext:PARAMETER_ARN'].map(concrete);
    expect(contexts.some((pattern) => iamMatches(pattern, ssmArn('/app/db/host')))).toBe(true);
    expect(contexts.some((pattern) => iamMatches(pattern, ssmArn('/apple/db/host')))).toBe(false);
  });

  test('leaves ssm:DescribeParameters out by default', () => {
    // GIVEN
    const stack = stackWithEnv();

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.grantable(role(stack)), parameters: [{ tree: prodTree(stack) }] });

    // THEN
    expect(allows(grantPolicies(stack)[0].statements, 'ssm:DescribeParameters', '*')).toBe(false);
  });

  test('allows ssm:DescribeParameters on * when asked', () => {
    // GIVEN
    const stack = stackWithEnv();

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', {
      consumer: ConfigConsumer.grantable(role(stack)),
      parameters: [{ tree: prodTree(stack) }],
      allowDescribeParameters: true,
    });

    // THEN
    expect(grantPolicies(stack)[0].statements).toContainEqual({ Effect: 'Allow', Action: 'ssm:DescribeParameters', Resource: '*' });
  });

  test('works with an imported tree and key and an imported secret', () => {
    // GIVEN
    const stack = stackWithEnv();
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
    const tree = SecureParameterTree.fromPath(stack, 'Shared', { path: '/shared/prod', encryptionKey: kms.Key.fromKeyArn(stack, 'Key', keyArn) });
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'ecommerce/prod/payments');

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.grantable(role(stack)), parameters: [{ tree }], secrets: [secret] });

    // THEN
    const statements = grantPolicies(stack)[0].statements;
    expect(statements.find((s) => s.Action === 'kms:Decrypt').Resource).toBe(keyArn);
    const secretStatement = statements.find((s) => [].concat(s.Action).includes('secretsmanager:GetSecretValue' as never));
    const secretArn = concrete(secretStatement.Resource);
    expect(secretArn).toBe(`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:ecommerce/prod/payments-??????`);
    expect(iamMatches(secretArn, `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:ecommerce/prod/payments-AbCdEf`)).toBe(true);
    expect(iamMatches(secretArn, `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:ecommerce/prod/payments-old-AbCdEf`)).toBe(false);
  });

  test('grants no key statement for a tree on the AWS-managed key', () => {
    // GIVEN
    const stack = stackWithEnv();
    const tree = SecureParameterTree.fromPath(stack, 'Legacy', { path: '/legacy' });

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.grantable(role(stack)), parameters: [{ tree }] });

    // THEN
    expect(grantPolicies(stack)[0].statements.map((s) => s.Action)).toEqual(['ssm:GetParametersByPath', ['ssm:GetParameter', 'ssm:GetParameters']]);
  });
});

describe('ReadOnlyConfigGrant policy size', () => {
  function treeWithSubtrees(stack: Stack, count: number): Array<{ tree: SecureParameterTree; subtree: string }> {
    const tree = prodTree(stack);
    const subtrees = Array.from({ length: count }, (_, i) => `service-${String(i).padStart(3, '0')}/config`);
    subtrees.forEach((subtree) => tree.addParameter(`${subtree}/url`, ParameterValue.string('https://example.com')));
    return subtrees.map((subtree) => ({ tree, subtree }));
  }

  function documentLength(statements: unknown): number {
    return JSON.stringify(statements, (_key, value) => (value && typeof value === 'object' && (value.Ref || value['Fn::Join']) ? concrete(value) : value)).length;
  }

  test('keeps ten subtrees in one managed policy', () => {
    // GIVEN
    const stack = stackWithEnv();

    // WHEN
    const grant = new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.grantable(role(stack)), parameters: treeWithSubtrees(stack, 10) });

    // THEN
    expect(grant.policies).toHaveLength(1);
    expect(grantPolicies(stack)).toHaveLength(1);
  });

  test('spreads fifty subtrees over several policies, each under 6,144 characters, covering every subtree', () => {
    // GIVEN
    const stack = stackWithEnv();
    const subtrees = treeWithSubtrees(stack, 50);

    // WHEN
    const grant = new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.grantable(role(stack)), parameters: subtrees });

    // THEN
    const policies = grantPolicies(stack);
    expect(grant.policies.length).toBeGreaterThan(1);
    expect(policies).toHaveLength(grant.policies.length);
    for (const policy of policies) {
      expect(documentLength({ Version: '2012-10-17', Statement: policy.statements })).toBeLessThanOrEqual(6_144);
    }
    const all = policies.flatMap((policy) => policy.statements);
    for (const { subtree } of subtrees) {
      expect(allows(all, 'ssm:GetParameter', ssmArn(`/ecommerce/prod/${subtree}/x`))).toBe(true);
      expect(allows(all, 'ssm:GetParametersByPath', ssmArn(`/ecommerce/prod/${subtree}`))).toBe(true);
    }
  });

  test('fails at synth when the grant needs more managed policies than a role takes', () => {
    // GIVEN
    const stack = stackWithEnv();

    // WHEN
    const grant = () => new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.grantable(role(stack)), parameters: treeWithSubtrees(stack, 400) });

    // THEN
    expect(grant).toThrow(/`parameters` and `secrets` need \d+ managed policies of at most 6144 characters, got: 400 subtrees and 0 secrets/);
  });
});

describe('ReadOnlyConfigGrant validation', () => {
  test.each([
    ['/db', "'/db'"],
    ['db/', "'db/'"],
    ['db/*', "'db/*'"],
    ['a//b', "'a//b'"],
    ['', "''"],
  ])('rejects subtree %j, naming the property and the value', (subtree, shown) => {
    // GIVEN
    const stack = stackWithEnv();
    const tree = prodTree(stack);
    const consumer = ConfigConsumer.grantable(role(stack));

    // WHEN
    const grant = () => new ReadOnlyConfigGrant(stack, 'Grant', { consumer, parameters: [{ tree }, { tree, subtree }] });

    // THEN
    expect(grant).toThrow(new RegExp(`^\`parameters\\[1\\]\\.subtree\` must be a path relative to the tree .*, got: ${shown.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`));
  });

  test('rejects a grant with nothing to read', () => {
    // GIVEN
    const stack = stackWithEnv();
    const consumer = ConfigConsumer.grantable(role(stack));

    // WHEN
    const grant = () => new ReadOnlyConfigGrant(stack, 'Grant', { consumer, parameters: [], secrets: [] });

    // THEN
    expect(grant).toThrow('`parameters` and `secrets` are both empty, got: [] and []');
  });

  test.each([
    [{ extensionTtl: Duration.seconds(301) }, '`extensionTtl` must be between 0 and 300 seconds (the extension\'s limit), got: 301 seconds'],
    [{ extensionTtl: Duration.minutes(10) }, 'got: 600 seconds'],
    [{ extensionCacheSize: 1001 }, '`extensionCacheSize` must be a whole number from 0 to 1000, got: 1001'],
    [{ extensionCacheSize: -1 }, 'got: -1'],
    [{ extensionCacheSize: 2.5 }, 'got: 2.5'],
    [{ extensionRequestTimeout: Duration.seconds(0) }, '`extensionRequestTimeout` must be a whole number of milliseconds above 0 (0 would mean no timeout), got: 0 ms'],
  ])('rejects extension option %o at synth', (options, message) => {
    // GIVEN
    const stack = stackWithEnv();
    const fn = nodeFunction(stack);
    const tree = prodTree(stack);

    // WHEN
    const grant = () => new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.lambdaFunction(fn), parameters: [{ tree }], ...options });
    const layer = () => ReadOnlyConfigGrant.extensionFor(options);

    // THEN
    expect(grant).toThrow(message);
    expect(layer).toThrow(message);
  });

  test('accepts the extension\'s limits themselves', () => {
    const limits = { extensionTtl: Duration.seconds(300), extensionCacheSize: 0, extensionRequestTimeout: Duration.millis(1) };
    expect(() => ReadOnlyConfigGrant.extensionFor(limits)).not.toThrow();
  });
});

describe('ReadOnlyConfigGrant for a Lambda function', () => {
  const PUBLISHED = {
    x86: '/aws/service/aws-parameters-and-secrets-lambda-extension/x86/latest',
    arm: '/aws/service/aws-parameters-and-secrets-lambda-extension/arm64/latest',
  };

  function lambdaProps(stack: Stack) {
    return Template.fromStack(stack).findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler', Runtime: 'nodejs24.x', Code: { ZipFile: Match.anyValue() } } });
  }

  /** The public parameter a layer reference reads at deploy time, or undefined for a literal ARN. */
  function publishedParameterOf(stack: Stack, layer: unknown): string | undefined {
    const ref = (layer as { Ref?: string }).Ref;
    if (!ref) return undefined;
    const parameter = Template.fromStack(stack).toJSON().Parameters[ref];
    expect(parameter.Type).toBe('AWS::SSM::Parameter::Value<String>');
    return parameter.Default;
  }

  test.each([
    ['x86_64', lambda.Architecture.X86_64, PUBLISHED.x86],
    ['arm64', lambda.Architecture.ARM_64, PUBLISHED.arm],
  ])('attaches the layer AWS publishes as current for the function\'s architecture (%s), read at deploy time', (_name, architecture, parameterName) => {
    // GIVEN
    const stack = stackWithEnv();
    const fn = nodeFunction(stack, 'Fn', architecture);

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.lambdaFunction(fn), parameters: [{ tree: prodTree(stack) }] });

    // THEN
    const [props] = Object.values(lambdaProps(stack)).map((r) => r.Properties);
    expect(props.Layers).toHaveLength(1);
    expect(publishedParameterOf(stack, props.Layers[0])).toBe(parameterName);
  });

  test('reads the published layer the same way when the stack is environment-agnostic, one stack parameter per architecture', () => {
    // GIVEN
    const stack = new Stack();
    const tree = prodTree(stack);
    const functions = [
      nodeFunction(stack, 'A', lambda.Architecture.X86_64),
      nodeFunction(stack, 'B', lambda.Architecture.X86_64),
      nodeFunction(stack, 'C', lambda.Architecture.ARM_64),
    ];

    // WHEN
    functions.forEach((fn, index) => new ReadOnlyConfigGrant(stack, `Grant${index}`, { consumer: ConfigConsumer.lambdaFunction(fn), parameters: [{ tree }] }));

    // THEN
    const layers = Object.values(lambdaProps(stack)).map((r) => r.Properties.Layers[0]);
    expect(layers.map((layer) => publishedParameterOf(stack, layer))).toEqual([PUBLISHED.x86, PUBLISHED.x86, PUBLISHED.arm]);
    const extensionParameters = Object.values(Template.fromStack(stack).toJSON().Parameters as Record<string, { Default?: string }>)
      .filter((parameter) => parameter.Default?.startsWith('/aws/service/aws-parameters-and-secrets-lambda-extension/'));
    expect(extensionParameters).toHaveLength(2);
    expect(Template.fromStack(stack).toJSON().Mappings ?? {}).toEqual({});
  });

  test('uses a pinned layer ARN as given, with no lookup', () => {
    // GIVEN
    const stack = stackWithEnv();
    const fn = nodeFunction(stack, 'Fn', lambda.Architecture.X86_64);
    const pinned = `arn:aws:lambda:${REGION}:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:99`;

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.lambdaFunction(fn), parameters: [{ tree: prodTree(stack) }], extensionLayerArn: pinned });

    // THEN
    const [props] = Object.values(lambdaProps(stack)).map((r) => r.Properties);
    expect(props.Layers).toEqual([pinned]);
    expect(JSON.stringify(Template.fromStack(stack).toJSON().Parameters)).not.toContain('aws-parameters-and-secrets-lambda-extension');
  });

  test('pins a layer through extensionFor too', () => {
    // GIVEN
    const stack = stackWithEnv();
    const pinned = `arn:aws:lambda:${REGION}:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:99`;

    // WHEN
    nodeFunction(stack, 'Fn', lambda.Architecture.ARM_64, { paramsAndSecrets: ReadOnlyConfigGrant.extensionFor({ extensionLayerArn: pinned }) });

    // THEN
    const [props] = Object.values(lambdaProps(stack)).map((r) => r.Properties);
    expect(props.Layers).toEqual([pinned]);
  });

  test.each([
    'AWS-Parameters-and-Secrets-Lambda-Extension:99',
    `arn:aws:lambda:${REGION}:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension`,
    `arn:aws:lambda:${REGION}:177933569100:function:AWS-Parameters-and-Secrets-Lambda-Extension:99`,
  ])('rejects %s as extensionLayerArn at synth', (arn) => {
    expect(() => ReadOnlyConfigGrant.extensionFor({ extensionLayerArn: arn }))
      .toThrow(`\`extensionLayerArn\` must be a layer version ARN (arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>), got: '${arn}'`);
  });

  test('sets the extension defaults: TTL 300 s, cache 1000, a 2 s request timeout, warn logging', () => {
    // GIVEN
    const stack = stackWithEnv();
    const fn = nodeFunction(stack);

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.lambdaFunction(fn), parameters: [{ tree: prodTree(stack) }] });

    // THEN
    const [props] = Object.values(lambdaProps(stack)).map((r) => r.Properties);
    expect(props.Environment.Variables).toMatchObject({
      PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'true',
      PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE: '1000',
      SSM_PARAMETER_STORE_TTL: '300',
      SECRETS_MANAGER_TTL: '300',
      SSM_PARAMETER_STORE_TIMEOUT_MILLIS: '2000',
      SECRETS_MANAGER_TIMEOUT_MILLIS: '2000',
      PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'warn',
    });
  });

  test('applies cache size, TTL, request timeout and log level overrides', () => {
    // GIVEN
    const stack = stackWithEnv();
    const fn = nodeFunction(stack);

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', {
      consumer: ConfigConsumer.lambdaFunction(fn),
      parameters: [{ tree: prodTree(stack) }],
      extensionCacheSize: 50,
      extensionTtl: Duration.seconds(60),
      extensionRequestTimeout: Duration.millis(750),
      extensionLogLevel: lambda.ParamsAndSecretsLogLevel.DEBUG,
    });

    // THEN
    const [props] = Object.values(lambdaProps(stack)).map((r) => r.Properties);
    expect(props.Environment.Variables).toMatchObject({
      PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE: '50',
      SSM_PARAMETER_STORE_TTL: '60',
      SECRETS_MANAGER_TTL: '60',
      SSM_PARAMETER_STORE_TIMEOUT_MILLIS: '750',
      SECRETS_MANAGER_TIMEOUT_MILLIS: '750',
      PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'debug',
    });
  });

  test('passes the granted paths and secret ARNs in environment variables', () => {
    // GIVEN
    const stack = stackWithEnv();
    const fn = nodeFunction(stack);
    const tree = prodTree(stack);
    const secret = new secretsmanager.Secret(stack, 'Secret');

    // WHEN
    const grant = new ReadOnlyConfigGrant(stack, 'Grant', {
      consumer: ConfigConsumer.lambdaFunction(fn),
      parameters: [{ tree, subtree: 'db' }, { tree, subtree: 'api' }],
      secrets: [secret],
    });

    // THEN
    const [props] = Object.values(lambdaProps(stack)).map((r) => r.Properties);
    expect(grant.paths).toEqual(['/ecommerce/prod/db', '/ecommerce/prod/api']);
    expect(props.Environment.Variables.SECURE_CONFIG_PATHS).toBe('/ecommerce/prod/db,/ecommerce/prod/api');
    expect(props.Environment.Variables.SECURE_CONFIG_SECRET_ARNS).toEqual({ Ref: 'SecretA720EF05' });
  });

  test('attaches the policy to the function\'s role', () => {
    // GIVEN
    const stack = stackWithEnv();
    const fn = nodeFunction(stack);

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.lambdaFunction(fn), parameters: [{ tree: prodTree(stack) }] });

    // THEN
    expect(grantPolicies(stack)[0].roles).toEqual([{ Ref: stack.getLogicalId(fn.role!.node.defaultChild as iam.CfnRole) }]);
  });

  test('leaves the extension out when extensionEnabled is false', () => {
    // GIVEN
    const stack = stackWithEnv();
    const fn = nodeFunction(stack);

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.lambdaFunction(fn), parameters: [{ tree: prodTree(stack) }], extensionEnabled: false });

    // THEN
    const [props] = Object.values(lambdaProps(stack)).map((r) => r.Properties);
    expect(props.Layers).toBeUndefined();
    expect(props.Environment.Variables.SSM_PARAMETER_STORE_TTL).toBeUndefined();
    expect(props.Environment.Variables.SECURE_CONFIG_PATHS).toBe('/ecommerce/prod');
  });

  test('keeps the extension of a function built with extensionFor, once, with its settings', () => {
    // GIVEN
    const stack = stackWithEnv();
    const fn = nodeFunction(stack, 'Fn', lambda.Architecture.ARM_64, {
      paramsAndSecrets: ReadOnlyConfigGrant.extensionFor({ extensionTtl: Duration.seconds(30) }),
    });

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.lambdaFunction(fn), parameters: [{ tree: prodTree(stack) }] });

    // THEN
    const [props] = Object.values(lambdaProps(stack)).map((r) => r.Properties);
    expect(props.Layers).toHaveLength(1);
    expect(publishedParameterOf(stack, props.Layers[0])).toBe(PUBLISHED.arm);
    expect(props.Environment.Variables.SSM_PARAMETER_STORE_TTL).toBe('30');
    expect(props.Environment.Variables.SSM_PARAMETER_STORE_TIMEOUT_MILLIS).toBe('2000');
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('extension settings are kept'));
  });

  test('refuses a second grant for the same function, which would replace its variables', () => {
    // GIVEN
    const stack = stackWithEnv();
    const fn = nodeFunction(stack);
    const tree = prodTree(stack);
    new ReadOnlyConfigGrant(stack, 'First', { consumer: ConfigConsumer.lambdaFunction(fn), parameters: [{ tree, subtree: 'db' }] });

    // WHEN
    const second = () => new ReadOnlyConfigGrant(stack, 'Second', { consumer: ConfigConsumer.lambdaFunction(fn), parameters: [{ tree, subtree: 'api' }] });

    // THEN
    expect(second).toThrow('`consumer` Stack/Fn already has a ReadOnlyConfigGrant (Stack/First), got a second one: Stack/Second; list all its subtrees and secrets in one grant');
  });

  test('warns that its extension options are ignored for a function that already has the extension', () => {
    // GIVEN
    const stack = stackWithEnv();
    const fn = nodeFunction(stack, 'Fn', lambda.Architecture.X86_64, { paramsAndSecrets: ReadOnlyConfigGrant.extensionFor() });

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.lambdaFunction(fn), parameters: [{ tree: prodTree(stack) }], extensionTtl: Duration.seconds(10) });

    // THEN
    Annotations.fromStack(stack).hasWarning('/Stack/Grant', Match.stringLikeRegexp('Stack/Fn was built with `paramsAndSecrets`: its extension settings are kept'));
  });
  test('warns that a pinned layer is ignored for a function that already has the extension', () => {
    // GIVEN
    const stack = stackWithEnv();
    const fn = nodeFunction(stack, 'Fn', lambda.Architecture.X86_64, { paramsAndSecrets: ReadOnlyConfigGrant.extensionFor() });

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', {
      consumer: ConfigConsumer.lambdaFunction(fn),
      parameters: [{ tree: prodTree(stack) }],
      extensionLayerArn: `arn:aws:lambda:${REGION}:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:99`,
    });

    // THEN
    Annotations.fromStack(stack).hasWarning('/Stack/Grant', Match.stringLikeRegexp('its extension settings are kept'));
  });
});

describe('ReadOnlyConfigGrant for other consumers', () => {
  test('an ECS task reads with its task role and its execution role may decrypt injected container secrets', () => {
    // GIVEN
    const stack = stackWithEnv();
    const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
    const tree = prodTree(stack);
    const key = new kms.Key(stack, 'SecretKey');
    const secret = new secretsmanager.Secret(stack, 'Secret', { encryptionKey: key });

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.ecsTask(taskDefinition), parameters: [{ tree, subtree: 'db' }], secrets: [secret] });

    // THEN
    const policies = grantPolicies(stack);
    const taskRoleRef = { Ref: stack.getLogicalId(taskDefinition.taskRole.node.defaultChild as iam.CfnRole) };
    const executionRoleRef = { Ref: stack.getLogicalId(taskDefinition.executionRole!.node.defaultChild as iam.CfnRole) };
    const taskPolicy = policies.find((p) => JSON.stringify(p.roles) === JSON.stringify([taskRoleRef]))!;
    const executionPolicy = policies.find((p) => JSON.stringify(p.roles) === JSON.stringify([executionRoleRef]))!;
    expect(allows(taskPolicy.statements, 'ssm:GetParameter', ssmArn('/ecommerce/prod/db/host'))).toBe(true);
    expect(executionPolicy.statements.map((s) => s.Action)).toEqual(['kms:Decrypt', 'kms:Decrypt']);
    expect(executionPolicy.statements.map((s) => s.Resource)).toEqual([stack.resolve(tree.encryptionKey!.keyArn), stack.resolve(key.keyArn)]);
    expect(executionPolicy.statements[0].Condition.StringEquals).toEqual({ 'kms:ViaService': SSM_VIA });
  });

  test('an ECS container secret injected from the tree can be decrypted by the execution role', () => {
    // GIVEN a container that gets db/host from the tree as a secret
    const stack = stackWithEnv();
    const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
    const tree = prodTree(stack);
    taskDefinition.addContainer('App', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable'),
      secrets: { DB_HOST: ecs.Secret.fromSsmParameter(tree.stringParameter('db/host')) },
    });

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.ecsTask(taskDefinition), parameters: [{ tree, subtree: 'db' }] });

    // THEN the parameter's KMS context is within the execution role's decrypt condition
    const executionRoleRef = { Ref: stack.getLogicalId(taskDefinition.executionRole!.node.defaultChild as iam.CfnRole) };
    const executionPolicy = grantPolicies(stack).find((p) => JSON.stringify(p.roles) === JSON.stringify([executionRoleRef]))!;
    const [decrypt] = executionPolicy.statements;
    expect(decrypt.Resource).toEqual(stack.resolve(tree.encryptionKey!.keyArn));
    const contexts: string[] = decrypt.Condition.ArnLike['kms:EncryptionContext:PARAMETER_ARN'].map(concrete);
    expect(contexts.some((pattern) => iamMatches(pattern, ssmArn('/ecommerce/prod/db/host')))).toBe(true);
    expect(contexts.some((pattern) => iamMatches(pattern, ssmArn('/ecommerce/prod/api/jwt-secret')))).toBe(false);
  });

  test('an EC2 instance reads with its instance role', () => {
    // GIVEN
    const stack = stackWithEnv();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
    const instance = new ec2.Instance(stack, 'Instance', {
      vpc,
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      machineImage: ec2.MachineImage.genericLinux({ [REGION]: 'ami-12345678' }),
    });

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.ec2Instance(instance), parameters: [{ tree: prodTree(stack) }] });

    // THEN
    expect(grantPolicies(stack)[0].roles).toEqual([{ Ref: stack.getLogicalId(instance.role.node.defaultChild as iam.CfnRole) }]);
  });

  test.each([
    ['user', (stack: Stack) => new iam.User(stack, 'Identity'), 'Users'],
    ['group', (stack: Stack) => new iam.Group(stack, 'Identity'), 'Groups'],
  ])('attaches the policy to an IAM %s', (_kind, make, property) => {
    // GIVEN
    const stack = stackWithEnv();
    const identity = make(stack);

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.grantable(identity), parameters: [{ tree: prodTree(stack) }] });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      [property]: [{ Ref: stack.getLogicalId(identity.node.defaultChild as iam.CfnUser) }],
    });
  });

  test('attaches the policy to an imported role by name', () => {
    // GIVEN
    const stack = stackWithEnv();
    const imported = iam.Role.fromRoleArn(stack, 'Imported', `arn:aws:iam::${ACCOUNT}:role/reader`);

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.grantable(imported), parameters: [{ tree: prodTree(stack) }] });

    // THEN
    expect(grantPolicies(stack)[0].roles).toEqual(['reader']);
  });

  test('attaches nothing to an imported role that takes no policy updates, and warns naming it', () => {
    // GIVEN
    const stack = stackWithEnv();
    const imported = iam.Role.fromRoleArn(stack, 'Imported', `arn:aws:iam::${ACCOUNT}:role/locked`, { mutable: false });

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.grantable(imported), parameters: [{ tree: prodTree(stack) }] });

    // THEN
    expect(grantPolicies(stack)).toEqual([]);
    Annotations.fromStack(stack).hasWarning('/Stack/Imported', Match.stringLikeRegexp('imported with `mutable: false`'));
  });

  test('attaches the policy to the role named for a function that holds an immutable reference to it', () => {
    // GIVEN
    const stack = stackWithEnv();
    const executionRole = new iam.Role(stack, 'ExecutionRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const fn = nodeFunction(stack, 'Fn', undefined, { role: iam.Role.fromRoleArn(stack, 'Reference', executionRole.roleArn, { mutable: false }) });

    // WHEN
    new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.lambdaFunction(fn, executionRole), parameters: [{ tree: prodTree(stack) }] });

    // THEN
    expect(grantPolicies(stack)[0].roles).toEqual([{ Ref: stack.getLogicalId(executionRole.node.defaultChild as iam.CfnRole) }]);
  });

  test('creates no managed policy for a principal that is no IAM identity of the app', () => {
    // GIVEN
    const stack = stackWithEnv();
    const imported = lambda.Function.fromFunctionArn(stack, 'Imported', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:reader`);

    // WHEN
    const grant = new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.grantable(imported), parameters: [{ tree: prodTree(stack) }] });

    // THEN
    expect(grant.policies.length).toBe(0);
    expect(grantPolicies(stack).length).toBe(0);
  });
});
