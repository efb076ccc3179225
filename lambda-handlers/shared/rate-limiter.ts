/**
 * An adaptive client-side rate limiter, shared by every worker that calls one rate-limited API.
 *
 * Calls are paced, not raced: each caller reserves the next free slot (1/rate apart) and waits
 * for it, so the calls leave evenly spaced however many workers there are. The rate adapts the
 * way TCP's congestion control does (additive increase, multiplicative decrease): a throttle cuts
 * it at once, quiet time raises it slowly, because the quota is shared with other writers.
 */
import { Sleep } from './retry';

export interface RateLimiterOptions {
  /** Calls per second to start with. */
  readonly initialRate: number;
  /** Never faster than this (the quota, when known). */
  readonly maxRate: number;
  /** Never slower than this, so a long-throttled run still makes progress. */
  readonly minRate: number;
  /** Rate added per second without a throttle. */
  readonly increasePerSecond: number;
  /** Factor applied to the rate on a throttle. */
  readonly decreaseFactor: number;
  readonly now?: () => number;
  readonly sleep: Sleep;
}

export class AbortedError extends Error {
  constructor() {
    super('the operation was cancelled');
    this.name = 'AbortedError';
  }
}

export class AdaptiveRateLimiter {
  private currentRate: number;
  private nextSlotAt = 0;
  private lastChangeAt: number;
  /** A burst of throttles from calls already in flight counts as one signal, not several. */
  private holdDecreasesUntil = 0;
  private readonly now: () => number;

  constructor(private readonly options: RateLimiterOptions) {
    if (!(options.minRate > 0 && options.minRate <= options.initialRate && options.initialRate <= options.maxRate)) {
      throw new Error(`rates must satisfy 0 < min <= initial <= max, got: ${options.minRate}, ${options.initialRate}, ${options.maxRate}`);
    }
    this.currentRate = options.initialRate;
    this.now = options.now ?? Date.now;
    this.lastChangeAt = this.now();
  }

  public get rate(): number {
    return this.currentRate;
  }

  /** Waits for this caller's slot; rejects with AbortedError once `signal` is aborted. */
  public async acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new AbortedError();
    const now = this.now();
    const slot = Math.max(now, this.nextSlotAt);
    this.nextSlotAt = slot + 1000 / this.currentRate;
    if (slot > now) await sleepUnlessAborted(this.options.sleep, slot - now, signal);
    if (signal?.aborted) throw new AbortedError();
  }

  /** A call went through: speed up by `increasePerSecond` per second since the last change. */
  public onSuccess(): void {
    const now = this.now();
    const seconds = Math.max(0, now - this.lastChangeAt) / 1000;
    this.currentRate = Math.min(this.options.maxRate, this.currentRate + this.options.increasePerSecond * seconds);
    this.lastChangeAt = now;
  }

  /** A call was throttled: slow down, once per burst of throttles. */
  public onThrottle(): void {
    const now = this.now();
    this.lastChangeAt = now;
    if (now < this.holdDecreasesUntil) return;
    this.currentRate = Math.max(this.options.minRate, this.currentRate * this.options.decreaseFactor);
    // Calls reserved at the old rate are still going out; the next second shows the new rate.
    this.holdDecreasesUntil = now + Math.max(1000, 1000 / this.currentRate);
    // Push back the slots already promised, so the slower pace starts now.
    this.nextSlotAt = Math.max(this.nextSlotAt, now + 1000 / this.currentRate);
  }
}

/** `sleep(ms)`, cut short with AbortedError when `signal` aborts first. */
export async function sleepUnlessAborted(sleep: Sleep, ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return sleep(ms);
  if (signal.aborted) throw new AbortedError();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new AbortedError());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([sleep(ms, signal), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}
