/**
 * One environment of the e-commerce example: a VPC without internet access, a PostgreSQL
 * database, a rotated secret for the application's database user, a configuration tree, and an
 * API whose function reads its configuration through the Parameters and Secrets Lambda Extension.
 */
import * as path from 'path';
import { Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ConfigConsumer, ReadOnlyConfigGrant } from '../../src/grants';
import { ParameterValue, SecureParameterTree } from '../../src/parameter-tree';
import { DatabaseTarget, RotatingDbSecret, RotationStrategy } from '../../src/rotation';

export interface EcommerceStackProps extends StackProps {
  /** 'prod' or 'dev': the tree is `/ecommerce/<environmentName>`. */
  readonly environmentName: string;
  /** Production gets a standby database and deletion protection. */
  readonly production: boolean;
}

export class EcommerceStack extends Stack {
  public readonly configTree: SecureParameterTree;
  public readonly apiFunction: lambda.Function;
  public readonly grant: ReadOnlyConfigGrant;

  constructor(scope: Construct, id: string, props: EcommerceStackProps) {
    super(scope, id, props);
    const removalPolicy = props.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // One key for this environment's logs and database storage; the tree has its own key.
    const dataKey = new kms.Key(this, 'DataKey', {
      description: `Encrypts the ${props.environmentName} database and logs of the e-commerce example`,
      enableKeyRotation: true,
      removalPolicy,
    });
    dataKey.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`));

    // No internet route: the functions reach AWS through interface endpoints only.
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'app', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      flowLogs: {
        all: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(this, 'FlowLogs', {
            encryptionKey: dataKey,
            retention: logs.RetentionDays.ONE_YEAR,
            removalPolicy,
          })),
        },
      },
    });
    for (const [name, service] of Object.entries({
      Ssm: ec2.InterfaceVpcEndpointAwsService.SSM,
      SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    })) {
      vpc.addInterfaceEndpoint(`${name}Endpoint`, { service, privateDnsEnabled: true });
    }

    const database = new rds.DatabaseInstance(this, 'Database', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      databaseName: 'shop',
      // The master credentials are generated into a Secrets Manager secret: nobody types them.
      credentials: rds.Credentials.fromGeneratedSecret('postgres', { encryptionKey: dataKey }),
      storageEncrypted: true,
      storageEncryptionKey: dataKey,
      multiAz: props.production,
      deletionProtection: props.production,
      backupRetention: Duration.days(7),
      iamAuthentication: true,
      cloudwatchLogsExports: ['postgresql', 'upgrade'],
      monitoringInterval: Duration.seconds(60),
      autoMinorVersionUpgrade: true,
      removalPolicy: props.production ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
    });

    // The application's own user, rotated by alternating between `shop_app` and `shop_app_clone`
    // with the master credentials, so that open connections keep working during a rotation.
    const appUser = new RotatingDbSecret(this, 'AppUserSecret', {
      target: DatabaseTarget.instance(database),
      username: 'shop_app',
      databaseName: 'shop',
      strategy: RotationStrategy.ALTERNATING_USERS,
      masterSecret: database.secret!,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      createSecretsManagerEndpoint: false,
      removalPolicy,
    });
    database.connections.allowDefaultPortFrom(appUser.connections, 'rotation of the application user');

    this.configTree = new SecureParameterTree(this, 'Config', {
      path: `/ecommerce/${props.environmentName}`,
      parameters: {
        'db/host': ParameterValue.string(database.dbInstanceEndpointAddress),
        'db/port': ParameterValue.string(database.dbInstanceEndpointPort),
        'api/jwt-secret': ParameterValue.generatedSecret({ length: 48 }),
        // Set out of band by the payments team; never overwritten by a deployment.
        'payments/api-key': ParameterValue.placeholderSecret(),
        'feature/flags': ParameterValue.stringList(props.production ? ['checkout-v2'] : ['checkout-v2', 'gift-cards', 'debug-banner']),
      },
      removalPolicy,
    });

    this.apiFunction = new nodejs.NodejsFunction(this, 'ApiFunction', {
      entry: path.join(__dirname, 'lambda', 'handler.ts'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(10),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      reservedConcurrentExecutions: 20,
      deadLetterQueue: new sqs.Queue(this, 'ApiDeadLetters', {
        encryptionMasterKey: dataKey,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      }),
      logGroup: new logs.LogGroup(this, 'ApiLogs', { encryptionKey: dataKey, retention: logs.RetentionDays.ONE_YEAR, removalPolicy }),
      // The extension's settings are fixed when the function is built; the grant would attach
      // the same extension itself, this only makes the TTL explicit.
      paramsAndSecrets: ReadOnlyConfigGrant.extensionFor({ extensionTtl: Duration.seconds(60) }),
      bundling: {
        // The AWS SDK is not needed at all: configuration comes from the extension over HTTP.
        externalModules: ['@aws-sdk/*', 'pg-native'],
        minify: true,
      },
    });
    database.connections.allowDefaultPortFrom(this.apiFunction, 'queries of the API');

    // Everything the function may read, in one managed policy on its role: the whole tree of
    // this environment (so not the other environment's) and the application user's secret.
    this.grant = new ReadOnlyConfigGrant(this, 'ApiConfigAccess', {
      consumer: ConfigConsumer.lambda(this.apiFunction),
      parameters: [{ tree: this.configTree }],
      secrets: [appUser.secret],
    });

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { encryptionKey: dataKey, retention: logs.RetentionDays.ONE_YEAR, removalPolicy });
    const api = new apigw.HttpApi(this, 'HttpApi', { createDefaultStage: false });
    const stage = api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(accessLogs) },
    });
    api.addRoutes({
      path: '/status',
      methods: [apigw.HttpMethod.GET],
      integration: new HttpLambdaIntegration('Status', this.apiFunction),
      // Called by the storefront's backend with SigV4; no anonymous access.
      authorizer: new HttpIamAuthorizer(),
    });
    void stage;
  }
}
