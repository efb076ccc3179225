/**
 * Create and Update: brings Parameter Store under the tree's path to the desired parameters,
 * writing only what differs, never touching what another owner holds, never deleting.
 */
import { generationOf, parsePhysicalId, physicalIdOf, specLabelOf } from './hashing';
import { deleteBatchesOf, ParameterStore, ParameterType, StoredMetadata, StoredValue } from './parameter-store';
import { fullNameOf, userTagsOf } from './properties';
import { generateSecret } from './secret-generator';
import {
  GENERATION_TAG,
  OWNER_TAG,
  ParameterKind,
  ParameterSpec,
  PLACEHOLDER_VALUE,
  TreeResourceAttributes,
  TreeResourceProperties,
} from '../../src/parameter-tree/private/contract';
import { ConcurrentWorkError, mapWithConcurrency } from '../shared/concurrency';
import { CustomResourceResult } from '../shared/custom-resource';
import { Redactor } from '../shared/redaction';
import { describeError } from '../shared/retry';

/** What the reconciler needs besides Parameter Store. */
export interface ReconcileOptions {
  readonly redactor: Redactor;
  readonly concurrency: number;
  readonly log: (message: string) => void;
}

/** What one reconcile did, for the log (counts only, never values). */
interface Outcome {
  created: number;
  written: number;
  retagged: number;
  unchanged: number;
  leftovers: number;
}

/**
 * One Create or Update of a tree. Reads the path once (values, owned parameters, those already
 * tagged with this generation), refuses foreign parameters before any write, then reconciles
 * each parameter with bounded concurrency.
 */
export class TreeReconciler {
  private readonly generation: string;
  private readonly outcome: Outcome = { created: 0, written: 0, retagged: 0, unchanged: 0, leftovers: 0 };

  constructor(
    private readonly props: TreeResourceProperties,
    private readonly oldProps: TreeResourceProperties | undefined,
    private readonly owner: string,
    private readonly store: ParameterStore,
    private readonly decrypt: (ciphertext: string, keyArn: string) => Promise<string>,
    private readonly deps: ReconcileOptions,
    /** The physical id an Update event carries: the generation CloudFormation has deployed. */
    private readonly deployedPhysicalId?: string,
  ) {
    this.generation = generationOf(props.Parameters.map((p) => p.Name));
  }

  public async run(): Promise<CustomResourceResult> {
    const { Path: path } = this.props;
    const values = await this.store.valuesUnder(path);
    const owned = await this.store.describeTagged(path, { [OWNER_TAG]: this.owner });
    const current = await this.ownedWithThisGeneration(owned);

    this.refuseForeignParameters(values, owned);

    try {
      await mapWithConcurrency(this.props.Parameters, this.deps.concurrency, (spec) =>
        this.reconcileParameter(spec, values.get(this.nameOf(spec)), owned.get(this.nameOf(spec)), current.has(this.nameOf(spec))));
    } catch (error) {
      if (!(error instanceof ConcurrentWorkError)) throw error;
      const details = error.failures.map((f) => `'${this.nameOf(f.item as ParameterSpec)}': ${describeError(f.error)}`);
      throw new Error(
        `could not reconcile ${details.length} parameter(s) of tree '${path}' (no further parameter was started): ${details.join('; ')}`,
      );
    }

    await this.removeLeftovers(owned);

    const o = this.outcome;
    this.deps.log(`tree ${path}@${this.generation}: ${o.created} created, ${o.written} written, ${o.retagged} retagged, ` +
      `${o.unchanged} unchanged, ${o.leftovers} leftover(s) removed`);
    const data: TreeResourceAttributes = { Path: path, ParameterCount: String(this.props.Parameters.length) };
    return { physicalResourceId: physicalIdOf(path, this.generation), data: { ...data } };
  }

  /**
   * Owned parameters already tagged with this generation. When CloudFormation's deployed
   * properties had this very set of names, the reconcile that deployed them tagged every one of
   * them, so no scan is needed; any other case (a new set of names, a rollback from one) scans.
   */
  private async ownedWithThisGeneration(owned: Map<string, StoredMetadata>): Promise<Set<string>> {
    if (owned.size === 0) return new Set();
    const deployed = this.deployedPhysicalId ? parsePhysicalId(this.deployedPhysicalId) : undefined;
    const deployedNames = this.oldProps ? generationOf(this.oldProps.Parameters.map((p) => p.Name)) : undefined;
    if (deployed?.generation === this.generation && deployedNames === this.generation) return new Set(owned.keys());
    const tagged = await this.store.describeTagged(this.props.Path, { [OWNER_TAG]: this.owner, [GENERATION_TAG]: this.generation });
    return new Set(tagged.keys());
  }

  private nameOf(spec: ParameterSpec): string {
    return fullNameOf(this.props.Path, spec.Name);
  }

  /**
   * Under 'destroy', deletes owned parameters that no generation still needs: not wanted now,
   * and not tagged with the deployed generation (those wait for CloudFormation's cleanup Delete,
   * so a rollback can still bring them back). What is left is what an Update that failed midway
   * created before its rollback: CloudFormation sends no Delete for that generation.
   */
  private async removeLeftovers(ownedBefore: Map<string, StoredMetadata>): Promise<void> {
    const deployed = this.deployedPhysicalId ? parsePhysicalId(this.deployedPhysicalId) : undefined;
    if (this.props.RemovalPolicy !== 'destroy' || !deployed || deployed.path !== this.props.Path) return;
    const wanted = new Set(this.props.Parameters.map((p) => this.nameOf(p)));
    const candidates = [...ownedBefore.keys()].filter((name) => !wanted.has(name));
    if (candidates.length === 0) return;
    const awaitingCleanup = await this.store.describeTagged(this.props.Path, { [OWNER_TAG]: this.owner, [GENERATION_TAG]: deployed.generation });
    const leftovers = candidates.filter((name) => !awaitingCleanup.has(name));
    for (const batch of deleteBatchesOf(leftovers)) await this.store.deleteBatch(batch);
    this.outcome.leftovers = leftovers.length;
  }

  /** Fails before any write when a desired name exists and someone else owns it. */
  private refuseForeignParameters(values: Map<string, StoredValue>, owned: Map<string, StoredMetadata>): void {
    if (this.props.AdoptExisting === 'true') return;
    const foreign = this.props.Parameters.map((p) => this.nameOf(p)).filter((name) => values.has(name) && !owned.has(name));
    if (foreign.length === 0) return;
    throw new Error(
      `parameter(s) ${foreign.map((n) => `'${n}'`).join(', ')} already exist and are not owned by ${this.owner} ` +
      `(no tag ${OWNER_TAG}=${this.owner}); nothing was changed. Delete them, rename them in the tree, ` +
      'or set adoptExisting to let the tree take them over',
    );
  }

  private async reconcileParameter(
    spec: ParameterSpec,
    stored: StoredValue | undefined,
    metadata: StoredMetadata | undefined,
    isCurrentGeneration: boolean,
  ): Promise<void> {
    const name = this.nameOf(spec);
    if (!stored) {
      await this.create(name, spec);
      return;
    }
    const userTags = userTagsOf(this.props, spec);
    if (!metadata) {
      // Adopting: claim it first, so a failure later leaves it ours and a retry manages it.
      await this.store.addTags(name, new Map([...userTags, [OWNER_TAG, this.owner], [GENERATION_TAG, this.generation]]));
      this.outcome.retagged++;
    } else {
      if (!isCurrentGeneration) {
        await this.store.addTags(name, new Map([[GENERATION_TAG, this.generation]]));
        this.outcome.retagged++;
      }
      await this.syncUserTags(name, spec, userTags);
    }
    const wrote = await this.updateValue(name, spec, stored, metadata);
    if (wrote) this.outcome.written++;
    else this.outcome.unchanged++;
  }

  private async create(name: string, spec: ParameterSpec): Promise<void> {
    const value = await this.freshValue(spec);
    const tags = new Map([...userTagsOf(this.props, spec), [OWNER_TAG, this.owner], [GENERATION_TAG, this.generation]]);
    const version = await this.store.put({
      name,
      type: typeOf(spec),
      value,
      keyId: this.props.KeyArn,
      description: spec.Description,
      tier: spec.Tier,
      overwrite: false,
      tags: [...tags].map(([Key, Value]) => ({ Key, Value })),
    });
    const label = specLabelOf(spec, this.props.KeyArn);
    if (label) await this.store.label(name, version, label);
    this.outcome.created++;
  }

  /** Writes a new version only when the value, type or metadata must change. True if it wrote. */
  private async updateValue(name: string, spec: ParameterSpec, stored: StoredValue, metadata: StoredMetadata | undefined): Promise<boolean> {
    const type = typeOf(spec);
    // Adopted parameters are written once so their key, tier and description become the tree's.
    const metadataDiffers = !metadata || this.metadataDiffers(spec, type, metadata);
    const write = (value: string) => this.store.put({
      name,
      type,
      value,
      keyId: this.props.KeyArn,
      description: spec.Description,
      tier: effectiveTier(spec.Tier, metadata?.tier),
      overwrite: true,
    });

    if (spec.Kind === ParameterKind.STRING || spec.Kind === ParameterKind.STRING_LIST) {
      if (stored.type === type && stored.value === spec.Value && !metadataDiffers) return false;
      await write(spec.Value!);
      return true;
    }

    if (spec.Kind === ParameterKind.PLACEHOLDER) {
      // The operator owns the value: keep it, even when the key or description changes.
      if (stored.type === type && !metadataDiffers) return false;
      await write(stored.value);
      return true;
    }

    const label = specLabelOf(spec, this.props.KeyArn)!;
    if (stored.type === type && this.specUnchangedSinceLastDeploy(spec, label)) {
      // The value was made for this very spec: no need to read the labelled version to know it.
      if (!metadataDiffers) return false;
      const version = await write(stored.value);
      await this.store.label(name, version, label);
      return true;
    }
    const labelled = await this.store.versionLabelled(name, label);
    let value: string;
    if (labelled && labelled.version === stored.version && stored.type === type) {
      if (!metadataDiffers) return false;
      value = stored.value;
    } else if (labelled) {
      // The spec's value lives in an older version (a rollback, or a spec flipping back).
      value = labelled.value;
    } else {
      value = await this.freshValue(spec);
    }
    const version = await write(value);
    await this.store.label(name, version, label);
    return true;
  }

  /**
   * True when the properties CloudFormation had deployed asked for the same spec. Then the
   * latest version holds that spec's value, and an update of a large tree reads nothing more
   * for its unchanged secrets. A rollback, or any changed spec, still looks the label up.
   */
  private specUnchangedSinceLastDeploy(spec: ParameterSpec, label: string): boolean {
    const previous = this.oldProps?.Parameters.find((p) => p.Name === spec.Name);
    return previous !== undefined && previous.Kind === spec.Kind && specLabelOf(previous, this.oldProps!.KeyArn) === label;
  }

  private metadataDiffers(spec: ParameterSpec, type: ParameterType, metadata: StoredMetadata): boolean {
    if (metadata.description !== spec.Description) return true;
    if (effectiveTier(spec.Tier, metadata.tier) !== (metadata.tier ?? 'Standard') && spec.Tier !== 'Intelligent-Tiering') return true;
    return type === 'SecureString' && !sameKey(this.props.KeyArn, metadata.keyId);
  }

  /** A value for a parameter that has none for its spec yet. */
  private async freshValue(spec: ParameterSpec): Promise<string> {
    switch (spec.Kind) {
      case ParameterKind.STRING:
      case ParameterKind.STRING_LIST:
      case ParameterKind.UNSAFE_LITERAL:
        return spec.Value!;
      case ParameterKind.PLACEHOLDER:
        return PLACEHOLDER_VALUE;
      case ParameterKind.ENCRYPTED:
        return this.decrypt(spec.Ciphertext!, spec.CiphertextKeyArn || this.props.KeyArn);
      case ParameterKind.GENERATED: {
        const g = spec.Generator!;
        const value = generateSecret({
          length: Number(g.Length),
          excludeCharacters: g.ExcludeCharacters,
          excludePunctuation: g.ExcludePunctuation === 'true',
        });
        this.deps.redactor.add(value);
        return value;
      }
    }
  }

  /**
   * Applies the change in user tags between the old and new properties. Reads the actual tags
   * first, so a repeated event writes nothing that is already there.
   */
  private async syncUserTags(name: string, spec: ParameterSpec, desired: Map<string, string>): Promise<void> {
    const oldSpec = this.oldProps?.Parameters.find((p) => p.Name === spec.Name);
    const previous = oldSpec && this.oldProps ? userTagsOf(this.oldProps, oldSpec) : new Map<string, string>();
    if (oldSpec && sameEntries(previous, desired)) return;
    if (!oldSpec && desired.size === 0) return;

    const actual = await this.store.tagsOf(name);
    const toAdd = new Map([...desired].filter(([key, value]) => actual.get(key) !== value));
    const toRemove = [...previous.keys()].filter((key) => !desired.has(key) && actual.has(key) && !isOwnTag(key));
    await this.store.addTags(name, toAdd);
    await this.store.removeTags(name, toRemove);
  }
}

function typeOf(spec: ParameterSpec): ParameterType {
  if (spec.Kind === ParameterKind.STRING) return 'String';
  if (spec.Kind === ParameterKind.STRING_LIST) return 'StringList';
  return 'SecureString';
}

/** Parameter Store cannot turn an Advanced parameter back into a Standard one: keep Advanced. */
function effectiveTier(desired: string, actual: string | undefined): string {
  return desired === 'Standard' && actual === 'Advanced' ? 'Advanced' : desired;
}

/** DescribeParameters may report the key as an ARN or as a bare key id. */
function sameKey(keyArn: string, keyId: string | undefined): boolean {
  if (!keyId) return false;
  return keyId === keyArn || keyArn.endsWith(`:key/${keyId}`) || keyArn.endsWith(`:${keyId}`);
}

function isOwnTag(key: string): boolean {
  return key === OWNER_TAG || key === GENERATION_TAG;
}

function sameEntries(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([key, value]) => b.get(key) === value);
}
