/**
 * Retries with exponential backoff and full jitter, for AWS calls that may be throttled.
 *
 * Full jitter (a delay drawn uniformly between zero and the exponential cap) spreads retries
 * of many concurrent callers, so they do not hit the throttled API again in lockstep.
 */

/** Waits `ms`; may end early when `signal` aborts (the caller checks the signal afterwards). */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) => new Promise((resolve) => {
  // Cleared on abort, so that no timer outlives a cancelled reconcile.
  const timer = setTimeout(done, ms);
  function done(): void {
    clearTimeout(timer);
    signal?.removeEventListener('abort', done);
    resolve();
  }
  signal?.addEventListener('abort', done, { once: true });
});

export interface RetryOptions {
  /** Total attempts, the first included. */
  readonly maxAttempts: number;
  /** Cap of the first retry's delay; doubles with every further retry. */
  readonly baseDelayMs: number;
  /** No single delay exceeds this. */
  readonly maxDelayMs: number;
  readonly sleep: Sleep;
  /** Uniform in [0, 1); injectable so tests can pin the jitter. */
  readonly random?: () => number;
  /** Which errors are worth another attempt. */
  readonly isRetryable?: (error: unknown) => boolean;
}

const THROTTLING_ERROR_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'TooManyUpdates',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'SlowDown',
]);

/** True for throttling errors, however the SDK or the service names them. */
export function isThrottlingError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { name?: unknown; $retryable?: { throttling?: boolean }; $metadata?: { httpStatusCode?: number } };
  if (typeof candidate.name === 'string' && THROTTLING_ERROR_NAMES.has(candidate.name)) return true;
  if (candidate.$retryable?.throttling === true) return true;
  return candidate.$metadata?.httpStatusCode === 429;
}

const TRANSIENT_ERROR_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'InternalServerError', 'InternalFailure', 'ServiceUnavailable', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/** Throttling, or a failure the same request may not meet again (5xx, timeouts, dropped connections). */
export function isTransientError(error: unknown): boolean {
  if (isThrottlingError(error)) return true;
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { name?: unknown; code?: unknown; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (candidate.$retryable) return true;
  if ((candidate.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  return TRANSIENT_ERROR_NAMES.has(String(candidate.name)) || TRANSIENT_ERROR_NAMES.has(String(candidate.code));
}

/** The delay before retry number `retry` (1 for the first retry), with full jitter. */
export function backoffDelay(retry: number, options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'>): number {
  const random = options.random ?? Math.random;
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/** Thrown when every attempt failed with a retryable error; keeps the last error as `cause`. */
export class RetriesExhaustedError extends Error {
  constructor(readonly attempts: number, readonly lastError: unknown) {
    super(`gave up after ${attempts} attempts: ${describeError(lastError)}`);
    this.name = 'RetriesExhaustedError';
  }
}

/** Runs `operation` until it succeeds, fails with a non-retryable error, or attempts run out. */
export async function withRetry<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  const isRetryable = options.isRetryable ?? isThrottlingError;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isRetryable(error)) throw error;
      if (attempt >= options.maxAttempts) throw new RetriesExhaustedError(attempt, error);
      await options.sleep(backoffDelay(attempt, options));
    }
  }
}

/** `Name: message` of an error, or its string form. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  }
  return String(error);
}
