import * as kms from 'aws-cdk-lib/aws-kms';
import { ParameterKind, ParameterTierName } from './private/contract';
import { ParameterDefinition } from './private/definition';
import {
  validateBase64,
  validateDescription,
  validateGeneratedLength,
  validateGeneratorCharacters,
  validateNoDynamicReference,
  validateNotEmpty,
  validateStringListItems,
  validateTags,
  validateTier,
} from './private/validation';
import { requireObjectWith, requireObject, requireString } from '../private/input-checks';

/**
 * Parameter Store tiers.
 *
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html
 */
export enum ParameterTier {
  /** Free, values up to 4 KB, at most 10,000 parameters per account and region. */
  STANDARD = 'Standard',
  /** Charged per parameter, values up to 8 KB. */
  ADVANCED = 'Advanced',
  /** Standard while the value and account limits allow it, Advanced otherwise. */
  INTELLIGENT_TIERING = 'Intelligent-Tiering',
}

/** Options every parameter accepts. */
export interface ParameterOptions {
  /**
   * What the parameter is for, shown in the Parameter Store console.
   *
   * @default - the tree's `description`, or none
   */
  readonly description?: string;

  /**
   * The tier of this parameter.
   *
   * @default - the tree's `tier`
   */
  readonly tier?: ParameterTier;

  /**
   * Tags of this parameter, on top of the tree's tags.
   *
   * @default - the tree's tags only
   */
  readonly tags?: { [key: string]: string };
}

/** Options of a secret generated at deploy time. */
export interface GeneratedSecretOptions extends ParameterOptions {
  /**
   * Number of characters, from 8 to 4096 (4096 fits the Standard tier's 4 KB).
   *
   * @default 32
   */
  readonly length?: number;

  /**
   * Characters the secret never contains, for consumers that cannot escape them.
   *
   * @default - none excluded
   */
  readonly excludeCharacters?: string;

  /**
   * Use letters and digits only.
   *
   * @default false
   */
  readonly excludePunctuation?: boolean;

  /**
   * Change this value (to anything new) to replace the secret with a newly generated one.
   * The secret is otherwise kept across deployments as long as its options stay the same.
   *
   * @default - the first generation
   */
  readonly generation?: string;
}

/** Options of a secret deployed from KMS ciphertext. */
export interface EncryptedSecretOptions extends ParameterOptions {
  /**
   * The KMS key that made the ciphertext. The reconciler is granted `kms:Decrypt` on it.
   *
   * @default - the tree's key
   */
  readonly key?: kms.IKey;
}

const DEFAULT_GENERATED_LENGTH = 32;

/**
 * The value of one parameter of a `SecureParameterTree`, and how it reaches Parameter Store.
 *
 * Only `string`, `stringList` and `unsafePlainTextSecret` put a value into the template; the
 * secret kinds are made, kept or decrypted at deploy time and never pass through CloudFormation.
 */
export abstract class ParameterValue {
  /**
   * A plain `String` parameter, for configuration that is not secret.
   *
   * @param value the value; may be a token resolved by CloudFormation
   */
  public static string(value: string, options: ParameterOptions = {}): ParameterValue {
    requireString(value, 'value');
    validateNotEmpty(value, 'value');
    validateNoDynamicReference(value, 'value');
    return new DefinedParameterValue({ ...common(options), kind: ParameterKind.STRING, value });
  }

  /**
   * A `StringList` parameter. Items must not contain commas, the list separator.
   *
   * @param values one or more items
   */
  public static stringList(values: string[], options: ParameterOptions = {}): ParameterValue {
    validateStringListItems(values, 'values');
    return new DefinedParameterValue({ ...common(options), kind: ParameterKind.STRING_LIST, value: values.join(',') });
  }

  /**
   * A `SecureString` generated at deploy time.
   *
   * It is generated once and kept across deployments; it is generated again only when its
   * options change or `generation` is given a new value. The value never appears in the
   * template, the custom resource's response or any log.
   */
  public static generatedSecret(options: GeneratedSecretOptions = {}): ParameterValue {
    requireObject(options, 'options');
    const length = options.length ?? DEFAULT_GENERATED_LENGTH;
    validateGeneratedLength(length);
    validateGeneratorCharacters(options.excludeCharacters ?? '', options.excludePunctuation);
    if (options.generation !== undefined) requireString(options.generation, 'generation');
    return new DefinedParameterValue({
      ...common(options),
      kind: ParameterKind.GENERATED,
      generator: {
        length,
        excludeCharacters: options.excludeCharacters ?? '',
        excludePunctuation: options.excludePunctuation ?? false,
        generation: options.generation ?? '',
      },
    });
  }

  /**
   * A `SecureString` whose value is set out of band (console, CLI, a pipeline).
   *
   * The parameter is created with a placeholder text when it does not exist and is never
   * written again, so a value set by an operator survives every deployment.
   */
  public static placeholderSecret(options: ParameterOptions = {}): ParameterValue {
    return new DefinedParameterValue({ ...common(options), kind: ParameterKind.PLACEHOLDER });
  }

  /**
   * A `SecureString` whose value is KMS ciphertext, decrypted at deploy time.
   *
   * The ciphertext (safe to commit) is in the template; the plaintext only ever exists inside
   * the reconciler function and Parameter Store.
   *
   * @param ciphertext base64 ciphertext, as `aws kms encrypt --query CiphertextBlob` prints it
   */
  public static encryptedSecret(ciphertext: string, options: EncryptedSecretOptions = {}): ParameterValue {
    validateBase64(ciphertext);
    if (options?.key !== undefined) requireObjectWith(options.key, 'key', 'a kms.IKey', 'keyArn');
    return new DefinedParameterValue({
      ...common(options),
      kind: ParameterKind.ENCRYPTED,
      ciphertext,
      ciphertextKey: options.key,
    });
  }

  /**
   * A `SecureString` whose plain-text value is written into the template.
   *
   * Anyone who can read the template, `cdk.out` or the stack's history can read it. Use it only
   * for values that are not really secret; every use raises the synth warning
   * `cdk-secure-config:unsafePlainTextSecret`.
   */
  public static unsafePlainTextSecret(value: string, options: ParameterOptions = {}): ParameterValue {
    requireString(value, 'value');
    validateNotEmpty(value, 'value');
    validateNoDynamicReference(value, 'value', () => '<a secret value, not shown>');
    return new DefinedParameterValue({ ...common(options), kind: ParameterKind.UNSAFE_LITERAL, value });
  }

  /**
   * What the value holds, for the tree that renders it.
   *
   * @internal
   */
  public abstract readonly _definition: ParameterDefinition;

  protected constructor() {}
}

class DefinedParameterValue extends ParameterValue {
  constructor(public readonly _definition: ParameterDefinition) {
    super();
  }
}

function common(options: ParameterOptions): Pick<ParameterDefinition, 'description' | 'tier' | 'tags'> {
  if (options.description !== undefined) {
    validateDescription(options.description, 'description');
  }
  requireObject(options, 'options');
  if (options.tags !== undefined) validateTags(requireObject(options.tags, 'tags'));
  // The enum's values are the SSM API's tier names (the contract's `ParameterTierName`).
  const tier: ParameterTierName | undefined = options.tier === undefined ? undefined : validateTier(options.tier, 'tier');
  return { description: options.description, tier, tags: { ...options.tags } };
}
