import { Annotations, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ConfigConsumer } from './config-consumer';
import { ConfigExtensionOptions } from './config-extension';
import { ISecureParameterTree, SecureParameterTree } from '../parameter-tree';
import { acknowledgeGrantWildcards } from './private/acknowledgements';
import { attachExtension, paramsAndSecretsLayer } from './private/extension';
import { chunkStatements, GrantChunk, packIntoChunks } from './private/policy';
import { hasRelativeLevel } from '../parameter-tree/private/validation';
import { distinct, GrantStatement } from '../private/grant-statement';
import { grantStatements } from '../private/identity-policy';
import { optionalBoolean, requireArray, requireDefined, requireObjectWith, requireObject, requireString } from '../private/input-checks';
import { MANAGED_POLICIES_PER_IDENTITY, MANAGED_POLICY_MAX_CHARS } from '../private/policy-size';
import { secretPolicyArn } from '../private/secret-read-statements';

/**
 * A part of a parameter tree to read.
 *
 * Access is by path: the consumer can read every parameter under the subtree, including
 * parameters added to it later, by anyone. Grant the narrowest subtree that holds what the
 * consumer needs.
 */
export interface ConfigSubtree {
  /** The tree, created in this app or imported with `SecureParameterTree.fromPath`. */
  readonly tree: ISecureParameterTree;

  /**
   * Path relative to the tree, e.g. `db` for `/ecommerce/prod/db`.
   *
   * @default - the whole tree
   */
  readonly subtree?: string;
}

/** Properties of a `ReadOnlyConfigGrant`. */
export interface ReadOnlyConfigGrantProps extends ConfigExtensionOptions {
  /** Who reads. */
  readonly consumer: ConfigConsumer;

  /**
   * Subtrees the consumer may read, with decryption. Each exposes every parameter under it,
   * present and future.
   *
   * @default - no parameters
   */
  readonly parameters?: ConfigSubtree[];

  /**
   * Secrets the consumer may read (`GetSecretValue`, `DescribeSecret`), with `kms:Decrypt` on
   * their customer-managed keys (`secret.encryptionKey`) through Secrets Manager only.
   *
   * @default - no secrets
   */
  readonly secrets?: secretsmanager.ISecret[];

  /**
   * Also allow `ssm:DescribeParameters`, which lists the metadata (names, types, descriptions,
   * never values) of every parameter of the account and region: IAM supports no narrower resource.
   * Only needed by tools that browse Parameter Store.
   *
   * @default false
   */
  readonly allowDescribeParameters?: boolean;

  /**
   * For a Lambda consumer, attach the AWS Parameters and Secrets Lambda Extension when the
   * function does not have it yet. A function built with
   * `paramsAndSecrets: ReadOnlyConfigGrant.extensionFor({...})` keeps its own settings.
   *
   * @default true
   */
  readonly extensionEnabled?: boolean;
}

/**
 * Read-only, least-privilege access for one consumer to chosen parameter subtrees and secrets,
 * in managed policies attached to the consumer's role (managed, not inline: the HIPAA, NIST
 * 800-53 and PCI DSS rule packs reject inline policies).
 *
 * Statements sharing actions and conditions are merged into one statement listing every
 * resource. When the statements would exceed IAM's limit of 6,144 characters per managed policy,
 * they are spread over several policies (`Policy`, `Policy2`, ...); more than 10, the number of
 * managed policies IAM attaches to one role by default, fails at synth. The role's other managed
 * policies count against the same quota.
 *
 * For a Lambda function, the function also gets the AWS Parameters and Secrets Lambda Extension
 * and two environment variables: `SECURE_CONFIG_PATHS` (the granted paths, comma-separated) and
 * `SECURE_CONFIG_SECRET_ARNS` (the granted secrets' ARNs, comma-separated). A function takes one
 * grant: a second one fails at synth, since it would replace these variables.
 *
 * @example
 * declare const fn: lambda.Function;
 * declare const tree: SecureParameterTree;
 * declare const secret: secretsmanager.ISecret;
 *
 * new ReadOnlyConfigGrant(this, 'ApiConfig', {
 *   consumer: ConfigConsumer.lambdaFunction(fn),
 *   parameters: [{ tree, subtree: 'db' }],
 *   secrets: [secret],
 *   extensionTtl: Duration.seconds(60),
 * });
 */
export class ReadOnlyConfigGrant extends Construct {
  /** Environment variable of a Lambda consumer holding the granted paths, comma-separated. */
  public static readonly PATHS_ENVIRONMENT_VARIABLE = 'SECURE_CONFIG_PATHS';

  /** Environment variable of a Lambda consumer holding the granted secrets' ARNs, comma-separated. */
  public static readonly SECRET_ARNS_ENVIRONMENT_VARIABLE = 'SECURE_CONFIG_SECRET_ARNS';

  /**
   * The AWS Parameters and Secrets Lambda Extension with this library's defaults (a request
   * timeout, TTL checked against the extension's 300 s limit), to pass as `paramsAndSecrets`
   * when building a function. `lambda.Function` takes the extension only at construction; a
   * grant attaches the same extension to a function built without it.
   */
  public static extensionFor(options: ConfigExtensionOptions = {}): lambda.ParamsAndSecretsLayerVersion {
    return paramsAndSecretsLayer(options);
  }

  /**
   * The managed policies attached to the consumer's role, user or group, in order (empty when the
   * consumer has none in this app). An ECS task's execution-role policies are not listed.
   */
  public readonly policies: iam.IManagedPolicy[];

  /** Absolute paths of the granted subtrees, e.g. `/ecommerce/prod/db`. */
  public readonly paths: string[];

  constructor(scope: Construct, id: string, props: ReadOnlyConfigGrantProps) {
    super(scope, id);
    requireDefined(props, 'props');
    requireDefined(props.consumer, 'consumer');
    const subtrees = requireArray(props.parameters ?? [], 'parameters') as ConfigSubtree[];
    const secrets = requireArray(props.secrets ?? [], 'secrets') as secretsmanager.ISecret[];
    secrets.forEach((secret, index) => {
      requireObjectWith(secret, `secrets[${index}]`, 'a secretsmanager.ISecret', 'secretArn');
    });
    optionalBoolean(props.allowDescribeParameters, 'allowDescribeParameters');
    optionalBoolean(props.extensionEnabled, 'extensionEnabled');
    if (subtrees.length === 0 && secrets.length === 0) {
      throw new Error('`parameters` and `secrets` are both empty, got: [] and []: give the consumer at least one subtree or secret to read');
    }
    subtrees.forEach((entry, index) => validateSubtreeEntry(entry, index));
    // Checked before anything is attached, so a bad setting never leaves a half-built grant.
    const fn = props.consumer._function;
    if (fn) claimFunction(fn, this);
    const extension = fn && props.extensionEnabled !== false ? paramsAndSecretsLayer(props) : undefined;

    this.paths = distinct(subtrees.map(subtreePath));
    const chunks = packIntoChunks(Stack.of(this), subtrees, secrets, props.allowDescribeParameters ?? false);
    if (chunks.length > MANAGED_POLICIES_PER_IDENTITY) {
      throw new Error(
        `\`parameters\` and \`secrets\` need ${chunks.length} managed policies of at most ${MANAGED_POLICY_MAX_CHARS} characters, ` +
        `got: ${subtrees.length} subtrees and ${secrets.length} secrets; IAM attaches at most ${MANAGED_POLICIES_PER_IDENTITY} ` +
        'to a role by default: grant a common parent subtree instead of many small ones, or split the access between consumers',
      );
    }

    this.policies = this.grantChunks(props.consumer.grantee, chunks, 'Policy', chunkStatements);

    const taskDefinition = props.consumer._taskDefinition;
    if (taskDefinition) {
      this.grantChunks({ grantPrincipal: taskDefinition.obtainExecutionRole() }, chunks, 'ExecutionRolePolicy', decryptStatementsOnly);
    }

    if (fn) {
      if (extension && !attachExtension(fn, extension) && hasExtensionOptions(props)) {
        Annotations.of(this).addWarningV2('cdk-secure-config:extension-options-ignored',
          `${fn.node.path} was built with \`paramsAndSecrets\`: its extension settings are kept and the grant's extension* options are ignored`);
      }
      fn.addEnvironment(ReadOnlyConfigGrant.PATHS_ENVIRONMENT_VARIABLE, this.paths.join(','));
      fn.addEnvironment(ReadOnlyConfigGrant.SECRET_ARNS_ENVIRONMENT_VARIABLE, distinct(secrets.map(secretPolicyArn)).join(','));
    }
  }

  /**
   * One managed policy per chunk with statements, attached to the grantee's identity (none when
   * it has no identity in this app: its principal then takes the statements).
   */
  private grantChunks(
    grantee: iam.IGrantable,
    chunks: GrantChunk[],
    idPrefix: string,
    statementsOf: (chunk: GrantChunk) => GrantStatement[],
  ): iam.IManagedPolicy[] {
    const withStatements = chunks.map(statementsOf).filter((statements) => statements.length > 0);
    const policies = withStatements.map((statements, index) => {
      const { policy } = grantStatements(grantee, statements, (identity) => {
        const chunkPolicy = new iam.ManagedPolicy(this, index === 0 ? idPrefix : `${idPrefix}${index + 1}`, {
          description: `Read-only configuration access granted by cdk-secure-config (${this.node.path})`,
        });
        identity.attach(chunkPolicy);
        return chunkPolicy;
      });
      if (policy) acknowledgeGrantWildcards(policy, statements);
      return policy;
    });
    return policies.filter((policy): policy is iam.ManagedPolicy => policy !== undefined);
  }
}

/** Metadata type marking a function that a grant passes its paths to. */
const GRANTED_FUNCTION_METADATA = 'cdk-secure-config:read-only-config-grant';

/** One grant per function: a second would silently replace the first one's environment variables. */
function claimFunction(fn: lambda.Function, grant: Construct): void {
  const existing = fn.node.metadata.find((entry) => entry.type === GRANTED_FUNCTION_METADATA);
  if (existing) {
    throw new Error(
      `\`consumer\` ${fn.node.path} already has a ReadOnlyConfigGrant (${existing.data}), got a second one: ${grant.node.path}; ` +
      'list all its subtrees and secrets in one grant',
    );
  }
  fn.node.addMetadata(GRANTED_FUNCTION_METADATA, grant.node.path);
}

const SUBTREE_PATTERN = /^[a-zA-Z0-9_.-]+(\/[a-zA-Z0-9_.-]+)*$/;

function validateSubtreeEntry(entry: ConfigSubtree, index: number): void {
  requireObject(entry, `parameters[${index}]`);
  requireDefined(entry.tree, `parameters[${index}].tree`);
  requireObjectWith(entry.tree, `parameters[${index}].tree`, 'a SecureParameterTree or ISecureParameterTree', 'path');
  const subtree = entry.subtree;
  if (subtree === undefined) return;
  requireString(subtree, `parameters[${index}].subtree`);
  if (!SUBTREE_PATTERN.test(subtree) || hasRelativeLevel(subtree)) {
    throw new Error(
      `\`parameters[${index}].subtree\` must be a path relative to the tree (segments of a-z, A-Z, 0-9, '_', '.', '-' ` +
      `separated by single '/', no leading or trailing '/', no '.' or '..' level, no wildcard), got: '${subtree}'`,
    );
  }
  // A tree built in this app knows its parameters: it checks at synthesis that the subtree holds one.
  if (entry.tree instanceof SecureParameterTree) entry.tree._recordGrantedSubtree(subtree, `\`parameters[${index}].subtree\``);
}

function subtreePath(entry: ConfigSubtree): string {
  return entry.subtree === undefined ? entry.tree.path : `${entry.tree.path}/${entry.subtree}`;
}

function decryptStatementsOnly(chunk: GrantChunk): GrantStatement[] {
  return chunkStatements(chunk).filter((statement) => statement.actions.every((action) => action === 'kms:Decrypt'));
}

function hasExtensionOptions(props: ConfigExtensionOptions): boolean {
  return [props.extensionCacheSize, props.extensionTtl, props.extensionRequestTimeout, props.extensionLogLevel,
    props.extensionLayerArn].some((v) => v !== undefined);
}
