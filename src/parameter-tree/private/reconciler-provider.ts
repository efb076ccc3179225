/**
 * The reconciler function that every SecureParameterTree of a stack shares, with its role,
 * encrypted log group and logging permissions. One per stack: found by id, never a static.
 */
import { Annotations, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeReconcilerFunction } from './acknowledgements';
import { DEFAULT_RECONCILER_CONCURRENCY, RECONCILER_ENV } from './contract';
import { ParameterTreeReconcilerFunction } from './reconciler-function';
import { allowLogsToUseKey, dependOnPolicy, loggedFunctionParts, writeOwnLogsStatement } from '../../private/logged-function';

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
  private attachedPolicies = 1;

  private constructor(scope: Construct, id: string) {
    super(scope, id);

    // The log group's name is chosen here, so that the key policy can name that one group
    // without a circular reference between key and log group.
    const logGroupName = `/cdk-secure-config/${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}`;
    const logKey = new kms.Key(this, 'LogKey', {
      description: 'Encrypts the logs of the cdk-secure-config parameter tree reconciler',
      enableKeyRotation: true,
      // Retained with the logs it encrypts: deleting it would make them unreadable.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    allowLogsToUseKey(logKey, { sid: 'AllowCloudWatchLogsForTheReconcilerLogGroup', logGroupName });

    const parts = loggedFunctionParts(this, {
      logKey,
      logGroupName,
      logRetention: logs.RetentionDays.ONE_YEAR,
      logRemovalPolicy: RemovalPolicy.RETAIN,
      roleId: 'ServiceRole',
      roleDescription: 'Runs the cdk-secure-config parameter tree reconciler',
      // Each tree attaches a policy of its own (attachTreePolicy): this one only writes the logs.
      policyId: 'LoggingPolicy',
      policyDescription: 'Lets the cdk-secure-config reconciler write its own log group only',
      statements: (logGroup) => [writeOwnLogsStatement(logGroup)],
    });
    this.logGroup = parts.logGroup;
    this.role = parts.role;

    const fn = new ParameterTreeReconcilerFunction(this, 'Function', {
      description: 'Reconciles cdk-secure-config parameter trees with Parameter Store',
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.minutes(15),
      role: parts.functionRole,
      logGroup: this.logGroup,
      environment: { [RECONCILER_ENV.CONCURRENCY]: String(DEFAULT_RECONCILER_CONCURRENCY) },
    });
    dependOnPolicy(fn, parts);
    acknowledgeReconcilerFunction(fn);
    this.function = fn;
  }

  /** Gives the reconciler a tree's permissions. */
  public attachTreePolicy(policy: iam.ManagedPolicy): void {
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
