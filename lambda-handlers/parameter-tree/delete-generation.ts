/**
 * Delete: removes the parameters of one generation of a tree, in batches within the API limit.
 */
import { DeadlineError, outOfTimeSays } from './executor';
import { parsePhysicalId } from './hashing';
import { deleteBatchesOf, ParameterStore } from './parameter-store';
import { GENERATION_TAG, OWNER_TAG } from '../../src/parameter-tree/private/contract';
import { ConcurrentWorkError, mapWithConcurrency, WorkCancelledError } from '../shared/concurrency';
import { describeError } from '../shared/retry';

export interface DeleteOptions {
  /** `<path>@<generation>` of the generation to delete. */
  readonly physicalId: string;
  /** The properties the Delete carries; only RemovalPolicy is read. */
  readonly rawProps: unknown;
  readonly owner: string;
  readonly store: ParameterStore;
  readonly concurrency: number;
  readonly log: (message: string) => void;
  /** Aborts at the invocation's deadline. */
  readonly signal?: AbortSignal;
}

/**
 * Delete: removes the parameters of one generation, and only under 'destroy'. A cleanup Delete
 * after an Update, or after its rollback, finds only what no later generation re-tagged.
 */
export async function deleteGeneration(deps: DeleteOptions): Promise<void> {
  const { physicalId, rawProps, owner, store } = deps;
  const parsed = parsePhysicalId(physicalId);
  if (!parsed) {
    deps.log(`delete ${physicalId}: not a tree generation, nothing to do`);
    return;
  }
  // A Delete must not fail on properties it cannot read; anything but 'destroy' retains.
  const removalPolicy = (rawProps as { RemovalPolicy?: unknown } | undefined)?.RemovalPolicy;
  if (removalPolicy !== 'destroy') {
    deps.log(`delete ${physicalId}: removal policy is retain, parameters kept`);
    return;
  }
  const names = await outOfTimeSays(`finding the parameters of tree '${parsed.path}' to delete; nothing was deleted`, async () =>
    [...(await store.describeTagged(parsed.path, { [OWNER_TAG]: owner, [GENERATION_TAG]: parsed.generation })).keys()]);
  const batches = deleteBatchesOf(names);
  try {
    await mapWithConcurrency(batches, deps.concurrency, (batch) => store.deleteBatch(batch), deps.signal);
  } catch (error) {
    if (error instanceof WorkCancelledError) {
      throw new DeadlineError(
        `out of time: ${error.completed} of ${error.total} DeleteParameters batch(es) of tree '${parsed.path}' done ` +
        `(${names.length} parameters in all), ${error.total - error.completed} left; every call had stopped before this answer. ` +
        'Deleting again removes the rest',
      );
    }
    if (!(error instanceof ConcurrentWorkError)) throw error;
    const details = error.failures.map((f) => `${(f.item as string[]).map((n) => `'${n}'`).join(', ')}: ${describeError(f.error)}`);
    throw new Error(`could not delete parameters of tree '${parsed.path}': ${details.join('; ')}`);
  }
  deps.log(`delete ${physicalId}: ${names.length} parameter(s) deleted`);
}
