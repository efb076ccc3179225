/**
 * Synth-time checks for SecureParameterTree, one small function per rule.
 *
 * Every check skips values that are unresolved tokens (they are only known at deploy time) and
 * throws an error naming the property and the value it received, with a hint on how to fix it.
 * The limits are Parameter Store's own, so a template that passes these checks does not fail
 * half-way through a deployment for a reason that was knowable at synth time.
 */
import { RemovalPolicy, Token } from 'aws-cdk-lib';
import { MAX_GENERATED_LENGTH, MIN_GENERATED_LENGTH, ParameterTierName, RESERVED_TAG_PREFIX } from './contract';

/** Characters Parameter Store accepts in a parameter name, '/' included. */
const NAME_CHARACTERS = /^[a-zA-Z0-9_.\-/]+$/;
/** Parameter Store rejects names whose first level starts with these (any case). */
const RESERVED_PREFIXES = ['aws', 'ssm'];
/** Parameter Store's limit on the full name, path included. */
export const MAX_FULL_NAME_LENGTH = 1011;
/** Parameter Store's limit on the number of levels of a name. */
export const MAX_NAME_LEVELS = 15;
/** Parameter Store's limit on a description. */
export const MAX_DESCRIPTION_LENGTH = 1024;

/** Largest value, in bytes, that each tier stores. */
export const MAX_VALUE_BYTES: Record<ParameterTierName, number> = {
  'Standard': 4096,
  'Advanced': 8192,
  // Intelligent-Tiering moves a parameter to Advanced when its value needs it.
  'Intelligent-Tiering': 8192,
};

function quote(value: string): string {
  return `'${value}'`;
}

/** `path`: absolute, no trailing slash, Parameter Store characters, no reserved first level. */
export function validateTreePath(path: string, property = 'path'): void {
  if (Token.isUnresolved(path)) return;
  if (!path.startsWith('/')) {
    throw new Error(`\`${property}\` must start with '/', got: ${quote(path)}. Write it as '/${path}'.`);
  }
  if (path.length > 1 && path.endsWith('/') || path === '/') {
    throw new Error(`\`${property}\` must not end with '/', got: ${quote(path)}. Parameters are named relative to the path, e.g. '/ecommerce/prod'.`);
  }
  validateNameCharacters(path, property);
  if (path.includes('//')) {
    throw new Error(`\`${property}\` must not contain an empty level ('//'), got: ${quote(path)}`);
  }
  const firstLevel = path.split('/')[1];
  const reserved = RESERVED_PREFIXES.find((prefix) => firstLevel.toLowerCase().startsWith(prefix));
  if (reserved) {
    throw new Error(`\`${property}\` must not start with '${reserved}' (any case) in its first level, Parameter Store reserves it; got: ${quote(path)}`);
  }
}

/** A name relative to the tree, e.g. 'db/host': no leading or trailing slash, no empty level. */
export function validateRelativeName(name: string, property: string): void {
  if (Token.isUnresolved(name)) return;
  if (name.length === 0) {
    throw new Error(`\`${property}\` must not be empty, got: ''`);
  }
  if (name.startsWith('/')) {
    throw new Error(`\`${property}\` must be relative to the tree path (no leading '/'), got: ${quote(name)}. Write it as '${name.replace(/^\/+/, '')}'.`);
  }
  if (name.endsWith('/')) {
    throw new Error(`\`${property}\` must not end with '/', got: ${quote(name)}`);
  }
  validateNameCharacters(name, property);
  if (name.includes('//')) {
    throw new Error(`\`${property}\` must not contain an empty level ('//'), got: ${quote(name)}`);
  }
}

function validateNameCharacters(name: string, property: string): void {
  if (!NAME_CHARACTERS.test(name)) {
    throw new Error(`\`${property}\` may only contain letters, digits and the characters _ . - /, got: ${quote(name)}`);
  }
}

/** The full name (tree path + '/' + relative name) against Parameter Store's length and depth. */
export function validateFullName(fullName: string, property: string): void {
  if (Token.isUnresolved(fullName)) return;
  if (fullName.length > MAX_FULL_NAME_LENGTH) {
    throw new Error(`\`${property}\` makes a full name of ${fullName.length} characters, Parameter Store allows at most ${MAX_FULL_NAME_LENGTH}; got: ${quote(fullName)}`);
  }
  const levels = fullName.split('/').length - 1;
  if (levels > MAX_NAME_LEVELS) {
    throw new Error(`\`${property}\` makes a full name of ${levels} levels, Parameter Store allows at most ${MAX_NAME_LEVELS}; got: ${quote(fullName)}`);
  }
}

/** A value must fit its tier: 4 KB Standard, 8 KB Advanced and Intelligent-Tiering. */
export function validateValueSize(value: string, tier: ParameterTierName, property: string): void {
  if (Token.isUnresolved(value)) return;
  const bytes = Buffer.byteLength(value, 'utf8');
  const limit = MAX_VALUE_BYTES[tier];
  if (bytes > limit) {
    const hint = tier === 'Standard' ? ' Use ParameterTier.ADVANCED for values up to 8 KB.' : '';
    // The value itself is never shown: it may be a secret.
    throw new Error(`\`${property}\` must be at most ${limit} bytes in the ${tier} tier, got a value of ${bytes} bytes.${hint}`);
  }
}

/**
 * A literal value must not contain '{{': CloudFormation and Parameter Store would treat it as a
 * dynamic reference (`{{resolve:...}}`) or a public parameter reference.
 */
export function validateNoDynamicReference(value: string, property: string, describe: (value: string) => string = quote): void {
  if (Token.isUnresolved(value)) return;
  if (value.includes('{{')) {
    throw new Error(`\`${property}\` must not contain '{{' (it would be resolved as a reference), got: ${describe(value)}`);
  }
}

/** A StringList: at least one item, no item containing the separator ','. */
export function validateStringListItems(items: string[], property: string): void {
  if (items.length === 0) {
    throw new Error(`\`${property}\` must hold at least one item, got: []`);
  }
  items.forEach((item, index) => {
    if (Token.isUnresolved(item)) return;
    if (item.includes(',')) {
      throw new Error(`\`${property}[${index}]\` must not contain ',' (it separates StringList items), got: ${quote(item)}`);
    }
    if (item.length === 0) {
      throw new Error(`\`${property}[${index}]\` must not be empty, got: ''`);
    }
    validateNoDynamicReference(item, `${property}[${index}]`);
  });
}

/** Generated secrets: between MIN_GENERATED_LENGTH and MAX_GENERATED_LENGTH characters. */
export function validateGeneratedLength(length: number, property = 'length'): void {
  if (Token.isUnresolved(length)) return;
  if (!Number.isInteger(length) || length < MIN_GENERATED_LENGTH || length > MAX_GENERATED_LENGTH) {
    throw new Error(`\`${property}\` must be a whole number from ${MIN_GENERATED_LENGTH} to ${MAX_GENERATED_LENGTH}, got: ${length}`);
  }
}

/** KMS ciphertext as the CLI and SDKs print it: non-empty standard base64. */
export function validateBase64(ciphertext: string, property = 'ciphertext'): void {
  if (Token.isUnresolved(ciphertext)) return;
  const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  if (ciphertext.length === 0 || !base64.test(ciphertext)) {
    // Ciphertext is not secret, but it may be long: show the start only.
    const shown = ciphertext.length > 40 ? `${ciphertext.slice(0, 40)}...` : ciphertext;
    throw new Error(`\`${property}\` must be base64-encoded KMS ciphertext (as \`aws kms encrypt --query CiphertextBlob\` prints it), got: ${quote(shown)}`);
  }
}

/** A description Parameter Store accepts. */
export function validateDescription(description: string, property: string): void {
  if (Token.isUnresolved(description)) return;
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    throw new Error(`\`${property}\` must be at most ${MAX_DESCRIPTION_LENGTH} characters, got ${description.length}: ${quote(description.slice(0, 40) + '...')}`);
  }
}

/** The reconciler knows two behaviours on delete: keep the parameters, or delete them. */
export function validateRemovalPolicy(policy: RemovalPolicy, property = 'removalPolicy'): 'retain' | 'destroy' {
  switch (policy) {
    case RemovalPolicy.RETAIN: return 'retain';
    case RemovalPolicy.DESTROY: return 'destroy';
    default:
      throw new Error(`\`${property}\` must be RemovalPolicy.RETAIN or RemovalPolicy.DESTROY, got: ${quote(String(policy))}. Parameter Store has no snapshots.`);
  }
}

/** Prefixes of tag keys a user may not set: AWS reserves `aws:`, the reconciler owns its own. */
const RESERVED_TAG_PREFIXES = ['aws:', RESERVED_TAG_PREFIX];

/** The first problem with these tag keys, or undefined. Returned rather than thrown for node validation. */
export function tagKeyProblem(keys: string[], property: string): string | undefined {
  for (const key of keys) {
    if (Token.isUnresolved(key)) continue;
    const reserved = RESERVED_TAG_PREFIXES.find((prefix) => key.toLowerCase().startsWith(prefix));
    if (reserved) {
      return `\`${property}\` must not use the reserved prefix '${reserved}', got the key: ${quote(key)}`;
    }
  }
  return undefined;
}

/** Per-parameter tags, checked when the value is made. */
export function validateTagKeys(keys: string[], property = 'tags'): void {
  const problem = tagKeyProblem(keys, property);
  if (problem) throw new Error(problem);
}
