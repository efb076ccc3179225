/**
 * Synth-time checks for SecureParameterTree, one small function per rule.
 *
 * Every check skips values that are unresolved tokens (they are only known at deploy time) and
 * throws an error naming the property and the value it received, with a hint on how to fix it.
 * The limits are Parameter Store's own, so a template that passes these checks does not fail
 * half-way through a deployment for a reason that was knowable at synth time.
 */
import { RemovalPolicy, Token } from 'aws-cdk-lib';
import {
  GENERATION_TAG, generatorCharacters, MAX_GENERATED_LENGTH, MAX_OWNER_LENGTH, MIN_GENERATED_LENGTH, MIN_GENERATOR_CHARACTERS, OWNER_TAG,
  ownerOf, ParameterTierName, PARAMETER_TIERS, REMOVED_IN_TAG, RESERVED_TAG_PREFIX,
} from './contract';
import { describeReceived, requireOneOf, requireString } from '../../private/input-checks';

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
  requireString(path, property);
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
  validateNoRelativeLevels(path, property);
  const firstLevel = path.split('/')[1];
  const reserved = RESERVED_PREFIXES.find((prefix) => firstLevel.toLowerCase().startsWith(prefix));
  if (reserved) {
    throw new Error(`\`${property}\` must not start with '${reserved}' (any case) in its first level, Parameter Store reserves it; got: ${quote(path)}`);
  }
}

/** Characters of a tree id: those of a stack name, plus what Parameter Store tag values allow. */
const TREE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/**
 * `treeId`: a tag-safe name, and with the path it must fit Parameter Store's tag value limit.
 * `fromStackName` when the user left it unset and the stack name stands in, so the message says so.
 */
export function validateTreeId(treeId: string, path: string, fromStackName = false): void {
  const property = 'treeId';
  requireString(treeId, property);
  if (Token.isUnresolved(treeId)) return;
  if (!TREE_ID_PATTERN.test(treeId)) {
    throw new Error(`\`${property}\` must be 1 to 128 characters of A-Z a-z 0-9 _ . : - starting with a letter or digit, got: ${quote(treeId)}`);
  }
  if (Token.isUnresolved(path)) return;
  const owner = ownerOf(treeId, path);
  if (owner.length > MAX_OWNER_LENGTH) {
    const source = fromStackName ? `The stack name (the default \`${property}\`)` : `\`${property}\``;
    throw new Error(`${source} and \`path\` make the owner tag '${owner}', ${owner.length} characters; Parameter Store allows ${MAX_OWNER_LENGTH}. ` +
      `Set a shorter \`${property}\` or use a shorter path.`);
  }
}

/** A name relative to the tree, e.g. 'db/host': no leading or trailing slash, no empty level. */
export function validateRelativeName(name: string, property: string): void {
  requireString(name, property);
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
  validateNoRelativeLevels(name, property);
}

/** True when a level of `name` is '.' or '..'. */
export function hasRelativeLevel(name: string): boolean {
  return name.split('/').some((level) => level === '.' || level === '..');
}

/**
 * No level may be '.' or '..': Parameter Store takes them literally, but every reader that treats
 * names as paths (by-path grants, SDK helpers, people) would read them as 'here' and 'parent'.
 */
function validateNoRelativeLevels(name: string, property: string): void {
  if (hasRelativeLevel(name)) {
    throw new Error(`\`${property}\` must not contain a '.' or '..' level, got: ${quote(name)}. Name the level explicitly.`);
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
  if (!Array.isArray(items)) {
    throw new Error(`\`${property}\` must be an array of strings, got: ${describeReceived(items)}`);
  }
  if (items.length === 0) {
    throw new Error(`\`${property}\` must hold at least one item, got: []`);
  }
  items.forEach((item, index) => {
    requireString(item, `${property}[${index}]`);
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
  if (typeof length !== 'number') {
    throw new Error(`\`${property}\` must be a number, got: ${describeReceived(length)}`);
  }
  if (Token.isUnresolved(length)) return;
  if (!Number.isInteger(length) || length < MIN_GENERATED_LENGTH || length > MAX_GENERATED_LENGTH) {
    throw new Error(`\`${property}\` must be a whole number from ${MIN_GENERATED_LENGTH} to ${MAX_GENERATED_LENGTH}, got: ${length}`);
  }
}

/** KMS ciphertext as the CLI and SDKs print it: non-empty standard base64. */
export function validateBase64(ciphertext: string, property = 'ciphertext'): void {
  requireString(ciphertext, property);
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
  requireString(description, property);
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
/** AWS's tag limits, which Parameter Store applies to every parameter. */
export const MAX_TAGS_PER_PARAMETER = 50;
export const MAX_TAG_KEY_LENGTH = 128;
export const MAX_TAG_VALUE_LENGTH = 256;
/** Letters, numbers and spaces in any script, and _ . : / = + - @ */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/**
 * Tags the reconciler writes on a parameter it owns (the removal mark once it is no longer
 * wanted); they count against the limit.
 */
const OWN_TAG_COUNT = [OWNER_TAG, GENERATION_TAG, REMOVED_IN_TAG].length;
/** How many tags a user may give one parameter, its tree's and its own together. */
export const MAX_USER_TAGS_PER_PARAMETER = MAX_TAGS_PER_PARAMETER - OWN_TAG_COUNT;

function tagProblem(key: unknown, value: unknown, property: string): string | undefined {
  if (typeof key !== 'string') return `\`${property}\` keys must be strings, got: ${describeReceived(key)}`;
  if (typeof value !== 'string') return `\`${property}\` value of ${quote(key)} must be a string, got: ${describeReceived(value)}`;
  if (!Token.isUnresolved(key)) {
    const reserved = RESERVED_TAG_PREFIXES.find((prefix) => key.toLowerCase().startsWith(prefix));
    if (reserved) return `\`${property}\` must not use the reserved prefix '${reserved}', got the key: ${quote(key)}`;
    if (key.length === 0 || key.length > MAX_TAG_KEY_LENGTH) {
      return `\`${property}\` keys must be 1 to ${MAX_TAG_KEY_LENGTH} characters, got a key of ${key.length}: ${quote(key)}`;
    }
    if (!TAG_CHARACTERS.test(key)) {
      return `\`${property}\` keys may only contain letters, numbers, spaces and _ . : / = + - @, got the key: ${quote(key)}`;
    }
  }
  if (!Token.isUnresolved(value)) {
    if (value.length > MAX_TAG_VALUE_LENGTH) {
      return `\`${property}\` values must be at most ${MAX_TAG_VALUE_LENGTH} characters, got ${value.length} for the key ${quote(key)}`;
    }
    if (!TAG_CHARACTERS.test(value)) {
      return `\`${property}\` values may only contain letters, numbers, spaces and _ . : / = + - @, got for the key ${quote(key)}: ${quote(value)}`;
    }
  }
  return undefined;
}

/**
 * The first problem with these tags, or undefined: AWS's limits on keys, values and count (the
 * reconciler's own tags included), and the reserved prefixes. Returned rather than thrown for
 * node validation, where tags added by aspects are known.
 */
export function tagsProblem(tags: Record<string, unknown>, property: string): string | undefined {
  const entries = Object.entries(tags);
  if (entries.length > MAX_USER_TAGS_PER_PARAMETER) {
    return `\`${property}\` must hold at most ${MAX_USER_TAGS_PER_PARAMETER} tags (Parameter Store allows ${MAX_TAGS_PER_PARAMETER} per parameter ` +
      `and the tree writes ${OWN_TAG_COUNT} of its own), got: ${entries.length}`;
  }
  for (const [key, value] of entries) {
    const problem = tagProblem(key, value, property);
    if (problem) return problem;
  }
  return undefined;
}

/** Per-parameter tags, checked when the value is made. */
export function validateTags(tags: Record<string, unknown>, property = 'tags'): void {
  const problem = tagsProblem(tags, property);
  if (problem) throw new Error(problem);
}

/** A tier as the SSM API spells it; jsii callers may pass any string. */
export function validateTier(tier: unknown, property: string): ParameterTierName {
  return requireOneOf(tier, PARAMETER_TIERS, property);
}

/** Parameter Store refuses an empty value. */
export function validateNotEmpty(value: string, property: string): void {
  if (value === '') {
    throw new Error(`\`${property}\` must not be empty (Parameter Store stores no empty value), got: ''`);
  }
}

/** The generator options must leave enough characters to draw from. */
export function validateGeneratorCharacters(excludeCharacters: unknown, excludePunctuation: unknown): void {
  const excluded = requireString(excludeCharacters, 'excludeCharacters');
  if (excludePunctuation !== undefined && typeof excludePunctuation !== 'boolean') {
    throw new Error(`\`excludePunctuation\` must be true or false, got: ${describeReceived(excludePunctuation)}`);
  }
  if (Token.isUnresolved(excluded)) return;
  const left = generatorCharacters(excluded, excludePunctuation === true);
  if (left.length < MIN_GENERATOR_CHARACTERS) {
    throw new Error(
      `\`excludeCharacters\` leaves ${left.length} character(s) to draw a secret from${excludePunctuation ? ' (with excludePunctuation)' : ''}, ` +
      `at least ${MIN_GENERATOR_CHARACTERS} are needed; got: ${quote(excluded)}`,
    );
  }
}
