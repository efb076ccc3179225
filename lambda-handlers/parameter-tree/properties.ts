/**
 * Reads the custom resource's properties into a checked shape. The construct validates at
 * synth time; this guards the handler against templates edited by hand or older versions.
 * Messages never quote a `Value`, `Ciphertext` or anything that may be secret.
 */
import {
  PARAMETER_STORE_THROUGHPUTS,
  PARAMETER_TIERS,
  ParameterKind,
  ParameterSpec,
  ParameterStoreThroughputName,
  ParameterTierName,
  SegmentSpec,
  TagSpec,
  TreeResourceProperties,
} from '../../src/parameter-tree/private/contract';

const KINDS = new Set<string>(Object.values(ParameterKind));
const TIERS = new Set<string>(PARAMETER_TIERS);

export class InvalidPropertiesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPropertiesError';
  }
}

function fail(message: string): never {
  throw new InvalidPropertiesError(message);
}

function quote(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value);
}

function requireString(value: unknown, property: string): string {
  if (typeof value !== 'string') fail(`\`${property}\` must be a string, got: ${quote(value)}`);
  return value;
}

function requireOneOf<T extends string>(value: unknown, property: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    fail(`\`${property}\` must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got: ${quote(value)}`);
  }
  return value as T;
}

function parseTags(value: unknown, property: string): TagSpec[] {
  if (value === undefined || value === null || value === '') return [];
  if (!Array.isArray(value)) fail(`\`${property}\` must be a list of {Key, Value}, got: ${quote(value)}`);
  return value.map((tag, i) => ({
    Key: requireString(tag?.Key, `${property}[${i}].Key`),
    Value: requireString(tag?.Value, `${property}[${i}].Value`),
  }));
}

function parseParameter(raw: any, i: number): ParameterSpec {
  const at = `Parameters[${i}]`;
  if (typeof raw !== 'object' || raw === null) fail(`\`${at}\` must be an object, got: ${quote(raw)}`);
  const name = requireString(raw.Name, `${at}.Name`);
  if (name === '' || name.startsWith('/') || name.endsWith('/')) {
    fail(`\`${at}.Name\` must be a relative name without leading or trailing '/', got: '${name}'`);
  }
  const kind = raw.Kind;
  if (!KINDS.has(kind)) fail(`\`${at}.Kind\` must be one of ${[...KINDS].join(', ')}, got: ${quote(kind)}`);
  const tier = raw.Tier ?? 'Standard';
  if (!TIERS.has(tier)) fail(`\`${at}.Tier\` must be one of ${[...TIERS].join(', ')}, got: ${quote(tier)}`);
  const description = raw.Description === undefined ? '' : requireString(raw.Description, `${at}.Description`);
  const base = { Name: name, Kind: kind as ParameterKind, Tier: tier as ParameterTierName, Description: description, Tags: parseTags(raw.Tags, `${at}.Tags`) };

  switch (kind as ParameterKind) {
    case ParameterKind.STRING:
    case ParameterKind.STRING_LIST:
    case ParameterKind.UNSAFE_LITERAL:
      if (typeof raw.Value !== 'string' || raw.Value === '') {
        // The value itself is never quoted: for UnsafeLiteral it is a secret.
        fail(`\`${at}.Value\` must be a non-empty string for ${kind} parameter '${name}', got: ${typeof raw.Value === 'string' ? 'an empty string' : typeof raw.Value}`);
      }
      return { ...base, Value: raw.Value };
    case ParameterKind.ENCRYPTED:
      if (typeof raw.Ciphertext !== 'string' || raw.Ciphertext === '') {
        fail(`\`${at}.Ciphertext\` must be non-empty base64 for Encrypted parameter '${name}', got: ${typeof raw.Ciphertext === 'string' ? 'an empty string' : typeof raw.Ciphertext}`);
      }
      return { ...base, Ciphertext: raw.Ciphertext, CiphertextKeyArn: raw.CiphertextKeyArn === undefined ? '' : requireString(raw.CiphertextKeyArn, `${at}.CiphertextKeyArn`) };
    case ParameterKind.GENERATED: {
      const g = raw.Generator;
      if (typeof g !== 'object' || g === null) fail(`\`${at}.Generator\` is required for Generated parameter '${name}', got: ${quote(g)}`);
      const length = requireString(g.Length, `${at}.Generator.Length`);
      if (!/^[1-9][0-9]*$/.test(length)) fail(`\`${at}.Generator.Length\` must be a positive integer, got: '${length}'`);
      return {
        ...base,
        Generator: {
          Length: length,
          ExcludeCharacters: g.ExcludeCharacters === undefined ? '' : requireString(g.ExcludeCharacters, `${at}.Generator.ExcludeCharacters`),
          ExcludePunctuation: requireOneOf(g.ExcludePunctuation ?? 'false', `${at}.Generator.ExcludePunctuation`, ['true', 'false'] as const),
          Generation: g.Generation === undefined ? '' : requireString(g.Generation, `${at}.Generator.Generation`),
        },
      };
    }
    case ParameterKind.PLACEHOLDER:
      return base;
  }
}

/** Checks and normalises the properties CloudFormation sent. */
export function parseTreeProperties(raw: unknown): TreeResourceProperties {
  if (typeof raw !== 'object' || raw === null) fail(`ResourceProperties must be an object, got: ${quote(raw)}`);
  const props = raw as Record<string, any>;
  const path = requireString(props.Path, 'Path');
  if (!/^\/[a-zA-Z0-9_.\-/]*$/.test(path) || (path.length > 1 && path.endsWith('/'))) {
    fail(`\`Path\` must start with '/', use only a-zA-Z0-9_.-/ and not end with '/', got: '${path}'`);
  }
  const keyArn = requireString(props.KeyArn, 'KeyArn');
  if (keyArn === '') fail("`KeyArn` must be a KMS key ARN, got: ''");
  const rawParameters = props.Parameters ?? [];
  if (!Array.isArray(rawParameters)) fail(`\`Parameters\` must be a list, got: ${quote(rawParameters)}`);
  const parameters = rawParameters.map(parseParameter);
  const seen = new Set<string>();
  for (const p of parameters) {
    if (seen.has(p.Name)) fail(`\`Parameters\` must not repeat a name, got: '${p.Name}' twice`);
    seen.add(p.Name);
  }
  return {
    Path: path,
    KeyArn: keyArn,
    RemovalPolicy: requireOneOf(props.RemovalPolicy ?? 'retain', 'RemovalPolicy', ['retain', 'destroy'] as const),
    AdoptExisting: requireOneOf(props.AdoptExisting ?? 'false', 'AdoptExisting', ['true', 'false'] as const),
    ...optionalNonEmpty(props.Owner, 'Owner'),
    ...optionalNonEmpty(props.LegacyOwner, 'LegacyOwner'),
    ...(props.RetainRemovedParameters === undefined ? {} : {
      RetainRemovedParameters: requireOneOf(props.RetainRemovedParameters, 'RetainRemovedParameters', ['true', 'false'] as const),
    }),
    Tags: parseTags(props.Tags, 'Tags'),
    Parameters: parameters,
    ...(props.Throughput === undefined ? {} : {
      Throughput: requireOneOf(props.Throughput, 'Throughput', PARAMETER_STORE_THROUGHPUTS),
    }),
    ...(props.Segment === undefined ? {} : { Segment: parseSegment(props.Segment) }),
  };
}

/** A segment of a split tree: 0 <= Index < Count, Count 2 or more (one segment is written as none). */
function parseSegment(raw: any): SegmentSpec {
  if (typeof raw !== 'object' || raw === null) fail(`\`Segment\` must be an object {Index, Count}, got: ${quote(raw)}`);
  const index = requireString(raw.Index, 'Segment.Index');
  const count = requireString(raw.Count, 'Segment.Count');
  if (!/^(0|[1-9][0-9]*)$/.test(index) || !/^[1-9][0-9]*$/.test(count) || Number(count) < 2 || Number(index) >= Number(count)) {
    fail(`\`Segment\` must have a Count of 2 or more and an Index from 0 to Count - 1, got: Index ${quote(index)}, Count ${quote(count)}`);
  }
  return { Index: index, Count: count };
}

function optionalNonEmpty<K extends string>(value: unknown, property: K): Partial<Record<K, string>> {
  if (value === undefined) return {};
  const text = requireString(value, property);
  if (text === '') fail(`\`${property}\` must not be empty, got: ''`);
  return { [property]: text } as Record<K, string>;
}

/** The throughput setting of properties that may not parse (a Delete's): the default when unreadable. */
export function parseThroughput(raw: unknown): ParameterStoreThroughputName {
  const value = (raw as { Throughput?: unknown } | undefined)?.Throughput;
  return PARAMETER_STORE_THROUGHPUTS.find((t) => t === value) ?? 'default';
}

/** The full Parameter Store name of a parameter of the tree. */
export function fullNameOf(path: string, relativeName: string): string {
  return path === '/' ? `/${relativeName}` : `${path}/${relativeName}`;
}

/** The name below the tree's path of `fullName`, a parameter under `path` (fullNameOf's inverse). */
export function relativeNameOf(path: string, fullName: string): string {
  return fullName.slice(path === '/' ? 1 : path.length + 1);
}

/**
 * The owner tag value of properties that may not parse (a Delete's): `Owner` when the template
 * has one, else the form earlier versions used, `<stack name>/<logical id>`.
 */
export function ownerFrom(raw: unknown, stackId: string, logicalResourceId: string): string {
  return nonEmptyStringOf(raw, 'Owner') ?? ownerIdOf(stackId, logicalResourceId);
}

/** The legacy owner properties that may not parse (a Delete's) name, if any. */
export function legacyOwnerFrom(raw: unknown): string | undefined {
  return nonEmptyStringOf(raw, 'LegacyOwner');
}

/** Every owner tag value that marks the tree's parameters: the owner, then a different legacy owner. */
export function ownersOf(owner: string, legacyOwner: string | undefined): string[] {
  return legacyOwner && legacyOwner !== owner ? [owner, legacyOwner] : [owner];
}

function nonEmptyStringOf(raw: unknown, property: string): string | undefined {
  const value = (raw as Record<string, unknown> | undefined)?.[property];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `<stack name>/<logical id>`: who owned a tree's parameters before `Owner` existed. */
export function ownerIdOf(stackId: string, logicalResourceId: string): string {
  // arn:aws:cloudformation:<region>:<account>:stack/<stack name>/<uuid>
  const match = /:stack\/([^/]+)\//.exec(stackId);
  if (!match) throw new InvalidPropertiesError(`\`StackId\` must be a CloudFormation stack ARN, got: '${stackId}'`);
  return `${match[1]}/${logicalResourceId}`;
}

/** Tree tags overlaid by the parameter's own, as a key -> value map. */
export function userTagsOf(props: TreeResourceProperties, spec: ParameterSpec): Map<string, string> {
  const tags = new Map<string, string>();
  for (const tag of props.Tags) tags.set(tag.Key, tag.Value);
  for (const tag of spec.Tags ?? []) tags.set(tag.Key, tag.Value);
  return tags;
}
