import { Annotations, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { DatabaseEngine } from './database-engine';
import { DatabaseTarget, DatabaseTargetConfig } from './database-target';
import { RotationStrategy } from './rotation-strategy';
import { ParameterValue, SecureParameterTree } from '../parameter-tree';
import { grantThroughSharedReadPolicy } from '../private/identity-policy';
import { allowLogsToUseKey, dependOnPolicy, LoggedFunctionParts, loggedFunctionParts } from '../private/logged-function';
import {
  acknowledgeDeployTimePortIngress,
  acknowledgeRotationFunction,
  acknowledgeRotationPolicy,
} from './private/acknowledgements';
import { rotationErrorsAlarm, rotationFailedRule } from './private/alerts';
import { RDS_CA_BUNDLE, ROTATION_ENV, TlsMode } from './private/contract';
import { engineFacts } from './private/engines';
import { RotationMysqlFunction } from './private/mysql-function';
import { rotationLogGroupName, rotationStatements } from './private/permissions';
import { RotationPostgresFunction } from './private/postgres-function';
import { ResolvedSettings, resolveSettings } from './private/settings';
import { validatePublishPrefix } from './private/validation';
import { secretsManagerEndpointFor } from './private/vpc-endpoint';
import { readStatements } from '../private/read-access';

/**
 * A database user's credentials in Secrets Manager, rotated on a schedule.
 */
export interface IRotatingDbSecret extends IConstruct {
  /** The secret holding the connection JSON (engine, host, port, dbname, username, password). */
  readonly secret: secretsmanager.ISecret;

  /** The customer-managed key that encrypts the secret. */
  readonly encryptionKey: kms.IKey;

  /**
   * Lets `grantee` read the secret: `secretsmanager:GetSecretValue` and `DescribeSecret` on it,
   * `kms:Decrypt` on its key through Secrets Manager only. For an IAM role, user or group of
   * this app the statements go into its cdk-secure-config managed policy, never an inline one.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant;
}

/** What `RotatingDbSecret.fromSecretAttributes` needs to use a rotated secret made elsewhere. */
export interface RotatingDbSecretAttributes {
  /** The secret holding the connection JSON, e.g. from `secretsmanager.Secret.fromSecretCompleteArn`. */
  readonly secret: secretsmanager.ISecret;

  /** The customer-managed key that encrypts the secret, e.g. from `kms.Key.fromKeyArn`. */
  readonly encryptionKey: kms.IKey;
}

/**
 * Properties of a RotatingDbSecret.
 */
export interface RotatingDbSecretProps {
  /** The database whose user is rotated. */
  readonly target: DatabaseTarget;

  /**
   * The database user whose password is rotated; it must exist before the first rotation.
   *
   * Single user: the user must also have the password this secret holds, which Secrets Manager
   * generates at deployment. Until it does, rotations fail and are retried at each schedule; set
   * `rotateImmediatelyOnUpdate: false` to skip the rotation at deployment.
   *
   * Alternating users: nothing needs to exist but the master user. At the first rotation the
   * master secret's user creates `<username>` with the password Secrets Manager generated (or
   * sets that password if the user exists but does not log in with it), then creates
   * `<username>_clone` with the privileges of `<username>`; the secret's `username` then
   * alternates between the two. A user created this way holds no privileges: grant them to
   * `<username>`, and the clone gets them at the next rotation (PostgreSQL: at once).
   *
   * Must not be a name the engine or Amazon RDS reserves, nor the master's user name.
   */
  readonly username: string;

  /** The database the rotation function connects to, stored as the secret's `dbname`. */
  readonly databaseName: string;

  /**
   * The database engine.
   *
   * @default - inferred from an RDS instance or cluster target; required for other targets
   */
  readonly engine?: DatabaseEngine;

  /**
   * How credentials change at each rotation.
   *
   * @default RotationStrategy.SINGLE_USER
   */
  readonly strategy?: RotationStrategy;

  /**
   * The secret of a user that may create `<username>_clone` and change its password, usually the
   * database's master user. Its ARN is stored as the secret's `masterarn`.
   *
   * @default - none; required with `RotationStrategy.ALTERNATING_USERS` and refused otherwise
   */
  readonly masterSecret?: secretsmanager.ISecret;

  /**
   * Connect to the database without TLS. Only for databases outside RDS that cannot offer TLS:
   * passwords, the master's included, then cross the network in plaintext. The secret's own
   * `tls` field cannot turn TLS off; it is refused when it differs from this choice.
   *
   * @default false - TLS with the certificate and host name verified against the trusted
   * certificate authorities, the Amazon RDS ones included
   */
  readonly insecurePlaintextConnections?: boolean;

  /**
   * The customer-managed key that encrypts the secret and the rotation function's logs. A key of
   * this app gets a key-policy statement letting CloudWatch Logs use it for the rotation
   * function's log group only; an imported key's policy must already allow that.
   *
   * @default - a new key with automatic rotation on, kept on stack deletion per `removalPolicy`
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * A name for the secret.
   *
   * @default - a name CloudFormation generates
   */
  readonly secretName?: string;

  /**
   * What happens to the secret, and the key this construct creates, when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Length of generated passwords, from 16 to 128.
   *
   * @default 32
   */
  readonly passwordLength?: number;

  /**
   * Characters generated passwords never contain. Must leave at least one upper-case letter,
   * lower-case letter, digit and punctuation character.
   *
   * @default - characters that need escaping in connection strings, URLs and shells: `` %+~`#$&*()|[]{}:;<>?!'/@"\,=^``
   */
  readonly excludeCharacters?: string;

  /**
   * Time between rotations, from 4 hours to 1,000 days.
   *
   * @default Duration.days(30)
   */
  readonly rotationSchedule?: Duration;

  /**
   * Rotate as soon as the rotation schedule is deployed or changed, instead of waiting for the
   * first scheduled window. The first deployment then replaces the generated password at once.
   *
   * @default true
   */
  readonly rotateImmediatelyOnUpdate?: boolean;

  /**
   * The VPC the rotation function runs in.
   *
   * @default - the VPC of an `endpoint` target, or of an RDS instance or cluster this app
   * creates; required for imported RDS instances and clusters, which expose no VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets the rotation function runs in. They must route to the database and, when
   * `createSecretsManagerEndpoint` is false, to Secrets Manager.
   *
   * @default - the subnets of an `endpoint` target, else the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Create an interface VPC endpoint for Secrets Manager (private DNS on) so the function reaches
   * it without internet access. One endpoint per VPC and stack is shared by every
   * RotatingDbSecret. Set to false when the VPC already has one with private DNS (a second one
   * would fail to deploy) or the subnets reach Secrets Manager through a NAT gateway; the function
   * may then send HTTPS anywhere.
   *
   * @default true
   */
  readonly createSecretsManagerEndpoint?: boolean;

  /**
   * How long the rotation function's logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Publish the connection facts that are not secret (host, port, dbname, username and the
   * secret's ARN) as String parameters of a SecureParameterTree, so applications find the
   * database and its secret by path. The password is never published, and neither is the
   * username with alternating users: it changes at each rotation, so clients must read it
   * from the secret.
   *
   * @default - nothing is published
   */
  readonly publishTo?: ConnectionFactsDestination;
}

/**
 * Where a RotatingDbSecret publishes the non-secret facts clients need to connect.
 */
export interface ConnectionFactsDestination {
  /** The tree that receives the parameters. */
  readonly tree: SecureParameterTree;

  /**
   * Relative name under the tree's path, e.g. `db/app`. The facts are written below it as
   * `host`, `port`, `dbname`, `username` and `secret-arn`.
   */
  readonly prefix: string;
}

const ROTATION_TIMEOUT = Duration.minutes(1);
const ROTATION_MEMORY_MB = 256;

/** What a RotatingDbSecret and an imported one share: the read grant. */
abstract class RotatingDbSecretBase extends Construct implements IRotatingDbSecret {
  public abstract readonly secret: secretsmanager.ISecret;
  public abstract readonly encryptionKey: kms.IKey;

  /**
   * Lets `grantee` read the secret: `secretsmanager:GetSecretValue` and `DescribeSecret` on it,
   * `kms:Decrypt` on its key through Secrets Manager only, in the grantee's cdk-secure-config
   * managed policy when it is an IAM role, user or group of this app.
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    const statements = readStatements({ secrets: [{ secret: this.secret, encryptionKey: this.encryptionKey }] });
    return grantThroughSharedReadPolicy(grantee, statements).grant;
  }
}

/** The rotation function's network side, and what the first rotation must wait for. */
interface RotationNetwork {
  readonly securityGroup: ec2.SecurityGroup;
  readonly databaseIngress: ec2.CfnSecurityGroupIngress[];
  readonly endpoint?: ec2.InterfaceVpcEndpoint;
}

/**
 * A Secrets Manager secret for one database user, encrypted with a customer-managed key, its
 * password generated by Secrets Manager and rotated on a schedule by a Node.js function in the
 * database's VPC.
 *
 * What gets created: the secret (and a KMS key unless given), the rotation function with its
 * role, managed policy, security group and encrypted log group, a Secrets Manager VPC endpoint
 * unless told not to, the rotation schedule, an EventBridge rule matching failed rotations of
 * this secret, and an alarm on the function's errors.
 *
 * @example
 * declare const database: rds.DatabaseInstance;
 * declare const vpc: ec2.IVpc;
 *
 * const appUser = new RotatingDbSecret(this, 'AppUser', {
 *   target: DatabaseTarget.instance(database),
 *   username: 'shop_app',
 *   databaseName: 'shop',
 *   strategy: RotationStrategy.ALTERNATING_USERS,
 *   masterSecret: database.secret!,
 *   vpc,
 * });
 */
export class RotatingDbSecret extends RotatingDbSecretBase implements IRotatingDbSecret, ec2.IConnectable {
  /**
   * A rotated secret made in another stack or app, to grant reads on it (for example to a
   * ReadOnlyConfigGrant's consumer) without managing its rotation here.
   */
  public static fromSecretAttributes(scope: Construct, id: string, attrs: RotatingDbSecretAttributes): IRotatingDbSecret {
    class Import extends RotatingDbSecretBase {
      public readonly secret = attrs.secret;
      public readonly encryptionKey = attrs.encryptionKey;
    }
    return new Import(scope, id);
  }

  /** The secret holding the connection JSON (engine, host, port, dbname, username, password). */
  public readonly secret: secretsmanager.ISecret;

  /** The customer-managed key that encrypts the secret and the rotation logs. */
  public readonly encryptionKey: kms.IKey;

  /** The function Secrets Manager invokes for each rotation step. */
  public readonly rotationFunction: lambda.IFunction;

  /**
   * The rotation function's network side: its security group, which allows no outbound traffic
   * but to the database and Secrets Manager.
   */
  public readonly connections: ec2.Connections;

  /**
   * Matches Secrets Manager's `RotationFailed` events for this secret (detail type
   * 'AWS Service Event via CloudTrail'; the secret's ARN in `detail.additionalEventData.SecretId`).
   * It has no target: add one, such as an SNS topic. The events exist only where CloudTrail
   * records management events, which it does by default.
   */
  public readonly rotationFailedRule: events.Rule;

  /**
   * In alarm when a rotation step fails (the function's `Errors` metric, summed over 5 minutes,
   * at least 1). It has no action: add one.
   */
  public readonly rotationErrorsAlarm: cloudwatch.Alarm;

  /** The engine of the database. */
  public readonly engine: DatabaseEngine;

  /** The rotation strategy in use. */
  public readonly strategy: RotationStrategy;

  constructor(scope: Construct, id: string, props: RotatingDbSecretProps) {
    super(scope, id);
    const settings = resolveSettings(props);
    this.engine = settings.engine;
    this.strategy = settings.strategy;

    // Created in this order so that the key policy lists the Logs statement before the secret's.
    const logGroupName = rotationLogGroupName(this);
    this.encryptionKey = this.keyFor(props.encryptionKey, settings, logGroupName);
    const secret = this.createSecret(props, settings);
    this.secret = secret;
    const parts = this.createFunctionParts(props, settings, secret, logGroupName);

    const network = this.createNetwork(props, settings);
    this.connections = new ec2.Connections({ securityGroups: [network.securityGroup] });

    const fn = this.createRotationFunction(settings, parts, network.securityGroup, props.masterSecret);
    this.rotationFunction = fn;
    this.scheduleRotation(props, settings, { secret, fn, policy: parts.policy, network });

    this.rotationFailedRule = rotationFailedRule(this, 'RotationFailedRule', secret);
    this.rotationErrorsAlarm = rotationErrorsAlarm(this, 'RotationErrorsAlarm', fn);

    if (props.publishTo) {
      this.publishConnectionFacts(props.publishTo, connectionFacts(props, settings, secret));
    }
  }

  /** The given key or a new one; either way CloudWatch Logs may encrypt the function's logs with it. */
  private keyFor(given: kms.IKey | undefined, settings: ResolvedSettings, logGroupName: string): kms.IKey {
    const key = given ?? new kms.Key(this, 'Key', {
      description: `Encrypts the database secret ${this.node.path} and its rotation logs`,
      enableKeyRotation: true,
      removalPolicy: settings.removalPolicy,
    });
    // The log group's name is chosen before the group exists, so the key policy names that one
    // group: no other log group of the account may use the key through Logs.
    allowLogsToUseKey(key, { sid: 'AllowCloudWatchLogsOfRotationLogGroup', logGroupNames: [logGroupName] });
    return key;
  }

  /** The secret, its password generated by Secrets Manager around the connection facts. */
  private createSecret(props: RotatingDbSecretProps, settings: ResolvedSettings): secretsmanager.Secret {
    return new secretsmanager.Secret(this, 'Secret', {
      description: `Credentials of database user ${props.username}, rotated by cdk-secure-config`,
      secretName: props.secretName,
      encryptionKey: this.encryptionKey,
      removalPolicy: settings.removalPolicy,
      generateSecretString: {
        secretStringTemplate: Stack.of(this).toJsonString({
          engine: engineFacts(settings.engine).secretEngine,
          host: settings.target.host,
          port: settings.target.port,
          dbname: props.databaseName,
          username: props.username,
          masterarn: props.masterSecret?.secretArn,
        }),
        generateStringKey: 'password',
        passwordLength: settings.passwordLength,
        excludeCharacters: settings.excludeCharacters,
      },
    });
  }

  /** The function's log group, role and least-privilege managed policy. */
  private createFunctionParts(
    props: RotatingDbSecretProps,
    settings: ResolvedSettings,
    secret: secretsmanager.ISecret,
    logGroupName: string,
  ): LoggedFunctionParts {
    const parts = loggedFunctionParts(this, {
      logKey: this.encryptionKey,
      logGroupName,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      logRemovalPolicy: settings.removalPolicy,
      roleId: 'Role',
      roleDescription: `Rotation function of ${this.node.path}`,
      policyId: 'RotationPolicy',
      policyDescription: `Least privilege to rotate the database secret ${this.node.path}`,
      statements: (logGroup) => rotationStatements({ secret, encryptionKey: this.encryptionKey, logGroup, masterSecret: props.masterSecret }),
    });
    acknowledgeRotationPolicy(parts.policy);
    return parts;
  }

  /** A security group that reaches the database and Secrets Manager, and nothing else. */
  private createNetwork(props: RotatingDbSecretProps, settings: ResolvedSettings): RotationNetwork {
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: settings.vpc,
      description: `Rotation function of ${this.node.path}: reaches the database and Secrets Manager only`,
      allowAllOutbound: false,
    });
    const databaseIngress = this.allowToDatabase(securityGroup, settings.target);
    const endpoint = this.allowToSecretsManager(securityGroup, props.createSecretsManagerEndpoint ?? true, settings.vpc, settings.vpcSubnets);
    return { securityGroup, databaseIngress, endpoint };
  }

  /** The bundled handler for the engine, arm64, in the database's VPC. */
  private createRotationFunction(
    settings: ResolvedSettings,
    parts: LoggedFunctionParts,
    securityGroup: ec2.ISecurityGroup,
    masterSecret: secretsmanager.ISecret | undefined,
  ): lambda.Function {
    const functionProps = {
      description: `Rotates the database secret ${this.node.path} (cdk-secure-config)`,
      role: parts.functionRole,
      vpc: settings.vpc,
      vpcSubnets: settings.vpcSubnets,
      securityGroups: [securityGroup],
      architecture: lambda.Architecture.ARM_64,
      timeout: ROTATION_TIMEOUT,
      memorySize: ROTATION_MEMORY_MB,
      logGroup: parts.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        [ROTATION_ENV.PASSWORD_LENGTH]: String(settings.passwordLength),
        [ROTATION_ENV.EXCLUDE_CHARACTERS]: settings.excludeCharacters,
        [ROTATION_ENV.EXTRA_CA_CERTS]: RDS_CA_BUNDLE,
        // Where credentials may go: the handler refuses a secret that names anything else.
        [ROTATION_ENV.DATABASE_ENGINE]: engineFacts(settings.engine).secretEngine,
        [ROTATION_ENV.DATABASE_HOST]: settings.target.host,
        [ROTATION_ENV.DATABASE_PORT]: Token.isUnresolved(settings.target.port) ? Token.asString(settings.target.port) : String(settings.target.port),
        [ROTATION_ENV.DATABASE_NAME]: settings.databaseName,
        [ROTATION_ENV.DATABASE_TLS]: settings.tls,
        ...(masterSecret ? { [ROTATION_ENV.MASTER_SECRET_ARN]: masterSecret.secretArn } : {}),
      },
    };
    if (settings.tls === TlsMode.DISABLE) {
      Annotations.of(this).addWarningV2('cdk-secure-config:plaintextDatabaseConnections',
        `${this.node.path} rotates over plaintext connections (insecurePlaintextConnections: true): ` +
        "the user's and the master's passwords cross the network unencrypted");
    }
    const fn = settings.engine === DatabaseEngine.POSTGRES
      ? new RotationPostgresFunction(this, 'RotationFunction', functionProps)
      : new RotationMysqlFunction(this, 'RotationFunction', functionProps);
    // Lambda also checks the role's network-interface permissions when it creates a VPC function.
    dependOnPolicy(fn, parts);
    acknowledgeRotationFunction(fn);
    return fn;
  }

  /**
   * Lets Secrets Manager invoke the function for this secret only, and schedules the rotation
   * once everything the first rotation needs exists.
   */
  private scheduleRotation(
    props: RotatingDbSecretProps,
    settings: ResolvedSettings,
    parts: { secret: secretsmanager.Secret; fn: lambda.Function; policy: iam.ManagedPolicy; network: RotationNetwork },
  ): void {
    const { secret, fn, policy, network } = parts;
    const invokePermission = new lambda.CfnPermission(this, 'SecretsManagerInvoke', {
      action: 'lambda:InvokeFunction',
      functionName: fn.functionArn,
      principal: iam.ServicePrincipal.servicePrincipalName('secretsmanager.amazonaws.com'),
      sourceAccount: Stack.of(this).account,
      sourceArn: secret.secretArn,
    });
    const schedule = secret.addRotationSchedule('RotationSchedule', {
      // RotationSchedule grants a function it can modify wide inline permissions (invoke without
      // a source ARN, kms:Encrypt and ReEncrypt*). Handing it a reference it cannot modify keeps
      // every permission in the managed policy and the scoped invoke permission above.
      rotationLambda: lambda.Function.fromFunctionAttributes(this, 'RotationFunctionReference', {
        functionArn: fn.functionArn,
        sameEnvironment: true,
        skipPermissions: true,
      }),
      automaticallyAfter: settings.rotationSchedule,
      rotateImmediatelyOnUpdate: props.rotateImmediatelyOnUpdate ?? true,
    });
    // The first rotation may run as soon as the schedule exists: everything it needs must be there.
    schedule.node.addDependency(invokePermission, policy, network.securityGroup, ...network.databaseIngress);
    if (network.endpoint) schedule.node.addDependency(network.endpoint);
  }

  /**
   * HTTPS to Secrets Manager: through the VPC's shared interface endpoint, or to any address
   * when the user says the subnets reach Secrets Manager another way.
   */
  private allowToSecretsManager(
    securityGroup: ec2.SecurityGroup,
    createEndpoint: boolean,
    vpc: ec2.IVpc,
    vpcSubnets: ec2.SubnetSelection | undefined,
  ): ec2.InterfaceVpcEndpoint | undefined {
    if (!createEndpoint) {
      securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Secrets Manager over HTTPS');
      return undefined;
    }
    const endpoint = secretsManagerEndpointFor(this, vpc, vpcSubnets);
    endpoint.connections.allowDefaultPortFrom(securityGroup, `Rotation function of ${this.node.path}`);
    return endpoint;
  }

  /**
   * Ingress on each of the database's security groups from the function's, on the database port,
   * and the matching egress. The rules are children of this construct, so that they are reviewed,
   * acknowledged and removed with it; they are added even to security groups imported as
   * immutable, since rotation cannot work without them.
   */
  private allowToDatabase(securityGroup: ec2.SecurityGroup, target: DatabaseTargetConfig): ec2.CfnSecurityGroupIngress[] {
    const description = `Rotation function of ${this.node.path}`;
    return target.connections.securityGroups.map((databaseGroup, index) => {
      const ingress = new ec2.CfnSecurityGroupIngress(this, index === 0 ? 'DatabaseIngress' : `DatabaseIngress${index + 1}`, {
        groupId: databaseGroup.securityGroupId,
        sourceSecurityGroupId: securityGroup.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: target.port,
        toPort: target.port,
        description,
      });
      if (Token.isUnresolved(target.port)) acknowledgeDeployTimePortIngress(ingress);
      securityGroup.addEgressRule(ec2.Peer.securityGroupId(databaseGroup.securityGroupId), ec2.Port.tcp(target.port), `${description}, to the database`);
      return ingress;
    });
  }

  private publishConnectionFacts(destination: ConnectionFactsDestination, facts: Record<string, string>): void {
    const prefix = destination.prefix.replace(/\/+$/, '');
    validatePublishPrefix(prefix);
    for (const [name, value] of Object.entries(facts)) {
      destination.tree.addParameter(`${prefix}/${name}`, ParameterValue.string(value, {
        description: `${name} of the database user behind ${this.node.path}`,
      }));
    }
  }
}

/** The facts published with `publishTo`: what clients need to connect, never the password. */
function connectionFacts(props: RotatingDbSecretProps, settings: ResolvedSettings, secret: secretsmanager.ISecret): Record<string, string> {
  return {
    'host': settings.target.host,
    'port': Token.asString(settings.target.port),
    'dbname': props.databaseName,
    // With alternating users the current user name lives in the secret only.
    ...(settings.strategy === RotationStrategy.SINGLE_USER ? { username: props.username } : {}),
    'secret-arn': secret.secretArn,
  };
}
