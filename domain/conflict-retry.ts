import { TransactionConflictError } from './errors';

export interface ConflictRetryPolicy {
  /** Total attempts of the transaction, the first included. */
  readonly maxAttempts: number;
  /** Backoff before attempt n (n >= 1) is a random delay in [0, baseDelayMs * 2^(n-1)]. */
  readonly baseDelayMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  /** Told before each retry (attempt n >= 2 is about to run): the handler counts them. */
  readonly onRetry?: (attempt: number) => void;
}

export const defaultConflictRetryPolicy: ConflictRetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 25,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * Runs one attempt of a money transaction, again when DynamoDB cancelled it
 * because another transaction touched the same items: a bounded number of
 * times with full jitter, then TransactionConflictError (409) goes to the
 * client. Each attempt is whole (its own timestamp, its own transaction):
 * the operation's ledger guard keeps the effect single whatever happens.
 */
export async function withConflictRetries<T>(retry: ConflictRetryPolicy, attempt: () => Promise<T>): Promise<T> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof TransactionConflictError) || attemptNumber >= retry.maxAttempts) throw error;
      retry.onRetry?.(attemptNumber + 1);
      await retry.sleep(Math.floor(retry.random() * retry.baseDelayMs * 2 ** (attemptNumber - 1)));
    }
  }
}
