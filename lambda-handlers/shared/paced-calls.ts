/**
 * Runs AWS calls through one adaptive rate limiter per action, with the retry policy of a
 * long-running deployment: throttles are retried for as long as the invocation has time (the
 * abort signal says when it has none), other transient errors a few times, nothing else.
 */
import { AbortedError, AdaptiveRateLimiter, sleepUnlessAborted } from './rate-limiter';
import { backoffDelay, isThrottlingError, isTransientError, RetriesExhaustedError, Sleep } from './retry';

export interface PacedCallsOptions<A extends string> {
  /** Starting calls per second per action; actions not listed are not paced. */
  readonly startRates: Partial<Record<A, number>>;
  /** The most each action may reach; defaults to its starting rate. */
  readonly maxRates?: Partial<Record<A, number>>;
  /** Cancels waits and calls: the invocation's deadline. */
  readonly signal?: AbortSignal;
  readonly sleep: Sleep;
  readonly now?: () => number;
  /** Attempts for transient errors other than throttling, the first included. */
  readonly transientAttempts?: number;
  readonly random?: () => number;
}

/** Counts for the log: how often each action was throttled. */
export type ThrottleCounts = Record<string, number>;

export const DEFAULT_TRANSIENT_ATTEMPTS = 4;

/** Without a deadline to bound them, throttles are retried at most this often per call. */
export const THROTTLED_ATTEMPTS_WITHOUT_DEADLINE = 100;

/** Throttling backs off through the limiter; this is only a floor between attempts of one call. */
const TRANSIENT_BACKOFF = { baseDelayMs: 200, maxDelayMs: 5_000 };

export class PacedCalls<A extends string> {
  public readonly throttles: ThrottleCounts = {};
  private readonly limiters = new Map<A, AdaptiveRateLimiter>();

  constructor(private readonly options: PacedCallsOptions<A>) {
    for (const [action, rate] of Object.entries(options.startRates) as Array<[A, number]>) {
      const maxRate = Math.max(rate, options.maxRates?.[action] ?? rate);
      this.limiters.set(action, new AdaptiveRateLimiter({
        initialRate: rate,
        maxRate,
        minRate: maxRate / 20,
        // From half the quota back to the top in about ten seconds.
        increasePerSecond: maxRate / 20,
        decreaseFactor: 0.75,
        sleep: options.sleep,
        now: options.now,
      }));
    }
  }

  public get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  /** The current rate of an action's limiter (for logs and tests). */
  public rateOf(action: A): number | undefined {
    return this.limiters.get(action)?.rate;
  }

  /**
   * Calls `call` (which must pass the signal on to the SDK) until it succeeds, fails with a
   * non-transient error, runs out of transient attempts, or the signal aborts.
   */
  public async call<T>(action: A, call: (signal?: AbortSignal) => Promise<T>): Promise<T> {
    const { signal } = this.options;
    const limiter = this.limiters.get(action);
    const maxTransient = this.options.transientAttempts ?? DEFAULT_TRANSIENT_ATTEMPTS;
    let transientFailures = 0;
    let throttled = 0;
    for (;;) {
      if (limiter) await limiter.acquire(signal);
      else if (signal?.aborted) throw new AbortedError();
      try {
        const result = await call(signal);
        limiter?.onSuccess();
        return result;
      } catch (error) {
        if (signal?.aborted) throw new AbortedError();
        if (isThrottlingError(error)) {
          this.throttles[action] = (this.throttles[action] ?? 0) + 1;
          throttled++;
          if (!signal && throttled >= THROTTLED_ATTEMPTS_WITHOUT_DEADLINE) throw new RetriesExhaustedError(throttled, error);
          limiter?.onThrottle();
          if (!limiter) await sleepUnlessAborted(this.options.sleep, backoffDelay(1, { ...TRANSIENT_BACKOFF, random: this.options.random }), signal);
          continue;
        }
        if (!isTransientError(error)) throw error;
        transientFailures++;
        if (transientFailures >= maxTransient) throw new RetriesExhaustedError(transientFailures, error);
        await sleepUnlessAborted(this.options.sleep, backoffDelay(transientFailures, { ...TRANSIENT_BACKOFF, random: this.options.random }), signal);
      }
    }
  }
}
