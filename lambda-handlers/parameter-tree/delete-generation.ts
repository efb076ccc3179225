/**
 * Delete: CloudFormation sends one for a generation that an Update replaced (after the update
 * succeeded, or after it rolled back) and for the whole tree (stack deletion, the tree removed
 * from the template, the rollback of its Create). The event alone does not say which; the
 * stack's status and the physical id live for the logical id do. Parameters the tree adopted
 * are released, never deleted.
 */
import { DeadlineError, outOfTimeSays } from './executor';
import { ParsedPhysicalId, parsePhysicalId } from './hashing';
import { deleteBatchesOf, ParameterStore } from './parameter-store';
import { removedSegmentRemoval } from './segment';
import { StackView } from './stack-view';
import { ADOPTED_TAG, GENERATION_TAG, OWNER_TAG, TREE_RESOURCE_TYPE } from '../../src/parameter-tree/private/contract';
import { ConcurrentWorkError, mapWithConcurrency, WorkCancelledError } from '../shared/concurrency';
import { describeError } from '../shared/retry';

export interface DeleteOptions {
  /** `<path>@<generation>[+retain-removed]` of the resource to delete. */
  readonly physicalId: string;
  readonly logicalId: string;
  /** The properties the Delete carries; only RemovalPolicy is read. */
  readonly rawProps: unknown;
  /** Owner tag values marking the tree's parameters: its owner, and the legacy owner if any. */
  readonly owners: readonly string[];
  readonly stack: StackView;
  readonly store: ParameterStore;
  readonly concurrency: number;
  readonly log: (message: string) => void;
  /** Aborts at the invocation's deadline. */
  readonly signal?: AbortSignal;
}

/** What a Delete removes, decided from CloudFormation's view of the stack. */
export type Removal =
  /** Nothing to remove. */
  | { readonly scope: 'none'; readonly why: string }
  /** The parameters still tagged with this generation; released instead of deleted when `release`. */
  | { readonly scope: 'generation'; readonly release: boolean; readonly why: string }
  /** Every parameter of the tree (removal policy destroy). */
  | { readonly scope: 'tree'; readonly why: string };

export interface RemovalInput {
  readonly physicalId: string;
  readonly parsed: ParsedPhysicalId;
  /** undefined: the stack does not exist (any more). */
  readonly stackStatus: string | undefined;
  /** undefined: the stack has no resource with the Delete's logical id. */
  readonly livePhysicalId: string | undefined;
  readonly removalPolicy: 'retain' | 'destroy';
}

/** Stack statuses in which the whole stack, or the Create that made it, goes away. */
const STACK_GOING = /^(DELETE|ROLLBACK)_/;

/** The design's removal rules, in order. */
export function removalOf(input: RemovalInput): Removal {
  const { parsed, stackStatus, livePhysicalId } = input;
  const live = livePhysicalId === undefined ? undefined : parsePhysicalId(livePhysicalId);
  if (stackStatus === undefined) return wholeTree(input, 'the stack does not exist');
  if (!live || livePhysicalId === input.physicalId) return wholeTree(input, `the stack (${stackStatus}) holds no other generation of this tree`);
  if (live.path === parsed.path && live.generation === parsed.generation) {
    return { scope: 'none', why: `the live resource ${livePhysicalId} holds the same parameters (only a setting changed)` };
  }
  if (stackStatus === 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS') {
    return { scope: 'generation', release: false, why: `an update that rolled back made this generation (live: ${livePhysicalId})` };
  }
  if (STACK_GOING.test(stackStatus)) return wholeTree(input, `the stack is ${stackStatus}`);
  // UPDATE_COMPLETE_CLEANUP_IN_PROGRESS, or a late duplicate delivered after the cleanup: the tree
  // lives on as another generation, so a Delete of this one never removes the whole tree.
  return {
    scope: 'generation',
    release: live.retainRemoved,
    why: `generation replaced by ${livePhysicalId} (${stackStatus}); what it still tags was removed from the tree`,
  };
}

/**
 * A tree whose logical id left a living stack may live on under another one: a renamed construct
 * keeps its owner (tree id and path), and its new resource took the parameters over. Then this
 * Delete removes nothing; the live resource's reconciles remove what it does not want.
 */
async function unlessLivingElsewhere(deps: DeleteOptions, parsed: ParsedPhysicalId, removal: Removal): Promise<Removal> {
  const trees = await deps.stack.liveResourcesOfType(TREE_RESOURCE_TYPE);
  for (const [logicalId, physicalId] of trees) {
    if (logicalId !== deps.logicalId && parsePhysicalId(physicalId)?.path === parsed.path) {
      return { scope: 'none', why: `the stack's tree ${logicalId} (${physicalId}) holds this path now; its parameters are kept` };
    }
  }
  return removal;
}

function wholeTree(input: RemovalInput, why: string): Removal {
  return input.removalPolicy === 'destroy'
    ? { scope: 'tree', why: `${why}: whole tree, removal policy destroy` }
    : { scope: 'none', why: `${why}: whole tree, removal policy retain keeps it` };
}

/** Removes what the Delete's case calls for: deletes, releases adopted parameters (and all under `release`). */
export async function deleteGeneration(deps: DeleteOptions): Promise<void> {
  const { physicalId, rawProps } = deps;
  const parsed = parsePhysicalId(physicalId);
  if (!parsed) {
    deps.log(`delete ${physicalId}: not a tree generation, nothing to do`);
    return;
  }
  const removal = await outOfTimeSays(`asking CloudFormation about the stack of tree '${parsed.path}'; nothing was deleted`, async () => {
    const stackStatus = await deps.stack.status();
    const livePhysicalId = await deps.stack.livePhysicalId(deps.logicalId);
    const decided = removalOf({ physicalId, parsed, stackStatus, livePhysicalId, removalPolicy: removalPolicyOf(rawProps) });
    const stackLivesOn = stackStatus !== undefined && !STACK_GOING.test(stackStatus);
    const leftTheStack = livePhysicalId === undefined || livePhysicalId === physicalId;
    const segmentRemoval = stackLivesOn && leftTheStack ? await removedSegmentRemoval({ ...deps, physicalId, stackStatus }) : undefined;
    if (segmentRemoval) return segmentRemoval;
    return decided.scope === 'tree' && stackLivesOn ? unlessLivingElsewhere(deps, parsed, decided) : decided;
  });
  deps.log(`delete ${physicalId}: ${removal.why}`);
  if (removal.scope === 'none') return;

  const { toDelete, toRelease } = await outOfTimeSays(`finding the parameters of tree '${parsed.path}' to remove; nothing was removed`,
    () => findTargets(deps, parsed, removal));
  await releaseAll(deps, parsed.path, toRelease);
  await deleteAll(deps, parsed.path, toDelete);
  deps.log(`delete ${physicalId}: ${toDelete.length} parameter(s) deleted, ${toRelease.length} released`);
}

/** A Delete must not fail on properties it cannot read: anything but 'destroy' retains. */
function removalPolicyOf(rawProps: unknown): 'retain' | 'destroy' {
  return (rawProps as { RemovalPolicy?: unknown } | undefined)?.RemovalPolicy === 'destroy' ? 'destroy' : 'retain';
}

/** One tag scan per owner, and one more (with the adopted tag) to tell the adopted apart. */
async function findTargets(deps: DeleteOptions, parsed: ParsedPhysicalId, removal: Exclude<Removal, { scope: 'none' }>) {
  const toDelete: string[] = [];
  const toRelease: string[] = [];
  for (const owner of new Set(deps.owners)) {
    const tags: Record<string, string> = { [OWNER_TAG]: owner };
    if (removal.scope === 'generation') tags[GENERATION_TAG] = parsed.generation;
    const owned = [...(await deps.store.describeTagged(parsed.path, tags)).keys()];
    if (owned.length === 0) continue;
    if (removal.scope === 'generation' && removal.release) {
      toRelease.push(...owned);
      continue;
    }
    const adopted = await deps.store.describeTagged(parsed.path, { ...tags, [ADOPTED_TAG]: 'true' });
    for (const name of owned) (adopted.has(name) ? toRelease : toDelete).push(name);
  }
  return { toDelete, toRelease };
}

async function releaseAll(deps: DeleteOptions, path: string, names: readonly string[]): Promise<void> {
  await removing({
    path,
    verb: 'release',
    calls: 'RemoveTagsFromResource call(s) releasing parameters',
    total: names.length,
    work: () => mapWithConcurrency(names, deps.concurrency, (name) => deps.store.release(name), deps.signal),
    describe: (item) => `'${item as string}'`,
  });
}

async function deleteAll(deps: DeleteOptions, path: string, names: readonly string[]): Promise<void> {
  const batches = deleteBatchesOf(names);
  await removing({
    path,
    verb: 'delete',
    calls: `DeleteParameters batch(es) (${names.length} parameters in all)`,
    total: batches.length,
    work: () => mapWithConcurrency(batches, deps.concurrency, (batch) => deps.store.deleteBatch(batch), deps.signal),
    describe: (item) => (item as string[]).map((n) => `'${n}'`).join(', '),
  });
}

interface RemovalWork {
  readonly path: string;
  readonly verb: 'delete' | 'release';
  /** What the calls are, for the deadline message. */
  readonly calls: string;
  readonly total: number;
  readonly work: () => Promise<unknown>;
  /** Names a failed work item in the error. */
  readonly describe: (item: unknown) => string;
}

/** Runs concurrent removal work; says how far it got when the deadline stops it, and what failed. */
async function removing(w: RemovalWork): Promise<void> {
  if (w.total === 0) return;
  try {
    await w.work();
  } catch (error) {
    if (error instanceof WorkCancelledError) {
      throw new DeadlineError(
        `out of time: ${error.completed} of ${error.total} ${w.calls} of tree '${w.path}' done, ${error.total - error.completed} left; ` +
        'every call had stopped before this answer. Deleting again removes the rest',
      );
    }
    if (!(error instanceof ConcurrentWorkError)) throw error;
    const details = error.failures.map((f) => `${w.describe(f.item)}: ${describeError(f.error)}`);
    throw new Error(`could not ${w.verb} parameters of tree '${w.path}': ${details.join('; ')}`);
  }
}
