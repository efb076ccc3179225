import {
  Annotations,
  AspectPriority,
  Aspects,
  ArnFormat,
  CfnResource,
  IResource,
  ITaggable,
  Lazy,
  RemovalPolicy,
  Resource,
  Stack,
  TagManager,
  TagType,
  Token,
  Tokenization,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { ParameterStoreThroughput } from './parameter-store-throughput';
import { ParameterTier, ParameterValue } from './parameter-value';
import { grantThroughSharedReadPolicy } from '../private/identity-policy';
import { acknowledgeManifestKeyWildcard, acknowledgePathWildcards } from './private/acknowledgements';
import { collisionProblems, PlacedTree } from './private/collisions';
import {
  ownerOf,
  ParameterKind,
  ParameterSpec,
  ParameterStoreThroughputName,
  ParameterTierName,
  SegmentSpec,
  TagSpec,
  TREE_RESOURCE_TYPE,
  TreeTemplateProperties,
} from './private/contract';
import { isSecureKind, ParameterDefinition } from './private/definition';
import { manifestAsset, renderManifest, RenderedManifest } from './private/manifest';
import { manifestReadStatements } from './private/manifest-access';
import { accountLimitProblems, deploymentTimeWarning, TreeScale } from './private/scale';
import { SEGMENT_BUDGET_SECONDS, segmentationOf } from './private/segments';
import { readStatements } from '../private/read-access';
import { TreeReconciler } from './private/reconciler';
import {
  validateDescription,
  validateFullName,
  validateRelativeName,
  tagsProblem,
  validateRemovalPolicy,
  validateTier,
  validateTreeId,
  validateTreePath,
  validateValueSize,
} from './private/validation';
import { describeReceived, optionalBoolean, requireDefined, requireObjectWith, requireObject } from '../private/input-checks';

/** A Parameter Store hierarchy, built in this app or imported with `SecureParameterTree.fromPath`. */
export interface ISecureParameterTree extends IResource {
  /**
   * The tree's absolute path, without trailing slash, e.g. `/ecommerce/prod`.
   *
   * @attribute
   */
  readonly path: string;

  /**
   * The ARN of the path itself, e.g. `arn:aws:ssm:us-east-1:111122223333:parameter/ecommerce/prod`.
   * `ssm:GetParametersByPath` authorizes against it.
   *
   * @attribute
   */
  readonly pathArn: string;

  /**
   * The key that encrypts the tree's SecureStrings; undefined only for an imported tree that
   * uses the AWS-managed key `aws/ssm`.
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The full name of a parameter of the tree.
   *
   * @param relativeName the name below the tree path, e.g. `db/host`
   * @returns e.g. `/ecommerce/prod/db/host`
   */
  parameterName(relativeName: string): string;

  /**
   * The ARN of a parameter (or subtree) of the tree.
   *
   * @param relativeName the name below the tree path, e.g. `db/host`
   */
  parameterArn(relativeName: string): string;

  /**
   * Grants read access to the whole tree or to one subtree, in a managed policy of the grantee:
   * `ssm:GetParametersByPath` on the path, `ssm:GetParameter(s)` below it, and `kms:Decrypt` on
   * the tree's key through Parameter Store only, for parameters below the path only.
   *
   * @param grantee who reads
   * @param subtree a path relative to the tree, e.g. `db` or `db/primary`; it must hold at least
   * one parameter of a tree built in this app
   */
  grantRead(grantee: iam.IGrantable, subtree?: string): iam.Grant;
}

/** Properties of a `SecureParameterTree`. */
export interface SecureParameterTreeProps {
  /**
   * The tree's absolute path, e.g. `/ecommerce/prod`: starts with '/', no trailing '/'.
   */
  readonly path: string;

  /**
   * The parameters, by name relative to the path (`db/host`, no leading '/').
   * More can be added with `addParameter`.
   *
   * @default - no parameters
   */
  readonly parameters?: { [relativeName: string]: ParameterValue };

  /**
   * The KMS key that encrypts the tree's SecureStrings. It may change: the next deployment reads
   * each SecureString with the key that encrypted it (keep that key enabled until then) and
   * writes it with this one.
   *
   * @default - a new customer-managed key with yearly rotation, the alias
   * `alias/cdk-secure-config/<path>` and a key policy giving `kms:*` to the account root only;
   * retained when the stack is deleted
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The tier of every parameter that does not choose its own.
   *
   * @default ParameterTier.STANDARD
   */
  readonly tier?: ParameterTier;

  /**
   * What happens to the parameters when the whole tree goes: the stack is deleted, the tree is
   * removed from the app, or its first deployment rolls back. `RETAIN` keeps them with their tags
   * (the same tree deployed again owns them again), `DESTROY` deletes those the tree owns, except
   * adopted ones, which are released. No other policy applies to Parameter Store. Parameters
   * removed from a tree that lives on follow `retainRemovedParameters` instead.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Take over parameters that already exist under the tree's names and carry no owner tag. When
   * false, such a parameter fails the deployment with a message naming it, so that a tree never
   * overwrites a value it does not own. A parameter another tree owns is refused either way.
   * Adopted parameters are never deleted by the tree: where it would delete them, it releases
   * them (removes its own tags, keeps the value).
   *
   * @default false
   */
  readonly adoptExistingParameters?: boolean;

  /**
   * Keep the parameters removed from the tree (released: the tree's own tags are taken off, the
   * value and history stay) instead of deleting them once the update that removes them has
   * succeeded. `removalPolicy` governs the whole tree; this governs parameters removed from a tree
   * that lives on. Setting it in the deployment that removes parameters already keeps them.
   * Parameters created by an update that rolls back are deleted either way.
   *
   * @default false
   */
  readonly retainRemovedParameters?: boolean;

  /**
   * The identity the tree's parameters are tagged with (with the path, the owner tag
   * `cdk-secure-config:owner=<treeId>@<path>`). The tree reads values of, writes, labels and
   * deletes only parameters carrying it, and its reconciler's IAM policy enforces that. Renaming
   * the construct keeps it; to move a tree to another stack, keep its parameters
   * (`RemovalPolicy.RETAIN`) in the stack it leaves and set this to that stack's name in the new one.
   * 1 to 128 characters of A-Z a-z 0-9 _ . : -, starting with a letter or digit.
   *
   * @default - the stack's name
   */
  readonly treeId?: string;

  /**
   * The description of every parameter that does not have its own.
   *
   * @default - no description
   */
  readonly description?: string;

  /**
   * The Parameter Store throughput setting of the account and Region the tree deploys to. The
   * reconciler paces its writes to start just under that setting's rates and adapts from there,
   * slowing down whenever Parameter Store throttles it (other writers share the quota).
   *
   * @default ParameterStoreThroughput.DEFAULT
   */
  readonly parameterStoreThroughput?: ParameterStoreThroughput;
}

/** Options to import an existing tree. */
export interface SecureParameterTreeFromPathOptions {
  /** The tree's absolute path, e.g. `/shared/prod`. */
  readonly path: string;

  /**
   * The customer-managed key that encrypts the tree's SecureStrings; grants include
   * `kms:Decrypt` on it.
   *
   * @default - the AWS-managed key `aws/ssm`, which needs no grant
   */
  readonly encryptionKey?: kms.IKey;
}

/** Prefix of the default key's alias. */
const KEY_ALIAS_PREFIX = 'alias/cdk-secure-config';
const MAX_ALIAS_LENGTH = 256;

abstract class SecureParameterTreeBase extends Resource implements ISecureParameterTree {
  public abstract readonly path: string;
  public abstract readonly encryptionKey?: kms.IKey;

  public get pathArn(): string {
    return this.arnOfName(this.path);
  }

  public parameterName(relativeName: string): string {
    validateRelativeName(relativeName, 'relativeName');
    const fullName = `${this.path}/${relativeName}`;
    validateFullName(fullName, 'relativeName');
    return fullName;
  }

  public parameterArn(relativeName: string): string {
    return this.arnOfName(this.parameterName(relativeName));
  }

  public grantRead(grantee: iam.IGrantable, subtree?: string): iam.Grant {
    if (subtree !== undefined) {
      validateRelativeName(subtree, 'subtree');
      this._recordGrantedSubtree(subtree, '`subtree` of grantRead');
    }
    const statements = readStatements({ subtrees: [{ tree: this, subtree }] });
    const { grant, policy } = grantThroughSharedReadPolicy(grantee, statements);
    if (policy) {
      acknowledgePathWildcards(policy, statements.flatMap((statement) => statement.resourceArns));
    }
    return grant;
  }

  /**
   * A tree built in this app checks at synthesis that the subtree holds a parameter; an
   * imported one cannot know its parameters.
   *
   * @param subtree the granted subtree, relative to the tree
   * @param property what asked for it, for the message, e.g. '`subtree` of grantRead'
   * @internal
   */
  public _recordGrantedSubtree(_subtree: string, _property: string): void {}

  /** `arn:<partition>:ssm:<region>:<account>:parameter/<name without leading slash>`. */
  private arnOfName(fullName: string): string {
    return Stack.of(this).formatArn({
      service: 'ssm',
      resource: `parameter${fullName}`,
      arnFormat: ArnFormat.NO_RESOURCE_NAME,
    });
  }
}

class ImportedSecureParameterTree extends SecureParameterTreeBase {
  public readonly path: string;
  public readonly encryptionKey?: kms.IKey;

  constructor(scope: Construct, id: string, options: SecureParameterTreeFromPathOptions) {
    super(scope, id);
    validateTreePath(options.path);
    this.path = options.path;
    this.encryptionKey = options.encryptionKey;
  }
}

/**
 * A Parameter Store hierarchy of String, StringList and SecureString parameters, encrypted with
 * a customer-managed KMS key and written at deploy time by a reconciler function.
 *
 * The tree costs a constant number of CloudFormation resources however many parameters it holds.
 * Secret values (generated, placeholder, encrypted) never appear in the template; the reconciler
 * creates parameters without overwriting any it does not own, keeps generated secrets across
 * deployments, and deletes only what CloudFormation no longer needs.
 *
 * @example
 * declare const fn: lambda.IFunction;
 *
 * const tree = new SecureParameterTree(this, 'Config', {
 *   path: '/ecommerce/prod',
 *   parameters: {
 *     'db/host': ParameterValue.string('db.example.com'),
 *     'api/jwt-secret': ParameterValue.generatedSecret({ length: 48 }),
 *   },
 * });
 * tree.grantRead(fn, 'db');
 */
export class SecureParameterTree extends SecureParameterTreeBase implements ITaggable {
  /**
   * Imports a tree by its path, to grant read access to it or name its parameters.
   */
  public static fromPath(scope: Construct, id: string, options: SecureParameterTreeFromPathOptions): ISecureParameterTree {
    return new ImportedSecureParameterTree(scope, id, options);
  }

  /** The tree's absolute path, without trailing slash, e.g. `/ecommerce/prod`. */
  public readonly path: string;
  /** The key that encrypts the tree's SecureStrings: the given one or the one the tree created. */
  public readonly encryptionKey?: kms.IKey;

  /** The tags of every parameter of the tree; `Tags.of(scope).add(...)` reaches them. */
  public readonly tags: TagManager;

  /** Same as `encryptionKey`, which a tree built in this app always has. */
  private readonly key: kms.IKey;
  private readonly tier: ParameterTierName;
  private readonly throughput: ParameterStoreThroughputName;
  private readonly defaultDescription?: string;
  private readonly defaultKeyAlias?: string;
  private readonly parameters = new Map<string, ParameterDefinition>();
  /** Granted subtrees, with what asked for each. */
  private readonly grantedSubtrees = new Map<string, string>();
  private readonly ciphertextKeyArns = new Set<string>();
  /** The tree's own reconciler function, role and log group. */
  private readonly reconciler: TreeReconciler;
  /** The value of the owner tag on every parameter this tree owns. */
  private readonly owner: string;
  /** The owner tag of earlier versions' parameters, which the tree takes over. */
  private readonly legacyOwner: string;
  /** The custom resource of segment 0: the whole tree, unless it is split (see segments.ts). */
  private readonly resource: CfnResource;
  /** The properties every segment's resource shares. */
  private readonly sharedProperties: Omit<TreeTemplateProperties, 'Manifest' | 'ManifestMarkers'> & { ServiceToken: string };
  /** Written once, when the app synthesizes: every parameter is known by then. One per segment. */
  private manifests?: WrittenManifest[];

  constructor(scope: Construct, id: string, props: SecureParameterTreeProps) {
    super(scope, id);
    requireDefined(props, 'props');
    validateTreePath(props.path);
    if (props.description !== undefined) {
      validateDescription(props.description, 'description');
    }
    const removalPolicy = validateRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
    optionalBoolean(props.adoptExistingParameters, 'adoptExistingParameters');
    optionalBoolean(props.retainRemovedParameters, 'retainRemovedParameters');
    const treeId = props.treeId ?? Stack.of(this).stackName;
    validateTreeId(treeId, props.path, props.treeId === undefined);
    if (props.encryptionKey !== undefined) requireObjectWith(props.encryptionKey, 'encryptionKey', 'a kms.IKey', 'keyArn');

    this.path = props.path;
    this.owner = ownerOf(treeId, this.path);
    this.tier = validateTier(props.tier ?? ParameterTier.STANDARD, 'tier');
    this.throughput = props.parameterStoreThroughput === ParameterStoreThroughput.HIGHER ? 'higher' : 'default';
    this.defaultDescription = props.description;
    this.defaultKeyAlias = props.encryptionKey ? undefined : keyAliasFor(this.path);
    this.key = props.encryptionKey ?? this.createDefaultKey();
    this.encryptionKey = this.key;
    this.tags = new TagManager(TagType.KEY_VALUE, TREE_RESOURCE_TYPE);

    this.legacyOwner = `${Stack.of(this).stackName}/${this.legacyResourceLogicalId()}`;
    this.reconciler = new TreeReconciler(this, 'Reconciler', {
      path: this.path,
      pathArn: this.pathArn,
      keyArn: this.key.keyArn,
      owner: this.owner,
      legacyOwner: this.legacyOwner,
    });

    this.sharedProperties = {
      ServiceToken: this.reconciler.serviceToken,
      Path: this.path,
      KeyArn: this.key.keyArn,
      RemovalPolicy: removalPolicy,
      AdoptExisting: props.adoptExistingParameters ? 'true' : 'false',
      Owner: this.owner,
      // Written only when not the default, so that trees that leave it unset get no Update for it.
      ...(props.retainRemovedParameters ? { RetainRemovedParameters: 'true' as const } : {}),
      // Written only when not the default, so that templates of trees that leave it unset are
      // unchanged and their next deployment sends no Update for it.
      ...(this.throughput === 'higher' ? { Throughput: 'higher' as const } : {}),
      // Lazy: parameters and tags may be added after construction, tags by aspects.
      Tags: Lazy.any({ produce: () => this.renderTreeTags() }) as unknown as TagSpec[],
    };
    const properties: TreeTemplateProperties & { ServiceToken: string } = {
      ...this.sharedProperties,
      // The specs are in the manifest asset; the properties point at it.
      Manifest: Lazy.any({ produce: () => this.writtenManifest().pointer }) as unknown as TreeTemplateProperties['Manifest'],
      ManifestMarkers: Lazy.any({ produce: () => this.writtenManifest().markers }) as unknown as Record<string, string>,
    };
    // Not 'Resource' as in earlier versions: CloudFormation refuses to change a custom resource's
    // ServiceToken, and each tree now has a reconciler of its own. A new logical id makes the
    // upgrade a Create of this resource (which takes the parameters over from the legacy owner)
    // and a Delete of the old one (which finds nothing left under its owner).
    this.resource = this.treeResource('Default', properties);

    for (const [relativeName, value] of Object.entries(requireObject(props.parameters ?? {}, 'parameters'))) {
      this.addParameter(relativeName, value as ParameterValue);
    }
    // Before the default-priority aspects (compliance packs among them), which must see the
    // reconciler's permission to read the manifest; after the mutating ones, which may add tags.
    Aspects.of(this).add({ visit: (node) => { if (node === this) this.writeManifest(); } }, { priority: AspectPriority.MUTATING + 1 });
    this.node.addValidation({ validate: () => this.validateGrantedSubtrees() });
    // Tags reach the tree through aspects, so they are only known at synthesis.
    this.node.addValidation({ validate: () => this.tagProblems() });
    this.node.addValidation({ validate: () => collisionProblems(this._placement(), treesOfApp(this).map((tree) => tree._placement())) });
    this.node.addValidation({ validate: () => accountLimitProblems(this._scale(), treesOfApp(this).map((tree) => tree._scale())) });
    this.node.addValidation({ validate: () => this.segmentProblems() });
  }

  /** A custom resource of the tree: segment 0 (the whole tree unless split), or another segment. */
  private treeResource(id: string, properties: TreeTemplateProperties & { ServiceToken: string }): CfnResource {
    const resource = new CfnResource(this, id, { type: TREE_RESOURCE_TYPE, properties });
    // Parameters written by earlier versions carry `<stack name>/<logical id>`: the tree takes them over.
    resource.addPropertyOverride('LegacyOwner', this.legacyOwner);
    // The reconciler may only run once it holds this tree's permissions, and may continue itself.
    resource.node.addDependency(this.reconciler.policy, this.reconciler.continuationPolicy);
    return resource;
  }

  /**
   * The logical id earlier versions gave the tree's custom resource (id 'Resource'), which their
   * owner tag names. CDK's own allocation computes it, from a stand-in removed at once.
   */
  private legacyResourceLogicalId(): string {
    const standIn = new CfnResource(this, 'Resource', { type: TREE_RESOURCE_TYPE });
    const logicalId = Stack.of(this).resolve(standIn.logicalId) as string;
    this.node.tryRemoveChild('Resource');
    return logicalId;
  }

  /**
   * Where this tree sits, for the collision check between the trees of an app.
   *
   * @internal
   */
  public _placement(): PlacedTree {
    const stack = Stack.of(this);
    return { nodePath: this.node.path, path: this.path, environment: `${stack.account}/${stack.region}`, defaultKeyAlias: this.defaultKeyAlias };
  }

  /**
   * How many parameters the tree holds, by tier, and what its first deployment writes.
   *
   * @internal
   */
  public _scale(): TreeScale {
    const tiers: Record<ParameterTierName, number> = { 'Standard': 0, 'Advanced': 0, 'Intelligent-Tiering': 0 };
    let labelled = 0;
    for (const definition of this.parameters.values()) {
      tiers[definition.tier ?? this.tier] += 1;
      if (isLabelled(definition)) labelled += 1;
    }
    return { ...this._placement(), throughput: this.throughput, tiers, labelled };
  }

  /**
   * Adds a parameter to the tree.
   *
   * @param relativeName the name below the tree path, e.g. `db/host`; unique in the tree
   * @param value the value and how it is made
   */
  public addParameter(relativeName: string, value: ParameterValue): void {
    const fullName = this.parameterName(relativeName);
    if (this.manifests) {
      throw new Error(`parameters must be added before the app synthesizes, got: '${relativeName}' added to '${this.path}' after its manifest was written`);
    }
    if (!(value instanceof ParameterValue)) {
      throw new Error(`the value of '${relativeName}' must be a ParameterValue (ParameterValue.string(...), generatedSecret(...), ...), got: ${describeReceived(value)}`);
    }
    if (this.parameters.has(relativeName)) {
      throw new Error(`\`relativeName\` must be unique in the tree, got: '${relativeName}', which '${this.path}' already holds`);
    }
    const definition = value._definition;
    const tier = definition.tier ?? this.tier;
    if (definition.value !== undefined) {
      validateValueSize(definition.value, tier, `value of '${fullName}'`);
    }
    if (definition.kind === ParameterKind.UNSAFE_LITERAL) {
      Annotations.of(this).addWarningV2('cdk-secure-config:unsafePlainTextSecret',
        `The SecureString '${fullName}' is set from a plain-text value, which anyone who can read the template or cdk.out can read. ` +
        'Use ParameterValue.generatedSecret, placeholderSecret or encryptedSecret instead.');
    }
    if (definition.kind === ParameterKind.ENCRYPTED) {
      this.allowReconcilerToDecrypt(definition.ciphertextKey ?? this.key);
    }
    this.parameters.set(relativeName, definition);
  }

  /**
   * A parameter of the tree as an `ssm.IStringParameter`, for constructs that take one
   * (ECS container secrets, for example).
   *
   * Its name is read from the tree's custom resource, so whatever uses it is deployed after the
   * tree has written the value. SecureStrings are returned as SecureString parameters.
   *
   * @param relativeName the name of a parameter already added to the tree, e.g. `db/host`
   */
  public stringParameter(relativeName: string): ssm.IStringParameter {
    this.parameterName(relativeName);
    const definition = this.parameters.get(relativeName);
    if (!definition) {
      throw new Error(`\`relativeName\` must name a parameter of the tree '${this.path}', got: '${relativeName}'. Add it with addParameter first.`);
    }
    // Construct ids cannot contain '/', and '|' cannot occur in a parameter name.
    const id = `Parameter|${relativeName.split('/').join('|')}`;
    const existing = this.node.tryFindChild(id);
    if (existing) return existing as unknown as ssm.IStringParameter;

    const deployedPath = Token.asString(this.resource.getAtt('Path'));
    const parameterName = `${deployedPath}/${relativeName}`;
    if (isSecureKind(definition.kind)) {
      return ssm.StringParameter.fromSecureStringParameterAttributes(this, id, {
        parameterName,
        simpleName: false,
        encryptionKey: this.key,
      });
    }
    return ssm.StringParameter.fromStringParameterAttributes(this, id, {
      parameterName,
      simpleName: false,
      // A CloudFormation parameter would be resolved before the tree writes the value.
      forceDynamicReference: true,
    });
  }

  /** @internal */
  public _recordGrantedSubtree(subtree: string, property: string): void {
    if (!this.grantedSubtrees.has(subtree)) this.grantedSubtrees.set(subtree, property);
  }

  private createDefaultKey(): kms.Key {
    return new kms.Key(this, 'Key', {
      description: `Encrypts the SecureString parameters under ${this.path} (cdk-secure-config)`,
      enableKeyRotation: true,
      alias: keyAliasFor(this.path),
      // Parameter history and retained parameters stay encrypted with it.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Ciphertext is decrypted by the reconciler itself, not through Parameter Store. Only
   * ciphertext made without an encryption context, as `encryptedSecret` takes it: Parameter
   * Store's own ciphertext always carries one (the parameter's ARN), so this grant cannot be used
   * to decrypt parameter values around Parameter Store, even when the key is the tree's.
   */
  private allowReconcilerToDecrypt(key: kms.IKey): void {
    const keyArn = key.keyArn;
    if (this.ciphertextKeyArns.has(keyArn)) return;
    this.ciphertextKeyArns.add(keyArn);
    this.reconciler.addToPolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [keyArn],
      conditions: { Null: { 'kms:EncryptionContextKeys': 'true' } },
    }));
  }

  /**
   * Splits the tree into segments if its first deployment needs it, renders each segment's specs
   * into a manifest asset, adds the resources of segments after the first, and lets the
   * reconciler read its stack's manifests.
   */
  private writeManifest(): void {
    if (this.manifests) return;
    const parameters = [...this.parameters].map(([name, definition]) => ({ name, labelled: isLabelled(definition) }));
    const segmentation = segmentationOf(parameters, this.throughput);
    const count = segmentation.segments.length;
    const slow = deploymentTimeWarning(this._scale(), { count, largestSeconds: segmentation.largestSeconds, budgetSeconds: SEGMENT_BUDGET_SECONDS });
    if (slow) Annotations.of(this).addWarningV2('cdk-secure-config:longFirstDeployment', slow);
    this.manifests = segmentation.segments.map((names, index) => {
      const rendered = renderManifest(this.renderParameters(names));
      // Segment 0 keeps the id of the unsplit tree's manifest.
      const asset = manifestAsset(this, index === 0 ? 'Manifest' : `Segment${index}Manifest`, rendered);
      return { ...rendered, bucket: asset.s3BucketName, key: asset.s3ObjectKey, asset };
    });
    // Every manifest of the stack is in the same bucket with the same extension: one grant covers them all.
    const statements = manifestReadStatements(this, this.manifests[0].asset);
    statements.forEach((statement) => this.reconciler.addToPolicy(statement));
    acknowledgeManifestKeyWildcard(this.reconciler.policy, statements.flatMap((statement) => statement.resources));
    if (count > 1) this.addSegments(count);
  }

  /**
   * The reconciler finds a parameter's segment from its name, so a split tree's names must be
   * known at synthesis: a name resolved at deploy time could hash elsewhere, and the segment it
   * hashes to would take it for a parameter removed from the tree.
   */
  private segmentProblems(): string[] {
    if ((this.manifests?.length ?? 1) === 1) return [];
    const deployTime = [...this.parameters.keys()].filter((name) => Token.isUnresolved(name));
    if (deployTime.length === 0) return [];
    return [`the tree '${this.path}' is split into segments (its first deployment needs more than ${SEGMENT_BUDGET_SECONDS / 60} minutes), ` +
      `and a split tree's parameter names must be known at synthesis; got names resolved at deploy time: ${deployTime.join(', ')}. ` +
      'Use literal names, or move those parameters to a smaller tree.'];
  }

  /**
   * Resources for segments 1 to count - 1, chained so that their operations run one after
   * another (each uses the account's whole quota), and segment 0 ('Default', whose attributes
   * consumers read) last: whatever depends on the tree waits for every segment.
   */
  private addSegments(count: number): void {
    const segmentSpec = (index: number): SegmentSpec => ({ Index: String(index), Count: String(count) });
    this.resource.addPropertyOverride('Segment', segmentSpec(0));
    let previous: CfnResource | undefined;
    for (let index = 1; index < count; index++) {
      const { pointer, markers } = this.writtenManifest(index);
      const resource = this.treeResource(`Segment${index}`, {
        ...this.sharedProperties,
        Manifest: pointer,
        ...(markers ? { ManifestMarkers: markers } : {}),
        Segment: segmentSpec(index),
      });
      if (previous) resource.addDependency(previous);
      previous = resource;
    }
    this.resource.addDependency(previous!);
  }

  private writtenManifest(segment = 0): { pointer: TreeTemplateProperties['Manifest']; markers?: Record<string, string> } {
    if (!this.manifests) {
      throw new Error(`the manifest of the tree '${this.path}' is written when the app synthesizes (app.synth()); its properties cannot be rendered before`);
    }
    const { bucket, key, sha256, markers } = this.manifests[segment];
    return { pointer: { Bucket: bucket, Key: key, Sha256: sha256 }, markers: Object.keys(markers).length > 0 ? markers : undefined };
  }

  private renderTreeTags(): TagSpec[] {
    return (this.tags.renderTags() as TagSpec[] | undefined) ?? [];
  }

  private renderParameters(names: readonly string[]): ParameterSpec[] {
    return [...names].sort().map((name) => this.renderParameter(name, this.parameters.get(name)!));
  }

  private renderParameter(name: string, definition: ParameterDefinition): ParameterSpec {
    const tags = Object.keys(definition.tags).sort().map((key) => ({ Key: key, Value: definition.tags[key] }));
    const generator = definition.generator;
    return {
      Name: name,
      Kind: definition.kind,
      Tier: definition.tier ?? this.tier,
      Description: definition.description ?? this.defaultDescription ?? '',
      Value: definition.value,
      Ciphertext: definition.ciphertext,
      CiphertextKeyArn: definition.kind === ParameterKind.ENCRYPTED ? definition.ciphertextKey?.keyArn ?? '' : undefined,
      Generator: generator && {
        Length: Tokenization.stringifyNumber(generator.length),
        ExcludeCharacters: generator.excludeCharacters,
        ExcludePunctuation: generator.excludePunctuation ? 'true' : 'false',
        Generation: generator.generation,
      },
      Tags: tags.length > 0 ? tags : undefined,
    };
  }

  /** The tree's tags (known once aspects ran) with each parameter's own, against AWS's tag limits. */
  private tagProblems(): string[] {
    const treeTags = this.tags.tagValues();
    const problems = [tagsProblem(treeTags, 'tags')];
    for (const [name, definition] of this.parameters) {
      problems.push(tagsProblem({ ...treeTags, ...definition.tags }, `tags of '${name}' (the tree's and its own)`));
    }
    return problems.filter((p): p is string => p !== undefined);
  }

  private validateGrantedSubtrees(): string[] {
    const names = [...this.parameters.keys()];
    return [...this.grantedSubtrees]
      .filter(([subtree]) => !Token.isUnresolved(subtree))
      .filter(([subtree]) => !names.some((name) => name === subtree || name.startsWith(`${subtree}/`)))
      .map(([subtree, property]) => `${property} must hold at least one parameter of the tree '${this.path}', got: '${subtree}'. ` +
        `The tree holds: ${names.length > 0 ? names.sort().join(', ') : 'no parameters'}.`);
  }
}

/** A parameter whose Create also labels the version: a secret whose value derives from its spec. */
function isLabelled(definition: ParameterDefinition): boolean {
  return isSecureKind(definition.kind) && definition.kind !== ParameterKind.PLACEHOLDER;
}

/** A manifest written to its asset. */
interface WrittenManifest extends RenderedManifest {
  readonly bucket: string;
  readonly key: string;
  readonly asset: s3assets.Asset;
}

function treesOfApp(tree: SecureParameterTree): SecureParameterTree[] {
  return tree.node.root.node.findAll().filter((c): c is SecureParameterTree => c instanceof SecureParameterTree);
}

/** `alias/cdk-secure-config/<path>`, with characters KMS does not allow in aliases replaced. */
function keyAliasFor(path: string): string {
  if (Token.isUnresolved(path)) return `${KEY_ALIAS_PREFIX}${path}`;
  const sanitized = path.replace(/[^a-zA-Z0-9/_-]/g, '_');
  return `${KEY_ALIAS_PREFIX}${sanitized}`.slice(0, MAX_ALIAS_LENGTH);
}
