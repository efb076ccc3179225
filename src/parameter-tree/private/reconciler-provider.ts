/**
 * The reconciler function that every SecureParameterTree of a stack shares, with its role,
 * encrypted log group and logging permissions. One per stack: found by id, never a static.
 */
import { Annotations, ArnFormat, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeReconcilerFunction } from './acknowledgements';
import { DEFAULT_RECONCILER_CONCURRENCY, RECONCILER_ENV } from './contract';
import { ParameterTreeReconcilerFunction } from './reconciler-function';
import { roleWithoutDependsOn } from '../../private/function-role';

/** Id of the provider under its stack. Part of the construct tree, so part of the public API. */
export const RECONCILER_PROVIDER_ID = 'CdkSecureConfigParameterTreeReconciler';

/** IAM attaches at most this many managed policies to a role unless the quota is raised (to 20). */
const MANAGED_POLICIES_PER_ROLE = 10;

export class ReconcilerProvider extends Construct {
  /** The stack's provider, created on first use. */
  public static of(scope: IConstruct): ReconcilerProvider {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(RECONCILER_PROVIDER_ID);
    if (existing) {
      if (!(existing instanceof ReconcilerProvider)) {
        throw new Error(`The id '${RECONCILER_PROVIDER_ID}' is reserved by cdk-secure-config in stack '${stack.stackName}', got a ${existing.constructor.name} there`);
      }
      return existing;
    }
    return new ReconcilerProvider(stack, RECONCILER_PROVIDER_ID);
  }

  public readonly role: iam.Role;
  public readonly function: lambda.IFunction;
  public readonly logGroup: logs.LogGroup;
  /** Managed policies on the role: the logging policy, then one per tree. */
  private attachedPolicies = 0;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);

    // The log group's name must be known before it exists, so that the key policy can name it
    // without a circular reference between key and log group.
    const logGroupName = `/cdk-secure-config/${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}`;
    const logKey = new kms.Key(this, 'LogKey', {
      description: 'Encrypts the logs of the cdk-secure-config parameter tree reconciler',
      enableKeyRotation: true,
      // Retained with the logs it encrypts: deleting it would make them unreadable.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    logKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsForTheReconcilerLogGroup',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.${stack.urlSuffix}`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnEquals: {
          'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: logGroupName,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }));

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName,
      encryptionKey: logKey,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // No AWS-managed policy (AWSLambdaBasicExecutionRole grants logs on '*'), no inline policy:
    // every permission is in a managed policy scoped to what the reconciler touches.
    this.role = new iam.Role(this, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Runs the cdk-secure-config parameter tree reconciler',
    });
    const loggingPolicy = new iam.ManagedPolicy(this, 'LoggingPolicy', {
      description: 'Lets the cdk-secure-config reconciler write its own log group only',
      statements: [new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      })],
    });

    this.attach(loggingPolicy);

    const fn = new ParameterTreeReconcilerFunction(this, 'Function', {
      description: 'Reconciles cdk-secure-config parameter trees with Parameter Store',
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.minutes(15),
      role: roleWithoutDependsOn(this, this.role),
      logGroup: this.logGroup,
      environment: { [RECONCILER_ENV.CONCURRENCY]: String(DEFAULT_RECONCILER_CONCURRENCY) },
    });
    fn.node.addDependency(loggingPolicy);
    acknowledgeReconcilerFunction(fn);
    this.function = fn;
  }

  /** Gives the reconciler a tree's permissions. */
  public attachTreePolicy(policy: iam.ManagedPolicy): void {
    this.attach(policy);
  }

  private attach(policy: iam.ManagedPolicy): void {
    policy.attachToRole(this.role);
    this.attachedPolicies += 1;
    if (this.attachedPolicies === MANAGED_POLICIES_PER_ROLE + 1) {
      Annotations.of(this).addWarningV2('cdk-secure-config:reconcilerPolicyQuota',
        `The parameter tree reconciler of stack '${Stack.of(this).stackName}' needs more than ${MANAGED_POLICIES_PER_ROLE} managed policies ` +
        `(one per tree): IAM allows ${MANAGED_POLICIES_PER_ROLE} per role unless the account's quota is raised (up to 20). ` +
        'Raise the quota or spread the trees over more stacks.');
    }
  }

  /** The ARN CloudFormation invokes for the tree's custom resource. */
  public get serviceToken(): string {
    return this.function.functionArn;
  }
}
