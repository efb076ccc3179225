/**
 * The recipe for a function this library runs for its users: its own role, whose every
 * permission sits in one managed policy (no AWS-managed policy: AWSLambdaBasicExecutionRole
 * grants logs on '*'; no inline policy: the HIPAA, NIST and PCI packs reject them), and its own
 * log group, encrypted with a customer-managed key whose policy lets CloudWatch Logs use it.
 *
 * The SecureParameterTree reconciler and the RotatingDbSecret rotation function are built with
 * it. The steps are separate functions because the rotation construct makes its secret between
 * the key policy and the log group (the secret's own key grant comes second in the key policy).
 */
import { ArnFormat, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import { regionalServiceName } from './service-names';

/** Which log groups the key policy lets CloudWatch Logs encrypt with the key. */
export interface LogsKeyAccess {
  /** The statement's id in the key policy. */
  readonly sid: string;

  /**
   * The log groups allowed, by name: possible when the names are chosen before the groups
   * exist, so that the key policy can name them without a key/log group dependency cycle. Read
   * at synthesis, so names pushed to the array after the call are allowed too (one key can serve
   * the log groups of several functions).
   *
   * @default - every log group of the stack's account and region (a group with a generated name
   * cannot be named in the policy of the key it depends on)
   */
  readonly logGroupNames?: readonly string[];
}

/** Adds the key-policy statement that lets CloudWatch Logs use `key` for the log groups `access` names. */
export function allowLogsToUseKey(key: kms.IKey, access: LogsKeyAccess): void {
  const stack = Stack.of(key);
  const names = access.logGroupNames;
  const logGroupArn = (name: string) => stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const condition = names === undefined
    ? { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` } }
    // One group renders as a plain value, as IAM writes a single-valued condition.
    : { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': Lazy.any({ produce: () => (names.length === 1 ? logGroupArn(names[0]) : names.map(logGroupArn)) }) } };
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: access.sid,
    principals: [new iam.ServicePrincipal(regionalServiceName(key, 'logs'))],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: condition,
  }));
}

/** Lets the function write to its own log group, and nowhere else. */
export function writeOwnLogsStatement(logGroup: logs.ILogGroup, sid?: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroup.logGroupArn],
  });
}

/** The parts of a logged function, before the function itself. */
export interface LoggedFunctionProps {
  /** The key that encrypts the log group; its policy must allow Logs (`allowLogsToUseKey`). */
  readonly logKey: kms.IKey;
  /** @default - a name CloudFormation generates */
  readonly logGroupName?: string;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  /** Id of the role under `scope`. */
  readonly roleId: string;
  readonly roleDescription: string;
  /** Id of the managed policy under `scope`. */
  readonly policyId: string;
  readonly policyDescription: string;
  /** Every permission of the function, given its log group (see `writeOwnLogsStatement`). */
  readonly statements: (logGroup: logs.ILogGroup) => iam.PolicyStatement[];
}

/** What the function is built from. */
export interface LoggedFunctionParts {
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  /** The managed policy with every permission, attached to `role`. */
  readonly policy: iam.ManagedPolicy;
  /** The role to pass as the function's `role` (see `roleWithoutDependsOn`); pair it with `dependOnPolicy`. */
  readonly functionRole: iam.IRole;
}

/** The log group, role and managed policy of a function, as children of `scope` (ids `LogGroup`, `roleId`, `policyId`). */
export function loggedFunctionParts(scope: Construct, props: LoggedFunctionProps): LoggedFunctionParts {
  const logGroup = new logs.LogGroup(scope, 'LogGroup', {
    logGroupName: props.logGroupName,
    encryptionKey: props.logKey,
    retention: props.logRetention,
    removalPolicy: props.logRemovalPolicy,
  });
  const role = new iam.Role(scope, props.roleId, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.roleDescription,
  });
  const policy = new iam.ManagedPolicy(scope, props.policyId, {
    description: props.policyDescription,
    statements: props.statements(logGroup),
    roles: [role],
  });
  return { logGroup, role, policy, functionRole: roleWithoutDependsOn(scope, role) };
}

/**
 * The function built from `parts` waits for its managed policy: it holds the log permissions
 * (and, for a function in a VPC, the network-interface ones Lambda checks at creation).
 */
export function dependOnPolicy(fn: IConstruct, parts: LoggedFunctionParts): void {
  fn.node.addDependency(parts.policy);
}

/**
 * The role to hand to a `lambda.Function` whose permissions all sit in managed policies.
 *
 * Given a role construct, aws-cdk-lib adds a DependsOn from the function to the role that the
 * function's GetAtt of the role's ARN already implies (cfn-lint W3005). An immutable reference
 * to the same ARN has no resource to depend on; the caller makes the function depend on the
 * managed policies it needs instead.
 */
function roleWithoutDependsOn(scope: Construct, role: iam.IRole): iam.IRole {
  return iam.Role.fromRoleArn(scope, 'FunctionRoleReference', role.roleArn, { mutable: false });
}
