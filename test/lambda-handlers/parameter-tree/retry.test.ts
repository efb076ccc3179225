import { backoffDelay, isThrottlingError, isTransientError, RetriesExhaustedError, withRetry } from '../../../lambda-handlers/shared/retry';

function awsError(name: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, ...extra });
}

describe('retry with backoff', () => {
  const options = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5 };

  test.each([
    ['ThrottlingException', awsError('ThrottlingException')],
    ['TooManyUpdates', awsError('TooManyUpdates')],
    ['an SDK error flagged as throttling', awsError('SomethingElse', { $retryable: { throttling: true } })],
    ['HTTP 429', awsError('Unknown', { $metadata: { httpStatusCode: 429 } })],
  ])('treats %s as throttling', (_label, error) => {
    expect(isThrottlingError(error)).toBe(true);
  });

  test.each([
    ['AccessDeniedException', awsError('AccessDeniedException', { $metadata: { httpStatusCode: 400 } })],
    ['ParameterAlreadyExists', awsError('ParameterAlreadyExists')],
    ['a plain string', 'boom'],
  ])('does not retry %s', (_label, error) => {
    expect(isTransientError(error)).toBe(false);
  });

  test('treats 5xx answers as transient', () => {
    expect(isTransientError(awsError('InternalServerError', { $metadata: { httpStatusCode: 500 } }))).toBe(true);
  });

  test('waits with full jitter under an exponential cap', () => {
    // GIVEN jitter pinned to the top of its range
    const top = { ...options, random: () => 0.999999 };

    // THEN caps 100, 200, 400, 800, then the 1000 ms ceiling
    expect([1, 2, 3, 4, 5, 6].map((retry) => backoffDelay(retry, top))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(3, { ...options, random: () => 0 })).toBe(0);
  });

  test('retries throttling until the call succeeds, sleeping between attempts', async () => {
    // GIVEN a call throttled twice
    const sleeps: number[] = [];
    const failures = [awsError('ThrottlingException'), awsError('TooManyUpdates')];
    const call = jest.fn(async () => {
      const failure = failures.shift();
      if (failure) throw failure;
      return 'done';
    });

    // WHEN
    const result = await withRetry(call, { ...options, sleep: async (ms) => { sleeps.push(ms); } });

    // THEN
    expect(result).toBe('done');
    expect(call).toHaveBeenCalledTimes(3);
    expect(sleeps).toEqual([50, 100]);
  });

  test('gives up after maxAttempts with the last error', async () => {
    // GIVEN
    const call = jest.fn(async () => { throw awsError('ThrottlingException'); });
    const sleep = jest.fn(async () => {});

    // WHEN
    const attempt = withRetry(call, { ...options, sleep });

    // THEN
    await expect(attempt).rejects.toThrow(RetriesExhaustedError);
    await expect(withRetry(call, { ...options, sleep })).rejects.toThrow(/gave up after 5 attempts: ThrottlingException: ThrottlingException happened/);
    expect(sleep).toHaveBeenCalledTimes(8);
  });

  test('does not retry an error that is not retryable', async () => {
    const call = jest.fn(async () => { throw awsError('AccessDeniedException'); });
    await expect(withRetry(call, { ...options, sleep: async () => {} })).rejects.toThrow(/AccessDeniedException happened/);
    expect(call).toHaveBeenCalledTimes(1);
  });
});
