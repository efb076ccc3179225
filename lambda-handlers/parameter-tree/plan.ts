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
import { inOwnSegment } from './segment';
import {
  ADOPTED_TAG,
  GENERATION_TAG,
  OWNER_TAG,
  ParameterKind,
  ParameterSpec,
  ParameterTierName,
  REMOVED_IN_TAG,
  TreeResourceProperties,
} from '../../src/parameter-tree/private/contract';

export type ParameterType = 'String' | 'StringList' | 'SecureString';

/** What DescribeParameters knows of a parameter (no value, no tags). */
export interface StoredMetadata {
  readonly keyId?: string;
  readonly description: string;
  readonly tier?: string;
}

/** A parameter that exists, as the scan of the path found it: nothing decrypted, no value. */
export interface StoredParameter extends StoredMetadata {
  readonly type: ParameterType;
  /** The latest version. */
  readonly version: number;
}

/**
 * Who holds a parameter that exists: this tree (its owner tag is `Owner`), this tree under the
 * owner tag of earlier versions (`LegacyOwner`), or nobody (no owner tag: adoptable).
 * A parameter of another tree never gets this far: it is refused.
 */
export type Holder = 'owner' | 'legacy-owner' | 'nobody';

/**
 * Where a value for a spec with none yet comes from: the spec's own value (String, StringList,
 * UnsafeLiteral), PLACEHOLDER_VALUE, KMS-decrypted ciphertext, or a generated secret.
 */
export type FreshSource = 'spec' | 'placeholder' | 'decrypt' | 'generate';

/** Where the value of a write comes from. */
export type ValueSource =
  | { readonly from: FreshSource }
  /** The value stored now (read with decryption, via SSM): the tree's own secret, rewritten for a metadata change. */
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
  /**
   * A type change Parameter Store refuses to overwrite in a hierarchy: DeleteParameters, then the
   * create. A crash in between leaves the parameter missing, and the next run creates it.
   */
  | { readonly kind: 'replace'; readonly put: PutShape; readonly source: FreshSource; readonly tags: ReadonlyMap<string, string>; readonly label?: string }
  /**
   * Makes an existing parameter this tree's: an untagged one (adoptExisting, marked adopted) or
   * one carrying the legacy owner tag. Owner and generation tags, and the user tags for adoption.
   */
  | { readonly kind: 'claim'; readonly tags: ReadonlyMap<string, string> }
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
  /** The parameter, if it exists. */
  readonly stored?: StoredParameter;
  /** Who holds it; only read when it exists. @default 'owner' */
  readonly holder?: Holder;
  /** Latest value of a String or StringList the tree holds (read without decryption). */
  readonly value?: string;
}

export interface ParameterPlan {
  readonly name: string;
  readonly spec: ParameterSpec;
  readonly actions: readonly ParameterAction[];
  /**
   * The spec label of the previously deployed spec: a rollback needs the version carrying it,
   * so the version limit never takes it off.
   */
  readonly previousLabel?: string;
}

/** Why a desired parameter cannot be reconciled; any refusal stops the event before a write. */
export type Refusal =
  | { readonly name: string; readonly reason: 'other-owner'; readonly owner: string }
  | { readonly name: string; readonly reason: 'not-owned' }
  | { readonly name: string; readonly reason: 'secret-to-plain'; readonly kind: ParameterKind }
  | { readonly name: string; readonly reason: 'adopted-type-change'; readonly from: ParameterType; readonly to: ParameterType };

export interface TreePlanInput {
  readonly props: TreeResourceProperties;
  readonly oldProps?: TreeResourceProperties;
  readonly owner: string;
  readonly generation: string;
  /** `<path>@<generation>` CloudFormation has deployed (an Update's physical id), parsed. */
  readonly deployed?: { readonly path: string; readonly generation: string };
  /** Every parameter under the path. */
  readonly stored: ReadonlyMap<string, StoredParameter>;
  /** Names tagged with this tree's owner. */
  readonly owned: ReadonlySet<string>;
  /** Names tagged with the legacy owner (empty without one). */
  readonly legacyOwned: ReadonlySet<string>;
  /**
   * Desired names that exist but carry neither owner: their owner tag, or undefined when they
   * have none.
   */
  readonly foreignOwners: ReadonlyMap<string, string | undefined>;
  /** Held names known to carry ADOPTED_TAG (read where a decision depends on it: type changes). */
  readonly adopted: ReadonlySet<string>;
  /** Latest values of the String and StringList parameters the tree holds. */
  readonly values: ReadonlyMap<string, string>;
  /**
   * CloudFormation is rolling an update back. A secret the failed update made out of a plain
   * parameter is then replaced by the plain one again: the secret only ever existed for that
   * update, and refusing would leave the stack in UPDATE_ROLLBACK_FAILED.
   */
  readonly rollingBack?: boolean;
  /**
   * Desired names whose spec, tags and key are the deployed ones (an Update that knows its old
   * properties): not read, not written, planned as kept, whatever happens to the set of names.
   * Every other input then covers the changed, added and removed names only.
   */
  readonly unchanged?: ReadonlySet<string>;
}

export interface TreePlan {
  /** Desired parameters that must not be touched, with why; when any, nothing is planned. */
  readonly refused: readonly Refusal[];
  readonly parameters: readonly ParameterPlan[];
  /** Held parameters no longer wanted, handled after the writes. */
  readonly leftovers?: Leftovers;
}

/**
 * What becomes of the held parameters the reconcile does not want: removed now (deleted, or
 * released under RetainRemovedParameters; adopted ones are always released), or, while a
 * rollback may still need them, marked with REMOVED_IN_TAG = `generation` for CloudFormation's
 * cleanup Delete.
 */
export type Leftovers =
  | { readonly action: 'remove'; readonly candidates: readonly string[]; readonly release: boolean }
  | { readonly action: 'mark'; readonly candidates: readonly string[]; readonly generation: string };

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

/** The tags that make a parameter a tree's: never synced as user tags; removing them releases it. */
export const RESERVED_TAGS: readonly string[] = [OWNER_TAG, GENERATION_TAG, ADOPTED_TAG, REMOVED_IN_TAG];

export function isOwnTag(key: string): boolean {
  return RESERVED_TAGS.includes(key);
}

export function planTree(input: TreePlanInput): TreePlan {
  const { props } = input;
  const nameOf = (spec: ParameterSpec) => fullNameOf(props.Path, spec.Name);
  const refused = props.Parameters.flatMap((spec) => refusalOf(nameOf(spec), spec, input));
  if (refused.length > 0) return { refused, parameters: [] };
  const parameters = props.Parameters.map((spec): ParameterPlan => {
    const name = nameOf(spec);
    const previous = input.oldProps?.Parameters.find((p) => p.Name === spec.Name);
    const previousLabel = previous && input.oldProps ? specLabelOf(previous, input.oldProps.KeyArn) : undefined;
    return {
      name,
      spec,
      ...(previousLabel ? { previousLabel } : {}),
      // Nothing to write, whatever happens to the set of names: the generation tag is a birth tag.
      actions: input.unchanged?.has(name) ? [{ kind: 'keep' }] : planParameter({
        spec,
        previous,
        props,
        oldProps: input.oldProps,
        owner: input.owner,
        generation: input.generation,
        stored: input.stored.get(name),
        holder: holderOf(name, input),
        value: input.values.get(name),
      }),
    };
  });
  return { refused, parameters, leftovers: planLeftovers(input) };
}

function holderOf(name: string, input: TreePlanInput): Holder {
  if (input.owned.has(name)) return 'owner';
  return input.legacyOwned.has(name) ? 'legacy-owner' : 'nobody';
}

/** Why `spec` may not be reconciled onto what exists under `name`, or nothing. */
function refusalOf(name: string, spec: ParameterSpec, input: TreePlanInput): Refusal[] {
  const stored = input.stored.get(name);
  if (!stored) return [];
  const held = input.owned.has(name) || input.legacyOwned.has(name);
  if (!held) {
    const otherOwner = input.foreignOwners.get(name);
    // Another tree's parameter is never taken, whatever adoptExisting says.
    if (otherOwner !== undefined) return [{ name, reason: 'other-owner', owner: otherOwner }];
    if (input.props.AdoptExisting !== 'true') return [{ name, reason: 'not-owned' }];
  }
  const type = typeOf(spec);
  if (stored.type === type) return [];
  // A secret turned plain would lose its value (generated, set by an operator, decrypted).
  if (stored.type === 'SecureString' && !(input.rollingBack && held && !input.adopted.has(name))) {
    return [{ name, reason: 'secret-to-plain', kind: spec.Kind }];
  }
  // The type change deletes the parameter, which is never done to one the tree did not create.
  if (!held || input.adopted.has(name)) return [{ name, reason: 'adopted-type-change', from: stored.type, to: type }];
  return [];
}

/** The reason of a refused event: every refused parameter, with what to do about it. */
export function refusalMessage(refused: readonly Refusal[], owner: string): string {
  const parts = refused.map((r) => {
    switch (r.reason) {
      case 'other-owner':
        return `'${r.name}' belongs to another tree (tag ${OWNER_TAG}=${r.owner}), which adoptExisting never takes over; ` +
          'give this tree another path or name for it';
      case 'not-owned':
        return `'${r.name}' already exists and is not owned by ${owner} (no tag ${OWNER_TAG}=${owner}); ` +
          'delete it, rename it in the tree, or set adoptExisting to let the tree take it over';
      case 'secret-to-plain':
        return `'${r.name}' is a SecureString and the tree now declares it ${r.kind}: its secret value (generated, set by an ` +
          'operator, or decrypted) would be lost. To do this on purpose, rename the parameter, or remove it in one deployment ' +
          'and add it back in the next';
      case 'adopted-type-change':
        return `'${r.name}' was not created by this tree (adopted), and changing its type from ${r.from} to ${r.to} means ` +
          'deleting it; rename the parameter in the tree, or delete it yourself first';
    }
  });
  return `nothing was changed: ${parts.join('; ')}`;
}

/**
 * Held parameters the tree does not want now, among those read (an Update's removed names, or
 * the whole path). When the deployed generation is this one, nothing committed or pending wants
 * them: what an Update that failed midway created before its rollback (which reports the old
 * physical id, so CloudFormation sends no Delete for it), or a removed parameter a cleanup Delete
 * missed; they go now. Otherwise the deployed generation, to which this Update may still roll
 * back, may want them: they are marked, and the cleanup Delete of whichever generation is then
 * live removes what that generation's reconcile marked. A Create, or a tree that changed its
 * path, has none.
 */
function planLeftovers(input: TreePlanInput): Leftovers | undefined {
  const { props, deployed } = input;
  if (!deployed || deployed.path !== props.Path) return undefined;
  const wanted = new Set(props.Parameters.map((p) => fullNameOf(props.Path, p.Name)));
  // Another segment's parameters are that segment's to keep or remove.
  const candidates = [...input.owned, ...input.legacyOwned].filter((name) => !wanted.has(name) && inOwnSegment(props, name));
  if (candidates.length === 0) return undefined;
  return deployed.generation === input.generation
    ? { action: 'remove', candidates, release: props.RetainRemovedParameters === 'true' }
    : { action: 'mark', candidates, generation: input.generation };
}

/** The actions that bring one parameter to its spec. */
export function planParameter(input: ParameterPlanInput): ParameterAction[] {
  const { spec, props, stored } = input;
  const holder = input.holder ?? 'owner';
  const type = typeOf(spec);
  const label = specLabelOf(spec, props.KeyArn);
  const userTags = userTagsOf(props, spec);
  const ownTags = new Map([...userTags, [OWNER_TAG, input.owner], [GENERATION_TAG, input.generation]]);
  const put = { type, keyId: keyIdFor(type, props), description: spec.Description, tier: effectiveTier(spec.Tier, stored?.tier) };
  const withLabel = label ? { label } : {};

  if (!stored) {
    return [{ kind: 'create', put: { ...put, tier: spec.Tier }, source: freshSourceOf(spec), tags: ownTags, ...withLabel }];
  }
  if (stored.type !== type) {
    // Refused beforehand unless the tree created it and the new type is not a lossy one.
    return [{ kind: 'replace', put: { ...put, tier: spec.Tier }, source: freshSourceOf(spec), tags: ownTags, ...withLabel }];
  }

  const actions: ParameterAction[] = [];
  if (holder === 'nobody') {
    // Adopting: claim it first, so a failure later leaves it ours (and marked adopted) and a retry manages it.
    actions.push({ kind: 'claim', tags: new Map([...ownTags, [ADOPTED_TAG, 'true']]) });
  } else {
    if (holder === 'legacy-owner') {
      // The owner tag of earlier versions: the same tree, re-tagged with its owner (not adopted).
      actions.push({ kind: 'claim', tags: new Map([[OWNER_TAG, input.owner], [GENERATION_TAG, input.generation]]) });
    }
    const sync = planTagSync(input, userTags);
    if (sync) actions.push(sync);
  }
  actions.push(planValue(input, holder, put, label));
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

/** Writes a new version only when the value or metadata must change (the type is the same). */
function planValue(input: ParameterPlanInput, holder: Holder, put: PutShape, label: string | undefined): ParameterAction {
  const { spec, props, stored } = input;
  // Adopted parameters are written once so their key, tier and description become the tree's.
  const metadataDiffers = holder === 'nobody' || metadataDiffersFrom(spec, put.type, props.KeyArn, stored!);
  const write = (source: ValueSource, withLabel?: string): ParameterAction =>
    ({ kind: 'write', put, source, ...(withLabel ? { label: withLabel } : {}) });

  switch (spec.Kind) {
    case ParameterKind.STRING:
    case ParameterKind.STRING_LIST:
      return input.value === spec.Value && !metadataDiffers ? { kind: 'keep' } : write({ from: 'spec' });
    case ParameterKind.PLACEHOLDER:
      // The operator owns the value: keep it, even when the key or description changes.
      return metadataDiffers ? write({ from: 'operator' }) : { kind: 'keep' };
    default:
      break;
  }
  if (specUnchangedSinceLastDeploy(input, label!)) {
    // The value was made for this very spec: no need to read the labelled version to know it.
    return metadataDiffers ? write({ from: 'stored' }, label) : { kind: 'keep' };
  }
  const skipIfLabelOn = metadataDiffers ? undefined : stored!.version;
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
