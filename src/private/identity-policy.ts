/**
 * The one path by which every read grant of this library reaches its grantee: into managed
 * policies of the grantee's IAM role, user or group when it has one in this app, or else
 * through the principal's own policy, as `iam.Grant.addToPrincipal` does.
 *
 * Managed rather than inline because the HIPAA, NIST 800-53 and PCI DSS rule packs reject inline
 * policies, and because named policies per identity are what a reviewer wants to read.
 */
import { Annotations, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { GrantStatement } from './grant-statement';
import { estimatedDocumentSize, MANAGED_POLICY_MAX_CHARS } from './policy-size';

/** Id of the managed policy that collects the `grantRead` grants of one identity. */
export const READ_POLICY_ID = 'SecureConfigReadPolicy';

/** An IAM role, user or group of this app: what a managed policy can be attached to. */
export interface IamIdentity {
  /** The identity's construct, a scope for policies that belong to it. */
  readonly scope: IConstruct;
  /** Attaches `policy` to the identity. */
  attach(policy: iam.ManagedPolicy): void;
}

/**
 * aws-cdk-lib's wrapper for a role imported with `mutable: false` (or made with
 * `withoutPolicyUpdates()`): its owner manages its policies, so nothing may be attached to it.
 */
export function isImmutableRole(principal: iam.IPrincipal): boolean {
  return (principal.constructor as { PROPERTY_INJECTION_ID?: string }).PROPERTY_INJECTION_ID === 'aws-cdk-lib.aws-iam.ImmutableRole';
}

/**
 * Grants to an immutable role are dropped, as aws-cdk-lib drops them; the warning names the role
 * and the permissions its owner must give it for the grant to work.
 */
export function warnImmutableGrantee(principal: iam.IPrincipal, statements: GrantStatement[]): void {
  if (!isImmutableRole(principal) || statements.length === 0) return;
  const role = principal as unknown as iam.IRole;
  const actions = [...new Set(statements.flatMap((statement) => statement.actions))].sort();
  Annotations.of(role).addWarningV2('cdk-secure-config:immutableRoleNotGranted',
    `${role.node.path} was imported with \`mutable: false\`: cdk-secure-config attached no policy to it. ` +
    `Its owner must allow ${actions.join(', ')} on the granted resources (${statements.length} statements) for the grant to work`);
}

/**
 * The IAM identity behind `principal`; undefined when it has none in this app (a service
 * principal, say, or an imported function without a role) or must not be given policies (an
 * immutable role).
 */
export function iamIdentityOf(principal: iam.IPrincipal): IamIdentity | undefined {
  if (!Construct.isConstruct(principal) || isImmutableRole(principal)) return undefined;
  if ('roleArn' in principal && 'roleName' in principal) {
    return { scope: principal, attach: (policy) => policy.attachToRole(principal as unknown as iam.IRole) };
  }
  if ('userArn' in principal && 'userName' in principal) {
    return { scope: principal, attach: (policy) => policy.attachToUser(principal as unknown as iam.IUser) };
  }
  if ('groupArn' in principal && 'groupName' in principal) {
    return { scope: principal, attach: (policy) => policy.attachToGroup(principal as unknown as iam.IGroup) };
  }
  return undefined;
}

/** What `grantStatements` did. */
export interface StatementsGrant {
  /** The grant, as `grant*` methods return it. */
  readonly grant: iam.Grant;
  /** The managed policy that holds the statements; undefined when the grantee has no IAM identity here. */
  readonly policy?: iam.ManagedPolicy;
}

/**
 * Grants `statements` (at least one) to `grantee`: into the managed policy `policyFor` returns
 * for its identity (created or found, and attached to the identity), or through the principal's
 * own policy when it has no identity in this app. An immutable role gets no policy, only a
 * warning; the returned grant records the statements, as aws-cdk-lib's own grants to such a
 * role do.
 */
export function grantStatements(
  grantee: iam.IGrantable,
  statements: GrantStatement[],
  policyFor: (identity: IamIdentity) => iam.ManagedPolicy,
): StatementsGrant {
  warnImmutableGrantee(grantee.grantPrincipal, statements);
  const identity = iamIdentityOf(grantee.grantPrincipal);
  const policy = identity ? policyFor(identity) : undefined;
  const target: iam.IGrantable = policy
    ? { grantPrincipal: new ManagedPolicyPrincipal(grantee.grantPrincipal, policy) }
    : grantee;
  const grants = statements.map((statement) => iam.Grant.addToPrincipal({
    grantee: target,
    actions: statement.actions,
    resourceArns: statement.resourceArns,
    conditions: statement.conditions,
  }));
  return { grant: grants.reduce((all, grant) => all.combine(grant)), policy };
}

/**
 * The managed policy holding every `grantRead` grant of one identity, created on first use as a
 * child of the identity and attached to it. Grants on several subtrees share actions and
 * conditions: its document is minimized, so one statement lists them all.
 */
export function sharedReadPolicy(identity: IamIdentity): iam.ManagedPolicy {
  const existing = identity.scope.node.tryFindChild(READ_POLICY_ID);
  if (existing) return existing as iam.ManagedPolicy;
  const policy = new iam.ManagedPolicy(identity.scope, READ_POLICY_ID, {
    description: 'Read-only access to configuration and secrets, granted by cdk-secure-config',
    document: new iam.PolicyDocument({ minimize: true }),
  });
  policy.node.addValidation({ validate: () => sizeProblems(policy) });
  identity.attach(policy);
  return policy;
}

/** `grantStatements` into the grantee's shared read policy (see `sharedReadPolicy`). */
export function grantThroughSharedReadPolicy(grantee: iam.IGrantable, statements: GrantStatement[]): StatementsGrant {
  return grantStatements(grantee, statements, sharedReadPolicy);
}

/** IAM refuses a managed policy over 6,144 characters at deploy time: say so at synth. */
function sizeProblems(policy: iam.ManagedPolicy): string[] {
  const size = estimatedDocumentSize(Stack.of(policy), policy.document);
  if (size <= MANAGED_POLICY_MAX_CHARS) return [];
  return [
    `the cdk-secure-config read grants of ${policy.node.scope?.node.path} need up to ${size} characters of policy, ` +
    `over IAM's limit of ${MANAGED_POLICY_MAX_CHARS} for one managed policy. Grant a common parent subtree instead ` +
    'of many subtrees, or use ReadOnlyConfigGrant, which merges the statements and spreads them over several policies',
  ];
}

/** Routes `addToPrincipalPolicy` into a managed policy, so `iam.Grant` can report the statements. */
class ManagedPolicyPrincipal extends iam.PrincipalBase {
  constructor(private readonly target: iam.IPrincipal, private readonly policy: iam.ManagedPolicy) {
    super();
  }

  public get policyFragment(): iam.PrincipalPolicyFragment {
    return this.target.policyFragment;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }

  public dedupeString(): string | undefined {
    return undefined;
  }
}
