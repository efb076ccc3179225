/**
 * The reconciler's decisions, and nothing else: from the desired spec, what Parameter Store
 * holds, the previously deployed spec and who owns what, the list of actions per parameter.
 * Pure (no I/O, no randomness): `executor.ts` carries the actions out.
 *
 * Some decisions depend on a read the plan cannot make without I/O (the version carrying a spec
 * label, the tags a parameter has right now). The plan then names the read in the action (a
 * value source, a tag sync against the previous tags) and the executor resolves it.
 */
import { specLabelOf } from './hashing';
import { fullNameOf, userTagsOf } from './properties';
import {
  GENERATION_TAG,
  OWNER_TAG,
  ParameterKind,
  ParameterSpec,
  ParameterTierName,
  TreeResourceProperties,
} from '../../src/parameter-tree/private/contract';

export type ParameterType = 'String' | 'StringList' | 'SecureString';

/** A parameter's latest version as GetParametersByPath returns it. */
export interface StoredValue {
  readonly type: ParameterType;
  readonly value: string;
  readonly version: number;
}

/** What DescribeParameters knows of a parameter (no value, no tags). */
export interface StoredMetadata {
  readonly keyId?: string;
  readonly description: string;
  readonly tier?: string;
}

/**
 * Where a value for a spec with none yet comes from: the spec's own value (String, StringList,
 * UnsafeLiteral), PLACEHOLDER_VALUE, KMS-decrypted ciphertext, or a generated secret.
 */
export type FreshSource = 'spec' | 'placeholder' | 'decrypt' | 'generate';

/** Where the value of a write comes from. */
export type ValueSource =
  | { readonly from: FreshSource }
  /** The value stored now: the tree's own secret, rewritten for a metadata change. */
  | { readonly from: 'stored' }
  /** The value the operator set: a placeholder's, as it is right before the write. */
  | { readonly from: 'operator' }
  /**
   * The version carrying `label` (a rollback or a spec flipping back), else a fresh value.
   * When that version is `skipIfLabelOn` (the latest, with the right type and metadata),
   * nothing needs writing at all.
   */
  | { readonly from: 'labelled'; readonly label: string; readonly otherwise: FreshSource; readonly skipIfLabelOn?: number };

/** What PutParameter needs besides the value. */
export interface PutShape {
  readonly type: ParameterType;
  readonly keyId?: string;
  readonly description: string;
  readonly tier: string;
}

export type ParameterAction =
  /** PutParameter without Overwrite, tagged; then the spec label on the new version. */
  | { readonly kind: 'create'; readonly put: PutShape; readonly source: FreshSource; readonly tags: ReadonlyMap<string, string>; readonly label?: string }
  /** Takes over a foreign parameter (adoptExisting): owner, generation and user tags at once. */
  | { readonly kind: 'claim'; readonly tags: ReadonlyMap<string, string> }
  /** Moves the generation tag to this generation. */
  | { readonly kind: 'retag'; readonly generation: string }
  /** Brings user tags from `previous` to `desired`, reading the actual tags first. */
  | { readonly kind: 'sync-tags'; readonly desired: ReadonlyMap<string, string>; readonly previous: ReadonlyMap<string, string> }
  /** PutParameter with Overwrite; then the spec label on the new version. */
  | { readonly kind: 'write'; readonly put: PutShape; readonly source: ValueSource; readonly label?: string }
  /** The value and metadata are right: nothing to write. */
  | { readonly kind: 'keep' };

/** Everything known about one parameter before any write. */
export interface ParameterPlanInput {
  readonly spec: ParameterSpec;
  /** The same name in the previously deployed properties, if it was there. */
  readonly previous?: ParameterSpec;
  /** The tree's properties now and as previously deployed (tree tags, key). */
  readonly props: TreeResourceProperties;
  readonly oldProps?: TreeResourceProperties;
  readonly owner: string;
  readonly generation: string;
  /** Latest version, if the parameter exists. */
  readonly stored?: StoredValue;
  /** Metadata, if this owner owns it (an existing parameter without it is foreign). */
  readonly owned?: StoredMetadata;
  /** Already tagged with this generation. */
  readonly inGeneration: boolean;
}

export interface ParameterPlan {
  readonly name: string;
  readonly spec: ParameterSpec;
  readonly actions: readonly ParameterAction[];
}

export interface TreePlanInput {
  readonly props: TreeResourceProperties;
  readonly oldProps?: TreeResourceProperties;
  readonly owner: string;
  readonly generation: string;
  /** `<path>@<generation>` CloudFormation has deployed (an Update's physical id), parsed. */
  readonly deployed?: { readonly path: string; readonly generation: string };
  readonly values: ReadonlyMap<string, StoredValue>;
  readonly owned: ReadonlyMap<string, StoredMetadata>;
  readonly inGeneration: ReadonlySet<string>;
}

export interface TreePlan {
  /** Desired names that exist and belong to someone else: nothing may be written. */
  readonly foreign: readonly string[];
  readonly parameters: readonly ParameterPlan[];
  /**
   * Owned parameters no longer wanted, to delete after the writes unless still tagged with
   * `unlessTaggedWith` (those wait for CloudFormation's cleanup Delete).
   */
  readonly leftovers?: { readonly candidates: readonly string[]; readonly unlessTaggedWith: string };
}

export function typeOf(spec: ParameterSpec): ParameterType {
  if (spec.Kind === ParameterKind.STRING) return 'String';
  if (spec.Kind === ParameterKind.STRING_LIST) return 'StringList';
  return 'SecureString';
}

/** Parameter Store cannot turn an Advanced parameter back into a Standard one: keep Advanced. */
export function effectiveTier(desired: ParameterTierName, actual: string | undefined): string {
  return desired === 'Standard' && actual === 'Advanced' ? 'Advanced' : desired;
}

/** DescribeParameters may report the key as an ARN or as a bare key id. */
export function sameKey(keyArn: string, keyId: string | undefined): boolean {
  if (!keyId) return false;
  return keyId === keyArn || keyArn.endsWith(`:key/${keyId}`) || keyArn.endsWith(`:${keyId}`);
}

export function isOwnTag(key: string): boolean {
  return key === OWNER_TAG || key === GENERATION_TAG;
}

/**
 * Whether the parameters tagged with this generation must be looked up. When CloudFormation's
 * deployed properties had this very set of names, the reconcile that deployed them tagged every
 * one, so every owned parameter is; any other case (a new set of names, a rollback) scans.
 */
export function generationScanNeeded(input: {
  readonly generation: string;
  readonly deployed?: { readonly generation: string };
  readonly oldGeneration?: string;
  readonly ownedCount: number;
}): boolean {
  if (input.ownedCount === 0) return false;
  return !(input.deployed?.generation === input.generation && input.oldGeneration === input.generation);
}

export function planTree(input: TreePlanInput): TreePlan {
  const { props } = input;
  const nameOf = (spec: ParameterSpec) => fullNameOf(props.Path, spec.Name);
  const foreign = props.AdoptExisting === 'true'
    ? []
    : props.Parameters.map(nameOf).filter((name) => input.values.has(name) && !input.owned.has(name));
  const parameters = props.Parameters.map((spec): ParameterPlan => {
    const name = nameOf(spec);
    return {
      name,
      spec,
      actions: planParameter({
        spec,
        previous: input.oldProps?.Parameters.find((p) => p.Name === spec.Name),
        props,
        oldProps: input.oldProps,
        owner: input.owner,
        generation: input.generation,
        stored: input.values.get(name),
        owned: input.owned.get(name),
        inGeneration: input.inGeneration.has(name),
      }),
    };
  });
  return { foreign, parameters, leftovers: planLeftovers(input) };
}

/**
 * Under 'destroy', owned parameters that no generation still needs: not wanted now, and (checked
 * by the executor) not tagged with the deployed generation. What remains is what an Update that
 * failed midway created before its rollback: CloudFormation sends no Delete for that generation.
 */
function planLeftovers(input: TreePlanInput): TreePlan['leftovers'] {
  const { props, deployed } = input;
  if (props.RemovalPolicy !== 'destroy' || !deployed || deployed.path !== props.Path) return undefined;
  const wanted = new Set(props.Parameters.map((p) => fullNameOf(props.Path, p.Name)));
  const candidates = [...input.owned.keys()].filter((name) => !wanted.has(name));
  return candidates.length === 0 ? undefined : { candidates, unlessTaggedWith: deployed.generation };
}

/** The actions that bring one parameter to its spec. */
export function planParameter(input: ParameterPlanInput): ParameterAction[] {
  const { spec, props, stored, owned } = input;
  const type = typeOf(spec);
  const label = specLabelOf(spec, props.KeyArn);
  const userTags = userTagsOf(props, spec);

  if (!stored) {
    const tags = new Map([...userTags, [OWNER_TAG, input.owner], [GENERATION_TAG, input.generation]]);
    const put = { type, keyId: keyIdFor(type, props), description: spec.Description, tier: spec.Tier };
    return [{ kind: 'create', put, source: freshSourceOf(spec), tags, ...(label ? { label } : {}) }];
  }

  const actions: ParameterAction[] = [];
  if (!owned) {
    // Adopting: claim it first, so a failure later leaves it ours and a retry manages it.
    actions.push({ kind: 'claim', tags: new Map([...userTags, [OWNER_TAG, input.owner], [GENERATION_TAG, input.generation]]) });
  } else {
    if (!input.inGeneration) actions.push({ kind: 'retag', generation: input.generation });
    const sync = planTagSync(input, userTags);
    if (sync) actions.push(sync);
  }
  actions.push(planValue(input, type, label));
  return actions;
}

/**
 * The change in user tags between the old and new properties, or none. The executor reads the
 * actual tags first, so a repeated event writes nothing that is already there.
 */
function planTagSync(input: ParameterPlanInput, desired: Map<string, string>): ParameterAction | undefined {
  const { previous, oldProps } = input;
  const previousTags = previous && oldProps ? userTagsOf(oldProps, previous) : new Map<string, string>();
  if (previous && sameEntries(previousTags, desired)) return undefined;
  if (!previous && desired.size === 0) return undefined;
  return { kind: 'sync-tags', desired, previous: previousTags };
}

/** Writes a new version only when the value, type or metadata must change. */
function planValue(input: ParameterPlanInput, type: ParameterType, label: string | undefined): ParameterAction {
  const { spec, props, stored, owned } = input;
  // Adopted parameters are written once so their key, tier and description become the tree's.
  const metadataDiffers = !owned || metadataDiffersFrom(spec, type, props.KeyArn, owned);
  const sameType = stored!.type === type;
  const put = { type, keyId: keyIdFor(type, props), description: spec.Description, tier: effectiveTier(spec.Tier, owned?.tier) };
  const write = (source: ValueSource, withLabel?: string): ParameterAction =>
    ({ kind: 'write', put, source, ...(withLabel ? { label: withLabel } : {}) });

  switch (spec.Kind) {
    case ParameterKind.STRING:
    case ParameterKind.STRING_LIST:
      return sameType && stored!.value === spec.Value && !metadataDiffers ? { kind: 'keep' } : write({ from: 'spec' });
    case ParameterKind.PLACEHOLDER:
      // The operator owns the value: keep it, even when the key or description changes.
      return sameType && !metadataDiffers ? { kind: 'keep' } : write({ from: 'operator' });
    default:
      break;
  }
  if (sameType && specUnchangedSinceLastDeploy(input, label!)) {
    // The value was made for this very spec: no need to read the labelled version to know it.
    return metadataDiffers ? write({ from: 'stored' }, label) : { kind: 'keep' };
  }
  const skipIfLabelOn = sameType && !metadataDiffers ? stored!.version : undefined;
  return write({ from: 'labelled', label: label!, otherwise: freshSourceOf(spec), ...(skipIfLabelOn ? { skipIfLabelOn } : {}) }, label);
}

/**
 * True when the properties CloudFormation had deployed asked for the same spec. Then the latest
 * version holds that spec's value, and an update of a large tree reads nothing more for its
 * unchanged secrets. A rollback, or any changed spec, still looks the label up.
 */
function specUnchangedSinceLastDeploy(input: ParameterPlanInput, label: string): boolean {
  const { previous, oldProps, spec } = input;
  return previous !== undefined && oldProps !== undefined && previous.Kind === spec.Kind && specLabelOf(previous, oldProps.KeyArn) === label;
}

function metadataDiffersFrom(spec: ParameterSpec, type: ParameterType, keyArn: string, metadata: StoredMetadata): boolean {
  if (metadata.description !== spec.Description) return true;
  if (effectiveTier(spec.Tier, metadata.tier) !== (metadata.tier ?? 'Standard') && spec.Tier !== 'Intelligent-Tiering') return true;
  return type === 'SecureString' && !sameKey(keyArn, metadata.keyId);
}

/** Where a parameter that has no value for its spec yet gets one. */
function freshSourceOf(spec: ParameterSpec): FreshSource {
  switch (spec.Kind) {
    case ParameterKind.PLACEHOLDER: return 'placeholder';
    case ParameterKind.ENCRYPTED: return 'decrypt';
    case ParameterKind.GENERATED: return 'generate';
    default: return 'spec';
  }
}

function keyIdFor(type: ParameterType, props: TreeResourceProperties): string | undefined {
  return type === 'SecureString' ? props.KeyArn : undefined;
}

function sameEntries(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([key, value]) => b.get(key) === value);
}
