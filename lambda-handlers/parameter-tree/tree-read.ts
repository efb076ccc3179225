/**
 * The reconciler's reads before any write: what exists under the path and who holds it, without
 * decrypting anything. `executor.ts` hands the result to the plan.
 */
import { ParameterStore } from './parameter-store';
import { generationScanNeeded, TreePlanInput, typeOf } from './plan';
import { fullNameOf } from './properties';
import { treeGenerationOf } from './segment';
import { ADOPTED_TAG, GENERATION_TAG, OWNER_TAG, TreeResourceProperties } from '../../src/parameter-tree/private/contract';

export interface TreeReadOptions {
  readonly props: TreeResourceProperties;
  readonly oldProps?: TreeResourceProperties;
  readonly owner: string;
  readonly store: ParameterStore;
  /** The generation being reconciled, and the one CloudFormation has deployed. */
  readonly generation: string;
  readonly deployed?: { readonly generation: string };
  /**
   * Reads these full names only (an Update's changed, added and removed parameters), with
   * DescribeParameters by name rather than scans of the path. Undefined: the whole path.
   */
  readonly names?: ReadonlySet<string>;
}

/** What the plan needs to know of the path, read without decrypting anything. */
export type TreeRead = Pick<TreePlanInput, 'stored' | 'owned' | 'legacyOwned' | 'foreignOwners' | 'adopted' | 'values' | 'inGeneration'>;

/**
 * One scan of everything under the path (existence, type, version, metadata), the scans of
 * what carries this tree's owner tag (and the legacy one), then only what a decision needs:
 * the tags of desired parameters held by nobody known (another tree's, or untagged), the tags
 * of held parameters whose type changes (adopted ones are never deleted), and the values of the
 * held String and StringList parameters. Foreign SecureStrings are never decrypted.
 */
export async function readTree(options: TreeReadOptions): Promise<TreeRead> {
  const { props, store } = options;
  const path = props.Path;
  const names = options.names;
  const stored = await store.describeAll(path, names);
  // An empty path (a first Create) holds nothing to own: no second scan.
  const owned = stored.size === 0 ? new Set<string>() : new Set((await store.describeTagged(path, { [OWNER_TAG]: options.owner }, names)).keys());
  const legacyOwner = props.LegacyOwner;
  const legacyOwned = legacyOwner && legacyOwner !== options.owner && stored.size > owned.size
    ? new Set([...(await store.describeTagged(path, { [OWNER_TAG]: legacyOwner }, names)).keys()].filter((name) => !owned.has(name)))
    : new Set<string>();
  const held = (name: string) => owned.has(name) || legacyOwned.has(name);

  const desired = props.Parameters.map((spec) => ({ spec, name: fullNameOf(path, spec.Name) }))
    .filter(({ name }) => stored.has(name));
  const unknownHolder = desired.filter(({ name }) => !held(name)).map(({ name }) => name);
  const typeChanging = desired.filter(({ spec, name }) => held(name) && stored.get(name)!.type !== typeOf(spec)).map(({ name }) => name);
  // One at a time: rare (foreign or adoptable names, type changes), and paced at a few calls per second anyway.
  const tags = new Map<string, Map<string, string>>();
  for (const name of [...unknownHolder, ...typeChanging]) tags.set(name, await store.tagsOf(name));
  const foreignOwners = new Map<string, string | undefined>();
  for (const name of unknownHolder) {
    const tagOwner = tags.get(name)!.get(OWNER_TAG);
    // Tagged between the scans (a duplicate delivery running alongside): the tree's own after all.
    if (tagOwner === options.owner) owned.add(name);
    else if (tagOwner !== undefined && tagOwner === legacyOwner) legacyOwned.add(name);
    else foreignOwners.set(name, tagOwner);
  }
  const adopted = new Set(typeChanging.filter((name) => tags.get(name)!.get(ADOPTED_TAG) === 'true'));

  const plainHeld = desired
    .filter(({ spec, name }) => held(name) && typeOf(spec) !== 'SecureString' && stored.get(name)!.type === typeOf(spec))
    .map(({ name }) => name);
  const values = await store.plainValues(plainHeld);
  const inGeneration = await ownedWithGeneration(options, owned);
  return { stored, owned, legacyOwned, foreignOwners, adopted, values, inGeneration };
}

/** The owned parameters already tagged with this generation: scanned only when it can differ. */
async function ownedWithGeneration(options: TreeReadOptions, owned: ReadonlySet<string>): Promise<Set<string>> {
  const { generation, deployed } = options;
  const oldGeneration = options.oldProps ? treeGenerationOf(options.oldProps) : undefined;
  if (!generationScanNeeded({ generation, deployed, oldGeneration, ownedCount: owned.size })) {
    return new Set(owned);
  }
  const tagged = await options.store.describeTagged(options.props.Path, { [OWNER_TAG]: options.owner, [GENERATION_TAG]: generation }, options.names);
  return new Set(tagged.keys());
}
