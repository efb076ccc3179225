/**
 * The contract between SecureParameterTree (synth time) and its reconciler handler (deploy time).
 *
 * Both sides import this module; nothing here is exported from the package. CloudFormation
 * passes every custom-resource property to the handler as a string, so every field is a string.
 * No field ever holds a secret value, except `Value` of an `UnsafeLiteral` parameter, which only
 * the API named `unsafePlainTextSecret` can produce.
 */

/** CloudFormation resource type of the tree's custom resource. */
export const TREE_RESOURCE_TYPE = 'Custom::SecureParameterTree';

/** How a parameter gets its value. */
export enum ParameterKind {
  /** A plain String; `Value` holds it. */
  STRING = 'String',
  /** A StringList; `Value` holds the items joined with commas. */
  STRING_LIST = 'StringList',
  /** A SecureString generated at deploy time from `Generator`; kept until its spec changes. */
  GENERATED = 'Generated',
  /** A SecureString created with `PLACEHOLDER_VALUE` when missing and never written again. */
  PLACEHOLDER = 'Placeholder',
  /** A SecureString whose value is `Ciphertext` decrypted with KMS at deploy time. */
  ENCRYPTED = 'Encrypted',
  /** A SecureString whose value sits in the template (`Value`); only from the unsafe API. */
  UNSAFE_LITERAL = 'UnsafeLiteral',
}

/** Parameter Store tiers, spelled as the SSM API spells them. */
export const PARAMETER_TIERS = ['Standard', 'Advanced', 'Intelligent-Tiering'] as const;
export type ParameterTierName = typeof PARAMETER_TIERS[number];

/**
 * Bounds of a generated secret's length, in characters. The generator draws from printable
 * ASCII (one byte per character), and 4,096 bytes is what the Standard tier, the default, holds:
 * every generated secret fits whatever tier the parameter has.
 */
export const MIN_GENERATED_LENGTH = 8;
export const MAX_GENERATED_LENGTH = 4096;

/** The characters a generated secret is drawn from, before exclusions. */
export const GENERATOR_CHARACTERS = {
  letters: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
  digits: '0123456789',
  /** The printable ASCII punctuation, the same set Secrets Manager's password generator uses. */
  punctuation: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
} as const;
/** Fewer distinct characters than this make no secret worth the name. */
export const MIN_GENERATOR_CHARACTERS = 2;

/** The characters a generated secret may contain, each once, in a fixed order. */
export function generatorCharacters(excludeCharacters: string, excludePunctuation: boolean): string {
  const base = GENERATOR_CHARACTERS.letters + GENERATOR_CHARACTERS.digits + (excludePunctuation ? '' : GENERATOR_CHARACTERS.punctuation);
  const excluded = new Set(excludeCharacters);
  return [...base].filter((c) => !excluded.has(c)).join('');
}

/** What the generator needs to make a secret. Every field is a string (CloudFormation). */
export interface GeneratorSpec {
  /** Number of characters, as a decimal string. */
  readonly Length: string;
  /** Characters never to use. */
  readonly ExcludeCharacters: string;
  /** 'true' to use letters and digits only. */
  readonly ExcludePunctuation: 'true' | 'false';
  /** Changing this asks for a new value with an otherwise unchanged spec. */
  readonly Generation: string;
}

/** One parameter of the tree as the handler receives it. */
export interface ParameterSpec {
  /** Name relative to the tree path, e.g. `db/host` (no leading slash). */
  readonly Name: string;
  readonly Kind: ParameterKind;
  readonly Tier: ParameterTierName;
  /** Empty string when the parameter has no description. */
  readonly Description: string;
  /** String, StringList (comma-joined) and UnsafeLiteral values only. */
  readonly Value?: string;
  /** Encrypted only: base64 KMS ciphertext. */
  readonly Ciphertext?: string;
  /** Encrypted only: the key that made the ciphertext, as an ARN; empty for the tree's key. */
  readonly CiphertextKeyArn?: string;
  /** Generated only. */
  readonly Generator?: GeneratorSpec;
  /** Tags of this parameter alone, on top of the tree's. */
  readonly Tags?: TagSpec[];
}

export interface TagSpec {
  readonly Key: string;
  readonly Value: string;
}

/** The custom resource's properties (ServiceToken aside). */
export interface TreeResourceProperties {
  /** Absolute tree path without trailing slash, e.g. `/ecommerce/prod`. */
  readonly Path: string;
  /** ARN of the KMS key that encrypts the tree's SecureStrings. */
  readonly KeyArn: string;
  /** 'retain' or 'destroy': what a Delete does to the parameters it owns. */
  readonly RemovalPolicy: 'retain' | 'destroy';
  /** 'true' to take over parameters that exist but are not owned by this tree. */
  readonly AdoptExisting: 'true' | 'false';
  /**
   * Who owns the tree's parameters: the value of OWNER_TAG on each, `<tree id>@<path>` (see
   * `ownerOf`). Absent in templates of earlier versions: the handler then uses `LegacyOwner`'s
   * form, `<stack name>/<logical id>`, computed from the event.
   */
  readonly Owner?: string;
  /**
   * The owner tag of earlier versions (`<stack name>/<logical id>`): parameters carrying it are
   * this tree's, and are re-tagged with `Owner` on the next reconcile.
   */
  readonly LegacyOwner?: string;
  /**
   * 'true' to release (untag, keep) parameters removed from the living tree rather than
   * delete them. Absent means 'false'.
   */
  readonly RetainRemovedParameters?: 'true' | 'false';
  /** Tags applied to every parameter of the tree. */
  readonly Tags: TagSpec[];
  readonly Parameters: ParameterSpec[];
  /**
   * The account's Parameter Store throughput setting, which picks the reconciler's starting
   * rates. Absent means 'default' (the construct writes it only for 'higher').
   */
  readonly Throughput?: ParameterStoreThroughputName;
  /**
   * Which part of a tree split over several custom resources this one reconciles (see
   * `segmentOf`). Absent: the resource holds the whole tree (Index 0 of Count 1).
   */
  readonly Segment?: SegmentSpec;
}

/**
 * One of the custom resources a tree too large for one custom-resource operation is split into.
 * Each reconciles the parameters whose `segmentOf(name, Count)` is its `Index`, and no other.
 */
export interface SegmentSpec {
  /** 0 to Count - 1, as a decimal string. */
  readonly Index: string;
  /** How many segments the tree has (2 or more), as a decimal string. */
  readonly Count: string;
}

/**
 * The segment of a parameter, by its name relative to the tree: a hash of the name modulo the
 * number of segments, so that adding or removing names moves no other name while the number
 * stays. FNV-1a (32 bits) over the name's UTF-16 code units, then MurmurHash3's finalizer (FNV's
 * low bits depend on the characters' low bits only, and the modulo reads mostly those): the same
 * at synthesis and in the reconciler, with no import (this module may import nothing).
 */
/* eslint-disable no-bitwise -- a hash is bit operations */
export function segmentOf(relativeName: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < relativeName.length; i++) {
    hash = Math.imul(hash ^ relativeName.charCodeAt(i), 0x01000193);
  }
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return ((hash ^ (hash >>> 16)) >>> 0) % count;
}
/* eslint-enable no-bitwise */

/**
 * Where the tree's parameter specs are: an S3 object (the tree's manifest asset) and the SHA-256
 * of its bytes, which the handler checks before it trusts the content.
 */
export interface ManifestPointer {
  readonly Bucket: string;
  readonly Key: string;
  /** Lower-case hex SHA-256 of the object's bytes. */
  readonly Sha256: string;
}

/**
 * The manifest's content: the specs the template held in `Parameters` before, with every
 * deploy-time value (a token, a dynamic reference) replaced by a marker object
 * `{ [MANIFEST_MARKER]: '<id>' }` whose value the properties carry in `ManifestMarkers`.
 */
export interface TreeManifest {
  readonly Version: typeof MANIFEST_VERSION;
  readonly Parameters: unknown[];
}

export const MANIFEST_VERSION = '1';
/**
 * Key of a marker object. A marker is an object, never a string, so no literal value can be
 * mistaken for one.
 */
export const MANIFEST_MARKER = 'cdk-secure-config:marker';

/**
 * The properties as the template holds them: `Parameters` inline (templates of earlier
 * versions), or `Manifest` with `ManifestMarkers` (marker id -> the deploy-time value).
 */
export type TreeTemplateProperties = Omit<TreeResourceProperties, 'Parameters'> & {
  readonly Parameters?: ParameterSpec[];
  readonly Manifest?: ManifestPointer;
  readonly ManifestMarkers?: Record<string, string>;
};

/** Attributes the handler returns in `Data` (never a value). */
export interface TreeResourceAttributes {
  readonly Path: string;
  readonly ParameterCount: string;
}

/** Prefix of the tags the reconciler owns; users may not set tags with it. */
export const RESERVED_TAG_PREFIX = 'cdk-secure-config:';
/** Tag on every parameter the tree owns: the tree's `Owner`. */
export const OWNER_TAG = `${RESERVED_TAG_PREFIX}owner`;
/**
 * Tag on a parameter the tree took over with adoptExisting ('true'): it existed before the
 * tree, so no path deletes it; it is released (its reserved tags removed) instead.
 */
export const ADOPTED_TAG = `${RESERVED_TAG_PREFIX}adopted`;
/** Parameter Store's limit on a tag value, which the owner must fit. */
export const MAX_OWNER_LENGTH = 256;

/** The owner of a tree's parameters: unique per tree id and path, stable across construct renames. */
export function ownerOf(treeId: string, path: string): string {
  return `${treeId}@${path}`;
}
/**
 * Tag on every parameter the tree owns: the generation (a hash of the set of names) of the
 * reconcile that created, replaced or claimed it; never moved afterwards. Earlier versions moved
 * it to every generation that wanted the parameter and deleted, in a cleanup, what still carried
 * the old one: written at birth, it keeps those versions' cleanup right when an update that
 * upgraded the library rolls back (that update's parameters carry its generation, no others do).
 */
export const GENERATION_TAG = `${RESERVED_TAG_PREFIX}generation`;
/**
 * Tag on an owned parameter that a reconcile found unwanted while a rollback might still need it:
 * the generation of that reconcile, which does not want it. A generation is a hash of a set of
 * names, so that is true for ever; CloudFormation's cleanup Delete removes what is marked with
 * the generation that is live then.
 */
export const REMOVED_IN_TAG = `${RESERVED_TAG_PREFIX}removed-in`;
/** Prefix of the version label that records which spec produced a generated or encrypted value. */
export const SPEC_LABEL_PREFIX = 'cscfg-';
/** Value given to a placeholder when it is created; the operator replaces it out of band. */
export const PLACEHOLDER_VALUE = 'PLACEHOLDER: set this value out of band';

/**
 * SSM calls the reconciler keeps in flight at once when its environment does not say: enough to
 * hide latency, below Parameter Store's default PutParameter throughput.
 */
export const DEFAULT_RECONCILER_CONCURRENCY = 4;

/** Parameter Store's throughput settings of an account and Region. */
export type ParameterStoreThroughputName = 'default' | 'higher';
export const PARAMETER_STORE_THROUGHPUTS: readonly ParameterStoreThroughputName[] = ['default', 'higher'];

/** The SSM actions the reconciler paces, each with its own rate limiter. */
export type PacedSsmAction =
  | 'PutParameter'
  | 'LabelParameterVersion'
  | 'AddTagsToResource'
  | 'RemoveTagsFromResource'
  | 'DeleteParameters'
  /** GetParameter, GetParameters and GetParametersByPath share one quota. */
  | 'GetParameter*'
  | 'DescribeParameters'
  | 'ListTagsForResource';

/**
 * Transactions per second Parameter Store allows per account and Region, by throughput setting.
 * Documented by AWS: GetParameter/GetParameters/GetParametersByPath 40 shared by default; with
 * higher throughput GetParametersByPath 100 (GetParameter and GetParameters more), and that the
 * setting covers PutParameter. PutParameter's figures (3 by default, about 10 with higher
 * throughput) come from AWS Support, not the quota table. The rest are assumptions: the write
 * actions at PutParameter's default rate, the describe and list actions slightly above it, none
 * raised by the higher setting.
 */
export const PARAMETER_STORE_TPS: Record<ParameterStoreThroughputName, Record<PacedSsmAction, number>> = {
  default: {
    'PutParameter': 3,
    'LabelParameterVersion': 3,
    'AddTagsToResource': 3,
    'RemoveTagsFromResource': 3,
    'DeleteParameters': 3,
    'GetParameter*': 40,
    'DescribeParameters': 5,
    'ListTagsForResource': 5,
  },
  higher: {
    'PutParameter': 10,
    'LabelParameterVersion': 3,
    'AddTagsToResource': 3,
    'RemoveTagsFromResource': 3,
    'DeleteParameters': 3,
    'GetParameter*': 100,
    'DescribeParameters': 5,
    'ListTagsForResource': 5,
  },
};

/** Environment variables of the reconciler function. */
export const RECONCILER_ENV = {
  /** Maximum SSM calls in flight at once. */
  CONCURRENCY: 'RECONCILER_CONCURRENCY',
} as const;
