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
export const PARAMETER_TIER_NAMES = ['Standard', 'Advanced', 'Intelligent-Tiering'] as const;
export type ParameterTierName = typeof PARAMETER_TIER_NAMES[number];

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
  /** Tags applied to every parameter of the tree. */
  readonly Tags: TagSpec[];
  readonly Parameters: ParameterSpec[];
}

/** Attributes the handler returns in `Data` (never a value). */
export interface TreeResourceAttributes {
  readonly Path: string;
  readonly ParameterCount: string;
}

/** Tag on every parameter the tree owns: `<stack name>/<logical id>` of the custom resource. */
export const OWNER_TAG = 'cdk-secure-config:owner';
/**
 * Tag on every parameter the tree owns: the generation (a hash of the set of names) of the last
 * reconcile that wanted it. A Delete for an old generation removes only what still carries it.
 */
export const GENERATION_TAG = 'cdk-secure-config:generation';
/** Prefix of the version label that records which spec produced a generated or encrypted value. */
export const SPEC_LABEL_PREFIX = 'cscfg-';
/** Value given to a placeholder when it is created; the operator replaces it out of band. */
export const PLACEHOLDER_VALUE = 'PLACEHOLDER: set this value out of band';

/** Environment variables of the reconciler function. */
export const RECONCILER_ENV = {
  /** Maximum SSM calls in flight at once. */
  CONCURRENCY: 'RECONCILER_CONCURRENCY',
} as const;
