/**
 * When to try again: exponential backoff with full jitter, the server's
 * Retry-After, and a total time budget. Pure functions; the clock and the
 * random source are passed in, so tests decide what time it is.
 */

export interface RetryPolicy {
  /** Total attempts, the first included. */
  readonly maxAttempts: number;
  /** The backoff before retry n (n >= 1) is random in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))]. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Time from the first attempt after which no new attempt starts, waits included. */
  readonly budgetMs: number;
  /** An attempt with no complete answer after this long is abandoned and retried (with the same key). */
  readonly attemptTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  budgetMs: 30_000,
  attemptTimeoutMs: 10_000,
};

/** Time and chance, injectable. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Uniform in [0, 1). */
  random(): number;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * Full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog):
 * spreads retries of many clients over the whole window instead of bunching
 * them at its end.
 */
export function fullJitterDelayMs(retryNumber: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retryNumber - 1));
  return Math.floor(random() * ceiling);
}

/**
 * `Retry-After` (RFC 9110 section 10.2.3): delta-seconds or an HTTP-date.
 * Milliseconds to wait from `nowMs`; undefined when absent or unreadable.
 */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // HTTP-dates, in all three RFC 9110 formats, start with a day name; Date.parse alone would take "1.5".
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * The wait before retry n: never shorter than what the server asked for,
 * and jittered when our own backoff is longer.
 */
export function retryDelayMs(retryNumber: number, retryAfterMs: number | undefined, policy: RetryPolicy, random: () => number): number {
  const backoff = fullJitterDelayMs(retryNumber, policy, random);
  return retryAfterMs === undefined ? backoff : Math.max(retryAfterMs, backoff);
}

/** Statuses after which the same request, with the same key, may succeed. */
export function isRetryableStatus(status: number): boolean {
  return status === 409 || status === 429 || status >= 500;
}
