import { Annotations, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { estimatedDocumentSize, MANAGED_POLICY_MAX_CHARS } from './grant-policy';

/** Id of the managed policy that collects every cdk-secure-config grant of one identity. */
export const READ_POLICY_ID = 'SecureConfigReadPolicy';

/** One statement of a grant, in the shape `iam.Grant.addToPrincipal` takes. */
export interface GrantStatement {
  readonly actions: string[];
  readonly resourceArns: string[];
  readonly conditions?: Record<string, Record<string, unknown>>;
}

type Identity =
  | { kind: 'role'; identity: iam.IRole }
  | { kind: 'user'; identity: iam.IUser }
  | { kind: 'group'; identity: iam.IGroup };

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

function identityOf(principal: iam.IPrincipal): Identity | undefined {
  if (!Construct.isConstruct(principal) || isImmutableRole(principal)) return undefined;
  if ('roleArn' in principal && 'roleName' in principal) return { kind: 'role', identity: principal as unknown as iam.IRole };
  if ('userArn' in principal && 'userName' in principal) return { kind: 'user', identity: principal as unknown as iam.IUser };
  if ('groupArn' in principal && 'groupName' in principal) return { kind: 'group', identity: principal as unknown as iam.IGroup };
  return undefined;
}

/**
 * The managed policy holding cdk-secure-config grants for this grantee, created on first use as a
 * child of its role, user or group. Undefined when the grantee is no IAM identity of this app
 * (a service principal, say): such grants go through `iam.Grant.addToPrincipal` as usual.
 *
 * Managed rather than inline because the HIPAA, NIST 800-53 and PCI DSS rule packs reject inline
 * policies, and because one named policy per identity is what a reviewer wants to read.
 */
export function managedReadPolicy(grantee: iam.IGrantable): iam.ManagedPolicy | undefined {
  const found = identityOf(grantee.grantPrincipal);
  if (!found) return undefined;
  const scope = found.identity as unknown as IConstruct;
  const existing = scope.node.tryFindChild(READ_POLICY_ID);
  if (existing) return existing as iam.ManagedPolicy;

  const policy = new iam.ManagedPolicy(scope, READ_POLICY_ID, {
    description: 'Read-only access to configuration and secrets, granted by cdk-secure-config',
    // Grants on several subtrees share actions and conditions: one statement lists them all.
    document: new iam.PolicyDocument({ minimize: true }),
  });
  policy.node.addValidation({ validate: () => sizeProblems(policy) });
  switch (found.kind) {
    case 'role': policy.attachToRole(found.identity); break;
    case 'user': policy.attachToUser(found.identity); break;
    case 'group': policy.attachToGroup(found.identity); break;
  }
  return policy;
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

/**
 * Grants `statements` to `grantee` through its managed read policy (see `managedReadPolicy`),
 * or through the principal's own policy when it has no IAM identity in this app. An immutable
 * role gets no policy, only a warning; the returned grant records the statements, as
 * aws-cdk-lib's own grants to such a role do.
 */
export function grantThroughManagedPolicy(grantee: iam.IGrantable, statements: GrantStatement[]): iam.Grant {
  warnImmutableGrantee(grantee.grantPrincipal, statements);
  const policy = managedReadPolicy(grantee);
  const target: iam.IGrantable = policy
    ? { grantPrincipal: new ManagedPolicyPrincipal(grantee.grantPrincipal, policy) }
    : grantee;
  const grants = statements.map((statement) => iam.Grant.addToPrincipal({
    grantee: target,
    actions: statement.actions,
    resourceArns: statement.resourceArns,
    conditions: statement.conditions,
  }));
  return grants.reduce((all, grant) => all.combine(grant));
}
