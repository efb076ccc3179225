/**
 * Each SecureParameterTree's own reconciler: a function, a role whose managed policies hold only
 * that tree's permissions (and the function's permission to invoke itself), and an encrypted log group. Trees of one stack share the KMS key
 * of their log groups (a key costs a monthly fee; the key policy names each group).
 */
import { Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeReconcilerFunction, acknowledgeReconcilerWildcards } from './acknowledgements';
import { DEFAULT_RECONCILER_CONCURRENCY, RECONCILER_ENV } from './contract';
import { ParameterTreeReconcilerFunction } from './reconciler-function';
import { ReconciledTree, reconcilerStatements } from './reconciler-statements';
import { allowLogsToUseKey, dependOnPolicy, loggedFunctionParts, writeOwnLogsStatement } from '../../private/logged-function';
import { estimatedDocumentSize, MANAGED_POLICY_MAX_CHARS } from '../../private/policy-size';

/**
 * Id, under its stack, of the construct holding the shared log key. Earlier versions kept the
 * one reconciler of the stack there; the key keeps its id, so its logical id does not change.
 */
export const RECONCILER_PROVIDER_ID = 'CdkSecureConfigParameterTreeReconciler';

/** The name of the log group of the reconciler `scope` holds. */
function logGroupNameOf(scope: Construct): string {
  return `/cdk-secure-config/${Names.uniqueResourceName(scope, { maxLength: 200, separator: '-' })}`;
}

/** The key that encrypts the log groups of every reconciler of a stack. One per stack: found by id. */
class ReconcilerLogKey extends Construct {
  public static of(scope: IConstruct): ReconcilerLogKey {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(RECONCILER_PROVIDER_ID);
    if (existing) {
      if (!(existing instanceof ReconcilerLogKey)) {
        throw new Error(`The id '${RECONCILER_PROVIDER_ID}' is reserved by cdk-secure-config in stack '${stack.stackName}', got a ${existing.constructor.name} there`);
      }
      return existing;
    }
    return new ReconcilerLogKey(stack, RECONCILER_PROVIDER_ID);
  }

  public readonly key: kms.Key;
  /** Names of the log groups the key policy lets CloudWatch Logs use the key for; read at synthesis. */
  private readonly logGroupNames: string[] = [];

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new kms.Key(this, 'LogKey', {
      description: 'Encrypts the logs of the cdk-secure-config parameter tree reconcilers',
      enableKeyRotation: true,
      // Retained with the logs it encrypts: deleting it would make them unreadable.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    allowLogsToUseKey(this.key, { sid: 'AllowCloudWatchLogsForTheReconcilerLogGroups', logGroupNames: this.logGroupNames });
    // Earlier versions logged the stack's one reconciler to this group, retained with its logs:
    // they stay readable through CloudWatch Logs.
    this.allowLogGroup(logGroupNameOf(this));
  }

  /** Lets CloudWatch Logs encrypt the log group of that name with the key. */
  public allowLogGroup(name: string): void {
    this.logGroupNames.push(name);
  }
}

/** What a tree tells its reconciler. */
export interface TreeReconcilerProps extends Omit<ReconciledTree, 'scope'> {
  /** The tree's path, for descriptions. */
  readonly path: string;
}

/** The reconciler of one tree. */
export class TreeReconciler extends Construct {
  public readonly role: iam.IRole;
  /** The role's one managed policy: logging and everything the tree needs. */
  public readonly policy: iam.ManagedPolicy;
  public readonly function: lambda.IFunction;
  public readonly logGroup: logs.LogGroup;
  /**
   * Lets the function invoke itself, to continue a reconcile that outlasts one invocation. A
   * policy of its own: in the role's main policy the function's ARN would make the function
   * depend on itself (the function waits for the main policy). Only the tree's custom resource
   * waits for this one.
   */
  public readonly continuationPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: TreeReconcilerProps) {
    super(scope, id);
    const { path, ...tree } = props;
    const logKey = ReconcilerLogKey.of(this);
    // Chosen here, so that the shared key's policy can name the group without a dependency cycle.
    const logGroupName = logGroupNameOf(this);
    logKey.allowLogGroup(logGroupName);

    const statements = reconcilerStatements({ ...tree, scope: this });
    const parts = loggedFunctionParts(this, {
      logKey: logKey.key,
      logGroupName,
      logRetention: logs.RetentionDays.ONE_YEAR,
      logRemovalPolicy: RemovalPolicy.RETAIN,
      roleId: 'ServiceRole',
      roleDescription: 'Runs the cdk-secure-config reconciler of one parameter tree',
      policyId: 'Policy',
      policyDescription: `Lets the cdk-secure-config reconciler manage the parameters under ${path}`,
      statements: (logGroup) => [writeOwnLogsStatement(logGroup, 'WriteOwnLogs'), ...statements],
    });
    this.logGroup = parts.logGroup;
    this.role = parts.role;
    this.policy = parts.policy;
    acknowledgeReconcilerWildcards(this.policy, statements);
    this.node.addValidation({ validate: () => this.policySizeProblems() });

    const fn = new ParameterTreeReconcilerFunction(this, 'Function', {
      description: 'Reconciles a cdk-secure-config parameter tree with Parameter Store',
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
    this.continuationPolicy = new iam.ManagedPolicy(this, 'ContinuationPolicy', {
      description: `Lets the cdk-secure-config reconciler of ${path} invoke itself to continue a reconcile longer than one invocation`,
      statements: [new iam.PolicyStatement({ sid: 'InvokeItselfToContinue', actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] })],
      roles: [parts.role],
    });
  }

  /** Adds a statement to the reconciler's policy. */
  public addToPolicy(statement: iam.PolicyStatement): void {
    this.policy.addStatements(statement);
  }

  /** The ARN CloudFormation invokes for the tree's custom resource. */
  public get serviceToken(): string {
    return this.function.functionArn;
  }

  /** A long path, owner or many ciphertext keys could outgrow what IAM stores in one managed policy. */
  private policySizeProblems(): string[] {
    const size = estimatedDocumentSize(Stack.of(this), this.policy.document);
    if (size <= MANAGED_POLICY_MAX_CHARS) return [];
    return [`The reconciler policy of ${this.node.scope?.node.path} would be about ${size} characters, IAM allows ${MANAGED_POLICY_MAX_CHARS} in a managed policy. ` +
      'Shorten the tree path or the tree id, or encrypt the encryptedSecret values with fewer keys.'];
  }
}
