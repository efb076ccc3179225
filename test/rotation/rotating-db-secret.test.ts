import { CfnElement, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { externalEndpoint, postgresInstance, stackWithVpc } from './fixtures';
import { SecureParameterTree } from '../../src/parameter-tree';
import { DatabaseEngine, DatabaseTarget, RotatingDbSecret, RotatingDbSecretProps, RotationStrategy } from '../../src/rotation';
import { DEFAULT_EXCLUDE_CHARACTERS, RDS_CA_BUNDLE } from '../../src/rotation/private/contract';
import { RotationMysqlFunction } from '../../src/rotation/private/mysql-function';
import { RotationPostgresFunction } from '../../src/rotation/private/postgres-function';
import { treeSpecs } from '../parameter-tree/manifest-support';

/** `secretsmanager.<region>.<URL suffix>`: the suffix differs by partition. */
const VIA_SECRETS_MANAGER = { 'Fn::Join': ['', ['secretsmanager.us-east-1.', { Ref: 'AWS::URLSuffix' }]] };

/** The rotation log group's name: known before the group exists, unique per stack deployment. */
const LOG_GROUP_PREFIX = '/cdk-secure-config/rotation/Stack-AppUser-0A0EFAD5-';
const STACK_UUID = { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] };
const LOG_GROUP_NAME = { 'Fn::Join': ['', [LOG_GROUP_PREFIX, STACK_UUID]] };

/** A PostgreSQL instance in a new VPC with one RotatingDbSecret on it. */
function rotatedPostgres(overrides: Partial<RotatingDbSecretProps> = {}) {
  const { app, stack, vpc } = stackWithVpc();
  const database = postgresInstance(stack, vpc);
  const rotating = new RotatingDbSecret(stack, 'AppUser', {
    target: DatabaseTarget.instance(database),
    username: 'app',
    databaseName: 'shop',
    ...overrides,
  });
  return { app, stack, vpc, database, rotating, template: () => Template.fromStack(stack) };
}

function ref(element: { node: { defaultChild?: unknown } } | CfnElement): string {
  const cfn = element instanceof CfnElement ? element : element.node.defaultChild as CfnElement;
  return Stack.of(cfn).getLogicalId(cfn);
}

function onlyResource(template: Template, type: string, props?: object): { Properties: any; DependsOn?: string[] } {
  const found = Object.values(template.findResources(type, props ? { Properties: props } : undefined));
  expect(found).toHaveLength(1);
  return found[0] as any;
}

/** Every statement of every managed policy attached to `role`, in template form. */
function managedStatementsOf(template: Template, role: iam.IRole): unknown[] {
  const roleId = ref(role.node.defaultChild as CfnElement);
  return Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
    .filter((policy: any) => (policy.Properties.Roles ?? []).some((r: any) => r.Ref === roleId))
    .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
}

describe('the secret', () => {
  test('holds the connection JSON with a password Secrets Manager generates', () => {
    // GIVEN / WHEN
    const { template, database } = rotatedPostgres();

    // THEN
    const secret = onlyResource(template(), 'AWS::SecretsManager::Secret', { Description: Match.stringLikeRegexp('user app') });
    expect(secret.Properties.GenerateSecretString).toEqual({
      GenerateStringKey: 'password',
      PasswordLength: 32,
      ExcludeCharacters: DEFAULT_EXCLUDE_CHARACTERS,
      SecretStringTemplate: {
        'Fn::Join': ['', [
          '{"engine":"postgres","host":"',
          { 'Fn::GetAtt': [ref(database), 'Endpoint.Address'] },
          '","port":',
          { 'Fn::GetAtt': [ref(database), 'Endpoint.Port'] },
          ',"dbname":"shop","username":"app"}',
        ]],
      },
    });
  });

  test('uses the given password length and excluded characters', () => {
    // GIVEN / WHEN
    const { template } = rotatedPostgres({ passwordLength: 48, excludeCharacters: '"\'\\/@' });

    // THEN
    template().hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 48, ExcludeCharacters: '"\'\\/@' }),
    });
  });

  test('is encrypted with a new customer-managed key that rotates and is retained', () => {
    // GIVEN / WHEN
    const { template, rotating } = rotatedPostgres();

    // THEN
    const key = ref(rotating.encryptionKey.node.defaultChild as CfnElement);
    template().hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ EnableKeyRotation: true }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template().hasResource('AWS::SecretsManager::Secret', {
      Properties: Match.objectLike({ KmsKeyId: { 'Fn::GetAtt': [key, 'Arn'] } }),
      DeletionPolicy: 'Retain',
    });
  });

  test('uses a given key instead of creating one', () => {
    // GIVEN
    const { stack, vpc } = stackWithVpc();
    const key = new kms.Key(stack, 'SharedKey', { enableKeyRotation: true });

    // WHEN
    new RotatingDbSecret(stack, 'AppUser', {
      target: DatabaseTarget.instance(postgresInstance(stack, vpc)),
      username: 'app',
      databaseName: 'shop',
      encryptionKey: key,
    });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: { 'Fn::GetAtt': [ref(key), 'Arn'] } });
  });

  test('applies the removal policy to the secret, the key and the log group', () => {
    // GIVEN / WHEN
    const { template } = rotatedPostgres({ removalPolicy: RemovalPolicy.DESTROY });

    // THEN
    for (const type of ['AWS::SecretsManager::Secret', 'AWS::KMS::Key', 'AWS::Logs::LogGroup']) {
      template().hasResource(type, { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    }
  });

  test('lets CloudFormation name the secret by default', () => {
    // GIVEN / WHEN
    const { template } = rotatedPostgres();

    // THEN
    const secret = onlyResource(template(), 'AWS::SecretsManager::Secret', { Description: Match.stringLikeRegexp('user app') });
    expect(secret.Properties.Name).toBeUndefined();
  });

  test('takes the given name', () => {
    // GIVEN / WHEN
    const { template } = rotatedPostgres({ secretName: 'shop/app-user' });

    // THEN
    template().hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'shop/app-user' });
  });

  test('names the master secret in `masterarn` for alternating users', () => {
    // GIVEN
    const { stack, vpc } = stackWithVpc();
    const master = new secretsmanager.Secret(stack, 'Master');

    // WHEN
    new RotatingDbSecret(stack, 'AppUser', {
      target: DatabaseTarget.instance(postgresInstance(stack, vpc)),
      username: 'app',
      databaseName: 'shop',
      strategy: RotationStrategy.ALTERNATING_USERS,
      masterSecret: master,
    });

    // THEN
    const secret = onlyResource(Template.fromStack(stack), 'AWS::SecretsManager::Secret', { Description: Match.stringLikeRegexp('app') });
    const parts: unknown[] = secret.Properties.GenerateSecretString.SecretStringTemplate['Fn::Join'][1];
    expect(parts).toContainEqual(',"dbname":"shop","username":"app","masterarn":"');
    expect(parts).toContainEqual({ Ref: ref(master) });
  });
});

describe('the rotation function', () => {
  test('runs the PostgreSQL handler on arm64 with the password settings and the RDS CAs', () => {
    // GIVEN / WHEN
    const { template, rotating } = rotatedPostgres();

    // THEN
    expect(rotating.rotationFunction).toBeInstanceOf(RotationPostgresFunction);
    template().hasResourceProperties('AWS::Lambda::Function', {
      Architectures: ['arm64'],
      Runtime: 'nodejs24.x',
      Environment: {
        Variables: {
          PASSWORD_LENGTH: '32',
          EXCLUDE_CHARACTERS: DEFAULT_EXCLUDE_CHARACTERS,
          NODE_EXTRA_CA_CERTS: RDS_CA_BUNDLE,
        },
      },
    });
  });

  test('passes overridden password settings to the function too', () => {
    // GIVEN / WHEN
    const { template } = rotatedPostgres({ passwordLength: 20, excludeCharacters: '@/' });

    // THEN
    template().hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PASSWORD_LENGTH: '20', EXCLUDE_CHARACTERS: '@/' }) },
    });
  });

  test.each([
    [DatabaseEngine.MYSQL],
    [DatabaseEngine.MARIADB],
  ])('runs the MySQL handler for %s', (engine) => {
    // GIVEN
    const { stack, vpc } = stackWithVpc();

    // WHEN
    const rotating = new RotatingDbSecret(stack, 'AppUser', {
      target: DatabaseTarget.endpoint(externalEndpoint(stack, vpc)),
      engine,
      username: 'app',
      databaseName: 'shop',
    });

    // THEN
    expect(rotating.rotationFunction).toBeInstanceOf(RotationMysqlFunction);
    const secret = onlyResource(Template.fromStack(stack), 'AWS::SecretsManager::Secret');
    expect(secret.Properties.GenerateSecretString.SecretStringTemplate).toEqual(
      `{"engine":"${engine}","host":"db.internal.example","port":3306,"dbname":"shop","username":"app"}`,
    );
  });

  test("runs in the VPC's private subnets by default", () => {
    // GIVEN / WHEN
    const { template, vpc } = rotatedPostgres();

    // THEN
    const privateSubnets = vpc.privateSubnets.map((subnet) => ({ Ref: ref(subnet.node.defaultChild as CfnElement) }));
    const fn = onlyResource(template(), 'AWS::Lambda::Function');
    expect(fn.Properties.VpcConfig.SubnetIds).toEqual(privateSubnets);
  });

  test('runs in the given subnets', () => {
    // GIVEN / WHEN
    const { template, vpc } = rotatedPostgres({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } });

    // THEN
    const isolated = vpc.isolatedSubnets.map((subnet) => ({ Ref: ref(subnet.node.defaultChild as CfnElement) }));
    const fn = onlyResource(template(), 'AWS::Lambda::Function');
    expect(fn.Properties.VpcConfig.SubnetIds).toEqual(isolated);
  });

  test('logs to its own log group, encrypted with the key and kept one year by default', () => {
    // GIVEN / WHEN
    const { template, rotating } = rotatedPostgres();

    // THEN
    const logGroup = onlyResource(template(), 'AWS::Logs::LogGroup');
    expect(logGroup.Properties).toEqual({
      LogGroupName: LOG_GROUP_NAME,
      RetentionInDays: 365,
      KmsKeyId: { 'Fn::GetAtt': [ref(rotating.encryptionKey.node.defaultChild as CfnElement), 'Arn'] },
    });
    const fn = onlyResource(template(), 'AWS::Lambda::Function');
    expect(fn.Properties.LoggingConfig.LogGroup).toEqual({ Ref: Object.keys(template().findResources('AWS::Logs::LogGroup'))[0] });
  });

  test('keeps logs for the given retention', () => {
    // GIVEN / WHEN
    const { template } = rotatedPostgres({ logRetention: logs.RetentionDays.THREE_MONTHS });

    // THEN
    template().hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  test('lets CloudWatch Logs use the key for the log group of the function only, in any partition', () => {
    // GIVEN / WHEN
    const { template } = rotatedPostgres();

    // THEN
    template().hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: { 'Fn::Join': ['', ['logs.us-east-1.', { Ref: 'AWS::URLSuffix' }]] } },
          Condition: {
            ArnEquals: {
              'kms:EncryptionContext:aws:logs:arn': {
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:logs:us-east-1:111122223333:log-group:${LOG_GROUP_PREFIX}`, STACK_UUID]],
              },
            },
          },
        })]),
      },
    });
    // and no statement lets CloudWatch Logs use it for any other log group
    const key = onlyResource(template(), 'AWS::KMS::Key');
    const forLogs = key.Properties.KeyPolicy.Statement.filter((statement: any) => statement.Principal.Service);
    expect(forLogs).toHaveLength(1);
  });

  test('is created after its managed policy, which holds its network-interface permissions', () => {
    // GIVEN / WHEN
    const { template } = rotatedPostgres();

    // THEN
    const policyId = Object.keys(template().findResources('AWS::IAM::ManagedPolicy'))[0];
    expect(onlyResource(template(), 'AWS::Lambda::Function').DependsOn).toContain(policyId);
  });
});

describe('the rotation role', () => {
  test('has exactly the documented rotation permissions, in one managed policy', () => {
    // GIVEN / WHEN
    const { template, rotating } = rotatedPostgres();

    // THEN
    const role = rotating.node.findChild('Role') as iam.Role;
    const secretId = ref(rotating.secret.node.defaultChild as CfnElement);
    const keyId = ref(rotating.encryptionKey.node.defaultChild as CfnElement);
    const logGroupId = Object.keys(template().findResources('AWS::Logs::LogGroup'))[0];
    expect(managedStatementsOf(template(), role)).toEqual([
      {
        Sid: 'RotateThisSecret',
        Effect: 'Allow',
        Action: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        Resource: { Ref: secretId },
      },
      { Sid: 'GeneratePasswords', Effect: 'Allow', Action: 'secretsmanager:GetRandomPassword', Resource: '*' },
      {
        Sid: 'UseSecretKeyThroughSecretsManager',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
        Condition: { StringEquals: { 'kms:ViaService': VIA_SECRETS_MANAGER } },
      },
      {
        Sid: 'AttachToVpc',
        Effect: 'Allow',
        Action: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        Resource: '*',
      },
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
      },
    ]);
  });

  test('has no inline policy and no AWS-managed policy', () => {
    // GIVEN / WHEN
    const { template } = rotatedPostgres();

    // THEN
    template().resourceCountIs('AWS::IAM::Policy', 0);
    const role = onlyResource(template(), 'AWS::IAM::Role', { Description: Match.stringLikeRegexp('Rotation function') });
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
  });

  test('may also read the master secret and decrypt it through Secrets Manager, for alternating users', () => {
    // GIVEN
    const { stack, vpc } = stackWithVpc();
    const masterKey = new kms.Key(stack, 'MasterKey', { enableKeyRotation: true });
    const master = new secretsmanager.Secret(stack, 'Master', { encryptionKey: masterKey });

    // WHEN
    const rotating = new RotatingDbSecret(stack, 'AppUser', {
      target: DatabaseTarget.instance(postgresInstance(stack, vpc)),
      username: 'app',
      databaseName: 'shop',
      strategy: RotationStrategy.ALTERNATING_USERS,
      masterSecret: master,
    });

    // THEN
    const statements = managedStatementsOf(Template.fromStack(stack), rotating.node.findChild('Role') as iam.Role);
    expect(statements).toHaveLength(7);
    expect(statements.slice(5)).toEqual([
      { Sid: 'ReadMasterSecret', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: ref(master) } },
      {
        Sid: 'DecryptMasterSecretThroughSecretsManager',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [ref(masterKey), 'Arn'] },
        Condition: { StringEquals: { 'kms:ViaService': VIA_SECRETS_MANAGER } },
      },
    ]);
  });

  test('reads an imported master secret by its ARN plus the six random characters', () => {
    // GIVEN
    const { stack, vpc } = stackWithVpc();
    const master = secretsmanager.Secret.fromSecretNameV2(stack, 'Master', 'shop/master');

    // WHEN
    const rotating = new RotatingDbSecret(stack, 'AppUser', {
      target: DatabaseTarget.instance(postgresInstance(stack, vpc)),
      username: 'app',
      databaseName: 'shop',
      strategy: RotationStrategy.ALTERNATING_USERS,
      masterSecret: master,
    });

    // THEN
    const statements = managedStatementsOf(Template.fromStack(stack), rotating.node.findChild('Role') as iam.Role);
    expect(statements).toHaveLength(6);
    expect(statements[5]).toEqual({
      Sid: 'ReadMasterSecret',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:us-east-1:111122223333:secret:shop/master-??????']],
      },
    });
  });
});

describe('the network', () => {
  test("opens the database's security group to the function on the database port", () => {
    // GIVEN / WHEN
    const { template, database, rotating } = rotatedPostgres();

    // THEN
    const functionSg = ref(rotating.connections.securityGroups[0]);
    const databaseSg = ref(database.connections.securityGroups[0]);
    const port = { 'Fn::GetAtt': [ref(database), 'Endpoint.Port'] };
    template().hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [databaseSg, 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [functionSg, 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: port,
      ToPort: port,
    });
  });

  test('lets the function out only to the database port and the Secrets Manager endpoint', () => {
    // GIVEN / WHEN
    const { template, database, rotating } = rotatedPostgres();

    // THEN
    const functionSg = ref(rotating.connections.securityGroups[0]);
    const sg = onlyResource(template(), 'AWS::EC2::SecurityGroup', { GroupDescription: Match.stringLikeRegexp('Rotation function') });
    // No inline egress: in particular not the allow-all rule (CloudFormation drops its default
    // allow-all rule once the separate egress rules below exist).
    expect(sg.Properties.SecurityGroupEgress).toBeUndefined();
    const egress = Object.values(template().findResources('AWS::EC2::SecurityGroupEgress'))
      .map((rule: any) => rule.Properties)
      .filter((rule: any) => rule.GroupId['Fn::GetAtt'][0] === functionSg);
    const endpointSg = Object.keys(template().findResources('AWS::EC2::SecurityGroup'))
      .find((id) => id.startsWith('SecretsManagerEndpoint'));
    const port = { 'Fn::GetAtt': [ref(database), 'Endpoint.Port'] };
    expect(egress).toEqual(expect.arrayContaining([
      expect.objectContaining({ DestinationSecurityGroupId: { 'Fn::GetAtt': [ref(database.connections.securityGroups[0]), 'GroupId'] }, FromPort: port, ToPort: port }),
      expect.objectContaining({ DestinationSecurityGroupId: { 'Fn::GetAtt': [endpointSg, 'GroupId'] }, FromPort: 443, ToPort: 443 }),
    ]));
    expect(egress).toHaveLength(2);
  });

  test('creates a Secrets Manager interface endpoint with private DNS, open to the function only', () => {
    // GIVEN / WHEN
    const { template, rotating } = rotatedPostgres();

    // THEN
    const endpoint = onlyResource(template(), 'AWS::EC2::VPCEndpoint');
    expect(endpoint.Properties).toMatchObject({
      ServiceName: 'com.amazonaws.us-east-1.secretsmanager',
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
    });
    const ingress = Object.values(template().findResources('AWS::EC2::SecurityGroupIngress'))
      .map((rule: any) => rule.Properties)
      .filter((rule: any) => rule.FromPort === 443);
    expect(ingress).toEqual([expect.objectContaining({
      SourceSecurityGroupId: { 'Fn::GetAtt': [ref(rotating.connections.securityGroups[0]), 'GroupId'] },
      ToPort: 443,
    })]);
  });

  test('shares one endpoint among the rotated secrets of a VPC', () => {
    // GIVEN
    const { stack, vpc } = stackWithVpc();
    const database = postgresInstance(stack, vpc);

    // WHEN
    for (const username of ['app', 'reporting']) {
      new RotatingDbSecret(stack, `${username}User`, { target: DatabaseTarget.instance(database), username, databaseName: 'shop' });
    }

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
    const https = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))
      .filter((rule: any) => rule.Properties.FromPort === 443);
    expect(https).toHaveLength(2);
  });

  test('creates no endpoint when told the subnets reach Secrets Manager, and allows HTTPS out instead', () => {
    // GIVEN / WHEN
    const { template } = rotatedPostgres({ createSecretsManagerEndpoint: false });

    // THEN
    template().resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    template().hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Rotation function'),
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: 'Secrets Manager over HTTPS' }],
    });
  });
});

describe('the rotation schedule', () => {
  test('rotates every 30 days and at once on deployment by default', () => {
    // GIVEN / WHEN
    const { template, rotating } = rotatedPostgres();

    // THEN
    template().hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: ref(rotating.secret.node.defaultChild as CfnElement) },
      RotationLambdaARN: { 'Fn::GetAtt': [ref(rotating.rotationFunction.node.defaultChild as CfnElement), 'Arn'] },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      RotateImmediatelyOnUpdate: true,
    });
  });

  test('follows the given schedule and immediacy', () => {
    // GIVEN / WHEN
    const { template } = rotatedPostgres({ rotationSchedule: Duration.hours(6), rotateImmediatelyOnUpdate: false });

    // THEN
    template().hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'rate(6 hours)' },
      RotateImmediatelyOnUpdate: false,
    });
  });

  test('waits for the invoke permission, the policy, the network rules and the endpoint', () => {
    // GIVEN / WHEN
    const { template } = rotatedPostgres();

    // THEN
    const schedule = onlyResource(template(), 'AWS::SecretsManager::RotationSchedule');
    const idOf = (type: string) => Object.keys(template().findResources(type))[0];
    expect(schedule.DependsOn).toEqual(expect.arrayContaining([
      idOf('AWS::Lambda::Permission'),
      idOf('AWS::IAM::ManagedPolicy'),
      idOf('AWS::EC2::SecurityGroupIngress'),
      idOf('AWS::EC2::VPCEndpoint'),
    ]));
  });
});

describe('the invoke permission', () => {
  test('lets only Secrets Manager, for this secret in this account, invoke the function', () => {
    // GIVEN / WHEN
    const { template, rotating } = rotatedPostgres();

    // THEN
    const permission = onlyResource(template(), 'AWS::Lambda::Permission');
    expect(permission.Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [ref(rotating.rotationFunction.node.defaultChild as CfnElement), 'Arn'] },
      Principal: 'secretsmanager.amazonaws.com',
      SourceAccount: '111122223333',
      SourceArn: { Ref: ref(rotating.secret.node.defaultChild as CfnElement) },
    });
  });
});

describe('failed rotations', () => {
  test("are matched by an EventBridge rule on Secrets Manager's RotationFailed events for this secret", () => {
    // GIVEN / WHEN
    const { template, rotating } = rotatedPostgres();

    // THEN
    template().hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.secretsmanager'],
        'detail-type': ['AWS Service Event via CloudTrail'],
        'detail': {
          eventSource: ['secretsmanager.amazonaws.com'],
          eventName: ['RotationFailed'],
          additionalEventData: { SecretId: [{ Ref: ref(rotating.secret.node.defaultChild as CfnElement) }] },
        },
      },
      State: 'ENABLED',
    });
    expect(rotating.rotationFailedRule.node.path).toBe('Stack/AppUser/RotationFailedRule');
  });

  test("raise an alarm on the function's errors", () => {
    // GIVEN / WHEN
    const { template, rotating } = rotatedPostgres();

    // THEN
    template().hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: ref(rotating.rotationFunction.node.defaultChild as CfnElement) } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });
});

describe('grantRead', () => {
  test('works the same on a secret imported with fromSecretAttributes', () => {
    // GIVEN a rotated secret made elsewhere, known by its complete ARN and its key's ARN
    const stack = new Stack(undefined, 'Consumers', { env: { account: '111122223333', region: 'us-east-1' } });
    const secretArn = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:shop/app-user-AbCdEf';
    const keyArn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const imported = RotatingDbSecret.fromSecretAttributes(stack, 'AppUser', {
      secret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Secret', secretArn),
      encryptionKey: kms.Key.fromKeyArn(stack, 'Key', keyArn),
    });
    const consumer = new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });

    // WHEN
    imported.grantRead(consumer);

    // THEN
    expect(managedStatementsOf(Template.fromStack(stack), consumer)).toEqual([
      { Effect: 'Allow', Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], Resource: secretArn },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: keyArn,
        Condition: { StringEquals: { 'kms:ViaService': VIA_SECRETS_MANAGER } },
      },
    ]);
  });

  test('grants the secret and its key through Secrets Manager, in the managed read policy', () => {
    // GIVEN
    const { stack, rotating, template } = rotatedPostgres();
    const consumer = new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });

    // WHEN
    rotating.grantRead(consumer);

    // THEN
    expect(managedStatementsOf(template(), consumer)).toEqual([
      {
        Effect: 'Allow',
        // the read policy is minimized, which sorts actions
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Resource: { Ref: ref(rotating.secret.node.defaultChild as CfnElement) },
      },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [ref(rotating.encryptionKey.node.defaultChild as CfnElement), 'Arn'] },
        Condition: { StringEquals: { 'kms:ViaService': VIA_SECRETS_MANAGER } },
      },
    ]);
    template().resourceCountIs('AWS::IAM::Policy', 0);
  });
});

describe('targets', () => {
  test('a cluster: writer endpoint, engine inferred, VPC taken from the cluster', () => {
    // GIVEN
    const { stack, vpc } = stackWithVpc();
    const cluster = new rds.DatabaseCluster(stack, 'Cluster', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 }),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      storageEncrypted: true,
    });

    // WHEN
    const rotating = new RotatingDbSecret(stack, 'AppUser', { target: DatabaseTarget.cluster(cluster), username: 'app', databaseName: 'shop' });

    // THEN
    expect(rotating.engine).toBe(DatabaseEngine.POSTGRES);
    const secret = onlyResource(Template.fromStack(stack), 'AWS::SecretsManager::Secret', { Description: Match.stringLikeRegexp('user app') });
    expect(secret.Properties.GenerateSecretString.SecretStringTemplate['Fn::Join'][1]).toEqual([
      '{"engine":"postgres","host":"',
      { 'Fn::GetAtt': [ref(cluster), 'Endpoint.Address'] },
      '","port":',
      { 'Fn::GetAtt': [ref(cluster), 'Endpoint.Port'] },
      ',"dbname":"shop","username":"app"}',
    ]);
  });

  test('a MariaDB instance: the engine is inferred as MariaDB', () => {
    // GIVEN
    const { stack, vpc } = stackWithVpc();
    const database = new rds.DatabaseInstance(stack, 'Database', {
      engine: rds.DatabaseInstanceEngine.mariaDb({ version: rds.MariaDbEngineVersion.VER_10_11 }),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    });

    // WHEN
    const rotating = new RotatingDbSecret(stack, 'AppUser', { target: DatabaseTarget.instance(database), username: 'app', databaseName: 'shop' });

    // THEN
    expect(rotating.engine).toBe(DatabaseEngine.MARIADB);
    expect(rotating.rotationFunction).toBeInstanceOf(RotationMysqlFunction);
  });

  test('an endpoint: its security group gets the ingress rule and its subnets host the function', () => {
    // GIVEN
    const { stack, vpc } = stackWithVpc();
    const endpoint = externalEndpoint(stack, vpc);

    // WHEN
    const rotating = new RotatingDbSecret(stack, 'AppUser', {
      target: DatabaseTarget.endpoint({ ...endpoint, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }),
      engine: DatabaseEngine.MYSQL,
      username: 'app',
      databaseName: 'shop',
    });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [ref(endpoint.securityGroup), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [ref(rotating.connections.securityGroups[0]), 'GroupId'] },
      FromPort: 3306,
      ToPort: 3306,
    });
    const isolated = vpc.isolatedSubnets.map((subnet) => ({ Ref: ref(subnet.node.defaultChild as CfnElement) }));
    expect(onlyResource(template, 'AWS::Lambda::Function').Properties.VpcConfig.SubnetIds).toEqual(isolated);
  });

  test('an imported instance: runs in the VPC given in the props', () => {
    // GIVEN
    const { stack, vpc } = stackWithVpc();
    const database = rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Imported', {
      instanceIdentifier: 'shop',
      instanceEndpointAddress: 'shop.abc.us-east-1.rds.amazonaws.com',
      port: 5432,
      securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'ImportedSg', 'sg-0123456789abcdef0')],
      engine: rds.DatabaseInstanceEngine.POSTGRES,
    });

    // WHEN
    new RotatingDbSecret(stack, 'AppUser', { target: DatabaseTarget.instance(database), username: 'app', databaseName: 'shop', vpc });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Rotation function'),
      VpcId: { Ref: ref(vpc) },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0123456789abcdef0',
      FromPort: 5432,
      ToPort: 5432,
    });
  });
});

describe('publishTo', () => {
  test('publishes host, port, dbname, username and secret ARN as String parameters, never the password', () => {
    // GIVEN
    const { stack, vpc } = stackWithVpc();
    const tree = new SecureParameterTree(stack, 'Config', { path: '/shop/prod' });
    const database = postgresInstance(stack, vpc);

    // WHEN
    const rotating = new RotatingDbSecret(stack, 'AppUser', {
      target: DatabaseTarget.instance(database),
      username: 'app',
      databaseName: 'shop',
      publishTo: { tree, prefix: 'db/app' },
    });

    // THEN
    // The endpoint's address and port are deploy-time values: markers of the tree's manifest.
    const published = (treeSpecs(stack) as Array<{ Name: string; Kind: string; Value: unknown }>)
      .map(({ Name, Kind, Value }) => ({ Name, Kind, Value }));
    expect(published).toHaveLength(5);
    expect(published).toEqual(expect.arrayContaining([
      { Name: 'db/app/host', Kind: 'String', Value: { 'Fn::GetAtt': [ref(database), 'Endpoint.Address'] } },
      { Name: 'db/app/port', Kind: 'String', Value: { 'Fn::GetAtt': [ref(database), 'Endpoint.Port'] } },
      { Name: 'db/app/dbname', Kind: 'String', Value: 'shop' },
      { Name: 'db/app/username', Kind: 'String', Value: 'app' },
      { Name: 'db/app/secret-arn', Kind: 'String', Value: { Ref: ref(rotating.secret.node.defaultChild as CfnElement) } },
    ]));
  });

  test('leaves out the username with alternating users, whose current user name only the secret knows', () => {
    // GIVEN
    const { stack, vpc } = stackWithVpc();
    const tree = new SecureParameterTree(stack, 'Config', { path: '/shop/prod' });
    const database = postgresInstance(stack, vpc);

    // WHEN
    new RotatingDbSecret(stack, 'AppUser', {
      target: DatabaseTarget.instance(database),
      username: 'app',
      databaseName: 'shop',
      strategy: RotationStrategy.ALTERNATING_USERS,
      masterSecret: database.secret!,
      publishTo: { tree, prefix: 'db/app' },
    });

    // THEN
    expect(treeSpecs(stack).map((p: { Name: string }) => p.Name).sort()).toEqual([
      'db/app/dbname',
      'db/app/host',
      'db/app/port',
      'db/app/secret-arn',
    ]);
  });

  test('accepts a prefix with a trailing slash', () => {
    // GIVEN
    const { stack, vpc } = stackWithVpc();
    const tree = new SecureParameterTree(stack, 'Config', { path: '/shop/prod' });

    // WHEN
    new RotatingDbSecret(stack, 'AppUser', {
      target: DatabaseTarget.instance(postgresInstance(stack, vpc)),
      username: 'app',
      databaseName: 'shop',
      publishTo: { tree, prefix: 'db/app/' },
    });

    // THEN
    expect(treeSpecs(stack).map((p: { Name: string }) => p.Name)).toContain('db/app/host');
  });
});
