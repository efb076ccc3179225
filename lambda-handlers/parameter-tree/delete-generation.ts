/**
 * Delete: CloudFormation sends one for a generation that an Update replaced (after the update
 * succeeded, or after it rolled back) and for the whole tree (stack deletion, the tree removed
 * from the template, the rollback of its Create). The event alone does not say which; the
 * stack's status and the physical id live for the logical id do. A replaced generation's Delete
 * removes what the live generation's reconcile marked as unwanted (REMOVED_IN_TAG), not what its
 * own generation holds: an Update whose set of names changed writes only the changed names.
 * Parameters the tree adopted are released, never deleted.
 */
import { DeadlineError, outOfTimeSays } from './executor';
import { ParsedPhysicalId, parsePhysicalId } from './hashing';
import { deleteBatchesOf, ParameterStore } from './parameter-store';
import { StackView } from './stack-view';
import { ADOPTED_TAG, OWNER_TAG, REMOVED_IN_TAG, TREE_RESOURCE_TYPE } from '../../src/parameter-tree/private/contract';
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
  /**
   * The parameters marked REMOVED_IN_TAG=`removedIn` (the live generation): the ones it does not
   * want. Released instead of deleted when `release`.
   */
  | { readonly scope: 'removed'; readonly removedIn: string; readonly release: boolean; readonly why: string }
  /** Every parameter the tree owns under the path it moved away from; released instead of deleted when `release`. */
  | { readonly scope: 'old-path'; readonly release: boolean; readonly why: string }
  /** Every parameter of the tree (removal policy destroy). */
  | { readonly scope: 'tree'; readonly why: string };

export interface RemovalInput {
  readonly physicalId: string;
  readonly parsed: ParsedPhysicalId;
  /** undefined: the stack does not exist (any more). */
  readonly stackStatus: string | undefined;
  /** undefined: the stack has no resource with the Delete's logical id. */
  readonly livePhysicalId: string | undefined;
  /** That resource's status, when known (DELETE_IN_PROGRESS while CloudFormation deletes it). */
  readonly liveResourceStatus?: string;
  readonly removalPolicy: 'retain' | 'destroy';
}

/** Stack statuses in which the whole stack, or the Create that made it, goes away. */
const STACK_GOING = /^(DELETE|ROLLBACK)_/;
/** The cleanup phases, after an update that succeeded and after one that rolled back. */
const CLEANUP_AFTER_SUCCESS = 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS';
const CLEANUP_AFTER_ROLLBACK = 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS';

/** The design's removal rules, in order. */
export function removalOf(input: RemovalInput): Removal {
  const { parsed, stackStatus, livePhysicalId } = input;
  const live = livePhysicalId === undefined ? undefined : parsePhysicalId(livePhysicalId);
  if (stackStatus === undefined) return wholeTree(input, 'the stack does not exist');
  if (livePhysicalId === input.physicalId && isLiveStatus(input.liveResourceStatus)) {
    // CloudFormation deletes a resource only after marking it DELETE_IN_PROGRESS. A live resource
    // with this very id means the Delete is a late duplicate of a cleanup, delivered after a later
    // update made the same generation live again (A, then B, then A): the tree is in use.
    return { scope: 'none', why: `the stack's resource holds this very generation and is ${input.liveResourceStatus}: a Delete delivered again late removes nothing` };
  }
  if (!live || livePhysicalId === input.physicalId) return wholeTree(input, `the stack (${stackStatus}) holds no other generation of this tree`);
  if (live.path === parsed.path && live.generation === parsed.generation) {
    return { scope: 'none', why: `the live resource ${livePhysicalId} holds the same parameters (only a setting changed)` };
  }
  if (STACK_GOING.test(stackStatus)) return wholeTree(input, `the stack is ${stackStatus}`);
  if (stackStatus !== CLEANUP_AFTER_SUCCESS && stackStatus !== CLEANUP_AFTER_ROLLBACK) {
    // CloudFormation sends the Delete of a replaced physical id only in the cleanup phase after
    // the update: in any other status this is a late duplicate, whose first delivery did the
    // work. It may arrive during the next update, whose marks must outlive that update (its
    // rollback may need what they mark), so it removes nothing.
    return { scope: 'none', why: `generation replaced by ${livePhysicalId}; a Delete delivered again outside a cleanup (${stackStatus}) removes nothing` };
  }
  // After a rollback, what the live generation marked is what the failed update made (the
  // rollback's reconcile marked it): it goes whatever the settings. After a success, the live
  // generation's setting decides, not the Delete's own (the old one).
  const release = stackStatus === CLEANUP_AFTER_SUCCESS && live.retainRemoved;
  if (live.path !== parsed.path) {
    return { scope: 'old-path', release, why: `the tree moved to ${livePhysicalId} (${stackStatus}); what it owns under ${parsed.path} is no longer wanted` };
  }
  return {
    scope: 'removed',
    removedIn: live.generation,
    release,
    why: `generation replaced by ${livePhysicalId} (${stackStatus}); what that generation marked ${REMOVED_IN_TAG}=${live.generation} goes`,
  };
}

/**
 * A tree whose logical id left a living stack, or moved away from this path, may live on under
 * another resource of the stack holding the path: a renamed construct keeps its owner (tree id
 * and path), and its new resource took the parameters over. Then this Delete removes nothing;
 * the live resource's reconciles remove what it does not want.
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

/**
 * Resource statuses of a resource that stays: created, updated or rolled back to. Any other (a
 * DELETE_ one, a failed one that may be deleted next, one not known) lets the other rules decide.
 */
const LIVE_RESOURCE_STATUS = /^((CREATE|UPDATE|IMPORT)_COMPLETE|UPDATE_IN_PROGRESS|UPDATE_ROLLBACK_(IN_PROGRESS|COMPLETE))$/;

function isLiveStatus(status: string | undefined): boolean {
  return status !== undefined && LIVE_RESOURCE_STATUS.test(status);
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
    const live = await deps.stack.liveResource(deps.logicalId);
    const decided = removalOf({
      physicalId,
      parsed,
      stackStatus,
      livePhysicalId: live?.physicalId,
      liveResourceStatus: live?.status,
      removalPolicy: removalPolicyOf(rawProps),
    });
    const stackLivesOn = stackStatus !== undefined && !STACK_GOING.test(stackStatus);
    const wholePath = decided.scope === 'tree' || decided.scope === 'old-path';
    return wholePath && stackLivesOn ? unlessLivingElsewhere(deps, parsed, decided) : decided;
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
    if (removal.scope === 'removed') tags[REMOVED_IN_TAG] = removal.removedIn;
    const owned = [...(await deps.store.describeTagged(parsed.path, tags)).keys()];
    if (owned.length === 0) continue;
    if (removal.scope !== 'tree' && removal.release) {
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
