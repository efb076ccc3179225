import { concurrencyFromEnv, ConcurrentWorkError, mapWithConcurrency } from '../../../lambda-handlers/shared/concurrency';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('bounded concurrency', () => {
  test('never has more than the limit in flight, and keeps item order in results', async () => {
    // GIVEN
    let inFlight = 0;
    let highest = 0;
    const work = async (n: number) => {
      inFlight++;
      highest = Math.max(highest, inFlight);
      for (let i = 0; i < (n % 3) + 1; i++) await tick();
      inFlight--;
      return n * 10;
    };

    // WHEN
    const results = await mapWithConcurrency([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 3, work);

    // THEN
    expect(results).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(highest).toBe(3);
  });

  test('starts no new item after a failure and reports every failure with its item', async () => {
    // GIVEN items 2 and 3 fail at once while 1 and 4 are still in flight
    const started: number[] = [];
    const work = async (n: number) => {
      started.push(n);
      if (n === 2 || n === 3) throw new Error(`item ${n} broke`);
      await tick();
      return n;
    };

    // WHEN
    const run = mapWithConcurrency([1, 2, 3, 4, 5, 6, 7, 8], 4, work);

    // THEN
    await expect(run).rejects.toThrow(ConcurrentWorkError);
    const error = (await run.catch((e: unknown) => e)) as ConcurrentWorkError<number>;
    expect(error.failures.map((f) => [f.item, (f.error as Error).message])).toEqual([[2, 'item 2 broke'], [3, 'item 3 broke']]);
    expect(started).toEqual([1, 2, 3, 4]);
  });

  test('handles an empty list', async () => {
    expect(await mapWithConcurrency([], 4, async () => 1)).toEqual([]);
  });

  test.each([
    [undefined, 4],
    ['', 4],
    ['7', 7],
  ])('reads concurrency %p from the environment as %i', (value, expected) => {
    expect(concurrencyFromEnv(value, 4, 'RECONCILER_CONCURRENCY')).toBe(expected);
  });

  test.each(['0', '-1', '2.5', 'many'])('rejects concurrency %p naming the variable and value', (value) => {
    expect(() => concurrencyFromEnv(value, 4, 'RECONCILER_CONCURRENCY')).toThrow(`RECONCILER_CONCURRENCY must be a positive integer, got: '${value}'`);
  });
});
