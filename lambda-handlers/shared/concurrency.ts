/**
 * Runs async work over many items with at most `limit` in flight, so a large tree does not
 * trip API rate limits by itself.
 */

/** One item's failure, kept with the item so the caller can say which one failed. */
export interface ItemFailure<T> {
  readonly item: T;
  readonly error: unknown;
}

/** Thrown when at least one item failed; lists every failure seen before work stopped. */
export class ConcurrentWorkError<T> extends Error {
  constructor(readonly failures: ReadonlyArray<ItemFailure<T>>) {
    super(`${failures.length} item(s) failed`);
    this.name = 'ConcurrentWorkError';
  }
}

/** Thrown when the signal stopped the work: says how much was done and how much was left. */
export class WorkCancelledError extends Error {
  constructor(readonly completed: number, readonly total: number) {
    super(`cancelled with ${completed} of ${total} item(s) done`);
    this.name = 'WorkCancelledError';
  }
}

/**
 * Applies `work` to every item, at most `limit` at a time, results in item order.
 *
 * After the first failure no new item starts (fewer writes after something went wrong); the
 * items already in flight finish, then a `ConcurrentWorkError` lists every failure. Once
 * `signal` aborts, no new item starts either; when the items in flight have settled, a
 * `WorkCancelledError` says how many were done.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error(`concurrency limit must be a positive integer, got: ${limit}`);
  }
  const results = new Array<R>(items.length);
  const failures: Array<ItemFailure<T> & { index: number }> = [];
  let next = 0;
  let completed = 0;

  const worker = async (): Promise<void> => {
    while (failures.length === 0 && next < items.length && !signal?.aborted) {
      const index = next++;
      try {
        results[index] = await work(items[index], index);
        completed++;
      } catch (error) {
        if (!signal?.aborted) failures.push({ item: items[index], error, index });
      }
    }
  };

  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (signal?.aborted) throw new WorkCancelledError(completed, items.length);
  if (failures.length > 0) {
    failures.sort((a, b) => a.index - b.index);
    throw new ConcurrentWorkError(failures.map(({ item, error }) => ({ item, error })));
  }
  return results;
}

/** Reads a positive integer setting from the environment, or the default when unset. */
export function concurrencyFromEnv(value: string | undefined, fallback: number, variable: string): number {
  if (value === undefined || value.trim() === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new Error(`${variable} must be a positive integer, got: '${value}'`);
  }
  return parsed;
}
