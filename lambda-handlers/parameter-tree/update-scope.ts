/**
 * Which parameters an Update must read: the ones whose desired state changed between the
 * deployed properties and the new ones (changed, added or removed). The others were brought to
 * their spec by the reconcile that deployed the old properties; reading them again would make
 * every Update cost the whole tree.
 */
import { typeOf } from './plan';
import { fullNameOf, userTagsOf } from './properties';
import { treeGenerationOf } from './segment';
import { ParameterSpec, SegmentSpec, TreeResourceProperties } from '../../src/parameter-tree/private/contract';

export interface UpdateScope {
  /** Full names to read and reconcile: specs changed, added or removed. */
  readonly changed: ReadonlySet<string>;
  /** Full names whose desired state is the deployed one: planned without a read. */
  readonly unchanged: ReadonlySet<string>;
}

export interface UpdateScopeInput {
  readonly props: TreeResourceProperties;
  /** The deployed properties (an Update's old ones), when they could be read. */
  readonly oldProps?: TreeResourceProperties;
  /** The deployed physical id, parsed. */
  readonly deployed?: { readonly path: string; readonly generation: string };
}

/**
 * The scope of an Update, or undefined when the whole tree must be read: no readable old
 * properties, the old properties are not the ones deployed (their generation is not the physical
 * id's), the tree's identity changed (path, owner, legacy owner), or the segment did. A rollback is told apart by
 * the caller, which asks CloudFormation.
 */
export function updateScopeOf(input: UpdateScopeInput): UpdateScope | undefined {
  const { props, oldProps, deployed } = input;
  if (!oldProps || !deployed) return undefined;
  if (deployed.path !== props.Path || oldProps.Path !== props.Path) return undefined;
  if (oldProps.Owner !== props.Owner || (oldProps.LegacyOwner ?? '') !== (props.LegacyOwner ?? '')) return undefined;
  if (deployed.generation !== treeGenerationOf(oldProps)) return undefined;
  // Another segment count moves parameters between segments: the leftovers step must see the
  // owned ones now in this segment's bucket, those removed from the tree included.
  if (!sameSegment(oldProps.Segment, props.Segment)) return undefined;

  const deployedStates = new Map(oldProps.Parameters.map((spec) => [spec.Name, desiredStateOf(oldProps, spec)]));
  const changed = new Set<string>();
  const unchanged = new Set<string>();
  for (const spec of props.Parameters) {
    const name = fullNameOf(props.Path, spec.Name);
    (deployedStates.get(spec.Name) === desiredStateOf(props, spec) ? unchanged : changed).add(name);
  }
  const wanted = new Set(props.Parameters.map((spec) => spec.Name));
  for (const spec of oldProps.Parameters) {
    if (!wanted.has(spec.Name)) changed.add(fullNameOf(props.Path, spec.Name));
  }
  return { changed, unchanged };
}

function sameSegment(a: SegmentSpec | undefined, b: SegmentSpec | undefined): boolean {
  return a?.Index === b?.Index && a?.Count === b?.Count;
}

/**
 * Everything that decides what a parameter should look like in Parameter Store: its spec, its
 * user tags (the tree's merged with its own) and, for a SecureString, the tree's key.
 */
function desiredStateOf(props: TreeResourceProperties, spec: ParameterSpec): string {
  const key = typeOf(spec) === 'SecureString' ? props.KeyArn : '';
  return canonicalJson([spec, [...userTagsOf(props, spec)].sort(), key]);
}

/** JSON with object keys sorted: equal values give equal text whatever order they were built in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
    : v));
}
